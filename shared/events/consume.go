package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	awsevents "github.com/aws/aws-lambda-go/events"
)

// ErrUndecodable marks a message that is not an order event this version of the code can read
// (bad JSON, unknown type, unknown major spec version). Redelivering it cannot help.
var ErrUndecodable = errors.New("events: undecodable order event")

// EventBridgeEnvelope is the part of an EventBridge event (as a rule delivers it to an SQS
// target: the whole event as the message body) a consumer needs.
type EventBridgeEnvelope struct {
	ID         string          `json:"id"`
	Source     string          `json:"source"`
	DetailType string          `json:"detail-type"`
	Time       string          `json:"time"`
	Detail     json.RawMessage `json:"detail"`
}

// FromEventBridge decodes an event's detail (the JSON the producer put as Detail) and checks
// it: a known type, a supported spec version, an id and an order id. The error wraps
// ErrUndecodable when the detail cannot be an order event.
func FromEventBridge(detail json.RawMessage) (Event, error) {
	var e Event
	if err := json.Unmarshal(detail, &e); err != nil {
		return Event{}, fmt.Errorf("%w: %v", ErrUndecodable, err)
	}
	if err := e.check(); err != nil {
		return Event{}, err
	}
	return e, nil
}

func (e Event) check() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: no event_id", ErrUndecodable)
	case e.OrderID == "":
		return fmt.Errorf("%w: event %s has no order_id", ErrUndecodable, e.ID)
	case !e.Type.Valid():
		return fmt.Errorf("%w: event %s has unknown type %q", ErrUndecodable, e.ID, e.Type)
	case major(e.SpecVersion) != SpecVersion:
		return fmt.Errorf("%w: event %s has spec_version %q, want major %s", ErrUndecodable, e.ID, e.SpecVersion, SpecVersion)
	}
	return nil
}

func major(v string) string {
	m, _, _ := strings.Cut(v, ".")
	return m
}

// FromSQSBody decodes an SQS message body written by an EventBridge rule target: the full
// EventBridge event, whose source must be Source and whose detail-type must match the
// detail's type.
func FromSQSBody(body string) (Event, error) {
	var env EventBridgeEnvelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return Event{}, fmt.Errorf("%w: body is not an EventBridge event: %v", ErrUndecodable, err)
	}
	if env.Source != Source {
		return Event{}, fmt.Errorf("%w: source %q, want %q", ErrUndecodable, env.Source, Source)
	}
	e, err := FromEventBridge(env.Detail)
	if err != nil {
		return Event{}, err
	}
	if string(e.Type) != env.DetailType {
		return Event{}, fmt.Errorf("%w: detail-type %q but detail type %q", ErrUndecodable, env.DetailType, e.Type)
	}
	return e, nil
}

// SQSOptions tunes SQSHandler.
type SQSOptions struct {
	// OnUndecodable is told of each message that cannot be decoded (for a log line or a
	// metric). Such a message is reported failed, so the queue's redrive policy moves it to
	// the DLQ where it can be inspected, rather than being dropped.
	OnUndecodable func(ctx context.Context, m awsevents.SQSMessage, err error)
	// OnError is told of each handler error (the message is reported failed and redelivered).
	OnError func(ctx context.Context, e Event, err error)
}

// SQSHandler adapts h to an SQS-triggered Lambda handler with ReportBatchItemFailures: every
// message is decoded (FromSQSBody) and handed to h in order; the ids of the messages that
// could not be decoded or whose handler failed are returned as batch item failures, the rest
// are deleted by Lambda. It never returns an error, so one bad message never fails the batch.
// A context that ends stops the batch: what was not handled yet is reported failed.
func SQSHandler(h Handler, opts ...SQSOptions) func(context.Context, awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
	var o SQSOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	return func(ctx context.Context, batch awsevents.SQSEvent) (awsevents.SQSEventResponse, error) {
		resp := awsevents.SQSEventResponse{BatchItemFailures: []awsevents.SQSBatchItemFailure{}}
		fail := func(m awsevents.SQSMessage) {
			resp.BatchItemFailures = append(resp.BatchItemFailures, awsevents.SQSBatchItemFailure{ItemIdentifier: m.MessageId})
		}
		for _, m := range batch.Records {
			if ctx.Err() != nil {
				fail(m)
				continue
			}
			e, err := FromSQSBody(m.Body)
			if err != nil {
				if o.OnUndecodable != nil {
					o.OnUndecodable(ctx, m, err)
				}
				fail(m)
				continue
			}
			if err := h(ctx, e); err != nil {
				if o.OnError != nil {
					o.OnError(ctx, e, err)
				}
				fail(m)
			}
		}
		return resp, nil
	}
}

// Correlation is the ID to log the event's handling under: its correlation ID, or its event
// ID when the change came from no request (a seed, an import, an operator's script), so every
// log line of every hop still joins.
func (e Event) Correlation() string {
	if e.CorrelationID != "" {
		return e.CorrelationID
	}
	return e.ID
}
