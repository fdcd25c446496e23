// Command floorserver is the warm-latency floor: a bare gin.New() server (no middleware)
// answering one route with fixed bytes captured from a BFF, so the BFF's latency can be read
// against what Gin, net/http and the loopback cost anyway. The harness starts it as its own
// process, like the BFFs.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	method := flag.String("method", http.MethodGet, "method of the route")
	path := flag.String("path", "/", "path of the route")
	status := flag.Int("status", http.StatusOK, "status to answer")
	ctype := flag.String("content-type", "application/json; charset=utf-8", "Content-Type to answer")
	bodyFile := flag.String("body", "", "file holding the body to answer")
	flag.Parse()
	body, err := os.ReadFile(*bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(2)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.GET("/healthz", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	r.Handle(*method, *path, func(c *gin.Context) { c.Data(*status, *ctype, body) })
	if err := http.ListenAndServe(*addr, r); err != nil {
		fmt.Fprintln(os.Stderr, "floorserver:", err)
		os.Exit(1)
	}
}
