package webhookfn_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/webhooks"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// pipeline is the real path of the webhooks on local peers: an EventBridge bus with the
// webhooks rule → fanout queue (moto) → esmlocal → fanout handler → delivery queue (moto) →
// esmlocal → sender handler → the partners' receivers; the webhooks table on DynamoDB Local.
type pipeline struct {
	t          *testing.T
	eb         *eventbridge.Client
	sqs        *sqs.Client
	client     *webhooks.Client
	table      string
	queueURL   string
	dlqURL     string
	fanoutURL  string
	dynamoURL  string
	sqsURL     string
	logs       *testenv.SyncBuffer
	maxReceive int
}

type opts struct {
	maxReceive int
	// invokers replace the in-process handlers (e.g. bootstraps under the RIE).
	invokers func(p *pipeline) (fanout, sender esmlocal.Invoker)
}

func newPipeline(t *testing.T, o opts) *pipeline {
	t.Helper()
	ctx := context.Background()
	moto := testenv.StartMoto(t)
	ddb := testenv.DynamoDB(t)
	p := &pipeline{t: t, eb: eventbridge.NewFromConfig(moto.AWSConfig()), sqs: sqs.NewFromConfig(moto.AWSConfig()),
		table: testenv.DynamoDBTablePrefix(t) + "webhooks", logs: &testenv.SyncBuffer{}, maxReceive: o.maxReceive,
		dynamoURL: ddb.Endpoint, sqsURL: moto.Endpoint}
	if p.maxReceive == 0 {
		p.maxReceive = 5
	}
	if err := webhooks.CreateTable(ctx, ddb.Client(), p.table); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	p.client = webhooks.New(webhooks.NewDynamoDB(ddb.Client(), p.table), webhooks.Options{AllowHTTP: true})

	queue := func(name string, maxReceive int, dlqARN string, visibility string) (url, arn string) {
		attrs := map[string]string{"VisibilityTimeout": visibility}
		if dlqARN != "" {
			attrs["RedrivePolicy"] = fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":%d}`, dlqARN, maxReceive)
		}
		out, err := p.sqs.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
		if err != nil {
			t.Fatalf("CreateQueue %s: %v", name, err)
		}
		a, err := p.sqs.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			t.Fatalf("GetQueueAttributes %s: %v", name, err)
		}
		return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
	}
	_, fanoutDLQ := queue("fanout-dlq", 0, "", "30")
	fanoutURL, fanoutARN := queue("fanout", 5, fanoutDLQ, "5")
	dlqURL, dlqARN := queue("delivery-dlq", 0, "", "30")
	p.queueURL, _ = queue("delivery", p.maxReceive, dlqARN, "2")
	p.dlqURL, p.fanoutURL = dlqURL, fanoutURL

	if _, err := p.eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String("orders")}); err != nil {
		t.Fatalf("CreateEventBus: %v", err)
	}
	// The pattern of terraform/modules/webhooks: partner orders only.
	pattern := `{"source":["bffsuite.orders"],"detail":{"owner":{"partner_id":[{"exists":true}]}}}`
	if _, err := p.eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("webhooks"), EventBusName: aws.String("orders"), EventPattern: aws.String(pattern)}); err != nil {
		t.Fatalf("PutRule: %v", err)
	}
	if _, err := p.eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("webhooks"), EventBusName: aws.String("orders"),
		Targets: []ebtypes.Target{{Id: aws.String("fanout"), Arn: aws.String(fanoutARN)}}}); err != nil {
		t.Fatalf("PutTargets: %v", err)
	}

	log := logging.New(p.logs, logging.Options{Level: slog.LevelInfo, Service: "webhooks-e2e"})
	var fanout, sender esmlocal.Invoker
	if o.invokers != nil {
		fanout, sender = o.invokers(p)
	}
	if fanout == nil {
		fanout = esmlocal.Handler(webhooks.FanoutHandler(p.client, webhooks.SQSEnqueuer(p.sqs, p.queueURL), log))
	}
	if sender == nil {
		s := &webhooks.Sender{Client: p.client, MaxAttempts: p.maxReceive, HTTP: &http.Client{Timeout: 2 * time.Second},
			Backoff: func(int) time.Duration { return time.Second }}
		sender = esmlocal.Handler(webhooks.SenderHandler(s, p.sqs, p.queueURL, log))
	}
	for _, m := range []struct {
		url string
		fn  esmlocal.Invoker
	}{{fanoutURL, fanout}, {p.queueURL, sender}} {
		mp, err := esmlocal.SQS(ctx, p.sqs, esmlocal.SQSOptions{QueueURL: m.url, ReportBatchItemFailures: true, WaitTime: time.Second}, m.fn)
		if err != nil {
			t.Fatalf("esmlocal.SQS: %v", err)
		}
		t.Cleanup(func() {
			c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = mp.Stop(c)
		})
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("worker logs:\n%s", p.logs.String())
		}
	})
	return p
}

// publish puts the event on the bus the way the order-events producer does.
func (p *pipeline) publish(e events.Event) time.Time {
	p.t.Helper()
	detail, _ := json.Marshal(e)
	out, err := p.eb.PutEvents(context.Background(), &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{
		EventBusName: aws.String("orders"), Source: aws.String(events.Source), DetailType: aws.String(string(e.Type)), Detail: aws.String(string(detail)),
	}}})
	if err != nil || out.FailedEntryCount != 0 {
		p.t.Fatalf("PutEvents: %v (failed %d)", err, out.FailedEntryCount)
	}
	return time.Now()
}

// receiver is a partner's endpoint: it verifies every webhook, dedupes on webhook-id and
// answers 503 while down.
type receiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	v        *webhooks.Verifier
	down     int // answer 503 to this many requests (-1: forever)
	requests int
	badSigs  int
	handled  map[string]int // webhook-id → times processed
	arrived  map[string]time.Time
	payloads []webhooks.Payload
}

func newReceiver(t *testing.T, down int) *receiver {
	t.Helper()
	r := &receiver{down: down, handled: map[string]int{}, arrived: map[string]time.Time{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests++
		if err := r.v.Verify(req.Header, body); err != nil {
			r.badSigs++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		if r.down != 0 {
			if r.down > 0 {
				r.down--
			}
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		id := req.Header.Get(webhooks.HeaderID)
		if r.handled[id] > 0 {
			w.WriteHeader(http.StatusOK) // a duplicate: acknowledged, not processed again
			return
		}
		r.handled[id]++
		r.arrived[id] = time.Now()
		var pl webhooks.Payload
		_ = json.Unmarshal(body, &pl)
		r.payloads = append(r.payloads, pl)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) snapshot() (requests, bad int, handled map[string]int, payloads []webhooks.Payload) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h := map[string]int{}
	for k, v := range r.handled {
		h[k] = v
	}
	return r.requests, r.badSigs, h, append([]webhooks.Payload(nil), r.payloads...)
}

func (p *pipeline) endpoint(partner string, r *receiver) webhooks.Endpoint {
	p.t.Helper()
	ep, secret, err := p.client.CreateEndpoint(context.Background(), partner, webhooks.EndpointInput{URL: r.srv.URL + "/hooks"})
	if err != nil {
		p.t.Fatalf("CreateEndpoint: %v", err)
	}
	r.v, _ = webhooks.NewVerifier(secret)
	return ep
}

func orderEvent(partner, order string) events.Event {
	return events.Event{ID: events.ID(order, 1), Type: events.OrderPlaced, SpecVersion: events.SpecVersion, OccurredAt: time.Now().UTC().Truncate(time.Millisecond),
		OrderID: order, OrderVersion: 1, Owner: events.Owner{CustomerID: "cus-1", PartnerID: partner, Channel: "partner"}, Status: "pending",
		ItemCount: 1, Total: events.Money{Amount: 4200, Currency: "EUR"}, Lines: []events.Line{{ProductID: "p-0002", SKU: "HEA-AUR-0002", Quantity: 1}},
		CorrelationID: "corr-" + order}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (p *pipeline) delivery(partner, endpointID, eventID string) webhooks.Delivery {
	p.t.Helper()
	d, err := p.client.Store().GetDelivery(context.Background(), partner, endpointID, webhooks.DeliveryID(endpointID, eventID))
	if err != nil {
		p.t.Fatalf("GetDelivery: %v", err)
	}
	return d
}

func TestWebhookDeliveredSignedWithinFiveSeconds(t *testing.T) {
	p := newPipeline(t, opts{})
	acme, globex := newReceiver(t, 0), newReceiver(t, 0)
	ep := p.endpoint("partner-acme", acme)
	p.endpoint("partner-globex", globex)
	e := orderEvent("partner-acme", "ord_e2e_1")
	sent := p.publish(e)
	id := webhooks.DeliveryID(ep.ID, e.ID)
	waitFor(t, 5*time.Second, "signed webhook at the receiver", func() bool { _, _, h, _ := acme.snapshot(); return h[id] == 1 })
	acme.mu.Lock()
	latency := acme.arrived[id].Sub(sent)
	acme.mu.Unlock()
	t.Logf("bus → receiver latency %v", latency)
	_, bad, _, pls := acme.snapshot()
	if bad != 0 || len(pls) != 1 || pls[0].Data.ID != e.ID || pls[0].Type != events.OrderPlaced || pls[0].Data.CorrelationID != e.CorrelationID {
		t.Errorf("receiver: got %d bad signatures, payloads %+v; want one verified payload of %s", bad, pls, e.ID)
	}
	// Tenant isolation: globex's receiver sees nothing, its feed is empty; acme's feed has the event.
	time.Sleep(500 * time.Millisecond)
	if req, _, _, _ := globex.snapshot(); req != 0 {
		t.Errorf("globex receiver: got %d requests, want 0", req)
	}
	if evs, _, _ := p.client.Feed(context.Background(), "partner-globex", "", 10); len(evs) != 0 {
		t.Errorf("globex feed: got %d events, want 0", len(evs))
	}
	if evs, _, _ := p.client.Feed(context.Background(), "partner-acme", "", 10); len(evs) != 1 || evs[0].ID != e.ID {
		t.Errorf("acme feed: got %+v, want the event", evs)
	}
	waitFor(t, 3*time.Second, "delivery recorded as succeeded", func() bool { return p.delivery("partner-acme", ep.ID, e.ID).State == webhooks.StateSucceeded })
	if d := p.delivery("partner-acme", ep.ID, e.ID); d.Attempts != 1 || d.LastStatus != http.StatusNoContent {
		t.Errorf("delivery: got attempts %d status %d, want 1, 204", d.Attempts, d.LastStatus)
	}
	// Every worker log line of this event carries its correlation id.
	for _, line := range strings.Split(strings.TrimSpace(p.logs.String()), "\n") {
		if strings.Contains(line, e.ID) || strings.Contains(line, id) {
			if !strings.Contains(line, `"correlation_id":"`+e.CorrelationID+`"`) {
				t.Errorf("log line without the correlation id: %s", line)
			}
		}
	}
}

func TestWebhookReceiverDownForAWhile(t *testing.T) {
	p := newPipeline(t, opts{maxReceive: 6})
	r := newReceiver(t, 2)
	ep := p.endpoint("partner-acme", r)
	e := orderEvent("partner-acme", "ord_e2e_2")
	p.publish(e)
	p.publish(e) // the same event twice (an EventBridge retry): one delivery id
	id := webhooks.DeliveryID(ep.ID, e.ID)
	waitFor(t, 20*time.Second, "delivery after the receiver recovers", func() bool { _, _, h, _ := r.snapshot(); return h[id] == 1 })
	waitFor(t, 5*time.Second, "delivery recorded as succeeded", func() bool { return p.delivery("partner-acme", ep.ID, e.ID).State == webhooks.StateSucceeded })
	time.Sleep(2 * time.Second) // let any duplicate message arrive
	req, bad, handled, _ := r.snapshot()
	d := p.delivery("partner-acme", ep.ID, e.ID)
	if handled[id] != 1 || len(handled) != 1 || bad != 0 {
		t.Errorf("receiver processed %v (bad signatures %d), want %s once", handled, bad, id)
	}
	if d.Attempts < 3 || req < 3 {
		t.Errorf("attempts: delivery %d, receiver requests %d; want ≥ 3 (two failures, then success)", d.Attempts, req)
	}
	ds, _ := p.client.ListDeliveries(context.Background(), "partner-acme", ep.ID, 0)
	if len(ds) != 1 {
		t.Errorf("deliveries: got %d, want 1 for the same event twice", len(ds))
	}
}

func TestWebhookReceiverDownForeverEndsInDLQ(t *testing.T) {
	p := newPipeline(t, opts{maxReceive: 3})
	r := newReceiver(t, -1)
	ep := p.endpoint("partner-acme", r)
	e := orderEvent("partner-acme", "ord_e2e_3")
	p.publish(e)
	var dlq []sqstypes.Message
	waitFor(t, 30*time.Second, "message in the delivery DLQ", func() bool {
		out, err := p.sqs.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(p.dlqURL), MaxNumberOfMessages: 10})
		if err == nil {
			dlq = append(dlq, out.Messages...)
		}
		return len(dlq) > 0
	})
	task, err := webhooks.DecodeTask(aws.ToString(dlq[0].Body))
	if err != nil || task.DeliveryID != webhooks.DeliveryID(ep.ID, e.ID) || task.PartnerID != "partner-acme" {
		t.Errorf("DLQ message: got %+v (%v), want the delivery task of %s", task, err, e.ID)
	}
	d := p.delivery("partner-acme", ep.ID, e.ID)
	if d.State != webhooks.StateFailed || d.Attempts != 3 || d.LastStatus != http.StatusServiceUnavailable || !d.NextRetryAt.IsZero() {
		t.Errorf("delivery: got state %s attempts %d status %d next %v; want failed, 3, 503, none", d.State, d.Attempts, d.LastStatus, d.NextRetryAt)
	}
}

// TestWebhookBootstrapsUnderRIE runs the release bootstraps of webhook-fanout and
// webhook-sender under the Lambda RIE on the same path.
func TestWebhookBootstrapsUnderRIE(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	fanoutBin := testenv.BuildBootstrap(t, "../../cmd/webhook-fanout")
	senderBin := testenv.BuildBootstrap(t, "../../cmd/webhook-sender")
	var fanoutRIE, senderRIE *testenv.RIE
	p := newPipeline(t, opts{invokers: func(p *pipeline) (esmlocal.Invoker, esmlocal.Invoker) {
		env := map[string]string{
			"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": testenv.MotoRegion,
			"BFF_TABLE_WEBHOOKS": p.table, "BFF_WEBHOOK_QUEUE_URL": p.queueURL,
			"BFF_DYNAMODB_ENDPOINT": p.dynamoURL, "BFF_SQS_ENDPOINT": p.sqsURL, "BFF_WEBHOOK_TIMEOUT": "2s",
		}
		fanoutRIE, senderRIE = testenv.StartRIE(t, fanoutBin, env), testenv.StartRIE(t, senderBin, env)
		return fanoutRIE.Invoke, senderRIE.Invoke
	}})
	r := newReceiver(t, 0)
	ep := p.endpoint("partner-acme", r)
	e := orderEvent("partner-acme", "ord_e2e_rie")
	p.publish(e)
	id := webhooks.DeliveryID(ep.ID, e.ID)
	waitFor(t, 15*time.Second, "signed webhook from the bootstraps", func() bool { _, _, h, _ := r.snapshot(); return h[id] == 1 })
	waitFor(t, 5*time.Second, "delivery recorded as succeeded", func() bool { return p.delivery("partner-acme", ep.ID, e.ID).State == webhooks.StateSucceeded })
	for name, rie := range map[string]*testenv.RIE{"fanout": fanoutRIE, "sender": senderRIE} {
		var lines int
		for _, line := range strings.Split(rie.Logs(), "\n") {
			if strings.Contains(line, `"msg":"webhook `) {
				lines++
				if !strings.Contains(line, `"correlation_id":"`+e.CorrelationID+`"`) {
					t.Errorf("%s log line without the correlation id: %s", name, line)
				}
			}
		}
		if lines == 0 {
			t.Errorf("%s: no webhook log line in:\n%s", name, rie.Logs())
		}
	}
	// The sender's EMF line: one succeeded delivery and its age, under Service webhook-sender.
	waitFor(t, 5*time.Second, "the sender's EMF line", func() bool { return strings.Contains(senderRIE.Logs(), `"WebhookDeliveries"`) })
	emf := map[string]any{} // the invocation's EMF lines (one per dimension set), merged
	for _, line := range strings.Split(senderRIE.Logs(), "\n") {
		if i := strings.Index(line, "{"); i >= 0 && strings.Contains(line, `"_aws"`) {
			var m map[string]any
			if err := json.Unmarshal([]byte(line[i:]), &m); err != nil {
				t.Fatalf("EMF line %s: %v", line, err)
			}
			maps.Copy(emf, m)
		}
	}
	if emf["Service"] != "webhook-sender" || emf["Result"] != webhooks.StateSucceeded || emf["WebhookDeliveries"] != 1.0 || emf["WebhookDeliveryAge"] == nil {
		t.Errorf("EMF line: got Service %v Result %v WebhookDeliveries %v WebhookDeliveryAge %v; want webhook-sender, succeeded, 1 and an age",
			emf["Service"], emf["Result"], emf["WebhookDeliveries"], emf["WebhookDeliveryAge"])
	}
}
