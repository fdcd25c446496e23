package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/readmodels/readmodeltest"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/workers/internal/worker"
)

// message is an SQS message as an EventBridge rule target delivers e.
func message(t *testing.T, id string, e events.Event) awsevents.SQSMessage {
	t.Helper()
	detail, err := json.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"version": "0", "id": "eb-" + id, "detail-type": string(e.Type), "source": events.Source,
		"account": "123456789012", "time": e.OccurredAt.Format(time.RFC3339), "region": "eu-west-1", "resources": []string{},
		"detail": json.RawMessage(detail)})
	return awsevents.SQSMessage{MessageId: id, ReceiptHandle: "rh-" + id, Body: string(body), EventSource: "aws:sqs"}
}

// failing fails every Apply (a throttled table).
type failing struct{ readmodels.Backend }

func (failing) Apply(context.Context, *readmodels.OrderState, readmodels.OrderState, readmodels.Delta, time.Time) error {
	return errors.New("throttled")
}

func TestHandle(t *testing.T) {
	now := func() time.Time { return readmodeltest.Now }
	life := readmodeltest.Life("ord_1", "cus_1", readmodeltest.Now.Add(-time.Hour), true, readmodeltest.Line("p1", 2))
	other := readmodeltest.Life("ord_2", "cus_1", readmodeltest.Now.Add(-time.Hour), false, readmodeltest.Line("p2", 1))
	poison := awsevents.SQSMessage{MessageId: "poison", Body: `{"source":"bffsuite.orders","detail-type":"order.placed","detail":{"event_id":"evt_x","type":"order.lost","spec_version":"1","order_id":"o","correlation_id":"corr-poison-1"}}`}
	batch := awsevents.SQSEvent{Records: []awsevents.SQSMessage{
		message(t, "m1", life[2]), message(t, "m2", other[0]), poison, message(t, "m3", life[0]), message(t, "m4", other[0]),
		message(t, "m5", life[1]), message(t, "m6", other[2]), message(t, "m7", other[1]),
	}}
	tests := []struct {
		name       string
		backend    func(*embedded.ReadModels) readmodels.Backend
		wantFailed string
		wantState  string
	}{
		{"out of order, duplicated, one poison", func(b *embedded.ReadModels) readmodels.Backend { return b }, "poison", "1 1000 [{p2 SKU-p2 1}]"},
		{"store failing", func(b *embedded.ReadModels) readmodels.Backend { return failing{b} }, "m1,m2,poison,m3,m4,m5,m6,m7", "0 0 []"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mem := embedded.NewReadModels()
			var logs, emf bytes.Buffer
			h := &Handler{Projector: projector.New(tt.backend(mem), readmodeltest.Config, now), Now: now,
				Runtime: &worker.Runtime{Name: Name, Logger: logging.New(&logs, logging.Options{Level: slog.LevelDebug, Service: Name}),
					Metrics: metrics.Config{Mode: "emf", Namespace: "BFFSuite"}, Out: &emf}}
			resp, err := h.Handle(context.Background(), batch)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if got := strings.Join(failed, ","); got != tt.wantFailed {
				t.Errorf("failed = %s, want %s", got, tt.wantFailed)
			}
			c := readmodels.NewClient(mem, readmodeltest.Config, now)
			s, _ := c.Summary(context.Background(), "cus_1")
			pop, _ := c.Popular(context.Background(), 10)
			if got := strings.TrimSpace(strings.Join([]string{itoa(s.OrderCount), itoa(s.LifetimeValue), fmtUnits(pop)}, " ")); got != tt.wantState {
				t.Errorf("read models = %s, want %s", got, tt.wantState)
			}
			for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
				if !strings.Contains(line, `"correlation_id":"`) {
					t.Errorf("log line without correlation_id: %s", line)
				}
			}
			if !strings.Contains(emf.String(), `"correlation_ids"`) {
				t.Errorf("EMF lines %s, want correlation_ids", emf.String())
			}
		})
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func fmtUnits(p []readmodels.ProductUnits) string {
	parts := make([]string, len(p))
	for i, u := range p {
		parts[i] = "{" + u.ProductID + " " + u.SKU + " " + itoa(u.Units) + "}"
	}
	return "[" + strings.Join(parts, " ") + "]"
}
