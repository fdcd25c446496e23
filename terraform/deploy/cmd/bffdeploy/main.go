// Command bffdeploy builds the BFF Lambda zips, drives Terraform/OpenTofu for terraform/envs/*,
// writes the front-end config from the outputs and onboards partner clients in Cognito.
// See docs/deploy.md.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"bffsuite.dev/deploy/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			// First Ctrl-C: the context asks Terraform to stop (SIGINT, so it releases its
			// state lock). Restore the default handling so that a second Ctrl-C ends at once.
			stop()
			fmt.Fprintln(os.Stderr, "\nbffdeploy: interrupted, waiting for Terraform to stop cleanly (Ctrl-C again to force)")
		case <-done:
		}
	}()
	app := &cli.App{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}
	code := app.Run(ctx, os.Args[1:])
	close(done)
	os.Exit(code)
}
