package main

import (
	"context"
	"encoding/json"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/workers/internal/worker"
)

// MaxEntries is the most entries one PutEvents call takes.
const MaxEntries = 10

// Metric names (namespace BFF_METRICS_NAMESPACE, dimension Service=order-events).
const (
	MetricPublished = "EventsPublished" // events EventBridge accepted
	MetricFailed    = "PublishFailures" // events not accepted (their records are retried)
	MetricPoison    = "PoisonRecords"   // stream records that are no order event (skipped, logged)
	MetricLag       = "EventLag"        // ms from the stream record's creation to its publication
)

// EventBridge is the part of the EventBridge client the producer uses.
type EventBridge interface {
	PutEvents(ctx context.Context, in *eventbridge.PutEventsInput, opts ...func(*eventbridge.Options)) (*eventbridge.PutEventsOutput, error)
}

// Producer turns stream batches into PutEvents calls.
type Producer struct {
	EventBridge EventBridge
	Bus         string
	Runtime     *worker.Runtime
	Now         func() time.Time // nil: time.Now
}

type pending struct {
	seq   string
	event events.Event
	lag   time.Duration
}

// Handle publishes the order events of one stream batch, in record order, in PutEvents calls
// of up to MaxEntries, and reports partial batch failures (ReportBatchItemFailures):
//
//   - a record whose entry EventBridge rejected, or whose PutEvents call failed, is reported
//     failed, and so is every later record of the batch, which is then not sent: Lambda
//     retries from the lowest failed sequence number, so the events of one order stay in
//     order (the entries of the same call after the failed one were accepted and come again:
//     consumers dedupe on event_id);
//   - a poison record (not an order item of this code: events.ErrUndecodable) is logged at
//     error level with its sequence number, keys and the correlation ID its image carries, and
//     counted (PoisonRecords, alarmed on), then skipped: retrying cannot make it readable, and
//     reporting it would hold the shard until the retry limit;
//   - records that are no order event (a write without status change, a REMOVE) are skipped.
//
// It never returns an error: every failure is a reported record.
func (p *Producer) Handle(ctx context.Context, batch awsevents.DynamoDBEvent) (awsevents.DynamoDBEventResponse, error) {
	now := time.Now
	if p.Now != nil {
		now = p.Now
	}
	rec := p.Runtime.Recorder()
	defer p.Runtime.Flush(rec)
	log := p.Runtime.Logger
	resp := awsevents.DynamoDBEventResponse{BatchItemFailures: []awsevents.DynamoDBBatchItemFailure{}}
	var todo []pending
	var correlations []string
	for _, r := range batch.Records {
		e, err := events.FromStreamRecord(r)
		if err != nil {
			corr := imageCorrelation(r)
			if corr == "" {
				corr = "stream-record:" + r.EventID // still one ID to search the logs for
			}
			correlations = append(correlations, corr)
			rec.Count(MetricPoison)
			log.ErrorContext(logging.WithCorrelationID(ctx, corr), "poison stream record skipped",
				"sequence_number", r.Change.SequenceNumber, "event_id", r.EventID, "keys", keyString(r), "error", err.Error())
			continue
		}
		if e == nil {
			continue
		}
		correlations = append(correlations, e.Correlation())
		lag := time.Duration(0)
		if t := r.Change.ApproximateCreationDateTime.Time; !t.IsZero() {
			lag = now().Sub(t)
		}
		todo = append(todo, pending{seq: r.Change.SequenceNumber, event: *e, lag: lag})
	}
	rec.Property("correlation_ids", correlations)
	for start := 0; start < len(todo); start += MaxEntries {
		chunk := todo[start:min(start+MaxEntries, len(todo))]
		failedAt := p.put(ctx, chunk, rec)
		for i, c := range chunk {
			// EMF keeps at most 100 values of a metric per line: the first 100 events' lags.
			if (failedAt < 0 || i < failedAt) && start+i < metrics.MaxMetricsPerLine {
				rec.Add(MetricLag, metrics.UnitMilliseconds, float64(c.lag.Milliseconds()))
			}
		}
		if failedAt < 0 {
			continue
		}
		for _, f := range todo[start+failedAt:] {
			resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.DynamoDBBatchItemFailure{ItemIdentifier: f.seq})
		}
		rec.Add(MetricFailed, metrics.UnitCount, float64(len(todo)-start-failedAt))
		break
	}
	return resp, nil
}

// put sends one PutEvents call and returns the index of the first entry not accepted, or -1.
func (p *Producer) put(ctx context.Context, chunk []pending, rec *metrics.Recorder) int {
	log := p.Runtime.Logger
	entries := make([]ebtypes.PutEventsRequestEntry, len(chunk))
	for i, c := range chunk {
		detail, err := json.Marshal(c.event)
		if err != nil { // an Event always marshals; kept so a future field cannot panic here
			log.ErrorContext(logging.WithCorrelationID(ctx, c.event.Correlation()), "encode event", "event_id", c.event.ID, "error", err.Error())
			return i
		}
		entries[i] = ebtypes.PutEventsRequestEntry{
			EventBusName: aws.String(p.Bus), Source: aws.String(events.Source), DetailType: aws.String(string(c.event.Type)),
			Detail: aws.String(string(detail)), Time: aws.Time(c.event.OccurredAt),
			Resources: []string{}, TraceHeader: nilIfEmpty(c.event.TraceHeader),
		}
	}
	out, err := p.EventBridge.PutEvents(ctx, &eventbridge.PutEventsInput{Entries: entries})
	if err != nil {
		for _, c := range chunk {
			log.WarnContext(logging.WithCorrelationID(ctx, c.event.Correlation()), "event not published; record will be retried",
				"event_id", c.event.ID, "type", string(c.event.Type), "order_id", c.event.OrderID, "sequence_number", c.seq, "error", err.Error())
		}
		return 0
	}
	for i, c := range chunk {
		cctx := logging.WithCorrelationID(ctx, c.event.Correlation())
		if i < len(out.Entries) && aws.ToString(out.Entries[i].ErrorCode) == "" && aws.ToString(out.Entries[i].EventId) != "" {
			rec.Count(MetricPublished)
			log.InfoContext(cctx, "event published", "event_id", c.event.ID, "type", string(c.event.Type), "order_id", c.event.OrderID,
				"order_version", c.event.OrderVersion, "eventbridge_id", aws.ToString(out.Entries[i].EventId), "lag_ms", c.lag.Milliseconds())
			continue
		}
		code, msg := "MissingEntry", "no result for this entry"
		if i < len(out.Entries) {
			code, msg = aws.ToString(out.Entries[i].ErrorCode), aws.ToString(out.Entries[i].ErrorMessage)
		}
		log.WarnContext(cctx, "event rejected; record and the rest of the batch will be retried", "event_id", c.event.ID,
			"type", string(c.event.Type), "order_id", c.event.OrderID, "sequence_number", c.seq, "error_code", code, "error", msg)
		return i
	}
	return -1
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// imageCorrelation is the correlation_id attribute of a record's new (else old) image, if it
// has a readable one: a poison record's log line still joins its request.
func imageCorrelation(r awsevents.DynamoDBEventRecord) string {
	for _, img := range []map[string]awsevents.DynamoDBAttributeValue{r.Change.NewImage, r.Change.OldImage} {
		if v, ok := img["correlation_id"]; ok && v.DataType() == awsevents.DataTypeString {
			return v.String()
		}
	}
	return ""
}

func keyString(r awsevents.DynamoDBEventRecord) string {
	b, err := json.Marshal(r.Change.Keys)
	if err != nil {
		return ""
	}
	return string(b)
}
