// Package orders is the order domain client. It owns the order rules, enforced here and
// nowhere else:
//
//   - prices come from the catalog at order time, never from the caller;
//   - placing an order reserves stock for every line in one atomic backend write together with
//     the order itself (never oversold, also under concurrency), and an existing order id is
//     domain.ErrConflict (no second order is ever created);
//   - the status lifecycle PENDING → CONFIRMED → SHIPPED → DELIVERED, with CANCELLED from
//     PENDING or CONFIRMED; any other change is domain.ErrInvalidTransition;
//   - cancelling restores the stock of every line in the same atomic write, exactly once:
//     CancelOrder of a cancelled order (also a concurrent one) returns it unchanged;
//   - ids, quantities, channels and addresses are validated (*domain.ValidationError).
//
// Tenant checks belong to the BFFs: every Order carries CustomerID, Channel and PartnerID.
package orders

import (
	"context"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
)

// Channel is where an order was placed.
type Channel string

// Channels.
const (
	ChannelWeb     Channel = "web"
	ChannelMobile  Channel = "mobile"
	ChannelPartner Channel = "partner"
)

// Status is the lifecycle state of an order.
type Status string

// Statuses.
const (
	StatusPending   Status = "PENDING"
	StatusConfirmed Status = "CONFIRMED"
	StatusShipped   Status = "SHIPPED"
	StatusDelivered Status = "DELIVERED"
	StatusCancelled Status = "CANCELLED"
)

var transitions = map[Status][]Status{
	StatusPending:   {StatusConfirmed, StatusCancelled},
	StatusConfirmed: {StatusShipped, StatusCancelled},
	StatusShipped:   {StatusDelivered},
}

// CanTransition reports whether the lifecycle allows from → to.
func CanTransition(from, to Status) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusConfirmed, StatusShipped, StatusDelivered, StatusCancelled:
		return true
	}
	return false
}

// Line is one order line, priced from the catalog when the order was placed.
type Line struct {
	ProductID string
	SKU       string
	Name      string
	Quantity  int64
	UnitPrice catalog.Money
	Total     catalog.Money
}

// StatusChange records one step of the lifecycle.
type StatusChange struct {
	Status Status
	At     time.Time
}

// Order is a placed order.
type Order struct {
	ID              string
	CustomerID      string
	Channel         Channel
	PartnerID       string
	Status          Status
	Lines           []Line
	ItemCount       int64
	Subtotal        catalog.Money
	Shipping        catalog.Money
	Total           catalog.Money
	ShippingAddress customers.Address
	History         []StatusChange
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64 // 1 when placed, +1 per status change
	// CorrelationID and TraceHeader are those of the request that made the latest change
	// (placing it, or the status change of this Version); the order events of that change
	// carry them (shared/events).
	CorrelationID string
	TraceHeader   string
}

// StockChange is a stock movement applied atomically with an order write. For reservations,
// UnitPrice is the price the line was priced at: the backend fails with domain.ErrConflict if
// the catalog price changed in between.
type StockChange struct {
	ProductID string
	Quantity  int64
	UnitPrice int64
}

// Backend is what a storage backend implements for orders. Each write is atomic.
type Backend interface {
	// CreateOrder stores o and reserves every change in one atomic write. Errors: the order id
	// exists → domain.ErrConflict; a product has less stock than reserved →
	// domain.ErrInsufficientStock; a product vanished → domain.ErrNotFound; its price
	// changed → domain.ErrConflict. Nothing is written on error.
	CreateOrder(ctx context.Context, o Order, reserve []StockChange) error
	GetOrder(ctx context.Context, id string) (Order, error)
	// ListOrdersByCustomer returns up to limit orders of the customer with ListKey < before
	// ("" = from the newest), newest first, and whether more follow.
	ListOrdersByCustomer(ctx context.Context, customerID, before string, limit int) ([]Order, bool, error)
	// ListOrdersByPartner is the same for a partner's orders, optionally only one status.
	ListOrdersByPartner(ctx context.Context, partnerID string, status Status, before string, limit int) ([]Order, bool, error)
	// UpdateOrder replaces the order when its stored Status is from and its stored Version is
	// o.Version-1 (else domain.ErrConflict), adding restock to product stock atomically.
	UpdateOrder(ctx context.Context, o Order, from Status, restock []StockChange) error
}

// ListKey is the sort key of the order lists: CreatedAt (fixed-width UTC) "#" ID.
func ListKey(createdAt time.Time, id string) string {
	return createdAt.UTC().Format(catalog.KeyTimeFormat) + "#" + id
}
