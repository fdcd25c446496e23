package report

import "time"

// WebhookLatency is the partner webhook section (bench/internal/webhookbench): latency from
// the order event put on the bus to the signed webhook at the receiver on the real-peer path,
// next to a bare SQS → HTTP POST floor.
type WebhookLatency struct {
	Path  LatencyStats `json:"path"`
	Floor LatencyStats `json:"floor"`
	Note  string       `json:"note,omitempty"` // why it was not measured
}

// LatencyStats are percentiles of one series.
type LatencyStats struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

func (r *Report) webhooksMarkdown(w func(string, ...any)) {
	if r.Webhooks == nil {
		return
	}
	wl := r.Webhooks
	w("\n## Partner webhook delivery latency (real peers)\n\n")
	if wl.Note != "" {
		w("Not measured: %s\n", wl.Note)
		return
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	w("From `PutEvents` of an order event on a moto EventBridge bus to the signed webhook at a local receiver: the webhooks rule → SQS → ")
	w("`shared/esmlocal` poller → webhook-fanout (deliveries and feed in DynamoDB Local) → SQS delivery queue → poller → webhook-sender → POST. ")
	w("Floor: SQS `SendMessage` → the same poller → a bare HTTP POST of the body to the same receiver. %d sequential events each; ", wl.Path.N)
	w("the producer hop (orders stream → order-events) is not included.\n\n")
	w("| series | p50 ms | p99 ms | max ms | p50 ÷ floor | p99 ÷ floor |\n|---|---:|---:|---:|---:|---:|\n")
	ratio := func(a, b time.Duration) float64 {
		if b <= 0 {
			return 0
		}
		return float64(a) / float64(b)
	}
	w("| webhook path | %.1f | %.1f | %.1f | %.2f× | %.2f× |\n", ms(wl.Path.P50), ms(wl.Path.P99), ms(wl.Path.Max), ratio(wl.Path.P50, wl.Floor.P50), ratio(wl.Path.P99, wl.Floor.P99))
	w("| floor (SQS → POST) | %.1f | %.1f | %.1f | 1.00× | 1.00× |\n", ms(wl.Floor.P50), ms(wl.Floor.P99), ms(wl.Floor.Max))
}
