// Command rehearse applies terraform/envs/dev to a local moto_server with the real AWS provider,
// runs every deployed function under the Lambda Runtime Interface Emulator as deployed, checks
// that a second plan is empty and destroys the stack (`make rehearse`; see docs/deploy.md).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"bffsuite.dev/deploy/internal/rehearse"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "rehearse:", err)
		os.Exit(1)
	}
}

func run() error {
	repo := flag.String("repo", ".", "repository root (go.work, terraform/)")
	work := flag.String("work", "", "keep the terraform copy, zips and logs in this directory (default: a temp dir, removed)")
	until := flag.String("until", "", `stop after "plan" or "apply" (default: the whole rehearsal)`)
	flag.Parse()
	root, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := rehearse.Run(ctx, rehearse.Options{Repo: root, Out: os.Stdout, WorkDir: *work, Until: *until})
	if len(rep.Functions) > 0 {
		fmt.Println()
		fmt.Println("Functions as deployed (init under the Lambda RIE, role credentials, moto IAM on):")
		for _, f := range rep.Functions {
			fmt.Printf("  %-22s %-7s %-16s %4d MB %3d s  init %-10s /healthz %d /readyz %d\n", f.Name, f.Architecture, f.Runtime,
				f.MemoryMB, f.Timeout, f.Init.Round(100_000), f.Healthz, f.Readyz)
		}
	}
	return err
}
