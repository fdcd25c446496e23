package events

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	awsevents "github.com/aws/aws-lambda-go/events"
)

func readSQSBatch(t *testing.T, name string) awsevents.SQSEvent {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var e awsevents.SQSEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return e
}

func TestFromEventBridge(t *testing.T) {
	b, err := os.ReadFile("testdata/eventbridge-order-placed.json")
	if err != nil {
		t.Fatal(err)
	}
	var env awsevents.EventBridgeEvent
	if err := json.Unmarshal(b, &env); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		detail  string
		wantErr bool
	}{
		{"eventbridge sample", string(env.Detail), false},
		{"not json", `{`, true},
		{"no id", `{"type":"order.placed","spec_version":"1","order_id":"o"}`, true},
		{"no order", `{"event_id":"e","type":"order.placed","spec_version":"1"}`, true},
		{"unknown type", `{"event_id":"e","type":"order.lost","spec_version":"1","order_id":"o"}`, true},
		{"future major", `{"event_id":"e","type":"order.placed","spec_version":"2","order_id":"o"}`, true},
		{"minor of this major", `{"event_id":"e","type":"order.placed","spec_version":"1.1","order_id":"o"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := FromEventBridge(json.RawMessage(tt.detail))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && !errors.Is(err, ErrUndecodable) {
				t.Errorf("err = %v, want ErrUndecodable", err)
			}
			if err == nil && e.ID == "" {
				t.Errorf("event id empty, want set")
			}
		})
	}
	e, err := FromEventBridge(env.Detail)
	if err != nil {
		t.Fatal(err)
	}
	if e.Type != OrderPlaced || e.CorrelationID != "corr-0001-abcd" || e.Total.Amount != 2598 || len(e.Lines) != 1 {
		t.Errorf("decoded %+v, want placed order with correlation, total and one line", e)
	}
}

func TestSQSHandlerReportsOnlyFailedMessages(t *testing.T) {
	batch := readSQSBatch(t, "sqs-eventbridge-batch.json")
	var handled []string
	var undecodable []string
	h := func(_ context.Context, e Event) error {
		handled = append(handled, string(e.Type))
		if e.Type == OrderConfirmed {
			return errors.New("store down")
		}
		return nil
	}
	var handlerErrs int
	resp, err := SQSHandler(h, SQSOptions{
		OnUndecodable: func(_ context.Context, m awsevents.SQSMessage, err error) {
			undecodable = append(undecodable, m.MessageId)
		},
		OnError: func(context.Context, Event, error) { handlerErrs++ },
	})(context.Background(), batch)
	if err != nil {
		t.Fatalf("handler error %v, want nil (partial batch)", err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if got, want := strings.Join(failed, ","), "msg-2,msg-3,msg-4,msg-5,msg-6"; got != want {
		t.Errorf("failed = %s, want %s", got, want)
	}
	if got, want := strings.Join(undecodable, ","), "msg-2,msg-4,msg-5,msg-6"; got != want {
		t.Errorf("undecodable = %s, want %s", got, want)
	}
	if got, want := strings.Join(handled, ","), "order.placed,order.confirmed"; got != want {
		t.Errorf("handled = %s, want %s", got, want)
	}
	if handlerErrs != 1 {
		t.Errorf("handler errors reported = %d, want 1", handlerErrs)
	}
}

func TestSQSHandlerCancelledContextFailsTheRest(t *testing.T) {
	batch := readSQSBatch(t, "sqs-eventbridge-batch.json")
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	resp, _ := SQSHandler(func(context.Context, Event) error { calls++; cancel(); return nil })(ctx, batch)
	if calls != 1 {
		t.Errorf("calls = %d, want 1", calls)
	}
	if got, want := len(resp.BatchItemFailures), len(batch.Records)-1; got != want {
		t.Errorf("failures = %d, want %d", got, want)
	}
}
