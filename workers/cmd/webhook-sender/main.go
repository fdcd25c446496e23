// Command webhook-sender is the Lambda on the webhook delivery queue (ReportBatchItemFailures):
// one message per delivery attempt. It POSTs the signed webhook (Standard Webhooks headers) to
// the partner's endpoint; a 2xx ends the delivery; a failure records the attempt and makes the
// message visible again after the backoff (ChangeMessageVisibility), until the queue's
// maxReceiveCount moves it to the DLQ (≥ 24 h of retries).
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/webhooks"
	"bffsuite.dev/workers/internal/webhookfn"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-sender:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg webhookfn.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	d, err := webhookfn.Open(ctx, cfg, "webhook-sender")
	if err != nil {
		return err
	}
	s := &webhooks.Sender{Client: d.Webhooks, HTTP: &http.Client{Timeout: cfg.Timeout,
		// A redirect is not followed (it could point anywhere): 3xx counts as a failed attempt.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, MaxAttempts: cfg.MaxAttempts}
	lambda.StartWithOptions(d.WithMetrics(webhooks.SenderHandler(s, d.SQS, cfg.QueueURL, d.Log)), lambda.WithContext(ctx))
	return nil
}
