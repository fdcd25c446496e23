// Command projector keeps the order read models (shared/readmodels): an EventBridge rule
// sends every order event of the bus to its SQS queue (with a DLQ), and this function, with
// ReportBatchItemFailures, applies each to the read-model table BFF_TABLE_READMODELS through
// the projector (shared/readmodels/projector), idempotent per event and safe under
// reordering. See docs/events.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/workers/internal/worker"
)

// Name is the function name (lambdazip.Workers, Terraform).
const Name = "projector"

// Config is the function's configuration.
type Config struct {
	Worker     worker.Config
	Table      string `env:"BFF_TABLE_READMODELS" required:"true"`
	ReadModels readmodels.Config
	// DynamoEndpoint overrides the DynamoDB endpoint (DynamoDB Local under the RIE).
	DynamoEndpoint string `env:"BFF_DYNAMODB_ENDPOINT"`
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
	db := dynamo.NewClient(awsCfg, cfg.DynamoEndpoint)
	h := &Handler{Projector: projector.New(dynamo.NewReadModels(db, cfg.Table), cfg.ReadModels, nil), Runtime: rt}
	lambda.StartWithOptions(h.Handle, lambda.WithContext(ctx))
	return nil
}
