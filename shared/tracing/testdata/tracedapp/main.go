// Command tracedapp is a test fixture: a BFF-shaped Lambda bootstrap on server.NewEngine with
// tracing and EMF metrics wired as shared/platform wires them. The RIE tests of package tracing run
// it to check trace continuity (response header, problem body, log lines, EMF lines) and the
// init benchmark compares its Init Duration with tracing and metrics on and off. With
// BFF_TEST_SPANS_STDOUT=1 every ended span is also printed to stdout as one JSON object
// (the SDK's stdouttrace exporter), so the tests can check parents across the process boundary.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/tracing"
	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
)

const name = "bff-traced"

type appConfig struct {
	Addr        string `env:"BFF_ADDR" default:"127.0.0.1:0"`
	SpansStdout bool   `env:"BFF_TEST_SPANS_STDOUT"`
	HTTP        server.Config
	Tracing     tracing.Config
	Metrics     metrics.Config
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "tracedapp:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg appConfig
	if err := config.Load(&cfg); err != nil {
		return err
	}
	var opts []tracing.Option
	if cfg.SpansStdout {
		exp, err := stdouttrace.New(stdouttrace.WithWriter(os.Stdout))
		if err != nil {
			return err
		}
		opts = append(opts, tracing.WithSyncer(exp))
	}
	tp, err := tracing.Setup(ctx, name, cfg.Tracing, opts...)
	if err != nil {
		return err
	}
	logger := logging.New(os.Stdout, logging.Options{Service: name, ClientKind: tracing.ClientKind(name)})
	r := server.NewEngine(server.EngineOptions{Config: cfg.HTTP, Logger: logger, Service: name, Tracing: tp, Metrics: cfg.Metrics})
	r.GET("/ok", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/parts", func(c *gin.Context) {
		res, err := aggregate.Run(c.Request.Context(),
			aggregate.Required("profile", func(ctx context.Context) error { return sleep(ctx, time.Millisecond) }),
			aggregate.Optional("recommendations", func(ctx context.Context) error { return sleep(ctx, time.Second) }).WithTimeout(20*time.Millisecond),
		)
		if err != nil {
			problem.Abort(c, err)
			return
		}
		c.JSON(http.StatusOK, gin.H{"partial": res.FailedNames()})
	})
	r.GET("/fail", func(c *gin.Context) {
		problem.Abort(c, fmt.Errorf("get product p-1: %w", domain.ErrUnavailable))
	})
	return server.Run(ctx, r, server.RunOptions{Name: name, Addr: cfg.Addr, Config: cfg.HTTP, Logger: logger, Tracing: tp})
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
