// Package webhookfn is the cold-start wiring shared by the webhook-fanout and webhook-sender
// Lambdas: their configuration and the SDK clients, built once per instance.
package webhookfn

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/webhooks"
	"bffsuite.dev/workers/internal/worker"
)

// Config is the environment of the webhook Lambdas.
type Config struct {
	Region string `env:"AWS_REGION" default:"us-east-1"`
	// Worker is the logger and metrics configuration every worker shares (BFF_LOG_LEVEL,
	// BFF_METRICS, BFF_METRICS_NAMESPACE).
	Worker worker.Config
	// TableWebhooks is the shared/webhooks table (endpoints, deliveries, feeds).
	TableWebhooks string `env:"BFF_TABLE_WEBHOOKS" default:"bff-webhooks"`
	// QueueURL is the delivery queue: fanout sends to it, the sender consumes it (and changes
	// the visibility of its messages).
	QueueURL string `env:"BFF_WEBHOOK_QUEUE_URL" required:"true"`
	// Timeout bounds one POST to a partner endpoint.
	Timeout time.Duration `env:"BFF_WEBHOOK_TIMEOUT" default:"10s"`
	// MaxAttempts is the delivery queue's maxReceiveCount: the attempt that marks a delivery failed.
	MaxAttempts int `env:"BFF_WEBHOOK_MAX_ATTEMPTS" default:"15"`
	// DynamoEndpoint and SQSEndpoint point the clients at local emulators (tests, make run-lambda).
	DynamoEndpoint string `env:"BFF_DYNAMODB_ENDPOINT"`
	SQSEndpoint    string `env:"BFF_SQS_ENDPOINT"`
}

// Validate checks the configuration; each error names its variable.
func (c Config) Validate() error {
	var errs []error
	if len(c.TableWebhooks) < 3 || len(c.TableWebhooks) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_WEBHOOKS: table name %q must have 3-255 characters", c.TableWebhooks))
	}
	if !strings.HasPrefix(c.QueueURL, "https://") && !strings.HasPrefix(c.QueueURL, "http://") {
		errs = append(errs, fmt.Errorf("BFF_WEBHOOK_QUEUE_URL: %q is not an SQS queue URL", c.QueueURL))
	}
	if c.Timeout < time.Second || c.Timeout > time.Minute {
		errs = append(errs, fmt.Errorf("BFF_WEBHOOK_TIMEOUT: %s must be between 1s and 1m", c.Timeout))
	}
	if c.MaxAttempts < 1 || c.MaxAttempts > 1000 {
		errs = append(errs, fmt.Errorf("BFF_WEBHOOK_MAX_ATTEMPTS: %d must be between 1 and 1000", c.MaxAttempts))
	}
	if _, ok := logging.ParseLevel(c.Worker.LogLevel); !ok {
		errs = append(errs, fmt.Errorf("BFF_LOG_LEVEL: %q is not debug, info, warn or error", c.Worker.LogLevel))
	}
	return errors.Join(errs...)
}

// Deps are the clients of one instance.
type Deps struct {
	Webhooks *webhooks.Client
	SQS      *sqs.Client
	Log      *slog.Logger
	rt       *worker.Runtime
}

// WithMetrics gives each invocation of h a fresh metrics recorder in its context
// (metrics.From) and writes its EMF lines when h returns; a write failure is logged, never
// returned (metrics never fail an invocation). With metrics off h runs as it is.
func (d Deps) WithMetrics(h webhooks.SQSHandlerFunc) webhooks.SQSHandlerFunc {
	if !d.rt.Metrics.Enabled() {
		return h
	}
	return func(ctx context.Context, ev awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		rec := d.rt.Recorder()
		resp, err := h(metrics.WithRecorder(ctx, rec), ev)
		d.rt.Flush(rec)
		return resp, err
	}
}

// Open builds the clients (no I/O).
func Open(ctx context.Context, cfg Config, service string) (Deps, error) {
	awsCfg, err := awsconf.Load(ctx)
	if err != nil {
		return Deps{}, err
	}
	awsCfg.Region = cfg.Region
	if (cfg.DynamoEndpoint != "" || cfg.SQSEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	db := dynamo.NewClient(awsCfg, cfg.DynamoEndpoint)
	sq := sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SQSEndpoint)
		}
	})
	rt, err := worker.New(service, cfg.Worker)
	if err != nil {
		return Deps{}, err
	}
	return Deps{Webhooks: webhooks.New(webhooks.NewDynamoDB(db, cfg.TableWebhooks), webhooks.Options{}), SQS: sq, Log: rt.Logger, rt: rt}, nil
}
