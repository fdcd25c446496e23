package workers_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"go.opentelemetry.io/otel/trace"

	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// pipeline is the event side on this machine: DynamoDB Local (orders with their stream, the
// read-model table), moto (EventBridge bus, rule, SQS queue with DLQ), the order-events and
// projector bootstraps under the Lambda RIE, and esmlocal's stream and queue mappings
// between them.
type pipeline struct {
	env      *storetest.Env
	rm       *readmodels.Client
	eb       *eventbridge.Client
	busName  string
	producer *testenv.RIE
	proj     *testenv.RIE
	stream   *esmlocal.Mapping
	queue    *esmlocal.Mapping

	mu       sync.Mutex
	payloads [][]byte // stream batches handed to order-events
}

func startPipeline(t *testing.T) *pipeline {
	t.Helper()
	ctx := context.Background()
	d := testenv.DynamoDB(t)
	db := d.Client()
	prefix := testenv.DynamoDBTablePrefix(t)
	names := dynamo.TableNames(prefix)
	rmTable := prefix + "readmodels"
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatal(err)
	}
	if err := dynamo.CreateTable(ctx, db, rmTable, dynamo.ReadModelsTable()); err != nil {
		t.Fatal(err)
	}
	s := dynamo.New(db, names)
	p := &pipeline{env: storetest.NewEnv(t, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}),
		rm: readmodels.NewClient(dynamo.NewReadModels(db, rmTable), readmodels.Config{}, nil), busName: "orders-pipeline"}

	moto := testenv.StartMoto(t)
	mcfg := moto.AWSConfig()
	p.eb = eventbridge.NewFromConfig(mcfg)
	q := sqs.NewFromConfig(mcfg)
	if _, err := p.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(p.busName)}); err != nil {
		t.Fatal(err)
	}
	dlq, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("projector-dlq")})
	if err != nil {
		t.Fatal(err)
	}
	dlqARN := queueARN(t, q, *dlq.QueueUrl)
	qu, err := q.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("projector"), Attributes: map[string]string{
		"VisibilityTimeout": "2", "RedrivePolicy": `{"deadLetterTargetArn":"` + dlqARN + `","maxReceiveCount":"3"}`}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("projector"), EventBusName: aws.String(p.busName),
		EventPattern: aws.String(`{"source":["` + events.Source + `"]}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("projector"), EventBusName: aws.String(p.busName),
		Targets: []ebtypes.Target{{Id: aws.String("queue"), Arn: aws.String(queueARN(t, q, *qu.QueueUrl))}}}); err != nil {
		t.Fatal(err)
	}

	p.producer = testenv.StartRIE(t, testenv.BuildBootstrap(t, "./cmd/order-events"), map[string]string{
		"BFF_EVENT_BUS_NAME": p.busName, "AWS_ENDPOINT_URL": moto.Endpoint, "AWS_REGION": testenv.MotoRegion,
		"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "BFF_LOG_LEVEL": "debug"})
	p.proj = testenv.StartRIE(t, testenv.BuildBootstrap(t, "./cmd/projector"), map[string]string{
		"BFF_TABLE_READMODELS": rmTable, "BFF_DYNAMODB_ENDPOINT": d.Endpoint, "BFF_LOG_LEVEL": "debug"})

	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(names.Orders)})
	if err != nil {
		t.Fatal(err)
	}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(d.Endpoint) })
	// LATEST: the seeded orders are not part of the test (the rebuild command covers replays).
	p.stream, err = esmlocal.Stream(ctx, streams, esmlocal.StreamOptions{StreamARN: aws.ToString(desc.Table.LatestStreamArn),
		StartingPosition: "LATEST", BatchSize: 100, ReportBatchItemFailures: true, BisectBatchOnFunctionError: true,
		MaximumRetryAttempts: esmlocal.Int(3), PollInterval: 50 * time.Millisecond},
		func(ctx context.Context, payload []byte) ([]byte, error) {
			p.mu.Lock()
			p.payloads = append(p.payloads, payload)
			p.mu.Unlock()
			return p.producer.Invoke(ctx, payload)
		})
	if err != nil {
		t.Fatal(err)
	}
	p.queue, err = esmlocal.SQS(ctx, q, esmlocal.SQSOptions{QueueURL: *qu.QueueUrl, ReportBatchItemFailures: true, WaitTime: time.Second}, p.proj.Invoke)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.stream.Stop(context.Background())
		_ = p.queue.Stop(context.Background())
	})
	time.Sleep(time.Second) // the stream mapping takes its LATEST iterator
	return p
}

func queueARN(t *testing.T, q *sqs.Client, url string) string {
	t.Helper()
	out, err := q.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return out.Attributes["QueueArn"]
}

func requestCtx(corr string) context.Context {
	tid, _ := trace.TraceIDFromHex("5759e988bd862e3fe1be46a994272793")
	sid, _ := trace.SpanIDFromHex("53995c3f42cd8ad8")
	return trace.ContextWithSpanContext(logging.WithCorrelationID(context.Background(), corr),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
}

func (p *pipeline) place(t *testing.T, ctx context.Context, customer string, product int, qty int64) orders.Order {
	t.Helper()
	pr := p.env.Data.Products[product]
	if err := p.env.Catalog.SetStock(context.Background(), pr.ID, 100); err != nil {
		t.Fatal(err)
	}
	o, err := p.env.Orders.PlaceOrder(ctx, orders.PlaceOrderInput{CustomerID: customer, Channel: orders.ChannelWeb,
		ShippingAddress: p.env.Data.Customers[0].Addresses[0], Lines: []orders.LineInput{{ProductID: pr.ID, Quantity: qty}}})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func (p *pipeline) waitSummary(t *testing.T, customer string, what string, ok func(readmodels.Summary) bool) readmodels.Summary {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		s, err := p.rm.Summary(context.Background(), customer)
		if err == nil && ok(s) {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("summary of %s = %+v, %v; want %s", customer, s, err, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// logLines returns the JSON log lines of a function that mention s.
func logLines(t *testing.T, logs, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(logs))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "{") || !strings.Contains(line, s) {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

func TestPipeline(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	p := startPipeline(t)
	ctx := context.Background()
	const cust = "cus-pipeline-1"

	// An order placed and confirmed through the orders client reaches the read models through
	// the stream, order-events, EventBridge, the rule's queue and the projector.
	placeCorr := "corr-pipeline-place"
	start := time.Now()
	o := p.place(t, requestCtx(placeCorr), cust, 0, 2)
	s := p.waitSummary(t, cust, "1 order", func(s readmodels.Summary) bool { return s.OrderCount == 1 })
	t.Logf("order write to read model: %v", time.Since(start))
	if s.LifetimeValue != o.Total.Amount {
		t.Errorf("lifetime value = %d, want %d", s.LifetimeValue, o.Total.Amount)
	}
	if _, err := p.env.Orders.UpdateStatus(requestCtx("corr-pipeline-confirm"), o.ID, orders.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	pop, err := p.rm.Popular(ctx, 10)
	if err != nil || len(pop) == 0 || pop[0].ProductID != p.env.Data.Products[0].ID {
		t.Errorf("popular = %v, %v; want %s first", pop, err, p.env.Data.Products[0].ID)
	}
	// One correlation ID in every log line on the way, in both functions.
	for name, logs := range map[string]string{"order-events": p.producer.Logs(), "projector": p.proj.Logs()} {
		lines := logLines(t, logs, events.ID(o.ID, 1))
		if len(lines) == 0 {
			t.Errorf("%s logged nothing about %s", name, events.ID(o.ID, 1))
		}
		for _, l := range lines {
			if l["correlation_id"] != placeCorr && l["_aws"] == nil {
				t.Errorf("%s log line %v: correlation_id want %s", name, l, placeCorr)
			}
		}
	}

	t.Run("same stream record twice gives one event", func(t *testing.T) {
		waitProjected(t, p, events.ID(o.ID, 2))
		p.mu.Lock()
		var first []byte
		for _, pl := range p.payloads {
			if strings.Contains(string(pl), o.ID) {
				first = pl
				break
			}
		}
		p.mu.Unlock()
		if first == nil {
			t.Fatal("no stream batch with the order")
		}
		resp, err := p.producer.Invoke(ctx, first) // the stream delivers the batch again
		if err != nil || strings.Contains(string(resp), "itemIdentifier") {
			t.Fatalf("redelivered batch: %s, %v; want no failures", resp, err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for len(logLinesWith(t, p.proj.Logs(), events.ID(o.ID, 1), "skipped")) == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the projector never saw the redelivered event")
			}
			time.Sleep(100 * time.Millisecond)
		}
		if s := p.waitSummary(t, cust, "1 order", func(s readmodels.Summary) bool { return true }); s.OrderCount != 1 || s.LifetimeValue != o.Total.Amount {
			t.Errorf("summary after the redelivery = %+v, want still 1 order worth %d", s, o.Total.Amount)
		}
	})

	t.Run("poison record does not stop the others", func(t *testing.T) {
		p.mu.Lock()
		var batch awsevents.DynamoDBEvent
		for _, pl := range p.payloads {
			if strings.Contains(string(pl), o.ID) {
				_ = json.Unmarshal(pl, &batch)
				break
			}
		}
		p.mu.Unlock()
		good := batch.Records[0]
		goodJSON, _ := json.Marshal(good)
		other := strings.ReplaceAll(strings.ReplaceAll(string(goodJSON), o.ID, "ord_pipeline_other"), cust, "cus-pipeline-2")
		poison := strings.Replace(string(goodJSON), `"version":{"N":"1"}`, `"version":{"S":"one"}`, 1)
		if poison == string(goodJSON) {
			t.Fatal("could not make the poison record")
		}
		payload := `{"Records":[` + poison + `,` + other + `]}`
		resp, err := p.producer.Invoke(ctx, []byte(payload))
		if err != nil || strings.Contains(string(resp), "itemIdentifier") {
			t.Fatalf("batch with a poison record: %s, %v; want no failures (poison skipped)", resp, err)
		}
		p.waitSummary(t, "cus-pipeline-2", "1 order", func(s readmodels.Summary) bool { return s.OrderCount == 1 })
		if len(logLinesWith(t, p.producer.Logs(), "poison stream record skipped", "")) == 0 {
			t.Error("no log line for the poison record")
		}
	})

	t.Run("events out of order", func(t *testing.T) {
		const c3 = "cus-pipeline-3"
		base := orders.Order{ID: "ord_pipeline_ooo", CustomerID: c3, Channel: orders.ChannelWeb, Status: orders.StatusPending, Version: 1,
			Lines: []orders.Line{{ProductID: "p-x", SKU: "SKU-X", Quantity: 4}}, ItemCount: 4, CreatedAt: time.Now(), UpdatedAt: time.Now()}
		base.Total.Amount, base.Total.Currency = 4000, "EUR"
		var evs []events.Event
		for v, st := range []orders.Status{orders.StatusPending, orders.StatusConfirmed, orders.StatusCancelled} {
			o := base
			o.Version, o.Status, o.CorrelationID = int64(v+1), st, fmt.Sprintf("corr-ooo-%d", v+1)
			evs = append(evs, events.Snapshot(o))
		}
		for _, i := range []int{2, 0, 1} { // cancelled, placed, confirmed
			detail, _ := json.Marshal(evs[i])
			if _, err := p.eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
				EventBusName: aws.String(p.busName), Source: aws.String(events.Source), DetailType: aws.String(string(evs[i].Type)),
				Detail: aws.String(string(detail))}}}); err != nil {
				t.Fatal(err)
			}
		}
		for _, e := range evs {
			waitProjected(t, p, e.ID)
		}
		s, err := p.rm.Summary(ctx, c3)
		if err != nil || s.OrderCount != 0 || s.LifetimeValue != 0 {
			t.Errorf("summary after cancelled, placed, confirmed = %+v, %v; want 0 orders (the order ends cancelled)", s, err)
		}
	})
}

// waitProjected waits until the projector logged the event.
func waitProjected(t *testing.T, p *pipeline, eventID string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for len(logLinesWith(t, p.proj.Logs(), eventID, "event projected")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("event %s never projected", eventID)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func logLinesWith(t *testing.T, logs, a, b string) []map[string]any {
	var out []map[string]any
	for _, l := range logLines(t, logs, a) {
		raw, _ := json.Marshal(l)
		if strings.Contains(string(raw), b) {
			out = append(out, l)
		}
	}
	return out
}
