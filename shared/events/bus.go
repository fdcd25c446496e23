package events

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Bus is the in-process transport of `make run` (embedded store): what EventBridge and SQS do
// in AWS. Every subscriber receives every published event, in publish order, on its own
// goroutine, so a slow consumer never delays a request or another consumer. A handler error is
// retried with doubling waits (Retry.Initial, up to Retry.Attempts attempts); after the last
// attempt the event is logged as dead-lettered with its id and the error, like a message moved
// to a DLQ. Events live in memory only: a stopped process loses what it had not delivered,
// which the embedded store (itself in memory) loses too.
type Bus struct {
	logger *slog.Logger
	retry  Retry

	mu     sync.Mutex
	subs   []*subscriber
	closed bool
	wg     sync.WaitGroup
}

// Retry is the bus's redelivery policy.
type Retry struct {
	Attempts int           // total attempts per event and subscriber (default 5)
	Initial  time.Duration // wait before the second attempt, doubled after each (default 100ms)
}

type subscriber struct {
	name  string
	h     Handler
	mu    sync.Mutex
	queue []Event
	wake  chan struct{}
	done  chan struct{}
}

// NewBus returns a bus; logger gets one line per dead-lettered event.
func NewBus(logger *slog.Logger, retry Retry) *Bus {
	if retry.Attempts <= 0 {
		retry.Attempts = 5
	}
	if retry.Initial <= 0 {
		retry.Initial = 100 * time.Millisecond
	}
	return &Bus{logger: logger, retry: retry}
}

// Subscribe adds a consumer named name (used in logs). Events published before it subscribed
// are not replayed to it.
func (b *Bus) Subscribe(name string, h Handler) {
	s := &subscriber{name: name, h: h, wake: make(chan struct{}, 1), done: make(chan struct{})}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.subs = append(b.subs, s)
	b.wg.Add(1)
	go b.loop(s)
}

// Publish hands evs to every subscriber and returns at once. It never fails: delivery errors
// are the subscriber's, retried and dead-lettered there. The context is not kept: handlers
// run under their own context so a finished request does not cancel its events.
func (b *Bus) Publish(_ context.Context, evs ...Event) {
	if len(evs) == 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	for _, s := range b.subs {
		s.mu.Lock()
		s.queue = append(s.queue, evs...)
		s.mu.Unlock()
		select {
		case s.wake <- struct{}{}:
		default:
		}
	}
}

// Close stops accepting events, delivers what is queued (retries included) and returns when
// every subscriber is idle or ctx ends.
func (b *Bus) Close(ctx context.Context) error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		for _, s := range b.subs {
			close(s.done)
		}
	}
	b.mu.Unlock()
	finished := make(chan struct{})
	go func() { b.wg.Wait(); close(finished) }()
	select {
	case <-finished:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (b *Bus) loop(s *subscriber) {
	defer b.wg.Done()
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, e := range batch {
			b.deliver(s, e)
		}
		if len(batch) > 0 {
			continue
		}
		select {
		case <-s.wake:
		case <-s.done:
			s.mu.Lock()
			empty := len(s.queue) == 0
			s.mu.Unlock()
			if empty {
				return
			}
		}
	}
}

func (b *Bus) deliver(s *subscriber, e Event) {
	wait := b.retry.Initial
	var err error
	for attempt := 1; attempt <= b.retry.Attempts; attempt++ {
		if err = s.h(context.Background(), e); err == nil {
			return
		}
		if attempt < b.retry.Attempts {
			time.Sleep(wait)
			wait *= 2
		}
	}
	b.logger.Error("event dead-lettered", "subscriber", s.name, "event_id", e.ID, "type", string(e.Type),
		"correlation_id", e.CorrelationID, "attempts", b.retry.Attempts, "error", err.Error())
}
