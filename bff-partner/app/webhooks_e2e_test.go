package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/webhooks"
)

// TestOrderToWebhookRealPeers is issue 18's acceptance path: an order placed through
// bff-partner on DynamoDB Local → the orders table's stream → order-events (release bootstrap
// under the RIE) → moto EventBridge bus → webhooks rule → SQS → webhook-fanout (RIE) → SQS →
// webhook-sender (RIE) → the partner's receiver, which verifies the signature; within 5 s of
// the order, with the order request's correlation id in the event and in every function log
// line about it.
func TestOrderToWebhookRealPeers(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	ctx := context.Background()
	e := dynamoEnv(t)
	d := testenv.DynamoDB(t)
	moto := testenv.StartMoto(t)
	mc := moto.AWSConfig()
	eb, sq := eventbridge.NewFromConfig(mc), sqs.NewFromConfig(mc)

	// Bus, rule and queues as terraform/modules/webhooks makes them.
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatal(err)
	}
	queue := func(name string) (string, string) {
		out, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: map[string]string{"VisibilityTimeout": "5"}})
		if err != nil {
			t.Fatal(err)
		}
		a, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatal(err)
		}
		return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
	}
	fanoutURL, fanoutARN := queue("fanout")
	deliveryURL, _ := queue("delivery")
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("webhooks"), EventBusName: aws.String("orders"),
		EventPattern: aws.String(`{"source":["` + events.Source + `"],"detail":{"owner":{"partner_id":[{"exists":true}]}}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("webhooks"), EventBusName: aws.String("orders"),
		Targets: []ebtypes.Target{{Id: aws.String("fanout"), Arn: aws.String(fanoutARN)}}}); err != nil {
		t.Fatal(err)
	}

	// The partner's endpoint and receiver.
	table := testenv.DynamoDBTablePrefix(t) + "webhooks"
	if err := webhooks.CreateTable(ctx, d.Client(), table); err != nil {
		t.Fatal(err)
	}
	wh := webhooks.New(webhooks.NewDynamoDB(d.Client(), table), webhooks.Options{AllowHTTP: true})
	type delivery struct {
		at   time.Time
		err  error
		body []byte
	}
	got := make(chan delivery, 8)
	var v *webhooks.Verifier
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- delivery{time.Now(), v.Verify(r.Header, b), b}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()
	_, secret, err := wh.CreateEndpoint(ctx, "partner-acme", webhooks.EndpointInput{URL: recv.URL + "/hooks", EventTypes: []string{"order.placed"}})
	if err != nil {
		t.Fatal(err)
	}
	v, _ = webhooks.NewVerifier(secret)

	// The three functions as release bootstraps under the RIE.
	creds := map[string]string{"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": testenv.MotoRegion, "BFF_LOG_LEVEL": "info"}
	with := func(extra map[string]string) map[string]string {
		out := map[string]string{}
		for k, val := range creds {
			out[k] = val
		}
		for k, val := range extra {
			out[k] = val
		}
		return out
	}
	producer := testenv.StartRIE(t, testenv.BuildBootstrap(t, "../../workers/cmd/order-events"),
		with(map[string]string{"AWS_ENDPOINT_URL": moto.Endpoint, "BFF_EVENT_BUS_NAME": "orders"}))
	hookEnv := with(map[string]string{"BFF_TABLE_WEBHOOKS": table, "BFF_WEBHOOK_QUEUE_URL": deliveryURL,
		"BFF_DYNAMODB_ENDPOINT": d.Endpoint, "BFF_SQS_ENDPOINT": moto.Endpoint})
	fanout := testenv.StartRIE(t, testenv.BuildBootstrap(t, "../../workers/cmd/webhook-fanout"), hookEnv)
	sender := testenv.StartRIE(t, testenv.BuildBootstrap(t, "../../workers/cmd/webhook-sender"), hookEnv)

	// Event source mappings: the orders stream and the two queues.
	desc, err := d.Client().DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(e.cfg.Platform.Store.TableOrders)})
	if err != nil || desc.Table.LatestStreamArn == nil {
		t.Fatalf("orders table stream: %v (%v)", err, desc)
	}
	dc := aws.Config{Region: "us-east-1", Credentials: mc.Credentials}
	streams := dynamodbstreams.NewFromConfig(dc, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(d.Endpoint) })
	stop := func(m *esmlocal.Mapping) {
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = m.Stop(c)
		})
	}
	sm, err := esmlocal.Stream(ctx, streams, esmlocal.StreamOptions{StreamARN: aws.ToString(desc.Table.LatestStreamArn), StartingPosition: "LATEST",
		ReportBatchItemFailures: true, BisectBatchOnFunctionError: true}, producer.Invoke)
	if err != nil {
		t.Fatal(err)
	}
	stop(sm)
	for _, m := range []struct {
		url string
		fn  esmlocal.Invoker
	}{{fanoutURL, fanout.Invoke}, {deliveryURL, sender.Invoke}} {
		mp, err := esmlocal.SQS(ctx, sq, esmlocal.SQSOptions{QueueURL: m.url, ReportBatchItemFailures: true, WaitTime: time.Second}, m.fn)
		if err != nil {
			t.Fatal(err)
		}
		stop(mp)
	}
	time.Sleep(500 * time.Millisecond) // the stream poller positions itself at LATEST

	const corr = "corr-real-peers-order"
	placedAt := time.Now()
	r := e.do(req{method: "POST", path: "/v1/orders", token: e.token("acme-client"), key: "real-peers-1", body: readFile(t, "order.json"),
		header: map[string]string{"X-Correlation-ID": corr}})
	if r.Status != http.StatusCreated {
		t.Fatalf("POST /v1/orders = %d %s", r.Status, r.Body)
	}
	var o app.Order
	r.json(t, &o)
	select {
	case dl := <-got:
		if dl.err != nil {
			t.Errorf("signature: %v", dl.err)
		}
		var pl webhooks.Payload
		if err := json.Unmarshal(dl.body, &pl); err != nil {
			t.Fatalf("payload %s: %v", dl.body, err)
		}
		if pl.Type != events.OrderPlaced || pl.Data.OrderID != o.ID || pl.Data.Owner.PartnerID != "partner-acme" || pl.Data.CorrelationID != corr {
			t.Errorf("payload: got type %s order %s partner %s correlation %q; want order.placed of %s for partner-acme with %q",
				pl.Type, pl.Data.OrderID, pl.Data.Owner.PartnerID, pl.Data.CorrelationID, o.ID, corr)
		}
		t.Logf("order write → signed webhook: %v", dl.at.Sub(placedAt))
		if lat := dl.at.Sub(placedAt); lat > 5*time.Second {
			t.Errorf("webhook %v after the order, want within 5 s", lat)
		}
		// Every function log line about this order carries its correlation id.
		// (The sender logs after recording the delivery, just after the receiver answered.)
		// Each function's lines reach its emulator's output through a pipe: under load they can
		// arrive after the webhook itself, so wait for each (bounded) before reading them.
		fns := map[string]*testenv.RIE{"order-events": producer, "webhook-fanout": fanout, "webhook-sender": sender}
		deadline := time.Now().Add(10 * time.Second)
		for _, fn := range fns {
			for !strings.Contains(fn.Logs(), pl.Data.ID) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
		}
		for name, fn := range fns {
			n := 0
			for _, line := range strings.Split(fn.Logs(), "\n") {
				if !strings.Contains(line, o.ID) && !strings.Contains(line, pl.Data.ID) {
					continue
				}
				n++
				if !strings.Contains(line, `"correlation_id":"`+corr+`"`) {
					t.Errorf("%s log line without the correlation id: %s", name, line)
				}
			}
			if n == 0 {
				t.Errorf("%s: no log line about order %s / event %s:\n%s", name, o.ID, pl.Data.ID, fn.Logs())
			}
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("no webhook within 15 s of the order\norder-events:\n%s\nfanout:\n%s\nsender:\n%s", producer.Logs(), fanout.Logs(), sender.Logs())
	}
}
