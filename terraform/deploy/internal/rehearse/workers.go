package rehearse

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
)

// worker is an event-side function read back and ready to run.
type worker struct {
	name string // zip name (lambdazip.Workers)
	d    Deployed
	boot string
	env  []string
	add  []string
}

// prepareWorkers reads back every event-side function the suite deployed (output
// worker_function_names) and its role's credentials, before moto's IAM enforcement is on (the
// admin calls of the rehearsal are not in any role's policy).
func (r *runner) prepareWorkers(ctx context.Context, dist string) ([]worker, error) {
	var names map[string]string
	if err := r.tofu.Output(ctx, "worker_function_names", &names); err != nil {
		return nil, fmt.Errorf("read worker functions: %w", err)
	}
	var out []worker
	err := r.step("worker roles and code", func() (string, error) {
		for _, w := range slices.Sorted(maps.Keys(names)) {
			d, err := ReadDeployed(ctx, r.moto.URL, "", names[w])
			if err != nil {
				return "", err
			}
			creds, err := AssumeRole(ctx, r.moto.URL, d.Role, "rehearse-"+w)
			if err != nil {
				return "", err
			}
			dir := filepath.Join(r.work, "fn", w)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			boot, err := ExtractBootstrap(filepath.Join(dist, w+".zip"), d, dir)
			if err != nil {
				return "", err
			}
			env, added := FunctionEnv(d, creds, r.moto.URL)
			out = append(out, worker{name: w, d: d, boot: boot, env: env, add: added})
		}
		return fmt.Sprintf("%d workers", len(out)), nil
	})
	return out, err
}

// runWorkers runs each worker under the emulator as deployed (its environment and its role's
// credentials, moto IAM on) with one realistic event: order-events a stream batch of one order
// (it publishes to the bus), the projector a queue batch of one order event (it writes the read
// models). Each must answer without batch item failures.
func (r *runner) runWorkers(ctx context.Context, ws []worker) error {
	for _, w := range ws {
		fn := Function{Deployed: w.d, AddedEnv: w.add}
		err := r.step("run worker "+w.d.Name+" under RIE", func() (string, error) {
			ev, err := WorkerEvent(w.name, time.Now())
			if err != nil {
				return "", err
			}
			em, err := startEmulator(ctx, r.o.RIE, w.boot, w.env, w.d, w.d.Timeout)
			if err != nil {
				return "", err
			}
			defer em.Close()
			defer func() { _ = os.WriteFile(filepath.Join(filepath.Dir(w.boot), "rie.log"), []byte(em.Logs()), 0o644) }()
			ictx, cancel := context.WithTimeout(ctx, time.Duration(w.d.Timeout+5)*time.Second)
			defer cancel()
			out, err := em.Invoke(ictx, ev)
			if err != nil {
				return "", fmt.Errorf("%s: %w\n%s", w.d.Name, err, tail(em.Logs(), 2000))
			}
			var resp struct {
				BatchItemFailures []json.RawMessage `json:"batchItemFailures"`
			}
			if err := json.Unmarshal(out, &resp); err != nil || len(resp.BatchItemFailures) > 0 {
				return "", fmt.Errorf("%s answered %s, want no batch item failures\n%s", w.d.Name, out, tail(em.Logs(), 2000))
			}
			if d, ok := initDuration(em); ok {
				fn.Init = d
			}
			return fmt.Sprintf("init %s, no batch item failures", fn.Init.Round(100*time.Microsecond)), nil
		})
		r.rep.Functions = append(r.rep.Functions, fn)
		if err != nil {
			return err
		}
	}
	return nil
}

// rehearsalOrder is the order the worker events describe.
func rehearsalOrder(now time.Time) orders.Order {
	o := orders.Order{ID: "ord_rehearsal", CustomerID: "cus-rehearsal", Channel: orders.ChannelWeb, Status: orders.StatusPending,
		Version: 1, ItemCount: 2, CreatedAt: now.UTC(), UpdatedAt: now.UTC(), CorrelationID: "corr-rehearsal-0001",
		Lines: []orders.Line{{ProductID: "p-0001", SKU: "SKU-0001", Name: "Rehearsal", Quantity: 2}}}
	o.Total.Amount, o.Total.Currency = 2000, "EUR"
	return o
}

// WorkerEvent is the event a worker is invoked with in the rehearsal (error for an unknown
// worker, so a new worker is not silently skipped).
func WorkerEvent(worker string, now time.Time) ([]byte, error) {
	o := rehearsalOrder(now)
	switch worker {
	case "order-events":
		ts := o.CreatedAt.Format(time.RFC3339Nano)
		img := map[string]any{
			"id": map[string]any{"S": o.ID}, "customer_id": map[string]any{"S": o.CustomerID}, "channel": map[string]any{"S": "web"},
			"status": map[string]any{"S": string(o.Status)}, "version": map[string]any{"N": "1"}, "item_count": map[string]any{"N": "2"},
			"list_key": map[string]any{"S": orders.ListKey(o.CreatedAt, o.ID)}, "created_at": map[string]any{"S": ts}, "updated_at": map[string]any{"S": ts},
			"total":          map[string]any{"M": map[string]any{"amount": map[string]any{"N": "2000"}, "currency": map[string]any{"S": "EUR"}}},
			"correlation_id": map[string]any{"S": o.CorrelationID},
			"lines": map[string]any{"L": []any{map[string]any{"M": map[string]any{"product_id": map[string]any{"S": "p-0001"},
				"sku": map[string]any{"S": "SKU-0001"}, "name": map[string]any{"S": "Rehearsal"}, "quantity": map[string]any{"N": "2"}}}}},
		}
		return json.Marshal(map[string]any{"Records": []any{map[string]any{
			"eventID": "rehearsal-1", "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb", "awsRegion": Region,
			"eventSourceARN": "arn:aws:dynamodb:" + Region + ":123456789012:table/rehearsal-orders/stream/2026-01-01T00:00:00.000",
			"dynamodb": map[string]any{"ApproximateCreationDateTime": now.Unix(), "Keys": map[string]any{"id": map[string]any{"S": o.ID}},
				"NewImage": img, "SequenceNumber": "100000000000000000001", "SizeBytes": 512, "StreamViewType": "NEW_AND_OLD_IMAGES"},
		}}})
	case "webhook-sender": // a delivery task whose record does not exist: nothing to send, done
		body, _ := json.Marshal(map[string]string{"partner_id": "rehearsal-partner", "endpoint_id": "ep_rehearsal", "delivery_id": "msg_rehearsal"})
		return json.Marshal(map[string]any{"Records": []any{map[string]any{
			"messageId": "rehearsal-msg-1", "receiptHandle": "rehearsal", "body": string(body), "attributes": map[string]any{"ApproximateReceiveCount": "1"},
			"messageAttributes": map[string]any{}, "md5OfBody": "", "eventSource": "aws:sqs",
			"eventSourceARN": "arn:aws:sqs:" + Region + ":123456789012:rehearsal-webhook-delivery", "awsRegion": Region,
		}}})
	case "projector", "webhook-fanout", "push": // an EventBridge order event as the rule's queue delivers it
		detail, err := json.Marshal(events.Snapshot(o))
		if err != nil {
			return nil, err
		}
		body, _ := json.Marshal(map[string]any{"version": "0", "id": "rehearsal-eb-1", "detail-type": string(events.OrderPlaced),
			"source": events.Source, "account": "123456789012", "time": o.CreatedAt.Format(time.RFC3339), "region": Region,
			"resources": []string{}, "detail": json.RawMessage(detail)})
		return json.Marshal(map[string]any{"Records": []any{map[string]any{
			"messageId": "rehearsal-msg-1", "receiptHandle": "rehearsal", "body": string(body), "attributes": map[string]any{},
			"messageAttributes": map[string]any{}, "md5OfBody": "", "eventSource": "aws:sqs",
			"eventSourceARN": "arn:aws:sqs:" + Region + ":123456789012:rehearsal-projector", "awsRegion": Region,
		}}})
	}
	return nil, fmt.Errorf("rehearsal: no event for worker %q (add one to WorkerEvent)", strings.TrimSpace(worker))
}
