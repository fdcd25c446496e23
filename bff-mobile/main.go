// Command bff-mobile is the Backend-for-Frontend of the iOS and Android apps. It runs as a
// local HTTP server, or on AWS Lambda behind API Gateway when AWS_LAMBDA_RUNTIME_API is set.
// Configuration comes from the environment (see app.Config and docs/bff-mobile.md).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"bffsuite.dev/bff-mobile/app"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/secrets"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", app.Name, err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg app.Config
	if err := secrets.Load(ctx, &cfg); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	p, err := platform.Open(ctx, app.Name, cfg.Platform)
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, p, app.Deps{})
	if err != nil {
		return err
	}
	return p.Run(ctx, a.Engine(), cfg.Addr)
}
