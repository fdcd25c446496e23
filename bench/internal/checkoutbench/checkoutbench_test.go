package checkoutbench

import (
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	r, err := Run(context.Background(), 20)
	if err != nil {
		t.Fatalf("Run = %v", err)
	}
	for _, x := range []Row{r.Floor, r.Saga} {
		if x.Samples != 20 || x.Failures != 0 || x.P50 <= 0 || x.P99 < x.P50 {
			t.Errorf("%s = %+v, want 20 samples, no failures, 0 < p50 <= p99", x.Name, x)
		}
	}
	if r.Ratio < 1 {
		t.Errorf("saga p50 ÷ floor = %.2f, want >= 1 (the saga does the synchronous write and more)", r.Ratio)
	}
	md := r.Markdown(6)
	if !strings.Contains(md, "## 6. Checkout latency") || !strings.Contains(md, "| checkout saga") {
		t.Errorf("Markdown = %s, want the section with both rows", md)
	}
}

func TestRunHTTP(t *testing.T) {
	answer, confirmed, err := RunHTTP(context.Background(), 10)
	if err != nil {
		t.Fatalf("RunHTTP = %v", err)
	}
	for _, x := range []Row{answer, confirmed} {
		if x.Samples != 10 || x.Failures != 0 || x.P50 <= 0 || x.P99 < x.P50 {
			t.Errorf("%s = %+v, want 10 samples, no failures, 0 < p50 <= p99", x.Name, x)
		}
	}
	if confirmed.P50 < answer.P50 {
		t.Errorf("POST → confirmed p50 %v < the POST answer p50 %v", confirmed.P50, answer.P50)
	}
}
