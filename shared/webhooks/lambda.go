package webhooks

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"sync"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
)

// SQSHandlerFunc is an SQS-triggered Lambda handler with ReportBatchItemFailures.
type SQSHandlerFunc = func(context.Context, awsevents.SQSEvent) (awsevents.SQSEventResponse, error)

// FanoutHandler is the handler of webhook-fanout: each message is an EventBridge order event
// (rule → SQS); it appends the event to its partner's feed, records one delivery per matching
// endpoint and enqueues them. A failed message is retried by SQS (and dead-lettered by the
// queue's redrive policy); Fanout is idempotent, so a retry never doubles a delivery.
func FanoutHandler(c *Client, enqueue Enqueuer, log *slog.Logger) SQSHandlerFunc {
	return events.SQSHandler(func(ctx context.Context, e events.Event) error {
		ctx = logging.WithCorrelationID(ctx, e.CorrelationID)
		n, err := c.Fanout(ctx, e, enqueue)
		if err != nil {
			return err
		}
		log.InfoContext(ctx, "webhook fanout", "event_id", e.ID, "type", string(e.Type), "order_id", e.OrderID,
			"partner_id", e.Owner.PartnerID, "enqueued", n)
		return nil
	}, events.SQSOptions{
		OnUndecodable: func(ctx context.Context, m awsevents.SQSMessage, err error) {
			log.ErrorContext(ctx, "undecodable event; left for the DLQ", "message_id", m.MessageId, "error", err.Error())
		},
		OnError: func(ctx context.Context, e events.Event, err error) {
			log.WarnContext(logging.WithCorrelationID(ctx, e.CorrelationID), "webhook fanout failed; message retried",
				"event_id", e.ID, "error", err.Error())
		},
	})
}

// VisibilityChanger is the part of the SQS client the sender uses.
type VisibilityChanger interface {
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, optFns ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
}

// The sender's EMF metrics (namespace BFF_METRICS_NAMESPACE, dimension Service=webhook-sender):
// alarms and dashboards read the failed deliveries and the age of successful ones.
const (
	// MetricDeliveries counts attempts by Result: succeeded, failed (given up) or retrying.
	MetricDeliveries = "WebhookDeliveries"
	// MetricDeliveryAge is the time from a delivery's creation to the partner's 2xx (ms),
	// retries included.
	MetricDeliveryAge = "WebhookDeliveryAge"
)

// SenderHandler is the handler of webhook-sender on the delivery queue queueURL. Each message
// is one delivery attempt (the attempt number is the message's ApproximateReceiveCount). A
// failed attempt makes the message invisible for the backoff (ChangeMessageVisibility, no
// sleeping) and reports it failed, so SQS delivers it again then; after MaxAttempts receives
// the queue's redrive policy moves it to the DLQ (the delivery record says failed). Messages
// of one batch are sent concurrently.
func SenderHandler(s *Sender, vis VisibilityChanger, queueURL string, log *slog.Logger) SQSHandlerFunc {
	return func(ctx context.Context, batch awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		resp := awsevents.SQSEventResponse{BatchItemFailures: []awsevents.SQSBatchItemFailure{}}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, m := range batch.Records {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !sendOne(ctx, s, vis, queueURL, log, m) {
					mu.Lock()
					resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		return resp, nil
	}
}

// sendOne reports whether the message is done (to be deleted).
func sendOne(ctx context.Context, s *Sender, vis VisibilityChanger, queueURL string, log *slog.Logger, m awsevents.SQSMessage) bool {
	t, err := DecodeTask(m.Body)
	if err != nil {
		log.ErrorContext(ctx, "undecodable delivery task dropped", "message_id", m.MessageId, "error", err.Error())
		return true
	}
	ctx = logging.WithCorrelationID(ctx, t.CorrelationID)
	attempt, _ := strconv.Atoi(m.Attributes["ApproximateReceiveCount"])
	attempt = max(attempt, 1)
	out, err := s.Send(ctx, t, attempt)
	switch {
	case errors.Is(err, ErrPermanent):
		log.ErrorContext(ctx, "delivery task dropped", "delivery_id", t.DeliveryID, "partner_id", t.PartnerID, "error", err.Error())
		return true
	case err != nil:
		log.WarnContext(ctx, "webhook delivery store error; message retried", "delivery_id", t.DeliveryID, "error", err.Error())
		return false
	}
	d := out.Delivery
	attrs := []any{"delivery_id", t.DeliveryID, "endpoint_id", t.EndpointID, "partner_id", t.PartnerID, "event_id", d.EventID,
		"attempt", attempt, "status", d.LastStatus, "state", d.State}
	rec := metrics.From(ctx) // nil (records nothing) unless the function put one in ctx
	if out.Done {
		rec.Count(MetricDeliveries, metrics.D("Result", d.State))
		if d.State == StateSucceeded {
			// From the delivery's creation (fanout) to the partner's 2xx, retries included.
			rec.Add(MetricDeliveryAge, metrics.UnitMilliseconds, float64(time.Since(d.CreatedAt).Milliseconds()))
		}
		log.InfoContext(ctx, "webhook delivery", attrs...)
		return true
	}
	rec.Count(MetricDeliveries, metrics.D("Result", "retrying"))
	secs := int32(out.RetryAfter / time.Second)
	if _, err := vis.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{QueueUrl: aws.String(queueURL),
		ReceiptHandle: aws.String(m.ReceiptHandle), VisibilityTimeout: secs}); err != nil {
		log.WarnContext(ctx, "change visibility failed; the queue's visibility timeout applies", "delivery_id", t.DeliveryID, "error", err.Error())
	}
	log.WarnContext(ctx, "webhook delivery failed", append(attrs, "error", d.LastError, "retry_in_s", secs)...)
	return false
}
