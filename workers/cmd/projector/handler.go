package main

import (
	"context"
	"encoding/json"
	"time"

	awsevents "github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/workers/internal/worker"
)

// Metric names (namespace BFF_METRICS_NAMESPACE, dimension Service=projector).
const (
	MetricApplied     = "EventsProjected"    // events that changed the read models
	MetricSkipped     = "EventsSkipped"      // duplicates and stale events (no change)
	MetricFailed      = "ProjectionFailures" // events whose write failed (redelivered)
	MetricUndecodable = "UndecodableEvents"  // messages that are no order event (to the DLQ)
	MetricLag         = "ProjectionLag"      // ms from the order change to its projection
)

// Handler is the SQS-triggered projector.
type Handler struct {
	Projector *projector.Projector
	Runtime   *worker.Runtime
	Now       func() time.Time // nil: time.Now
}

// Handle applies every event of the batch (events.SQSHandler: partial batch failures). A
// failed write reports its message, which SQS redelivers after the visibility timeout and
// moves to the DLQ after maxReceiveCount; an undecodable message is reported too (it ends in
// the DLQ, where it can be read), logged with the correlation ID its body carries.
func (h *Handler) Handle(ctx context.Context, batch awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
	now := time.Now
	if h.Now != nil {
		now = h.Now
	}
	rec := h.Runtime.Recorder()
	defer h.Runtime.Flush(rec)
	log := h.Runtime.Logger
	var correlations []string
	apply := func(ctx context.Context, e events.Event) error {
		correlations = append(correlations, e.Correlation())
		ctx = logging.WithCorrelationID(ctx, e.Correlation())
		out, err := h.Projector.Apply(ctx, e)
		if err != nil {
			rec.Count(MetricFailed)
			log.WarnContext(ctx, "event not projected; will be redelivered", "event_id", e.ID, "type", string(e.Type),
				"order_id", e.OrderID, "order_version", e.OrderVersion, "error", err.Error())
			return err
		}
		lag := now().Sub(e.OccurredAt)
		if out == projector.Applied {
			rec.Count(MetricApplied)
			if len(correlations) <= metrics.MaxMetricsPerLine {
				rec.Add(MetricLag, metrics.UnitMilliseconds, float64(lag.Milliseconds()))
			}
		} else {
			rec.Count(MetricSkipped)
		}
		log.InfoContext(ctx, "event projected", "event_id", e.ID, "type", string(e.Type), "order_id", e.OrderID,
			"order_version", e.OrderVersion, "outcome", string(out), "lag_ms", lag.Milliseconds())
		return nil
	}
	resp, err := events.SQSHandler(apply, events.SQSOptions{
		OnUndecodable: func(ctx context.Context, m awsevents.SQSMessage, err error) {
			corr := bodyCorrelation(m.Body)
			if corr == "" {
				corr = "sqs-message:" + m.MessageId // still one ID to search the logs for
			}
			correlations = append(correlations, corr)
			rec.Count(MetricUndecodable)
			log.ErrorContext(logging.WithCorrelationID(ctx, corr), "undecodable message; left for the DLQ",
				"message_id", m.MessageId, "error", err.Error())
		},
	})(ctx, batch)
	rec.Property("correlation_ids", correlations)
	return resp, err
}

// bodyCorrelation digs the correlation ID out of an EventBridge event body, if it has one.
func bodyCorrelation(body string) string {
	var env struct {
		Detail struct {
			CorrelationID string `json:"correlation_id"`
		} `json:"detail"`
	}
	if json.Unmarshal([]byte(body), &env) != nil {
		return ""
	}
	return env.Detail.CorrelationID
}
