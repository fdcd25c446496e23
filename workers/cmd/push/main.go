// Command push is the Lambda on the push queue of the order event bus (rule → SQS → this
// function, ReportBatchItemFailures): each order status change is sent through SNS mobile push
// to the customer's registered devices (shared/push); devices whose endpoint SNS reports
// disabled are removed.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/push"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/workers/internal/worker"
)

// Config is the environment of the push Lambda.
type Config struct {
	Region string `env:"AWS_REGION" default:"us-east-1"`
	// Worker is the logger configuration every worker shares (BFF_LOG_LEVEL; push writes no
	// metrics yet).
	Worker worker.Config
	// TableDevices is the devices table bff-mobile registers tokens in (shared/devices).
	TableDevices string `env:"BFF_TABLE_DEVICES" default:"bff-devices"`
	// PlatformApps are the SNS platform applications "ios=<arn>,android=<arn>" (empty: no push
	// is sent; events are consumed and logged).
	PlatformApps string `env:"BFF_PUSH_PLATFORM_APPLICATIONS"`
	// DynamoEndpoint and SNSEndpoint point the clients at local emulators (tests).
	DynamoEndpoint string `env:"BFF_DYNAMODB_ENDPOINT"`
	SNSEndpoint    string `env:"BFF_SNS_ENDPOINT"`
}

// Validate checks the configuration; each error names its variable.
func (c Config) Validate() error {
	var errs []error
	if _, err := push.ParseApps(c.PlatformApps); err != nil {
		errs = append(errs, fmt.Errorf("BFF_PUSH_PLATFORM_APPLICATIONS: %w", err))
	}
	if len(c.TableDevices) < 3 || len(c.TableDevices) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_DEVICES: table name %q must have 3-255 characters", c.TableDevices))
	}
	if _, ok := logging.ParseLevel(c.Worker.LogLevel); !ok {
		errs = append(errs, fmt.Errorf("BFF_LOG_LEVEL: %q is not debug, info, warn or error", c.Worker.LogLevel))
	}
	return errors.Join(errs...)
}

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "push:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return err
	}
	apps, _ := push.ParseApps(cfg.PlatformApps) // validated
	awsCfg, err := awsconf.Load(ctx)
	if err != nil {
		return err
	}
	awsCfg.Region = cfg.Region
	if (cfg.DynamoEndpoint != "" || cfg.SNSEndpoint != "") && os.Getenv("AWS_ACCESS_KEY_ID") == "" {
		awsCfg.Credentials = credentials.NewStaticCredentialsProvider("local", "local", "")
	}
	client := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if cfg.SNSEndpoint != "" {
			o.BaseEndpoint = aws.String(cfg.SNSEndpoint)
		}
	})
	rt, err := worker.New("push", cfg.Worker)
	if err != nil {
		return err
	}
	log := rt.Logger
	n := push.Notifier{Devices: devices.NewDynamoDB(dynamo.NewClient(awsCfg, cfg.DynamoEndpoint), cfg.TableDevices),
		Registrar: push.Registrar{SNS: client, Apps: apps}, Log: log}
	lambda.StartWithOptions(events.SQSHandler(n.Handle, events.SQSOptions{
		OnError: func(ctx context.Context, e events.Event, err error) {
			log.WarnContext(logging.WithCorrelationID(ctx, e.CorrelationID), "push failed; message retried", "event_id", e.ID, "error", err.Error())
		},
	}), lambda.WithContext(ctx))
	return nil
}
