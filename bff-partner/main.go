// Command bff-partner is the partner BFF: the /v1 API for partner integrations, served
// locally or on AWS Lambda behind the partner REST API.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/secrets"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bff-partner:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	var cfg app.Config
	if err := secrets.Load(ctx, &cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	p, err := platform.Open(ctx, app.Name, cfg.PlatformConfig())
	if err != nil {
		return err
	}
	a, err := app.New(ctx, cfg, p, app.Deps{})
	if err != nil {
		return err
	}
	return p.Run(ctx, a.Engine(), cfg.Addr)
}
