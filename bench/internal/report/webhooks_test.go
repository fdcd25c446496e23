package report

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestWebhooksMarkdown(t *testing.T) {
	tests := []struct {
		name string
		wl   *WebhookLatency
		want []string
	}{
		{"absent", nil, nil},
		{"not measured", &WebhookLatency{Note: "moto_server not on PATH"}, []string{"Not measured: moto_server not on PATH"}},
		{"measured", &WebhookLatency{Path: LatencyStats{N: 100, P50: 60 * time.Millisecond, P99: 120 * time.Millisecond, Max: 130 * time.Millisecond},
			Floor: LatencyStats{N: 100, P50: 20 * time.Millisecond, P99: 40 * time.Millisecond, Max: 41 * time.Millisecond}},
			[]string{"| webhook path | 60.0 | 120.0 | 130.0 | 3.00× | 3.00× |", "| floor (SQS → POST) | 20.0 | 40.0 | 41.0 |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b strings.Builder
			(&Report{Webhooks: tt.wl}).webhooksMarkdown(func(f string, a ...any) { b.WriteString(sprintf(f, a...)) })
			got := b.String()
			if tt.want == nil && got != "" {
				t.Errorf("got %q, want nothing", got)
			}
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("got %q, want it to contain %q", got, w)
				}
			}
		})
	}
}

func sprintf(f string, a ...any) string { return fmt.Sprintf(f, a...) }
