package report

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/bench/internal/load"
)

func TestParseGoBench(t *testing.T) {
	out, err := os.ReadFile(filepath.Join("testdata", "gobench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	got := ParseGoBench(string(out))
	want := []GoBench{
		{Name: "BenchmarkGinDirect", N: 32650, NsPerOp: 36794, BPerOp: 2930, Allocs: 44, VsDirect: 1},
		{Name: "BenchmarkLambdaPathV2", N: 4708, NsPerOp: 252234, BPerOp: 10885, Allocs: 182, VsDirect: 252234.0 / 36794},
		{Name: "BenchmarkLambdaPathV1", N: 1766, NsPerOp: 673666, BPerOp: 20793, Allocs: 353, VsDirect: 673666.0 / 36794},
	}
	if len(got) != len(want) {
		t.Fatalf("ParseGoBench(testdata) = %d lines, want %d", len(got), len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Name != w.Name || g.N != w.N || g.NsPerOp != w.NsPerOp || g.BPerOp != w.BPerOp || g.Allocs != w.Allocs || math.Abs(g.VsDirect-w.VsDirect) > 1e-9 {
			t.Errorf("ParseGoBench(testdata)[%d] = %+v, want %+v", i, g, w)
		}
	}
}

func TestMarkdown(t *testing.T) {
	r := &Report{
		Date: "2026-11-27 12:00 UTC", Machine: Machine{NProc: 2, CPU: "Test CPU", GoVersion: "go1.26"},
		Settings: Settings{ColdStarts: 5, WarmDuration: 5 * time.Second, Connections: 16, LambdaMemory: 512},
		ColdStart: []ColdRow{
			{Name: "floor", Floor: true, Init: 4 * time.Millisecond, InitRatio: 1, InitPass: true, SizePass: true, Arm64Bytes: 5_800_000},
			{Name: "bff-web", Init: 30 * time.Millisecond, InitRatio: 7.5, InitPass: false, SizePass: true, Arm64Bytes: 14_500_000},
		},
		Warm: []WarmRow{{Endpoint: "web GET /api/home (signed in)", BodyBytes: 1234,
			BFF: load.Result{P50: 8 * time.Millisecond, Requests: 100}, Floor: load.Result{P50: 2 * time.Millisecond}, P50Ratio: 4}},
		Findings:  []string{"a finding"},
		Explained: "- why it is so\n",
	}
	md := r.Markdown()
	for _, want := range []string{
		"| floor (floor) | 5.8 MB | pass | 4.00 ms | 1.00× | pass |",
		"| bff-web | 14.5 MB | pass | 30.00 ms | 7.50× | **FAIL** |",
		"| web GET /api/home (signed in) | 1234 B | 8.00 ms |",
		"- a finding\n",
		"### Why (from profiles)\n\n- why it is so\n",
		"2 cores, Test CPU",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown() lacks %q", want)
		}
	}
}
