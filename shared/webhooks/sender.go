package webhooks

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"time"

	"bffsuite.dev/shared/domain"
)

// Retry schedule. Attempt n (1-based) that fails waits Backoff(n) before attempt n+1:
// BackoffBase doubled per attempt, capped at BackoffCap, plus up to 20 % jitter (never less,
// so the schedule spans at least RetryWindow). MaxAttempts attempts span ≥ 24 h; the delivery
// queue's maxReceiveCount equals MaxAttempts, so the last failure moves the message to the DLQ.
const (
	BackoffBase = 30 * time.Second
	BackoffCap  = 4 * time.Hour
	MaxAttempts = 15
	RetryWindow = 24 * time.Hour
	// DefaultTimeout bounds one POST (connect to last byte).
	DefaultTimeout = 10 * time.Second
	// MaxVisibility is SQS's ChangeMessageVisibility ceiling.
	MaxVisibility = 12 * time.Hour
)

// NominalBackoff is the wait after failed attempt n without jitter.
func NominalBackoff(n int) time.Duration {
	d := BackoffBase
	for i := 1; i < n && d < BackoffCap; i++ {
		d *= 2
	}
	return min(d, BackoffCap)
}

// Backoff is NominalBackoff(n) plus 0–20 % jitter, at most MaxVisibility.
func Backoff(n int) time.Duration {
	d := NominalBackoff(n)
	d += time.Duration(rand.Int64N(int64(d)/5 + 1))
	return min(d, MaxVisibility)
}

// Outcome is what the sender tells the transport to do with the message.
type Outcome struct {
	Done       bool          // delete the message (sent, or nothing left to send)
	RetryAfter time.Duration // when !Done: make the message visible again after this
	Delivery   Delivery      // the record after this attempt (zero when none was found)
}

// Sender posts deliveries. HTTP is its client (timeout DefaultTimeout when nil).
type Sender struct {
	Client *Client
	HTTP   *http.Client
	// MaxAttempts overrides the package MaxAttempts (tests; the queue's maxReceiveCount).
	MaxAttempts int
	// Backoff overrides the package Backoff (tests).
	Backoff func(n int) time.Duration
}

// ErrPermanent marks a task that can never succeed (malformed); the transport drops it.
var ErrPermanent = errors.New("webhook task cannot be delivered")

// Send makes one attempt at t. attempt is the 1-based attempt number of this message
// (SQS ApproximateReceiveCount). Errors are the store's (retry the message as it is).
func (s *Sender) Send(ctx context.Context, t Task, attempt int) (Outcome, error) {
	c := s.Client
	maxAttempts := s.MaxAttempts
	if maxAttempts <= 0 {
		maxAttempts = MaxAttempts
	}
	backoff := s.Backoff
	if backoff == nil {
		backoff = Backoff
	}
	if t.PartnerID == "" || t.EndpointID == "" || t.DeliveryID == "" {
		return Outcome{Done: true}, ErrPermanent
	}
	d, err := c.store.GetDelivery(ctx, t.PartnerID, t.EndpointID, t.DeliveryID)
	if errors.Is(err, domain.ErrNotFound) {
		return Outcome{Done: true}, nil // expired or never written: nothing to send
	}
	if err != nil {
		return Outcome{}, err
	}
	if d.State != StatePending {
		return Outcome{Done: true, Delivery: d}, nil // already sent (a duplicate message)
	}
	now := c.o.Now().UTC()
	ep, err := c.store.GetEndpoint(ctx, t.PartnerID, t.EndpointID)
	if errors.Is(err, domain.ErrNotFound) {
		d.State, d.LastError, d.NextRetryAt, d.UpdatedAt = StateFailed, "endpoint deleted", time.Time{}, now
		return Outcome{Done: true, Delivery: d}, c.store.PutDelivery(ctx, d)
	}
	if err != nil {
		return Outcome{}, err
	}
	// Tenant check: the endpoint, the delivery and the task name one partner.
	if ep.PartnerID != t.PartnerID || d.PartnerID != t.PartnerID || d.EndpointID != ep.ID {
		return Outcome{Done: true}, ErrPermanent
	}
	status, sendErr := s.post(ctx, ep, d, now)
	d.Attempts++
	d.LastStatus, d.LastError, d.UpdatedAt = status, "", now
	if sendErr == nil {
		d.State, d.NextRetryAt = StateSucceeded, time.Time{}
		return Outcome{Done: true, Delivery: d}, c.store.PutDelivery(ctx, d)
	}
	d.LastError = sendErr.Error()
	if attempt >= maxAttempts {
		// The last receive: the queue moves the message to its DLQ next.
		d.State, d.NextRetryAt = StateFailed, time.Time{}
		if err := c.store.PutDelivery(ctx, d); err != nil {
			return Outcome{}, err
		}
		return Outcome{Done: false, RetryAfter: 0, Delivery: d}, nil
	}
	wait := backoff(attempt)
	d.NextRetryAt = now.Add(wait)
	if err := c.store.PutDelivery(ctx, d); err != nil {
		return Outcome{}, err
	}
	return Outcome{RetryAfter: wait, Delivery: d}, nil
}

func (s *Sender) post(ctx context.Context, ep Endpoint, d Delivery, now time.Time) (int, error) {
	secrets := ep.ActiveSecrets(now)
	h, err := Headers(secrets, d.ID, now, []byte(d.Payload))
	if err != nil {
		return 0, err
	}
	hc := s.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader([]byte(d.Payload)))
	if err != nil {
		return 0, err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "bffsuite-webhooks/1")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, fmt.Errorf("post: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("endpoint answered %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
