// Command checkout-tasks is the Lambda function behind every Task state of the checkout state
// machine (shared/checkout/definition.asl.json): it dispatches on the input's "task" field to
// checkout.Tasks.Handle and reports a task failure as the function error
// {"errorType": <ASL error name>, "errorMessage": <cause>}, which Step Functions matches in the
// definition's Retry and Catch rules (Checkout.Transient, Checkout.OutOfStock, ...).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/aws/aws-lambda-go/lambda"
	"github.com/aws/aws-lambda-go/lambda/messages"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/secrets"
	"bffsuite.dev/shared/store"
)

// Name is the function's name (lambdazip.Workers).
const Name = "checkout-tasks"

// Config is the function's configuration: the data store (orders, stock, payments ledger).
type Config struct {
	Store    store.Config
	LogLevel string `env:"BFF_LOG_LEVEL" default:"info"`
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
	if err := secrets.Load(ctx, &cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	level, ok := logging.ParseLevel(cfg.LogLevel)
	if !ok {
		return fmt.Errorf("BFF_LOG_LEVEL: %q is not one of debug, info, warn, error", cfg.LogLevel)
	}
	log := logging.New(os.Stdout, logging.Options{Level: level, Service: Name})
	clients, err := store.Open(ctx, cfg.Store)
	if err != nil {
		return fmt.Errorf("open data store: %w", err)
	}
	tasks := &checkout.Tasks{Orders: clients.Orders, Payments: clients.Payments, Log: log}
	lambda.StartWithOptions(handler(tasks), lambda.WithContext(ctx))
	return nil
}

// handler adapts Tasks.Handle to the Lambda runtime: a *checkout.TaskError becomes the
// function error with its ASL name as errorType.
func handler(t *checkout.Tasks) func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
	return func(ctx context.Context, in json.RawMessage) (json.RawMessage, error) {
		out, err := t.Handle(ctx, in)
		var te *checkout.TaskError
		if errors.As(err, &te) {
			return nil, messages.InvokeResponse_Error{Type: te.Name, Message: te.Cause}
		}
		if err != nil {
			slog.ErrorContext(ctx, "checkout task", "error", err.Error())
		}
		return out, err
	}
}
