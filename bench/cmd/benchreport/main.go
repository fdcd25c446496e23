// Command benchreport is `make bench`: it builds the three BFFs and their floors, measures
// cold starts under the Lambda Runtime Interface Emulator, the warm Lambda path (Go
// benchmarks), each function's init as deployed (the make rehearse rehearsal), warm latency
// and throughput on loopback against a bare Gin floor, aggregation under injected latency,
// payload sizes and the cost per million requests, and writes latest.md and latest.json into
// -out. Every server runs as its own process; the load generator runs here.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"bffsuite.dev/shared/workspace"

	"bffsuite.dev/bench/internal/cost"
	"bffsuite.dev/bench/internal/report"

	"bffsuite.dev/shared/buildtags"
)

type options struct {
	out         string
	root        string
	tools       string
	coldStarts  int
	duration    time.Duration
	serial      time.Duration
	conns       int
	aggDuration time.Duration
	aggConns    int
	memoryMB    int
	skipCold    bool
	skipGoBench bool
	skipArm64   bool
	deployed    bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var o options
	flag.StringVar(&o.out, "out", "bench/results", "directory for latest.md and latest.json")
	flag.StringVar(&o.root, "root", "", "repository root (default: the directory holding go.work, found upwards)")
	flag.StringVar(&o.tools, "tools", "", "tools directory of .ci/install-deps (default $BFF_TOOLS or ~/.cache/bffsuite)")
	flag.IntVar(&o.coldStarts, "cold-starts", 5, "fresh starts per function under the emulator")
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "load duration per target")
	flag.DurationVar(&o.serial, "serial", time.Second, "one-connection load duration per BFF endpoint")
	flag.IntVar(&o.conns, "connections", 16, "concurrent connections per target")
	flag.DurationVar(&o.aggDuration, "agg-duration", 2*time.Second, "load duration per aggregation case")
	flag.IntVar(&o.aggConns, "agg-connections", 4, "connections per aggregation case")
	flag.IntVar(&o.memoryMB, "memory", 512, "Lambda memory (MB) for the cost estimate")
	flag.BoolVar(&o.skipCold, "skip-cold", false, "skip the emulator cold starts")
	flag.BoolVar(&o.skipGoBench, "skip-gobench", false, "skip the Go benchmarks of the Lambda path")
	flag.BoolVar(&o.skipArm64, "skip-arm64", false, "skip the linux/arm64 size build")
	flag.BoolVar(&o.deployed, "deployed", true, "measure init as deployed with make rehearse's rehearsal (needs moto_server, tofu, the RIE)")
	flag.Parse()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func logf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

func toolsDir(flagVal string) string {
	if flagVal != "" {
		return flagVal
	}
	return workspace.ToolsDir()
}

func goVersion(ctx context.Context) string {
	b, err := exec.CommandContext(ctx, "go", "env", "GOVERSION").Output()
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	if o.root == "" {
		r, err := workspace.Root()
		if err != nil {
			return fmt.Errorf("%w: pass -root", err)
		}
		o.root = r
	}
	if !filepath.IsAbs(o.out) {
		o.out = filepath.Join(o.root, o.out)
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	r := &report.Report{
		Date:    time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Machine: report.DescribeMachine(goVersion(ctx)),
		Settings: report.Settings{
			ColdStarts: o.coldStarts, WarmDuration: o.duration, Connections: o.conns, SerialWindow: o.serial,
			AggDuration: o.aggDuration, AggConns: o.aggConns, LambdaMemory: o.memoryMB, PartnerLimits: partnerTiers,
		},
		Prices: cost.ListPrices,
	}

	logf("building the BFFs and floors for this machine (release flags; and with the local pieces for the warm load)")
	bins, err := buildHost(ctx, o.root, filepath.Join(work, "host"), releaseFlags)
	if err != nil {
		return err
	}
	localBins, err := buildHost(ctx, o.root, filepath.Join(work, "host-local"), localReleaseFlags)
	if err != nil {
		return err
	}
	sizes := map[string]int64{}
	if !o.skipArm64 {
		logf("building linux/arm64 bootstraps for their size")
		if sizes, err = buildArm64(ctx, o.root, filepath.Join(work, "arm64")); err != nil {
			return err
		}
	}
	if !o.skipGoBench {
		logf("running the Lambda path Go benchmarks (shared/server)")
		gb, err := runGoBench(ctx, o.root)
		if err != nil {
			return err
		}
		r.LambdaPath = gb
		logf("init with tracing and metrics off vs on (shared/tracing BenchmarkLambdaInit)")
		line, err := runInitBench(ctx, o.root)
		if err != nil {
			return err
		}
		r.TracingInit = line
	}
	if !o.skipCold {
		logf("cold starts under aws-lambda-rie (%d each)", o.coldStarts)
		rows, err := coldStarts(ctx, toolsDir(o.tools), bins, sizes, o.coldStarts, work)
		if err != nil {
			return err
		}
		r.ColdStart = rows
	}
	if o.deployed {
		logf("init as deployed: the make rehearse rehearsal (tofu apply to moto, each function under the RIE with its env and role)")
		d, err := deployedInit(ctx, o.root, toolsDir(o.tools), work, os.Getenv("CI") != "")
		if err != nil {
			return err
		}
		if !d.Measured {
			logf("  not measured: %s", d.Note)
		}
		r.Deployed = d
	}
	logf("warm load: %d connections × %s per target", o.conns, o.duration)
	if err := warm(ctx, o, localBins, work, r); err != nil {
		return err
	}
	logf("aggregation under injected latency")
	if err := aggregation(ctx, o, localBins, r); err != nil {
		return err
	}
	logf("partner webhook latency on moto and DynamoDB Local (100 events and floor)")
	if err := webhookLatency(ctx, 100, r); err != nil { // issue 18: webhooks.go
		return err
	}
	costs(o, r)
	checkoutSection(ctx, r)              // issue 19: checkout latency, saga vs synchronous order
	importsSection(ctx, r, o.root, work) // issue 20: bulk imports, worker vs BatchWriteItem floor (imports.go)
	projectorThroughput(ctx, r)          // order events: read-model projector vs a bare consumer (projector.go)
	r.Findings = findings(r)
	if b, err := os.ReadFile(filepath.Join(o.root, "bench", "findings.md")); err == nil {
		r.Explained = string(b)
	}
	r.Runtime = time.Since(start)
	if err := r.WriteJSON(filepath.Join(o.out, "latest.json")); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.out, "latest.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	logf("wrote %s and %s in %s", filepath.Join(o.out, "latest.md"), filepath.Join(o.out, "latest.json"), r.Runtime.Round(time.Second))
	return nil
}

// binaries are the host builds, by name.
type binaries map[string]string

// releaseFlags build what ships (cold starts, sizes); localReleaseFlags the same release build
// with the embedded data and the local IdP, which the warm load and the aggregation runs use.
var (
	releaseFlags      = []string{"-tags", buildtags.Lambda, "-trimpath", "-ldflags", "-s -w"}
	localReleaseFlags = []string{"-tags", buildtags.LocalLambda, "-trimpath", "-ldflags", "-s -w"}
)

var functions = []struct{ name, pkg string }{
	{"floor", "./shared/server/testdata/floor"},
	{"bff-web", "./bff-web"},
	{"bff-mobile", "./bff-mobile"},
	{"bff-partner", "./bff-partner"},
}

func buildHost(ctx context.Context, root, dir string, flags []string) (binaries, error) {
	pkgs := []string{"./bench/cmd/floorserver"}
	for _, f := range functions {
		pkgs = append(pkgs, f.pkg)
	}
	if err := procBuild(ctx, root, dir, []string{"CGO_ENABLED=0"}, flags, pkgs); err != nil {
		return nil, err
	}
	b := binaries{"floorserver": filepath.Join(dir, "floorserver")}
	for _, f := range functions {
		b[f.name] = filepath.Join(dir, filepath.Base(f.pkg))
	}
	return b, nil
}

func buildArm64(ctx context.Context, root, dir string) (map[string]int64, error) {
	var pkgs []string
	for _, f := range functions {
		pkgs = append(pkgs, f.pkg)
	}
	if err := procBuild(ctx, root, dir, []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}, releaseFlags, pkgs); err != nil {
		return nil, err
	}
	sizes := map[string]int64{}
	for _, f := range functions {
		fi, err := os.Stat(filepath.Join(dir, filepath.Base(f.pkg)))
		if err != nil {
			return nil, err
		}
		sizes[f.name] = fi.Size()
	}
	return sizes, nil
}
