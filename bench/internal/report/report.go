// Package report holds the figures of one `make bench` run and renders them as JSON and as
// the Markdown table a reader compares against the floors.
package report

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/bench/internal/cold"
	"bffsuite.dev/bench/internal/cost"
	"bffsuite.dev/bench/internal/load"
)

// Report is everything one run measured.
type Report struct {
	Date       string    `json:"date"`
	Machine    Machine   `json:"machine"`
	Settings   Settings  `json:"settings"`
	ColdStart  []ColdRow `json:"cold_start"`
	LambdaPath []GoBench `json:"lambda_path"`
	// TracingInit is the output line of shared/tracing's BenchmarkLambdaInit: init under the
	// emulator with tracing and metrics off and on, next to the floor.
	TracingInit string `json:"tracing_init,omitempty"`
	// Deployed is each function as `make rehearse` deployed it next to the floor (nil when
	// benchreport ran with -deployed=false).
	Deployed    *DeployedInit `json:"deployed_init,omitempty"`
	Warm        []WarmRow     `json:"warm"`
	Aggregation []AggRow      `json:"aggregation"`
	Payloads    []PayloadRow  `json:"payloads"`
	Cost        []CostRow     `json:"cost"`
	Prices      cost.Prices   `json:"prices"`
	Findings    []string      `json:"findings"`
	Explained   string        `json:"findings_explained"`
	Runtime     time.Duration `json:"runtime_ns"`
	// Webhooks is the partner webhook latency section (issue 18; nil when not measured).
	Webhooks *WebhookLatency `json:"webhooks,omitempty"`
	// Sections are self-contained sections appended after the fixed ones (each feature's own
	// file in cmd/benchreport adds one with a one-line hook).
	Sections []Section `json:"sections,omitempty"`
}

// Section is one self-contained section: its data (for latest.json) and its Markdown.
type Section struct {
	Name     string `json:"name"`
	Data     any    `json:"data"`
	Markdown string `json:"-"`
}

// Machine describes where the numbers came from.
type Machine struct {
	NProc     int    `json:"nproc"`
	CPU       string `json:"cpu"`
	GoVersion string `json:"go_version"`
	OSArch    string `json:"os_arch"`
	Kernel    string `json:"kernel"`
	MemTotal  string `json:"mem_total"`
}

// Settings are the bounds of the run.
type Settings struct {
	ColdStarts    int           `json:"cold_starts"`
	WarmDuration  time.Duration `json:"warm_duration_ns"`
	Connections   int           `json:"connections"`
	SerialWindow  time.Duration `json:"serial_duration_ns"`
	AggDuration   time.Duration `json:"aggregation_duration_ns"`
	AggConns      int           `json:"aggregation_connections"`
	LambdaMemory  int           `json:"lambda_memory_mb"`
	PartnerLimits string        `json:"partner_rate_tiers"`
}

// ColdRow is one function's cold start.
type ColdRow struct {
	Name            string        `json:"name"`
	Arm64Bytes      int64         `json:"arm64_bootstrap_bytes"`
	Init            time.Duration `json:"init_median_ns"`
	FirstInvoke     time.Duration `json:"first_invoke_median_ns"`
	InitRatio       float64       `json:"init_ratio_to_floor"`
	InvokeRatio     float64       `json:"first_invoke_ratio_to_floor"`
	InitPass        bool          `json:"init_pass"` // ≤ 2× floor and < 15 ms
	SizePass        bool          `json:"size_pass"` // < 15 MB
	Floor           bool          `json:"floor"`
	Samples         []cold.Sample `json:"samples"`
	FirstInvokeHTTP int           `json:"first_invoke_status"`
}

// GoBench is one line of `go test -bench` output.
type GoBench struct {
	Name     string  `json:"name"`
	N        int64   `json:"n"`
	NsPerOp  float64 `json:"ns_per_op"`
	BPerOp   int64   `json:"bytes_per_op"`
	Allocs   int64   `json:"allocs_per_op"`
	VsDirect float64 `json:"ratio_to_gin_direct"`
}

// WarmRow is one endpoint under load next to its floor.
type WarmRow struct {
	Endpoint   string        `json:"endpoint"`
	BFF        load.Result   `json:"bff"`
	Floor      load.Result   `json:"floor"`
	Serial     load.Result   `json:"bff_one_connection"`
	P50Ratio   float64       `json:"p50_ratio"`
	P99Ratio   float64       `json:"p99_ratio"`
	RPSRatio   float64       `json:"rps_ratio"`
	BodyBytes  int           `json:"body_bytes"`
	RSSKiB     int64         `json:"bff_rss_kib"`
	PeakRSSKiB int64         `json:"bff_peak_rss_kib"`
	Note       string        `json:"note,omitempty"`
	SerialP50  time.Duration `json:"-"`
}

// AggRow is one page under injected latency.
type AggRow struct {
	Endpoint string        `json:"endpoint"`
	Faults   string        `json:"faults"`
	Slowest  time.Duration `json:"slowest_call_ns"`
	Result   load.Result   `json:"result"`
	Ratio    float64       `json:"p50_over_slowest"`
	Baseline time.Duration `json:"baseline_p50_ns"`
}

// PayloadRow is one response's size.
type PayloadRow struct {
	Endpoint  string `json:"endpoint"`
	Raw       int    `json:"raw_bytes"`
	Gzip      int    `json:"gzip_bytes"`
	Served    int    `json:"served_bytes_with_accept_encoding_gzip"`
	ServedEnc string `json:"served_content_encoding"`
	TopLevel  int    `json:"top_level_fields"`
}

// CostRow prices one endpoint.
type CostRow struct {
	Endpoint string        `json:"endpoint"`
	Duration time.Duration `json:"duration_ns"`
	Default  cost.Estimate `json:"at_configured_memory"`
	Small    cost.Estimate `json:"at_128mb"`
}

// DescribeMachine reads nproc, the CPU model, memory and kernel of this machine.
func DescribeMachine(goVersion string) Machine {
	m := Machine{NProc: runtime.NumCPU(), GoVersion: goVersion, OSArch: runtime.GOOS + "/" + runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "MemTotal:"); ok {
				m.MemTotal = strings.TrimSpace(v)
			}
		}
	}
	return m
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+(\d+)\s+([0-9.]+) ns/op(?:\s+(\d+) B/op)?(?:\s+(\d+) allocs/op)?`)

// ParseGoBench reads the result lines of `go test -bench -benchmem` output.
func ParseGoBench(out string) []GoBench {
	var res []GoBench
	for _, l := range strings.Split(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil {
			continue
		}
		b := GoBench{Name: m[1]}
		b.N, _ = strconv.ParseInt(m[2], 10, 64)
		b.NsPerOp, _ = strconv.ParseFloat(m[3], 64)
		b.BPerOp, _ = strconv.ParseInt(m[4], 10, 64)
		b.Allocs, _ = strconv.ParseInt(m[5], 10, 64)
		res = append(res, b)
	}
	var direct float64
	for _, b := range res {
		if b.Name == "BenchmarkGinDirect" {
			direct = b.NsPerOp
		}
	}
	for i := range res {
		if direct > 0 {
			res[i].VsDirect = res[i].NsPerOp / direct
		}
	}
	return res
}

// WriteJSON writes r to path, indented.
func (r *Report) WriteJSON(path string) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode report: %w", err)
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Ratio is a/b, or 0 when b is 0.
func Ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
