package events_test

import (
	"context"
	"encoding/json"
	"os"
	"sync"
	"testing"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"go.opentelemetry.io/otel/trace"

	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/events/schema"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// fixture is testdata/dynamodb-order-stream.json: the stream records of one order placed,
// confirmed and cancelled through the orders client on DynamoDB Local, as esmlocal hands
// them to Lambda. EVENTS_UPDATE_TESTDATA=1 rewrites it from a fresh run.
const fixture = "testdata/dynamodb-order-stream.json"

func requestCtx(t *testing.T, corr, traceHex, spanHex string) context.Context {
	t.Helper()
	tid, _ := trace.TraceIDFromHex(traceHex)
	sid, _ := trace.SpanIDFromHex(spanHex)
	return trace.ContextWithSpanContext(logging.WithCorrelationID(context.Background(), corr),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
}

// TestStreamRecordsOfRealWrites writes an order's life on DynamoDB Local with the orders
// table's stream (dynamo.Schema), reads the stream through esmlocal as Lambda would get it,
// and checks the events FromStreamRecord derives: types, stable ids, request context, schema.
func TestStreamRecordsOfRealWrites(t *testing.T) {
	d := testenv.DynamoDB(t)
	db := d.Client()
	names := dynamo.TableNames(testenv.DynamoDBTablePrefix(t))
	ctx := context.Background()
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = dynamo.DeleteTables(context.Background(), db, names) })
	s := dynamo.New(db, names)
	env := storetest.NewEnv(t, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()})
	desc, err := db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(names.Orders)})
	if err != nil {
		t.Fatal(err)
	}
	streamARN := aws.ToString(desc.Table.LatestStreamArn)
	if streamARN == "" {
		t.Fatal("orders table has no stream, want NEW_AND_OLD_IMAGES (dynamo.Schema)")
	}

	p := env.Data.Products[0]
	if err := env.Catalog.SetStock(ctx, p.ID, 50); err != nil {
		t.Fatal(err)
	}
	o, err := env.Orders.PlaceOrder(requestCtx(t, "corr-place-000001", "5759e988bd862e3fe1be46a994272793", "53995c3f42cd8ad8"),
		orders.PlaceOrderInput{CustomerID: seed.CustomerDavid, Channel: orders.ChannelWeb,
			ShippingAddress: env.Data.Customers[0].Addresses[0], Lines: []orders.LineInput{{ProductID: p.ID, Quantity: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Orders.UpdateStatus(requestCtx(t, "corr-confirm-00002", "6759e988bd862e3fe1be46a994272794", "63995c3f42cd8ad9"), o.ID, orders.StatusConfirmed); err != nil {
		t.Fatal(err)
	}
	if _, err := env.Orders.CancelOrder(requestCtx(t, "corr-cancel-000003", "7759e988bd862e3fe1be46a994272795", "73995c3f42cd8ad0"), o.ID); err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	var mine []json.RawMessage
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(d.Endpoint) })
	m, err := esmlocal.Stream(ctx, streams, esmlocal.StreamOptions{StreamARN: streamARN, PollInterval: 20 * time.Millisecond},
		func(_ context.Context, payload []byte) ([]byte, error) {
			var ev struct{ Records []json.RawMessage }
			if err := json.Unmarshal(payload, &ev); err != nil {
				return nil, err
			}
			mu.Lock()
			defer mu.Unlock()
			for _, r := range ev.Records {
				var rec awsevents.DynamoDBEventRecord
				if json.Unmarshal(r, &rec) == nil && rec.Change.Keys["id"].String() == o.ID {
					mine = append(mine, r)
				}
			}
			return []byte(`{"batchItemFailures":[]}`), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop(ctx)
	deadline := time.Now().Add(20 * time.Second)
	for {
		mu.Lock()
		n := len(mine)
		mu.Unlock()
		if n >= 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("stream records of order %s: got %d, want 3", o.ID, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	raw, _ := json.MarshalIndent(map[string]any{"Records": mine}, "", "  ")
	mu.Unlock()
	if os.Getenv("EVENTS_UPDATE_TESTDATA") == "1" {
		if err := os.WriteFile(fixture, append(raw, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var batch awsevents.DynamoDBEvent
	if err := json.Unmarshal(raw, &batch); err != nil {
		t.Fatal(err)
	}
	want := []struct {
		typ  events.Type
		corr string
	}{{events.OrderPlaced, "corr-place-000001"}, {events.OrderConfirmed, "corr-confirm-00002"}, {events.OrderCancelled, "corr-cancel-000003"}}
	for i, r := range batch.Records {
		e, err := events.FromStreamRecord(r)
		if err != nil || e == nil {
			t.Fatalf("record %d: FromStreamRecord = %v, %v; want an event", i, e, err)
		}
		if e.Type != want[i].typ || e.CorrelationID != want[i].corr || e.ID != events.ID(o.ID, int64(i+1)) || e.OrderVersion != int64(i+1) {
			t.Errorf("record %d: got %s %s %s v%d, want %s %s %s v%d", i, e.Type, e.CorrelationID, e.ID, e.OrderVersion,
				want[i].typ, want[i].corr, events.ID(o.ID, int64(i+1)), i+1)
		}
		if e.TraceHeader == "" || e.Owner.CustomerID != seed.CustomerDavid || e.Total.Amount != o.Total.Amount || len(e.Lines) != 1 || e.Lines[0].Quantity != 2 {
			t.Errorf("record %d: event %+v lacks the trace header, owner, total or lines", i, e)
		}
		if err := schema.ValidateEvent(*e); err != nil {
			t.Errorf("record %d: event does not match the schema: %v", i, err)
		}
	}
}
