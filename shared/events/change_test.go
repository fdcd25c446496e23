package events_test

import (
	"encoding/json"
	"errors"
	"os"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/events/schema"
	"bffsuite.dev/shared/orders"
)

// streamRecords reads the captured stream records (placed, confirmed, cancelled).
func streamRecords(t *testing.T) []awsevents.DynamoDBEventRecord {
	t.Helper()
	b, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var e awsevents.DynamoDBEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Records) != 3 {
		t.Fatalf("%s: got %d records, want 3", fixture, len(e.Records))
	}
	return e.Records
}

// edit returns a copy of r (through JSON, as a redelivery would be) changed by f.
func edit(t *testing.T, r awsevents.DynamoDBEventRecord, f func(m map[string]any)) awsevents.DynamoDBEventRecord {
	t.Helper()
	b, _ := json.Marshal(r)
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	f(m)
	b, _ = json.Marshal(m)
	var out awsevents.DynamoDBEventRecord
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func image(m map[string]any, which string) map[string]any {
	return m["dynamodb"].(map[string]any)[which].(map[string]any)
}

func TestFromStreamRecord(t *testing.T) {
	recs := streamRecords(t)
	placed, confirmed, cancelled := recs[0], recs[1], recs[2]
	orderID := placed.Change.Keys["id"].String()
	tests := []struct {
		name       string
		rec        awsevents.DynamoDBEventRecord
		wantType   events.Type // "" = no event
		wantID     string
		wantPrev   string
		wantReason string
		wantErr    bool
	}{
		{name: "insert", rec: placed, wantType: events.OrderPlaced, wantID: events.ID(orderID, 1)},
		{name: "confirm", rec: confirmed, wantType: events.OrderConfirmed, wantID: events.ID(orderID, 2), wantPrev: "PENDING"},
		{name: "cancel", rec: cancelled, wantType: events.OrderCancelled, wantID: events.ID(orderID, 3), wantPrev: "CONFIRMED"},
		{name: "redelivered record, new stream event id", rec: edit(t, confirmed, func(m map[string]any) { m["eventID"] = "redelivered" }),
			wantType: events.OrderConfirmed, wantID: events.ID(orderID, 2), wantPrev: "PENDING"},
		{name: "cancel with a reason", rec: edit(t, cancelled, func(m map[string]any) {
			image(m, "NewImage")["cancellation_reason"] = map[string]any{"S": "payment_declined"}
		}), wantType: events.OrderCancelled, wantID: events.ID(orderID, 3), wantPrev: "CONFIRMED", wantReason: "payment_declined"},
		{name: "write without status change", rec: edit(t, confirmed, func(m map[string]any) {
			m["dynamodb"].(map[string]any)["OldImage"] = image(m, "NewImage")
		})},
		{name: "saga step no event names", rec: edit(t, confirmed, func(m map[string]any) {
			image(m, "NewImage")["status"] = map[string]any{"S": "PAYMENT_AUTHORIZED"}
		})},
		{name: "remove", rec: edit(t, cancelled, func(m map[string]any) {
			m["eventName"] = "REMOVE"
			m["dynamodb"].(map[string]any)["OldImage"] = image(m, "NewImage")
			delete(m["dynamodb"].(map[string]any), "NewImage")
		})},
		{name: "poison: version not a number", rec: edit(t, confirmed, func(m map[string]any) {
			image(m, "NewImage")["version"] = map[string]any{"S": "two"}
		}), wantErr: true},
		{name: "poison: no id", rec: edit(t, placed, func(m map[string]any) { delete(image(m, "NewImage"), "id") }), wantErr: true},
		{name: "poison: keys only stream", rec: edit(t, placed, func(m map[string]any) {
			delete(m["dynamodb"].(map[string]any), "NewImage")
		}), wantErr: true},
		{name: "poison: unknown event name", rec: edit(t, placed, func(m map[string]any) { m["eventName"] = "TRUNCATE" }), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := events.FromStreamRecord(tt.rec)
			if tt.wantErr {
				if !errors.Is(err, events.ErrUndecodable) {
					t.Fatalf("err = %v, want ErrUndecodable", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want nil", err)
			}
			if tt.wantType == "" {
				if e != nil {
					t.Fatalf("event = %+v, want none", e)
				}
				return
			}
			if e == nil {
				t.Fatalf("event = nil, want %s", tt.wantType)
			}
			if e.Type != tt.wantType || e.ID != tt.wantID || e.PreviousStatus != tt.wantPrev || e.CancellationReason != tt.wantReason {
				t.Errorf("got %s %s prev %q reason %q, want %s %s prev %q reason %q", e.Type, e.ID, e.PreviousStatus, e.CancellationReason,
					tt.wantType, tt.wantID, tt.wantPrev, tt.wantReason)
			}
			if err := schema.ValidateEvent(*e); err != nil {
				t.Errorf("event does not match the schema: %v", err)
			}
		})
	}
}

func TestFromChange(t *testing.T) {
	at := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
	base := orders.Order{ID: "ord_1", CustomerID: "cus_1", Channel: orders.ChannelMobile, Status: orders.StatusPending, Version: 1,
		ItemCount: 3, Lines: []orders.Line{{ProductID: "p1", SKU: "S1", Quantity: 3}}, CreatedAt: at, UpdatedAt: at}
	base.Total.Amount, base.Total.Currency = 2997, "EUR"
	with := func(s orders.Status, v int64) orders.Order {
		o := base
		o.Status, o.Version, o.UpdatedAt = s, v, at.Add(time.Duration(v)*time.Minute)
		return o
	}
	p := func(o orders.Order) *orders.Order { return &o }
	tests := []struct {
		name     string
		old      *orders.Order
		cur      orders.Order
		wantType events.Type
	}{
		{"created", nil, with(orders.StatusPending, 1), events.OrderPlaced},
		{"created already delivered (seed, import)", nil, with(orders.StatusDelivered, 4), events.OrderDelivered},
		{"confirmed", p(with(orders.StatusPending, 1)), with(orders.StatusConfirmed, 2), events.OrderConfirmed},
		{"shipped", p(with(orders.StatusConfirmed, 2)), with(orders.StatusShipped, 3), events.OrderShipped},
		{"delivered", p(with(orders.StatusShipped, 3)), with(orders.StatusDelivered, 4), events.OrderDelivered},
		{"cancelled", p(with(orders.StatusPending, 1)), with(orders.StatusCancelled, 2), events.OrderCancelled},
		{"same status", p(with(orders.StatusPending, 1)), with(orders.StatusPending, 2), ""},
		{"older version", p(with(orders.StatusConfirmed, 3)), with(orders.StatusPending, 2), ""},
		{"unnamed status", p(with(orders.StatusPending, 1)), with("PAYMENT_AUTHORIZED", 2), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := events.FromChange(tt.old, tt.cur)
			if tt.wantType == "" {
				if e != nil {
					t.Errorf("event = %+v, want none", e)
				}
				return
			}
			if e == nil || e.Type != tt.wantType || e.ID != events.ID("ord_1", tt.cur.Version) || !e.OccurredAt.Equal(tt.cur.UpdatedAt) {
				t.Fatalf("event = %+v, want %s with id of v%d at %v", e, tt.wantType, tt.cur.Version, tt.cur.UpdatedAt)
			}
			if err := schema.ValidateEvent(*e); err != nil {
				t.Errorf("event does not match the schema: %v", err)
			}
		})
	}
}

func TestSchemaRejects(t *testing.T) {
	o := orders.Order{ID: "ord_1", CustomerID: "c", Channel: orders.ChannelWeb, Status: orders.StatusPending, Version: 1,
		CreatedAt: time.Now(), UpdatedAt: time.Now()}
	o.Total.Amount, o.Total.Currency = 100, "EUR"
	good, err := json.Marshal(events.Snapshot(o))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(good); err != nil {
		t.Fatalf("valid event rejected: %v (%s)", err, good)
	}
	for name, mutate := range map[string]func(m map[string]any){
		"bad event id":           func(m map[string]any) { m["event_id"] = "e1" },
		"unknown type":           func(m map[string]any) { m["type"] = "order.lost" },
		"placed with previous":   func(m map[string]any) { m["previous_status"] = "PENDING" },
		"reason on a non-cancel": func(m map[string]any) { m["cancellation_reason"] = "x" },
		"no owner":               func(m map[string]any) { delete(m, "owner") },
		"bad currency":           func(m map[string]any) { m["total"] = map[string]any{"amount": 1, "currency": "euro"} },
		"occurred_at not a date": func(m map[string]any) { m["occurred_at"] = "yesterday" },
		"trace header not X-Ray": func(m map[string]any) { m["trace_header"] = "00-abc-def-01" },
		"version zero":           func(m map[string]any) { m["order_version"] = 0 },
		"line with zero quantity": func(m map[string]any) {
			m["lines"] = []any{map[string]any{"product_id": "p", "sku": "s", "quantity": 0}}
		},
	} {
		var m map[string]any
		_ = json.Unmarshal(good, &m)
		mutate(m)
		b, _ := json.Marshal(m)
		if err := schema.Validate(b); err == nil {
			t.Errorf("%s: accepted %s, want rejected", name, b)
		}
	}
}
