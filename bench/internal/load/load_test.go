package load

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	sorted := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		p    float64
		want time.Duration
	}{{50, 5}, {90, 9}, {99, 10}, {100, 10}, {0, 1}}
	for _, tt := range tests {
		if got := Percentile(sorted, tt.p); got != tt.want {
			t.Errorf("Percentile(1..10, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := Percentile(nil, 50); got != 0 {
		t.Errorf("Percentile(nil, 50) = %v, want 0", got)
	}
}

// The generator counts what it sent, what failed the check and stops at MaxRequests.
func TestRun(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	client := NewClient(4)
	req := func(ctx context.Context, conn, i int) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	}
	check := func(resp *http.Response, body []byte) error {
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	res, err := Run(context.Background(), client, Config{Duration: 5 * time.Second, Connections: 4, MaxRequests: 200, Request: req, Check: check})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 200 {
		t.Errorf("Run(MaxRequests 200).Requests = %d, want 200", res.Requests)
	}
	if res.Errors != 50 || res.Statuses[503] != 50 || res.Statuses[200] != 150 {
		t.Errorf("Run(every 4th fails) = %d errors, statuses %v, want 50 errors, 150×200 and 50×503", res.Errors, res.Statuses)
	}
	if res.P50 <= 0 || res.P99 < res.P50 || res.Max < res.P99 {
		t.Errorf("Run() percentiles p50 %v p99 %v max %v, want 0 < p50 ≤ p99 ≤ max", res.P50, res.P99, res.Max)
	}
	if res.BodyBytes == 0 {
		t.Errorf("Run().BodyBytes = 0, want the bytes read")
	}
}

func TestRunRejectsBadConfig(t *testing.T) {
	if _, err := Run(context.Background(), NewClient(1), Config{Duration: time.Second}); err == nil {
		t.Error("Run(no connections, no request) = nil error, want an error")
	}
}
