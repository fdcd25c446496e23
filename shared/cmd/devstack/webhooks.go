package main

// The local webhook receiver of `make run` (issue 18): partners' webhooks need somewhere to
// go on a laptop. Register http://<addr>/hooks with POST /v1/webhooks on bff-partner; the page
// at http://<addr>/?secret=<the secret> shows each delivery and whether its signature verifies.

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"bffsuite.dev/shared/webhooks"
)

// startWebhookReceiver serves a webhooks.Receiver on addr ("" disables it; a taken address
// only prints a line).
func startWebhookReceiver(out io.Writer, addr string) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		// Optional: the suite runs without it (tests start several devstacks at once).
		fmt.Fprintf(out, "webhook receiver not started on %s (WEBHOOK_RECEIVER_ADDR): %v\n", addr, err)
		return nil, nil
	}
	srv := &http.Server{Handler: &webhooks.Receiver{}, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Fprintf(out, "webhook receiver  http://%s/  (register http://%s/hooks with POST /v1/webhooks on bff-partner)\n", addr, addr)
	return srv, nil
}
