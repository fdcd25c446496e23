package main

// The partner webhook latency section (issue 18): moto and DynamoDB Local started here, the
// measurement in bench/internal/webhookbench.

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"bffsuite.dev/bench/internal/proc"
	"bffsuite.dev/bench/internal/report"
	"bffsuite.dev/bench/internal/webhookbench"
	"bffsuite.dev/shared/testenv"
)

// webhookLatency fills r.Webhooks; a missing peer is reported in the section, not an error.
func webhookLatency(ctx context.Context, n int, r *report.Report) error {
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		r.Webhooks = &report.WebhookLatency{Note: "moto_server not on PATH (.ci/install-deps moto)"}
		return nil
	}
	addr, err := proc.FreeAddr()
	if err != nil {
		return err
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	moto, err := proc.Start("moto_server", bin, []string{"-H", host, "-p", port}, []string{"MOTO_PORT=" + port})
	if err != nil {
		return err
	}
	defer moto.Stop()
	endpoint := "http://" + addr
	if err := moto.WaitHTTP(ctx, endpoint+"/moto-api/", 30*time.Second); err != nil {
		return fmt.Errorf("moto_server: %w", err)
	}
	ddb, err := testenv.StartDynamoDBLocal(ctx)
	if err != nil {
		r.Webhooks = &report.WebhookLatency{Note: "DynamoDB Local did not start (.ci/install-deps ddb): " + err.Error()}
		return nil
	}
	defer ddb.Stop()
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("bench", "bench", ""),
		BaseEndpoint: aws.String(endpoint), HTTPClient: &http.Client{Timeout: 30 * time.Second}}
	res, err := webhookbench.Run(ctx, cfg, ddb.Client(), "bench-", n)
	if err != nil {
		return fmt.Errorf("webhook latency: %w", err)
	}
	conv := func(s webhookbench.Stats) report.LatencyStats {
		return report.LatencyStats{N: s.N, P50: s.P50, P99: s.P99, Max: s.Max}
	}
	r.Webhooks = &report.WebhookLatency{Path: conv(res.Path), Floor: conv(res.Floor)}
	return nil
}
