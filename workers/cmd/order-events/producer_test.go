package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/events/schema"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/workers/internal/worker"
)

// records reads testdata/dynamodb-order-stream.json (an order placed, confirmed and
// cancelled on DynamoDB Local, as the stream hands it to Lambda).
func records(t *testing.T) []awsevents.DynamoDBEventRecord {
	t.Helper()
	b, err := os.ReadFile("testdata/dynamodb-order-stream.json")
	if err != nil {
		t.Fatal(err)
	}
	var e awsevents.DynamoDBEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e.Records
}

// variant is record r for another order id and sequence number (through JSON).
func variant(t *testing.T, r awsevents.DynamoDBEventRecord, orderID, seq string, edit func(img map[string]any)) awsevents.DynamoDBEventRecord {
	t.Helper()
	b, _ := json.Marshal(r)
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	d := m["dynamodb"].(map[string]any)
	d["SequenceNumber"] = seq
	d["Keys"] = map[string]any{"id": map[string]any{"S": orderID}}
	for _, k := range []string{"NewImage", "OldImage"} {
		if img, ok := d[k].(map[string]any); ok {
			img["id"] = map[string]any{"S": orderID}
			if edit != nil && k == "NewImage" {
				edit(img)
			}
		}
	}
	b, _ = json.Marshal(m)
	var out awsevents.DynamoDBEventRecord
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

type logs struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logs) lines(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(l.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %s is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

func testRuntime(logOut, emfOut *logs) *worker.Runtime {
	return &worker.Runtime{Name: Name, Logger: logging.New(logOut, logging.Options{Level: slog.LevelDebug, Service: Name}),
		Metrics: metrics.Config{Mode: "emf", Namespace: "BFFSuite"}, Out: emfOut}
}

// TestPublishesThroughEventBridgeRuleToQueue runs the producer against moto's EventBridge: a
// custom bus, a rule on Source events.Source, an SQS target. The queue gets one EventBridge
// event per status change, decodable by consumers (events.FromSQSBody), and every log line
// carries a correlation ID.
func TestPublishesThroughEventBridgeRuleToQueue(t *testing.T) {
	moto := testenv.StartMoto(t)
	cfg := moto.AWSConfig()
	ctx := context.Background()
	eb := eventbridge.NewFromConfig(cfg)
	q := sqs.NewFromConfig(cfg)
	bus, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders-test")})
	if err != nil {
		t.Fatal(err)
	}
	qu, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("projector")})
	if err != nil {
		t.Fatal(err)
	}
	qa, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: qu.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("projector"), EventBusName: aws.String("orders-test"),
		EventPattern: aws.String(`{"source":["` + events.Source + `"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("projector"), EventBusName: aws.String("orders-test"),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(qa.Attributes["QueueArn"])}}}); err != nil {
		t.Fatal(err)
	}
	var logOut, emfOut logs
	p := &Producer{EventBridge: eb, Bus: aws.ToString(bus.EventBusArn), Runtime: testRuntime(&logOut, &emfOut)}
	recs := records(t)
	poison := variant(t, recs[1], "ord_poison", "999", func(img map[string]any) { img["version"] = map[string]any{"S": "two"} })
	batch := awsevents.DynamoDBEvent{Records: []awsevents.DynamoDBEventRecord{recs[0], poison, recs[1], recs[2], recs[1]}}
	resp, err := p.Handle(ctx, batch)
	if err != nil || len(resp.BatchItemFailures) != 0 {
		t.Fatalf("Handle = %+v, %v; want no failures", resp, err)
	}
	var got []events.Event
	deadline := time.Now().Add(10 * time.Second)
	for len(got) < 4 && time.Now().Before(deadline) {
		out, err := q.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: qu.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Messages {
			e, err := events.FromSQSBody(aws.ToString(m.Body))
			if err != nil {
				t.Fatalf("queued message %s: %v", aws.ToString(m.Body), err)
			}
			got = append(got, e)
		}
		if len(got) >= 4 {
			break
		}
	}
	var types []string
	ids := map[string]int{}
	for _, e := range got {
		types = append(types, string(e.Type))
		ids[e.ID]++
		if err := schema.ValidateEvent(e); err != nil {
			t.Errorf("event %s: %v", e.ID, err)
		}
	}
	slices.Sort(types)
	if want := []string{"order.cancelled", "order.confirmed", "order.confirmed", "order.placed"}; !slices.Equal(types, want) {
		t.Errorf("queued event types = %v, want %v (the redelivered record published again, same id)", types, want)
	}
	if len(ids) != 3 {
		t.Errorf("distinct event ids = %d, want 3 (%v)", len(ids), ids)
	}
	lines := logOut.lines(t)
	poisonLogged := false
	for _, l := range lines {
		if l["correlation_id"] == nil || l["correlation_id"] == "" {
			t.Errorf("log line without correlation_id: %v", l)
		}
		if l["msg"] == "poison stream record skipped" && l["correlation_id"] == "corr-confirm-00002" {
			poisonLogged = true
		}
	}
	if !poisonLogged {
		t.Errorf("no poison log line with the image's correlation ID in %v", lines)
	}
	emf := emfOut.lines(t)
	var published, poisoned float64
	for _, l := range emf {
		if v, ok := l[MetricPublished].(float64); ok {
			published = v
		}
		if v, ok := l[MetricPoison].(float64); ok {
			poisoned = v
		}
	}
	if published != 4 || poisoned != 1 {
		t.Errorf("EMF %s=%v %s=%v, want 4 and 1 (lines %v)", MetricPublished, published, MetricPoison, poisoned, emf)
	}
}

// fakeEventBridge accepts entries except those whose order id is in reject, and fails whole
// calls numbered in failCalls (1-based).
type fakeEventBridge struct {
	reject    map[string]bool
	failCalls map[int]bool
	calls     int
	accepted  []string
}

func (f *fakeEventBridge) PutEvents(_ context.Context, in *eventbridge.PutEventsInput, _ ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error) {
	f.calls++
	if len(in.Entries) > MaxEntries {
		return nil, fmt.Errorf("%d entries, want at most %d", len(in.Entries), MaxEntries)
	}
	if f.failCalls[f.calls] {
		return nil, errors.New("throttled")
	}
	out := &eventbridge.PutEventsOutput{}
	for _, e := range in.Entries {
		var ev events.Event
		_ = json.Unmarshal([]byte(aws.ToString(e.Detail)), &ev)
		if f.reject[ev.OrderID] {
			out.FailedEntryCount++
			out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{ErrorCode: aws.String("InternalFailure"), ErrorMessage: aws.String("try again")})
			continue
		}
		f.accepted = append(f.accepted, ev.OrderID)
		out.Entries = append(out.Entries, ebtypes.PutEventsResultEntry{EventId: aws.String("eb-" + ev.ID)})
	}
	return out, nil
}

func TestPartialBatchFailures(t *testing.T) {
	placed := records(t)[0]
	var batch awsevents.DynamoDBEvent
	for i := range 23 {
		batch.Records = append(batch.Records, variant(t, placed, fmt.Sprintf("ord_%02d", i), fmt.Sprintf("%03d", i), nil))
	}
	seqs := func(from int) []string {
		var out []string
		for i := from; i < 23; i++ {
			out = append(out, fmt.Sprintf("%03d", i))
		}
		return out
	}
	tests := []struct {
		name         string
		eb           *fakeEventBridge
		wantFailed   []string
		wantCalls    int
		wantAccepted int
	}{
		{"all accepted", &fakeEventBridge{}, nil, 3, 23},
		{"entry rejected in the second call (later entries of that call accepted)", &fakeEventBridge{reject: map[string]bool{"ord_13": true}}, seqs(13), 2, 19},
		{"third call fails", &fakeEventBridge{failCalls: map[int]bool{3: true}}, seqs(20), 3, 20},
		{"first entry rejected", &fakeEventBridge{reject: map[string]bool{"ord_00": true}}, seqs(0), 1, 9},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logOut, emfOut logs
			p := &Producer{EventBridge: tt.eb, Bus: "b", Runtime: testRuntime(&logOut, &emfOut)}
			resp, err := p.Handle(context.Background(), batch)
			if err != nil {
				t.Fatal(err)
			}
			var failed []string
			for _, f := range resp.BatchItemFailures {
				failed = append(failed, f.ItemIdentifier)
			}
			if !slices.Equal(failed, tt.wantFailed) {
				t.Errorf("failed = %v, want %v", failed, tt.wantFailed)
			}
			if tt.eb.calls != tt.wantCalls || len(tt.eb.accepted) != tt.wantAccepted {
				t.Errorf("calls %d accepted %d, want %d and %d", tt.eb.calls, len(tt.eb.accepted), tt.wantCalls, tt.wantAccepted)
			}
			for _, l := range logOut.lines(t) {
				if l["correlation_id"] != "corr-place-000001" {
					t.Errorf("log line %v: correlation_id want corr-place-000001", l)
				}
			}
		})
	}
}
