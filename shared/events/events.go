// Package events is the order event contract: the envelope every producer writes and every
// consumer (partner webhooks, the pull feed, read-model projectors, mobile push) reads, the
// same in Lambda (DynamoDB stream → EventBridge → SQS/SNS) and in process (`make run`).
//
// The orders table is the outbox: events are derived from committed order writes, never
// written beside them by a BFF. An event's ID is a function of the order id and the order
// version the change produced, so a stream record delivered twice, a replay from the
// EventBridge archive and the in-process emitter all yield the same ID for the same change;
// consumers dedupe on it. Order versions also order the events of one order: a consumer that
// sees version 3 after version 4 knows it is stale.
package events

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"
)

// Type is an event type; it is the EventBridge detail-type and the Standard Webhooks event name.
type Type string

// The order event types. One per order status the lifecycle can reach.
const (
	OrderPlaced    Type = "order.placed"
	OrderConfirmed Type = "order.confirmed"
	OrderShipped   Type = "order.shipped"
	OrderDelivered Type = "order.delivered"
	OrderCancelled Type = "order.cancelled"
)

// Types lists every event type, in lifecycle order.
var Types = []Type{OrderPlaced, OrderConfirmed, OrderShipped, OrderDelivered, OrderCancelled}

// Valid reports whether t is a known event type.
func (t Type) Valid() bool {
	for _, k := range Types {
		if k == t {
			return true
		}
	}
	return false
}

// Source is the EventBridge source of every order event.
const Source = "bffsuite.orders"

// SpecVersion is the envelope version; consumers refuse a major version they do not know.
const SpecVersion = "1"

// Owner says whose order it is: a customer (web, mobile) or a partner. Consumers route on it
// (webhooks and the pull feed to PartnerID only, push to CustomerID only); an event is never
// shown to another tenant.
type Owner struct {
	CustomerID string `json:"customer_id"`
	PartnerID  string `json:"partner_id,omitempty"`
	Channel    string `json:"channel"`
}

// Money is an amount in minor units of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Line is one order line as events carry it (enough for popularity and receipts).
type Line struct {
	ProductID string `json:"product_id"`
	SKU       string `json:"sku"`
	Quantity  int64  `json:"quantity"`
}

// Event is the envelope. It is the EventBridge `detail`, the pull feed item and the webhook
// payload's `data` (with Type as the webhook `type`).
type Event struct {
	ID             string    `json:"event_id"`
	Type           Type      `json:"type"`
	SpecVersion    string    `json:"spec_version"`
	OccurredAt     time.Time `json:"occurred_at"`
	OrderID        string    `json:"order_id"`
	OrderVersion   int64     `json:"order_version"`
	Owner          Owner     `json:"owner"`
	Status         string    `json:"status"`
	PreviousStatus string    `json:"previous_status,omitempty"`
	// CancellationReason is set on order.cancelled when the order carries one.
	CancellationReason string `json:"cancellation_reason,omitempty"`
	ItemCount          int64  `json:"item_count"`
	Total              Money  `json:"total"`
	Lines              []Line `json:"lines"`
	// CorrelationID and TraceHeader are those of the HTTP request (or saga task) that made
	// the change, stored on the order item and carried across every hop.
	CorrelationID string `json:"correlation_id,omitempty"`
	TraceHeader   string `json:"trace_header,omitempty"`
}

// ID is the stable event id of the change that brought order orderID to version.
func ID(orderID string, version int64) string {
	sum := sha256.Sum256([]byte(orderID + "#" + strconv.FormatInt(version, 10)))
	return "evt_" + hex.EncodeToString(sum[:16])
}

// Handler consumes one event. It must be idempotent per Event.ID: every transport here
// delivers at least once.
type Handler func(ctx context.Context, e Event) error
