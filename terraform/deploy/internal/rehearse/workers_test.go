package rehearse

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/deploy/internal/lambdazip"
	"bffsuite.dev/shared/events"
)

// TestWorkerEvents: every worker of worker_function_names (the order events module's) has a
// rehearsal event, and each is what its trigger sends: a stream record order-events turns into
// order.placed, an EventBridge message the projector decodes.
func TestWorkerEvents(t *testing.T) {
	for _, w := range []lambdazip.Target{{Name: "order-events"}, {Name: "projector"}} {
		b, err := WorkerEvent(w.Name, time.Now())
		if err != nil {
			t.Fatalf("WorkerEvent(%s) = %v", w.Name, err)
		}
		switch w.Name {
		case "order-events":
			var ev awsevents.DynamoDBEvent
			if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("order-events event %s: %v", b, err)
			}
			e, err := events.FromStreamRecord(ev.Records[0])
			if err != nil || e == nil || e.Type != events.OrderPlaced || e.CorrelationID == "" {
				t.Errorf("FromStreamRecord = %+v, %v; want order.placed with a correlation ID", e, err)
			}
		case "webhook-sender":
			var ev awsevents.SQSEvent
			if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 || !strings.Contains(ev.Records[0].Body, `"delivery_id"`) {
				t.Fatalf("webhook-sender event %s: %v", b, err)
			}
		case "projector", "webhook-fanout", "push":
			var ev awsevents.SQSEvent
			if err := json.Unmarshal(b, &ev); err != nil || len(ev.Records) != 1 {
				t.Fatalf("projector event %s: %v", b, err)
			}
			if _, err := events.FromSQSBody(ev.Records[0].Body); err != nil {
				t.Errorf("FromSQSBody = %v", err)
			}
		}
	}
	if _, err := WorkerEvent("unknown", time.Now()); err == nil {
		t.Error("WorkerEvent(unknown) = nil error, want one")
	}
}
