// Command echoapp is a test fixture: a BFF-shaped app on server.NewEngine whose routes echo
// what reached Gin, so the Lambda tests under the Runtime Interface Emulator can check every
// gap of the proxy adapter (cookies, encoded queries, multi-value headers, binary bodies,
// base paths, deadlines).
package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

type appConfig struct {
	Addr string `env:"BFF_ADDR" default:"127.0.0.1:0"`
	HTTP server.Config
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "echoapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg appConfig
	if err := config.Load(&cfg); err != nil {
		return err
	}
	logger := logging.New(os.Stdout, logging.Options{Service: "echoapp"})
	r := server.NewEngine(server.EngineOptions{Config: cfg.HTTP, Logger: logger, CORSCredentials: true, JSONExempt: []string{"/binary"}})
	r.GET("/echo", func(c *gin.Context) {
		cookies := map[string]string{}
		for _, name := range c.QueryArray("cookie") {
			v, err := c.Cookie(name)
			if err == nil {
				cookies[name] = v
			}
		}
		headers := map[string][]string{}
		for _, name := range c.QueryArray("header") {
			headers[name] = c.Request.Header.Values(name)
		}
		c.JSON(http.StatusOK, gin.H{
			"path":           c.Request.URL.Path,
			"query":          c.Request.URL.Query(),
			"cookies":        cookies,
			"headers":        headers,
			"correlation_id": logging.CorrelationID(c.Request.Context()),
		})
	})
	r.POST("/cookies", func(c *gin.Context) {
		c.SetSameSite(http.SameSiteLaxMode)
		c.SetCookie("session", "s1", 3600, "/", "", true, true)
		c.SetCookie("csrf", "c1", 3600, "/", "", true, false)
		c.SetCookie("pref", "p1", 3600, "/", "", true, false)
		c.Status(http.StatusNoContent)
	})
	r.POST("/binary", func(c *gin.Context) {
		body, err := io.ReadAll(c.Request.Body)
		if err != nil {
			_ = c.Error(err)
			return
		}
		c.Data(http.StatusOK, "application/octet-stream", body)
	})
	r.POST("/json", func(c *gin.Context) {
		var v map[string]any
		if err := c.ShouldBindJSON(&v); err != nil {
			c.AbortWithStatus(http.StatusBadRequest)
			return
		}
		c.JSON(http.StatusOK, v)
	})
	r.GET("/slow", func(c *gin.Context) {
		d, _ := strconv.Atoi(c.Query("ms"))
		select {
		case <-time.After(time.Duration(d) * time.Millisecond):
			c.JSON(http.StatusOK, gin.H{"slept_ms": d})
		case <-c.Request.Context().Done():
			_ = c.Error(c.Request.Context().Err())
		}
	})
	r.GET("/panic", func(c *gin.Context) { panic("boom: secret internal detail") })
	return server.Run(ctx, r, server.RunOptions{Name: "echoapp", Addr: cfg.Addr, Config: cfg.HTTP, Logger: logger})
}
