package webhooks

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
)

// Subscriber is the in-process bus (events.Bus). Lambda builds have no bus value
// (store.EventBus is an empty struct there), so callers type-assert to it.
type Subscriber interface {
	Subscribe(name string, h events.Handler)
}

// LocalRetry is the in-process retry schedule of `make run`: shorter than the Lambda one so a
// demo shows a recovery within a minute.
type LocalRetry struct {
	Attempts int           // default 6
	Initial  time.Duration // default 1s, doubled per attempt
}

// RunLocal wires the webhooks of one process on the in-process bus (`make run`): the same
// Fanout and Sender code as the Lambdas, with an in-memory "delivery queue" whose retries are
// timers (the Lambda uses ChangeMessageVisibility for the same schedule shape). It returns
// the Enqueuer to give the Client for redeliver.
func RunLocal(bus Subscriber, c *Client, log *slog.Logger, r LocalRetry) Enqueuer {
	if r.Attempts <= 0 {
		r.Attempts = 6
	}
	if r.Initial <= 0 {
		r.Initial = time.Second
	}
	s := &Sender{Client: c, HTTP: &http.Client{Timeout: 5 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }},
		MaxAttempts: r.Attempts, Backoff: func(n int) time.Duration { return r.Initial << (n - 1) }}
	var deliver func(t Task, attempt int)
	deliver = func(t Task, attempt int) {
		ctx := logging.WithCorrelationID(context.Background(), t.CorrelationID)
		out, err := s.Send(ctx, t, attempt)
		if err != nil {
			log.WarnContext(ctx, "webhook delivery failed", "delivery_id", t.DeliveryID, "error", err.Error())
			return
		}
		d := out.Delivery
		attrs := []any{"delivery_id", t.DeliveryID, "endpoint_id", t.EndpointID, "partner_id", t.PartnerID, "event_id", d.EventID,
			"attempt", attempt, "status", d.LastStatus, "state", d.State}
		switch {
		case out.Done:
			log.InfoContext(ctx, "webhook delivery", attrs...)
		case attempt >= s.MaxAttempts:
			log.ErrorContext(ctx, "webhook delivery dead-lettered", append(attrs, "error", d.LastError)...)
		default:
			log.WarnContext(ctx, "webhook delivery failed; retrying", append(attrs, "error", d.LastError, "retry_in", out.RetryAfter.String())...)
			time.AfterFunc(out.RetryAfter, func() { deliver(t, attempt+1) })
		}
	}
	enqueue := func(_ context.Context, t Task) error {
		go deliver(t, 1)
		return nil
	}
	bus.Subscribe("webhooks", func(ctx context.Context, e events.Event) error {
		ctx = logging.WithCorrelationID(ctx, e.CorrelationID)
		n, err := c.Fanout(ctx, e, enqueue)
		if err == nil && e.Owner.PartnerID != "" {
			log.InfoContext(ctx, "webhook fanout", "event_id", e.ID, "type", string(e.Type), "partner_id", e.Owner.PartnerID, "enqueued", n)
		}
		return err
	})
	return enqueue
}
