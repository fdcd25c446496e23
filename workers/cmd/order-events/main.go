// Command order-events is the producer of the order events: the orders table's DynamoDB
// stream (NEW_AND_OLD_IMAGES) triggers it, and it publishes one event per order status change
// (shared/events.FromStreamRecord) to the custom EventBridge bus BFF_EVENT_BUS_NAME with
// Source events.Source, DetailType the event type and Detail the events.Event JSON. The table
// is the outbox: the BFFs never publish. See docs/events.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/workers/internal/worker"
)

// Name is the function name (lambdazip.Workers, Terraform).
const Name = "order-events"

// Config is the function's configuration.
type Config struct {
	Worker worker.Config
	// EventBus is the name (or ARN) of the custom bus the events go to.
	EventBus string `env:"BFF_EVENT_BUS_NAME" required:"true"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, Name+":", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	rt, err := worker.New(Name, cfg.Worker)
	if err != nil {
		return err
	}
	awsCfg, err := awsconf.Load(ctx)
	if err != nil {
		return err
	}
	p := &Producer{EventBridge: eventbridge.NewFromConfig(awsCfg), Bus: cfg.EventBus, Runtime: rt}
	lambda.StartWithOptions(p.Handle, lambda.WithContext(ctx))
	return nil
}
