// Package webhookbench measures the end-to-end latency of a partner webhook on the real-peer
// path (bench section "Webhook delivery latency"): an order event put on an EventBridge bus
// (moto) with the webhooks rule → SQS fanout queue → Lambda-style poller (shared/esmlocal) →
// webhook-fanout handler (deliveries in DynamoDB Local) → SQS delivery queue → poller →
// webhook-sender handler → signed POST to a receiver; next to a floor doing the bare I/O of the
// last hop: SQS SendMessage → the same poller → an HTTP POST of the body to the same receiver.
// The clock starts at the PutEvents (SendMessage for the floor) call and stops when the
// receiver has the request. The producer hop (orders table stream → order-events) is not in
// this measurement.
package webhookbench

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/webhooks"
)

// Stats are latency percentiles of one series.
type Stats struct {
	N   int           `json:"n"`
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	Max time.Duration `json:"max_ns"`
}

// Result is the section's figures.
type Result struct {
	Path  Stats `json:"path"`
	Floor Stats `json:"floor"`
}

func stats(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	at := func(q float64) time.Duration { return s[min(len(s)-1, int(q*float64(len(s))))] }
	return Stats{N: len(s), P50: at(0.50), P99: at(0.99), Max: s[len(s)-1]}
}

// Run measures n sequential webhooks on both series. awsCfg points at moto (EventBridge, SQS),
// db at DynamoDB Local; prefix names the queues, bus and table (unique per run).
func Run(ctx context.Context, awsCfg aws.Config, db *dynamodb.Client, prefix string, n int) (Result, error) {
	eb, sq := eventbridge.NewFromConfig(awsCfg), sqs.NewFromConfig(awsCfg)
	arrived := make(chan time.Time, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusNoContent)
		select {
		case arrived <- time.Now():
		default:
		}
	}))
	defer recv.Close()

	queue := func(name string) (url, arn string, err error) {
		out, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(prefix + name), Attributes: map[string]string{"VisibilityTimeout": "5"}})
		if err != nil {
			return "", "", fmt.Errorf("create queue %s: %w", name, err)
		}
		a, err := sq.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return "", "", err
		}
		return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"], nil
	}
	fanoutURL, fanoutARN, err := queue("fanout")
	if err != nil {
		return Result{}, err
	}
	deliveryURL, _, err := queue("delivery")
	if err != nil {
		return Result{}, err
	}
	floorURL, _, err := queue("floor")
	if err != nil {
		return Result{}, err
	}
	bus := prefix + "orders"
	if _, err := eb.CreateEventBus(ctx, &eventbridge.CreateEventBusInput{Name: aws.String(bus)}); err != nil {
		return Result{}, fmt.Errorf("create bus: %w", err)
	}
	if _, err := eb.PutRule(ctx, &eventbridge.PutRuleInput{Name: aws.String("webhooks"), EventBusName: aws.String(bus),
		EventPattern: aws.String(`{"source":["` + events.Source + `"],"detail":{"owner":{"partner_id":[{"exists":true}]}}}`)}); err != nil {
		return Result{}, fmt.Errorf("put rule: %w", err)
	}
	if _, err := eb.PutTargets(ctx, &eventbridge.PutTargetsInput{Rule: aws.String("webhooks"), EventBusName: aws.String(bus),
		Targets: []ebtypes.Target{{Id: aws.String("fanout"), Arn: aws.String(fanoutARN)}}}); err != nil {
		return Result{}, fmt.Errorf("put targets: %w", err)
	}
	table := prefix + "webhooks"
	if err := webhooks.CreateTable(ctx, db, table); err != nil {
		return Result{}, err
	}
	client := webhooks.New(webhooks.NewDynamoDB(db, table), webhooks.Options{AllowHTTP: true})
	if _, _, err := client.CreateEndpoint(ctx, "partner-bench", webhooks.EndpointInput{URL: recv.URL + "/hooks"}); err != nil {
		return Result{}, err
	}
	log := slog.New(slog.DiscardHandler)
	hc := &http.Client{Timeout: 5 * time.Second}
	sender := &webhooks.Sender{Client: client, HTTP: hc}
	floor := func(ctx context.Context, ev awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		for _, m := range ev.Records {
			resp, err := hc.Post(recv.URL+"/floor", "application/json", strings.NewReader(m.Body))
			if err != nil {
				return awsevents.SQSEventResponse{}, err
			}
			resp.Body.Close()
		}
		return awsevents.SQSEventResponse{}, nil
	}
	var maps []*esmlocal.Mapping
	defer func() {
		for _, m := range maps {
			c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = m.Stop(c)
			cancel()
		}
	}()
	for _, m := range []struct {
		url string
		fn  esmlocal.Invoker
	}{
		{fanoutURL, esmlocal.Handler(webhooks.FanoutHandler(client, webhooks.SQSEnqueuer(sq, deliveryURL), log))},
		{deliveryURL, esmlocal.Handler(webhooks.SenderHandler(sender, sq, deliveryURL, log))},
		{floorURL, esmlocal.Handler(floor)},
	} {
		mp, err := esmlocal.SQS(ctx, sq, esmlocal.SQSOptions{QueueURL: m.url, ReportBatchItemFailures: true, WaitTime: time.Second, Logger: log}, m.fn)
		if err != nil {
			return Result{}, err
		}
		maps = append(maps, mp)
	}
	wait := func(start time.Time) (time.Duration, error) {
		select {
		case at := <-arrived:
			return at.Sub(start), nil
		case <-time.After(15 * time.Second):
			return 0, fmt.Errorf("no delivery within 15 s")
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	var path, flr []time.Duration
	for i := range n {
		e := events.Event{ID: events.ID(fmt.Sprintf("ord_bench_%d", i), 1), Type: events.OrderPlaced, SpecVersion: events.SpecVersion,
			OccurredAt: time.Now().UTC(), OrderID: fmt.Sprintf("ord_bench_%d", i), OrderVersion: 1, Status: "pending",
			Owner: events.Owner{CustomerID: "cus-bench", PartnerID: "partner-bench", Channel: "partner"}, Total: events.Money{Amount: 100, Currency: "EUR"},
			Lines: []events.Line{{ProductID: "p-1", SKU: "SKU-1", Quantity: 1}}}
		detail, _ := json.Marshal(e)
		start := time.Now()
		if _, err := eb.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: []ebtypes.PutEventsRequestEntry{{EventBusName: aws.String(bus),
			Source: aws.String(events.Source), DetailType: aws.String(string(e.Type)), Detail: aws.String(string(detail))}}}); err != nil {
			return Result{}, fmt.Errorf("put events: %w", err)
		}
		d, err := wait(start)
		if err != nil {
			return Result{}, fmt.Errorf("webhook %d: %w", i, err)
		}
		path = append(path, d)

		start = time.Now()
		if _, err := sq.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(floorURL), MessageBody: aws.String(string(detail))}); err != nil {
			return Result{}, fmt.Errorf("floor send: %w", err)
		}
		if d, err = wait(start); err != nil {
			return Result{}, fmt.Errorf("floor %d: %w", i, err)
		}
		flr = append(flr, d)
	}
	return Result{Path: stats(path), Floor: stats(flr)}, nil
}
