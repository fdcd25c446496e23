// Package webhooks is the partner webhooks domain: the endpoints a partner registers
// (HTTPS URL, event-type filter, signing secrets with rotation overlap), the delivery log
// (one delivery per endpoint and event, its attempts, status codes and next retry), the
// per-partner event log behind the pull feed (GET /v1/events), and the Standard Webhooks
// signing and verification (signature.go).
//
// Client is what bff-partner and the workers call; Store has two implementations: Memory
// (in-process; `make run` and tests) and DynamoDB (one table, see TableSchema). Every read
// and write is keyed by the partner id, so one partner never sees or reaches another's
// endpoints, deliveries or events: a foreign id is domain.ErrNotFound.
package webhooks

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/events"
)

// Limits.
const (
	MaxEndpointsPerPartner = 20
	MaxURLLength           = 2048
	MaxDescription         = 256
	// DefaultOverlap is how long the previous secret keeps signing after a rotation.
	DefaultOverlap = 24 * time.Hour
	// DeliveryRetention is how long delivery records and feed entries are kept (DynamoDB TTL).
	DeliveryRetention = 30 * 24 * time.Hour
	MaxFeedLimit      = 100
	DefaultFeedLimit  = 50
	MaxDeliveryList   = 100
)

// Delivery states.
const (
	StatePending   = "pending"   // queued or waiting for its next retry
	StateSucceeded = "succeeded" // the endpoint answered 2xx
	StateFailed    = "failed"    // retries exhausted (the message is in the DLQ) or endpoint gone
)

// Secret is one signing secret of an endpoint. Expired secrets no longer sign.
type Secret struct {
	Value     string    `json:"value"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at,omitzero"` // zero: current secret
}

// Endpoint is one webhook endpoint of a partner.
type Endpoint struct {
	ID          string        `json:"id"`
	PartnerID   string        `json:"partner_id"`
	URL         string        `json:"url"`
	Description string        `json:"description,omitempty"`
	EventTypes  []events.Type `json:"event_types"` // empty: every type
	Secrets     []Secret      `json:"secrets"`     // newest first
	CreatedAt   time.Time     `json:"created_at"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// Wants reports whether the endpoint subscribes to t.
func (e Endpoint) Wants(t events.Type) bool {
	return len(e.EventTypes) == 0 || slices.Contains(e.EventTypes, t)
}

// ActiveSecrets returns the secrets that sign at now, newest first.
func (e Endpoint) ActiveSecrets(now time.Time) []string {
	var out []string
	for _, s := range e.Secrets {
		if s.ExpiresAt.IsZero() || now.Before(s.ExpiresAt) {
			out = append(out, s.Value)
		}
	}
	return out
}

// Delivery is one event sent (or to be sent) to one endpoint. Its ID is the webhook-id:
// stable across retries and redeliveries, derived from the endpoint and the event.
type Delivery struct {
	ID          string      `json:"id"`
	PartnerID   string      `json:"partner_id"`
	EndpointID  string      `json:"endpoint_id"`
	EventID     string      `json:"event_id"`
	EventType   events.Type `json:"event_type"`
	Payload     string      `json:"payload"` // the exact body sent, signed at each attempt
	State       string      `json:"state"`
	Attempts    int         `json:"attempts"`
	LastStatus  int         `json:"last_status,omitempty"` // HTTP status; 0: no response
	LastError   string      `json:"last_error,omitempty"`
	NextRetryAt time.Time   `json:"next_retry_at,omitzero"`
	CreatedAt   time.Time   `json:"created_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
	// CorrelationID is the event's, logged on every attempt.
	CorrelationID string `json:"correlation_id,omitempty"`
}

// DeliveryID is the delivery id (webhook-id) of event eventID at endpoint endpointID.
func DeliveryID(endpointID, eventID string) string {
	sum := sha256.Sum256([]byte(endpointID + "#" + eventID))
	return "msg_" + hex.EncodeToString(sum[:12])
}

// FeedEntry is one event in a partner's pull feed, in occurred_at order.
type FeedEntry struct {
	Position string       `json:"-"` // store position: occurred_at + event id
	Event    events.Event `json:"event"`
}

// FeedPosition is the sortable position of an event in a feed.
func FeedPosition(e events.Event) string {
	return e.OccurredAt.UTC().Format("2006-01-02T15:04:05.000000000Z") + "#" + e.ID
}

// Store persists endpoints, deliveries and feeds. Errors wrap shared/domain sentinels.
type Store interface {
	CreateEndpoint(ctx context.Context, e Endpoint) error
	// GetEndpoint returns partnerID's endpoint id, or domain.ErrNotFound.
	GetEndpoint(ctx context.Context, partnerID, id string) (Endpoint, error)
	ListEndpoints(ctx context.Context, partnerID string) ([]Endpoint, error)
	DeleteEndpoint(ctx context.Context, partnerID, id string) error
	// UpdateSecrets replaces the secrets when the endpoint still exists.
	UpdateSecrets(ctx context.Context, partnerID, id string, secrets []Secret, at time.Time) error
	// CreateDelivery stores d unless a delivery with its id exists; it returns the stored one.
	CreateDelivery(ctx context.Context, d Delivery) (stored Delivery, created bool, err error)
	GetDelivery(ctx context.Context, partnerID, endpointID, id string) (Delivery, error)
	PutDelivery(ctx context.Context, d Delivery) error
	// ListDeliveries returns the endpoint's deliveries, newest first, at most limit.
	ListDeliveries(ctx context.Context, partnerID, endpointID string, limit int) ([]Delivery, error)
	// AppendFeed adds e to partnerID's feed (idempotent per event).
	AppendFeed(ctx context.Context, partnerID string, e events.Event) error
	// ReadFeed returns up to limit entries after position (exclusive), in order.
	ReadFeed(ctx context.Context, partnerID, after string, limit int) ([]FeedEntry, error)
}

// Enqueuer hands a delivery to the sender (an SQS message in AWS, the in-process sender
// under make run).
type Enqueuer func(ctx context.Context, t Task) error

// Task is the delivery queue message.
type Task struct {
	PartnerID     string `json:"partner_id"`
	EndpointID    string `json:"endpoint_id"`
	DeliveryID    string `json:"delivery_id"`
	CorrelationID string `json:"correlation_id,omitempty"`
}

// Options configure a Client.
type Options struct {
	// AllowHTTP accepts http:// and loopback URLs (local mode only).
	AllowHTTP bool
	Overlap   time.Duration // default DefaultOverlap
	Cursors   *cursor.Codec // default random (process-local cursors)
	Now       func() time.Time
	Enqueue   Enqueuer // used by Redeliver; nil: Redeliver fails with ErrUnavailable
}

// Client is the webhooks domain client.
type Client struct {
	store Store
	o     Options
}

// New returns a client over s.
func New(s Store, o Options) *Client {
	if o.Overlap <= 0 {
		o.Overlap = DefaultOverlap
	}
	if o.Cursors == nil {
		o.Cursors = cursor.NewRandom()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Client{store: s, o: o}
}

// SetEnqueuer sets the Enqueuer Redeliver uses (wiring that builds it after the client).
func (c *Client) SetEnqueuer(e Enqueuer) { c.o.Enqueue = e }

// Store returns the client's store (for the workers).
func (c *Client) Store() Store { return c.store }

// Now is the client's clock.
func (c *Client) Now() time.Time { return c.o.Now() }

// EndpointInput is what a partner sends to create an endpoint.
type EndpointInput struct {
	URL         string
	Description string
	EventTypes  []string
}

// ValidateURL checks a webhook URL: absolute, https (http and loopback only when allowHTTP),
// no credentials, no fragment, and (outside local mode) not a loopback, private or
// link-local IP literal.
func ValidateURL(v *domain.ValidationError, raw string, allowHTTP bool) {
	u, err := url.Parse(raw)
	switch {
	case raw == "":
		v.Add("url", "required", "must not be empty")
		return
	case len(raw) > MaxURLLength:
		v.Add("url", "invalid", fmt.Sprintf("at most %d characters", MaxURLLength))
		return
	case err != nil || u.Host == "" || u.Opaque != "":
		v.Add("url", "invalid", "must be an absolute URL")
		return
	case u.User != nil || u.Fragment != "":
		v.Add("url", "invalid", "must not carry credentials or a fragment")
		return
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !allowHTTP {
			v.Add("url", "https_required", "must use https")
			return
		}
	default:
		v.Add("url", "invalid", "must use https")
		return
	}
	if allowHTTP {
		return
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") {
		v.Add("url", "invalid", "must not point to this host")
		return
	}
	if ip := net.ParseIP(host); ip != nil && (ip.IsLoopback() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsUnspecified()) {
		v.Add("url", "invalid", "must not be a private, loopback or link-local address")
	}
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b) // crypto/rand never fails on supported platforms
	return prefix + hex.EncodeToString(b)
}

// CreateEndpoint validates in and stores a new endpoint of partnerID. It returns the endpoint
// and its signing secret; the secret is shown this once (later reads never return it).
func (c *Client) CreateEndpoint(ctx context.Context, partnerID string, in EndpointInput) (Endpoint, string, error) {
	v := &domain.ValidationError{}
	ValidateURL(v, in.URL, c.o.AllowHTTP)
	if len(in.Description) > MaxDescription {
		v.Add("description", "invalid", fmt.Sprintf("at most %d characters", MaxDescription))
	}
	var types []events.Type
	for i, t := range in.EventTypes {
		et := events.Type(t)
		if !et.Valid() {
			v.Add(fmt.Sprintf("event_types[%d]", i), "invalid", "is not a known event type")
			continue
		}
		if !slices.Contains(types, et) {
			types = append(types, et)
		}
	}
	if err := v.Err(); err != nil {
		return Endpoint{}, "", err
	}
	existing, err := c.store.ListEndpoints(ctx, partnerID)
	if err != nil {
		return Endpoint{}, "", err
	}
	if len(existing) >= MaxEndpointsPerPartner {
		return Endpoint{}, "", fmt.Errorf("at most %d webhook endpoints per partner: %w", MaxEndpointsPerPartner, domain.ErrConflict)
	}
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, "", err
	}
	now := c.o.Now().UTC()
	e := Endpoint{ID: newID("ep_"), PartnerID: partnerID, URL: in.URL, Description: in.Description,
		EventTypes: types, Secrets: []Secret{{Value: secret, CreatedAt: now}}, CreatedAt: now, UpdatedAt: now}
	if err := c.store.CreateEndpoint(ctx, e); err != nil {
		return Endpoint{}, "", err
	}
	return e, secret, nil
}

// GetEndpoint returns partnerID's endpoint.
func (c *Client) GetEndpoint(ctx context.Context, partnerID, id string) (Endpoint, error) {
	return c.store.GetEndpoint(ctx, partnerID, id)
}

// ListEndpoints returns partnerID's endpoints, oldest first.
func (c *Client) ListEndpoints(ctx context.Context, partnerID string) ([]Endpoint, error) {
	return c.store.ListEndpoints(ctx, partnerID)
}

// DeleteEndpoint removes partnerID's endpoint; pending deliveries to it end as failed.
func (c *Client) DeleteEndpoint(ctx context.Context, partnerID, id string) error {
	return c.store.DeleteEndpoint(ctx, partnerID, id)
}

// RotateSecret adds a new current secret; the previous current one keeps signing until
// now+Overlap (both signatures are sent meanwhile) and already expired ones are dropped.
// It returns the endpoint and the new secret (shown this once).
func (c *Client) RotateSecret(ctx context.Context, partnerID, id string) (Endpoint, string, error) {
	e, err := c.store.GetEndpoint(ctx, partnerID, id)
	if err != nil {
		return Endpoint{}, "", err
	}
	secret, err := NewSecret()
	if err != nil {
		return Endpoint{}, "", err
	}
	now := c.o.Now().UTC()
	secrets := []Secret{{Value: secret, CreatedAt: now}}
	for _, s := range e.Secrets {
		switch {
		case s.ExpiresAt.IsZero():
			s.ExpiresAt = now.Add(c.o.Overlap)
			secrets = append(secrets, s)
		case now.Before(s.ExpiresAt):
			secrets = append(secrets, s)
		}
	}
	if err := c.store.UpdateSecrets(ctx, partnerID, id, secrets, now); err != nil {
		return Endpoint{}, "", err
	}
	e.Secrets, e.UpdatedAt = secrets, now
	return e, secret, nil
}

// ListDeliveries returns the deliveries of partnerID's endpoint, newest first.
func (c *Client) ListDeliveries(ctx context.Context, partnerID, endpointID string, limit int) ([]Delivery, error) {
	if _, err := c.store.GetEndpoint(ctx, partnerID, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > MaxDeliveryList {
		limit = MaxDeliveryList
	}
	return c.store.ListDeliveries(ctx, partnerID, endpointID, limit)
}

// Redeliver queues delivery id again (same webhook-id, attempts keep counting), whatever its
// state: a partner uses it after fixing a receiver.
func (c *Client) Redeliver(ctx context.Context, partnerID, endpointID, id string) (Delivery, error) {
	if _, err := c.store.GetEndpoint(ctx, partnerID, endpointID); err != nil {
		return Delivery{}, err
	}
	d, err := c.store.GetDelivery(ctx, partnerID, endpointID, id)
	if err != nil {
		return Delivery{}, err
	}
	if c.o.Enqueue == nil {
		return Delivery{}, fmt.Errorf("redeliver: no delivery queue configured: %w", domain.ErrUnavailable)
	}
	now := c.o.Now().UTC()
	d.State, d.NextRetryAt, d.UpdatedAt = StatePending, now, now
	if err := c.store.PutDelivery(ctx, d); err != nil {
		return Delivery{}, err
	}
	if err := c.o.Enqueue(ctx, Task{PartnerID: partnerID, EndpointID: endpointID, DeliveryID: d.ID, CorrelationID: d.CorrelationID}); err != nil {
		return Delivery{}, fmt.Errorf("redeliver: %w: %w", domain.ErrUnavailable, err)
	}
	return d, nil
}

const feedScope = "webhooks.feed"

// Feed returns up to limit of partnerID's events after the cursor (empty: from the oldest
// kept) and the cursor to continue from. The cursor is opaque and bound to the partner; at
// the end of the feed it still points past the last event, so a poller keeps it.
func (c *Client) Feed(ctx context.Context, partnerID, after string, limit int) ([]events.Event, string, error) {
	if limit <= 0 {
		limit = DefaultFeedLimit
	}
	if limit > MaxFeedLimit {
		limit = MaxFeedLimit
	}
	pos := ""
	if after != "" {
		var err error
		if pos, err = c.o.Cursors.Decode(feedScope, partnerID, after); err != nil {
			return nil, "", err
		}
	}
	entries, err := c.store.ReadFeed(ctx, partnerID, pos, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]events.Event, 0, len(entries))
	for _, en := range entries {
		out = append(out, en.Event)
		pos = en.Position
	}
	next := after
	if pos != "" {
		next = c.o.Cursors.Encode(feedScope, partnerID, pos)
	}
	return out, next, nil
}

// Payload is the webhook body: the Standard Webhooks envelope around the event.
type Payload struct {
	Type      events.Type  `json:"type"`
	Timestamp time.Time    `json:"timestamp"`
	Data      events.Event `json:"data"`
}

// Fanout records the event in its partner's feed and one delivery per matching endpoint, and
// enqueues the pending ones. Events of customers (no partner) are ignored. Idempotent: the
// same event again finds the same deliveries (by id) and enqueues only those still pending.
func (c *Client) Fanout(ctx context.Context, e events.Event, enqueue Enqueuer) (enqueued int, err error) {
	pid := e.Owner.PartnerID
	if pid == "" {
		return 0, nil
	}
	if err := c.store.AppendFeed(ctx, pid, e); err != nil {
		return 0, err
	}
	eps, err := c.store.ListEndpoints(ctx, pid)
	if err != nil {
		return 0, err
	}
	body, err := json.Marshal(Payload{Type: e.Type, Timestamp: e.OccurredAt.UTC(), Data: e})
	if err != nil {
		return 0, fmt.Errorf("fanout: encode payload: %w", err)
	}
	now := c.o.Now().UTC()
	for _, ep := range eps {
		if ep.PartnerID != pid || !ep.Wants(e.Type) {
			continue
		}
		d := Delivery{ID: DeliveryID(ep.ID, e.ID), PartnerID: pid, EndpointID: ep.ID, EventID: e.ID, EventType: e.Type,
			Payload: string(body), State: StatePending, NextRetryAt: now, CreatedAt: now, UpdatedAt: now, CorrelationID: e.CorrelationID}
		stored, _, err := c.store.CreateDelivery(ctx, d)
		if err != nil {
			return enqueued, err
		}
		if stored.State != StatePending {
			continue
		}
		if err := enqueue(ctx, Task{PartnerID: pid, EndpointID: ep.ID, DeliveryID: stored.ID, CorrelationID: e.CorrelationID}); err != nil {
			return enqueued, fmt.Errorf("fanout: enqueue: %w", err)
		}
		enqueued++
	}
	return enqueued, nil
}
