// Command webhook-fanout is the Lambda on the webhooks queue of the order event bus (rule →
// SQS → this function, ReportBatchItemFailures): for each order event of a partner's order it
// appends the event to the partner's pull feed, records one delivery per matching webhook
// endpoint and sends one message per delivery to the delivery queue (webhook-sender).
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"

	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/webhooks"
	"bffsuite.dev/workers/internal/webhookfn"
)

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "webhook-fanout:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg webhookfn.Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	d, err := webhookfn.Open(ctx, cfg, "webhook-fanout")
	if err != nil {
		return err
	}
	lambda.StartWithOptions(webhooks.FanoutHandler(d.Webhooks, webhooks.SQSEnqueuer(d.SQS, cfg.QueueURL), d.Log), lambda.WithContext(ctx))
	return nil
}
