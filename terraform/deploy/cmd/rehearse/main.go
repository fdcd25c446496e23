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
	"time"

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
	noDestroy := flag.Bool("no-destroy", false, "skip destroy (when iterating: moto, and the stack with it, stops with the run anyway)")
	skipBuild := flag.Bool("skip-build", false, "use the zips already in -work DIR/dist")
	summary := flag.String("summary", "", "also write the figures as JSON to this file (make bench reads it; written on failure too)")
	flag.Parse()
	if *skipBuild && *work == "" {
		return fmt.Errorf("-skip-build needs -work DIR holding the zips of an earlier run")
	}
	root, err := filepath.Abs(*repo)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := rehearse.Run(ctx, rehearse.Options{Repo: root, Out: os.Stdout, WorkDir: *work, Until: *until, NoDestroy: *noDestroy, SkipBuild: *skipBuild})
	if *summary != "" {
		if serr := rehearse.WriteSummary(*summary, rep, err); serr != nil && err == nil {
			err = serr
		}
	}
	if len(rep.Functions) > 0 {
		fmt.Println()
		fmt.Println("Functions as deployed (under the Lambda RIE with their environment and role credentials, moto IAM on):")
		fmt.Printf("  %-22s %-7s %-16s %6s %5s  %-10s %-17s %s\n", "function", "arch", "runtime", "memory", "limit", "first init", "median init/floor", "status")
		for _, f := range rep.Functions {
			ratio := "-"
			if rep.Floor > 0 && f.InitMedian > 0 {
				ratio = fmt.Sprintf("%s = %.2f×", f.InitMedian.Round(100*time.Microsecond), float64(f.InitMedian)/float64(rep.Floor))
			}
			fmt.Printf("  %-22s %-7s %-16s %3d MB %3d s  %-10s %-17s /healthz %d /readyz %d\n", f.Name, f.Architecture, f.Runtime,
				f.MemoryMB, f.Timeout, f.Init.Round(100*time.Microsecond), ratio, f.Healthz, f.Readyz)
		}
		if rep.Floor > 0 {
			fmt.Printf("  floor (bare aws-lambda-go handler, same emulator and flags): median init %s\n", rep.Floor.Round(100*time.Microsecond))
			for _, f := range rep.Functions {
				if f.InitNoSSM > 0 {
					fmt.Printf("  %s with its secrets in the environment instead of SSM (diagnostic): median init %s = %.2f×\n",
						f.Name, f.InitNoSSM.Round(100*time.Microsecond), float64(f.InitNoSSM)/float64(rep.Floor))
				}
			}
		}
	}
	return err
}
