// Command import-worker is the partner bulk import worker (shared/imports.Processor) as a
// Lambda function behind an SQS queue: the queue receives the S3 ObjectCreated notifications of
// uploads/ and the worker's own continuation messages. Each record's messages are handled in
// turn; a record whose import is busy (another run holds its lease) or whose dependencies
// failed is reported as a batch item failure and redelivered after the visibility timeout.
// The event source mapping should use batch size 1, so every import run gets the whole
// invocation before its deadline.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/store/dynamo"
)

// Config is the worker's configuration.
type Config struct {
	Imports        imports.Config
	Region         string `env:"AWS_REGION" default:"us-east-1"`
	DynamoEndpoint string `env:"BFF_DYNAMODB_ENDPOINT"`
	TableCatalog   string `env:"BFF_TABLE_CATALOG" default:"bff-catalog"`
	// QueueURL is the import queue (continuations are sent to it).
	QueueURL    string `env:"BFF_IMPORTS_QUEUE_URL" required:"true"`
	SQSEndpoint string `env:"BFF_IMPORTS_SQS_ENDPOINT"`
	// BatchRows is the rows applied per checkpoint.
	BatchRows int `env:"BFF_IMPORTS_BATCH_ROWS" default:"5000"`
	// Margin is the time kept before the invocation's deadline.
	Margin time.Duration `env:"BFF_IMPORTS_MARGIN" default:"10s"`
}

// Validate checks the worker settings.
func (c Config) Validate() error {
	var errs []error
	if c.Imports.Bucket == "" {
		errs = append(errs, errors.New("BFF_IMPORTS_BUCKET: required by the import worker"))
	}
	if c.BatchRows < 1 || c.BatchRows > 100_000 {
		errs = append(errs, fmt.Errorf("BFF_IMPORTS_BATCH_ROWS: %d must be between 1 and 100000", c.BatchRows))
	}
	if c.Margin < 0 {
		errs = append(errs, errors.New("BFF_IMPORTS_MARGIN: must not be negative"))
	}
	return errors.Join(errs...)
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "import-worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	h, err := newHandler(ctx, cfg)
	if err != nil {
		return err
	}
	lambda.StartWithOptions(h.handle, lambda.WithContext(ctx))
	return nil
}

type handler struct {
	p      *imports.Processor
	margin time.Duration
	log    *slog.Logger
}

func newHandler(ctx context.Context, cfg Config) (*handler, error) {
	awsCfg, err := awsconf.Load(ctx)
	if err != nil {
		return nil, err
	}
	awsCfg.Region = cfg.Region
	db, err := store.NewDynamoDBClient(ctx, store.Config{Region: cfg.Region, DynamoEndpoint: cfg.DynamoEndpoint})
	if err != nil {
		return nil, err
	}
	cat := catalog.New(dynamo.New(db, dynamo.Tables{Catalog: cfg.TableCatalog}).Catalog(), catalog.Options{})
	q := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	})
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	p := &imports.Processor{
		Store:     imports.NewDynamoDB(db, cfg.Imports.Table),
		Blob:      imports.NewS3(imports.NewS3Client(awsCfg, cfg.Imports.S3Endpoint), cfg.Imports.Bucket),
		Catalog:   cat,
		BatchRows: cfg.BatchRows,
		Margin:    cfg.Margin,
		Log:       log,
		Continue: func(ctx context.Context, m imports.Message) error {
			body, _ := json.Marshal(m)
			_, err := q.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(cfg.QueueURL), MessageBody: aws.String(string(body))})
			return err
		},
	}
	return &handler{p: p, margin: cfg.Margin, log: log}, nil
}

// handle processes the batch; failed records are reported for redelivery.
func (h *handler) handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		if d, ok := ctx.Deadline(); ok && time.Until(d) < h.margin {
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		msgs, err := imports.ParseSQSBody(rec.Body)
		if err != nil {
			h.log.Error("import: undecodable message dropped", "message_id", rec.MessageId, "err", err)
			continue
		}
		for _, m := range msgs {
			if err := h.p.Handle(ctx, m); err != nil {
				h.log.Warn("import: message to be retried", "message_id", rec.MessageId, "import", m.ImportID, "err", err)
				resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				break
			}
		}
	}
	return resp, nil
}
