// Command soak is `make soak`: mixed traffic for -duration (10 minutes by default) against
// the three BFFs on two stacks at once, the embedded backend with fault injection (slow and
// failing domain calls) and DynamoDB Local (tables created and seeded with
// shared/cmd/seed-dynamodb). At the end it checks: no 5xx except the injected ones, memory,
// threads and open files of every BFF within a stated bound, every order confirmed with 201
// listed exactly once, stock never below zero and equal to the seed minus what was ordered
// plus what was cancelled, and a correlation ID on every response. It writes soak-latest.md
// and soak-latest.json into -out and exits 1 when a check fails.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

type options struct {
	duration   time.Duration
	rate       float64
	workers    int
	backends   string
	faults     string
	out        string
	root       string
	sampleEach time.Duration
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var o options
	flag.DurationVar(&o.duration, "duration", 10*time.Minute, "how long the mixed traffic runs")
	flag.Float64Var(&o.rate, "rate", 15, "requests per second per BFF")
	flag.IntVar(&o.workers, "workers", 3, "concurrent clients per BFF")
	flag.StringVar(&o.backends, "backends", "embedded,dynamodb", "stacks to soak: embedded, dynamodb or both")
	flag.StringVar(&o.faults, "faults", "catalog=latency:5ms,error:0.02;customers=latency:10ms,error:0.03;orders=latency:15ms,error:0.05",
		"BFF_FAULTS of the embedded stack (slow and failing domain calls)")
	flag.StringVar(&o.out, "out", "bench/results", "directory for soak-latest.md and soak-latest.json")
	flag.StringVar(&o.root, "root", "", "repository root (default: the directory holding go.work, found upwards)")
	flag.DurationVar(&o.sampleEach, "sample", 5*time.Second, "how often RSS, threads and open files are read")
	flag.Parse()
	if o.duration <= 0 || o.rate <= 0 || o.workers <= 0 {
		fmt.Fprintln(os.Stderr, "soak: -duration, -rate and -workers must be positive")
		os.Exit(2)
	}
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
	if len(res.Problems) > 0 {
		fmt.Fprintf(os.Stderr, "soak: %d check(s) failed:\n  %s\n", len(res.Problems), strings.Join(res.Problems, "\n  "))
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "soak: every check passed")
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}
