package orders

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/logging"
)

// Limits and pricing rules.
const (
	MaxLines        = 50 // a DynamoDB transaction holds 100 items; one per line plus the order
	MaxQuantity     = 100
	DefaultLimit    = 20
	MaxLimit        = 100
	FreeShippingMin = 5000 // subtotal in minor units from which shipping is free
	ShippingFee     = 499
)

// wellFormedID reports whether id is 1 to 64 of A-Z a-z 0-9 _ - (a loop, not a regexp compiled in
// package init on every cold start).
func wellFormedID(id string) bool {
	if len(id) == 0 || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		switch b := id[i]; {
		case b >= 'a' && b <= 'z', b >= 'A' && b <= 'Z', b >= '0' && b <= '9', b == '_', b == '-':
		default:
			return false
		}
	}
	return true
}

// Products is what orders needs from the catalog (satisfied by *catalog.Client).
type Products interface {
	BatchGetProducts(ctx context.Context, ids []string) ([]catalog.Product, []string, error)
	GetProductBySKU(ctx context.Context, sku string) (catalog.Product, error)
}

// LineInput is one requested line: exactly one of ProductID or SKU, and a quantity.
type LineInput struct {
	ProductID string `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Quantity  int64  `json:"quantity"`
}

// PlaceOrderInput is what a BFF passes to PlaceOrder. Prices are not part of it.
type PlaceOrderInput struct {
	// OrderID fixes the id in advance (idempotency layers); empty: generated. Placing with
	// an id that exists fails with domain.ErrConflict.
	OrderID         string            `json:"order_id,omitempty"`
	CustomerID      string            `json:"customer_id"` // required for web and mobile
	Channel         Channel           `json:"channel"`
	PartnerID       string            `json:"partner_id,omitempty"` // required iff channel is partner
	Lines           []LineInput       `json:"lines"`
	ShippingAddress customers.Address `json:"shipping_address"`
}

// Page is one page of orders.
type Page struct {
	Items      []Order `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
}

// Options configure a Client.
type Options struct {
	Cursors *cursor.Codec    // nil: random per-process key
	Now     func() time.Time // nil: time.Now
}

// Client is the orders domain client; safe for concurrent use.
type Client struct {
	b        Backend
	products Products
	cursors  *cursor.Codec
	now      func() time.Time
	mu       sync.Mutex
	last     time.Time
}

// New returns a Client storing orders in b and pricing them from products.
func New(b Backend, products Products, o Options) *Client {
	c := &Client{b: b, products: products, cursors: o.Cursors, now: o.Now}
	if c.cursors == nil {
		c.cursors = cursor.NewRandom()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func (c *Client) stamp() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.now().UTC()
	if !t.After(c.last) {
		t = c.last.Add(time.Nanosecond)
	}
	c.last = t
	return t
}

// NewOrderID returns a fresh random order id ("ord_" and 26 base32 characters).
func NewOrderID() string {
	return "ord_" + strings.ToLower(rand.Text())
}

func validID(v *domain.ValidationError, field, id string, required bool) {
	switch {
	case id == "" && required:
		v.Add(field, "required", "must not be empty")
	case id != "" && !wellFormedID(id):
		v.Add(field, "invalid", "must be 1-64 letters, digits, '_' or '-'")
	}
}

func validateInput(in PlaceOrderInput) error {
	v := &domain.ValidationError{}
	validID(v, "order_id", in.OrderID, false)
	switch in.Channel {
	case ChannelWeb, ChannelMobile:
		validID(v, "customer_id", in.CustomerID, true)
		if in.PartnerID != "" {
			v.Add("partner_id", "not_allowed", "only partner orders have a partner id")
		}
	case ChannelPartner:
		validID(v, "customer_id", in.CustomerID, false)
		validID(v, "partner_id", in.PartnerID, true)
	default:
		v.Add("channel", "invalid", "must be web, mobile or partner")
	}
	switch {
	case len(in.Lines) == 0:
		v.Add("lines", "required", "must contain at least one line")
	case len(in.Lines) > MaxLines:
		v.Add("lines", "too_many", fmt.Sprintf("at most %d lines", MaxLines))
	}
	for i, l := range in.Lines {
		path := fmt.Sprintf("lines[%d]", i)
		switch {
		case (l.ProductID == "") == (l.SKU == ""):
			v.Add(path, "invalid", "needs exactly one of product_id or sku")
		case l.ProductID != "":
			validID(v, path+".product_id", l.ProductID, true)
		default:
			validID(v, path+".sku", l.SKU, true)
		}
		if l.Quantity < 1 || l.Quantity > MaxQuantity {
			v.Add(path+".quantity", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxQuantity))
		}
	}
	customers.ValidateAddress(v, "shipping_address", in.ShippingAddress)
	return v.Err()
}

// PlaceOrder validates in, prices every line from the catalog and stores the order while
// reserving stock, atomically. See the package documentation for the errors.
func (c *Client) PlaceOrder(ctx context.Context, in PlaceOrderInput) (Order, error) {
	if err := validateInput(in); err != nil {
		return Order{}, err
	}
	products, err := c.resolve(ctx, in.Lines)
	if err != nil {
		return Order{}, err
	}
	now := c.stamp()
	o := Order{
		ID: in.OrderID, CustomerID: in.CustomerID, Channel: in.Channel, PartnerID: in.PartnerID,
		Status: StatusPending, ShippingAddress: in.ShippingAddress,
		History:   []StatusChange{{Status: StatusPending, At: now}},
		CreatedAt: now, UpdatedAt: now, Version: 1,
	}
	o.CorrelationID, o.TraceHeader = logging.CorrelationID(ctx), logging.TraceHeader(ctx)
	if o.ID == "" {
		o.ID = NewOrderID()
	}
	v := &domain.ValidationError{}
	reserve := make([]StockChange, 0, len(in.Lines))
	seen := map[string]int{}
	currency := ""
	for i, l := range in.Lines {
		p := products[i]
		if j, dup := seen[p.ID]; dup {
			v.Add(fmt.Sprintf("lines[%d]", i), "duplicate", fmt.Sprintf("same product as lines[%d]", j))
			continue
		}
		seen[p.ID] = i
		if currency == "" {
			currency = p.Price.Currency
		} else if p.Price.Currency != currency {
			v.Add(fmt.Sprintf("lines[%d]", i), "currency_mismatch", "all products of an order must share one currency")
			continue
		}
		total := catalog.Money{Amount: p.Price.Amount * l.Quantity, Currency: currency}
		o.Lines = append(o.Lines, Line{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: l.Quantity, UnitPrice: p.Price, Total: total})
		o.ItemCount += l.Quantity
		o.Subtotal.Amount += total.Amount
		reserve = append(reserve, StockChange{ProductID: p.ID, Quantity: l.Quantity, UnitPrice: p.Price.Amount})
	}
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	o.Subtotal.Currency, o.Shipping.Currency, o.Total.Currency = currency, currency, currency
	if o.Subtotal.Amount < FreeShippingMin {
		o.Shipping.Amount = ShippingFee
	}
	o.Total.Amount = o.Subtotal.Amount + o.Shipping.Amount
	if err := c.b.CreateOrder(ctx, o, reserve); err != nil {
		return Order{}, fmt.Errorf("place order %s: %w", o.ID, err)
	}
	return o, nil
}

// resolve returns the catalog product of every line, in line order. Unknown products are a
// validation error naming the line.
func (c *Client) resolve(ctx context.Context, lines []LineInput) ([]catalog.Product, error) {
	out := make([]catalog.Product, len(lines))
	bySKU := make([]error, len(lines))
	var wg sync.WaitGroup
	var ids []string
	for i, l := range lines {
		if l.SKU != "" {
			wg.Go(func() {
				p, err := c.products.GetProductBySKU(ctx, l.SKU)
				out[i], bySKU[i] = p, err
			})
		} else {
			ids = append(ids, l.ProductID)
		}
	}
	var found []catalog.Product
	var batchErr error
	if len(ids) > 0 {
		found, _, batchErr = c.products.BatchGetProducts(ctx, ids)
	}
	wg.Wait()
	if batchErr != nil {
		return nil, fmt.Errorf("price order lines: %w", batchErr)
	}
	byID := make(map[string]catalog.Product, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	v := &domain.ValidationError{}
	for i, l := range lines {
		if l.SKU != "" {
			if err := bySKU[i]; errors.Is(err, domain.ErrNotFound) {
				v.Add(fmt.Sprintf("lines[%d].sku", i), "unknown_product", "no product has this sku")
			} else if err != nil {
				return nil, fmt.Errorf("price order line %d: %w", i, err)
			}
			continue
		}
		p, ok := byID[l.ProductID]
		if !ok {
			v.Add(fmt.Sprintf("lines[%d].product_id", i), "unknown_product", "no product has this id")
			continue
		}
		out[i] = p
	}
	return out, v.Err()
}

// GetOrder returns the order with id.
func (c *Client) GetOrder(ctx context.Context, id string) (Order, error) {
	v := &domain.ValidationError{}
	validID(v, "id", id, true)
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	o, err := c.b.GetOrder(ctx, id)
	if err != nil {
		return Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	return o, nil
}

// CancelOrder cancels a PENDING or CONFIRMED order and restores its stock atomically. It is
// idempotent, also under concurrency: an order that is already CANCELLED (before the call, or
// by a concurrent caller whose conditional write won) is returned unchanged and its stock is
// not restored again. SHIPPED and DELIVERED orders are domain.ErrInvalidTransition.
func (c *Client) CancelOrder(ctx context.Context, id string) (Order, error) {
	return c.changeStatus(ctx, id, StatusCancelled, true)
}

// UpdateStatus moves the order to status to, if the lifecycle allows it from its current
// status (else domain.ErrInvalidTransition). Cancelling restores stock.
func (c *Client) UpdateStatus(ctx context.Context, id string, to Status) (Order, error) {
	return c.changeStatus(ctx, id, to, false)
}

// changeStatus is UpdateStatus; with idempotent, an order already in status to is returned
// as it is stored instead of failing. Every write is conditional on the status and version
// read just before it; when another writer got there first, the order is read again and the
// rule checked again (so a concurrent identical change ends in the stored order, not an error).
func (c *Client) changeStatus(ctx context.Context, id string, to Status, idempotent bool) (Order, error) {
	v := &domain.ValidationError{}
	validID(v, "id", id, true)
	if !to.Valid() {
		v.Add("status", "invalid", "must be PENDING, CONFIRMED, SHIPPED, DELIVERED or CANCELLED")
	}
	if err := v.Err(); err != nil {
		return Order{}, err
	}
	var err error
	for range 3 { // a concurrent status change makes us re-read and re-check the rule
		var o Order
		if o, err = c.b.GetOrder(ctx, id); err != nil {
			return Order{}, fmt.Errorf("update order %s: %w", id, err)
		}
		from := o.Status
		if idempotent && from == to {
			return o, nil
		}
		if !CanTransition(from, to) {
			return Order{}, fmt.Errorf("order %s from %s to %s: %w", id, from, to, domain.ErrInvalidTransition)
		}
		now := c.stamp()
		next := o
		next.Status, next.UpdatedAt, next.Version = to, now, o.Version+1
		next.History = append(slices.Clone(o.History), StatusChange{Status: to, At: now})
		next.CorrelationID, next.TraceHeader = logging.CorrelationID(ctx), logging.TraceHeader(ctx)
		var restock []StockChange
		if to == StatusCancelled {
			for _, l := range o.Lines {
				restock = append(restock, StockChange{ProductID: l.ProductID, Quantity: l.Quantity})
			}
		}
		if err = c.b.UpdateOrder(ctx, next, from, restock); err == nil {
			return next, nil
		}
		if !errors.Is(err, domain.ErrConflict) {
			return Order{}, fmt.Errorf("update order %s to %s: %w", id, to, err)
		}
	}
	return Order{}, fmt.Errorf("update order %s to %s: %w", id, to, err)
}

func checkLimit(v *domain.ValidationError, limit int) int {
	if limit == 0 {
		return DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		v.Add("limit", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	return limit
}

const (
	customerScope = "orders.by_customer"
	partnerScope  = "orders.by_partner"
)

func (c *Client) before(scope, binding, cur string) (string, error) {
	if cur == "" {
		return "", nil
	}
	pos, err := c.cursors.Decode(scope, binding, cur)
	if err != nil {
		return "", err
	}
	if ts, _, ok := strings.Cut(pos, "#"); !ok {
		return "", fmt.Errorf("cursor position: %w", domain.ErrInvalidCursor)
	} else if _, err := time.Parse(catalog.KeyTimeFormat, ts); err != nil {
		return "", fmt.Errorf("cursor position: %w", domain.ErrInvalidCursor)
	}
	return pos, nil
}

func (c *Client) page(scope, binding string, os []Order, more bool) Page {
	p := Page{Items: os}
	if p.Items == nil {
		p.Items = []Order{}
	}
	if more && len(os) > 0 {
		last := os[len(os)-1]
		p.NextCursor = c.cursors.Encode(scope, binding, ListKey(last.CreatedAt, last.ID))
	}
	return p
}

// ListOrdersByCustomer returns the customer's orders, newest first.
func (c *Client) ListOrdersByCustomer(ctx context.Context, customerID, cur string, limit int) (Page, error) {
	v := &domain.ValidationError{}
	validID(v, "customer_id", customerID, true)
	limit = checkLimit(v, limit)
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	before, err := c.before(customerScope, customerID, cur)
	if err != nil {
		return Page{}, fmt.Errorf("list orders of customer %s: %w", customerID, err)
	}
	os, more, err := c.b.ListOrdersByCustomer(ctx, customerID, before, limit)
	if err != nil {
		return Page{}, fmt.Errorf("list orders of customer %s: %w", customerID, err)
	}
	return c.page(customerScope, customerID, os, more), nil
}

// ListOrdersByPartner returns the partner's orders, newest first; status "" means all.
func (c *Client) ListOrdersByPartner(ctx context.Context, partnerID string, status Status, cur string, limit int) (Page, error) {
	v := &domain.ValidationError{}
	validID(v, "partner_id", partnerID, true)
	if status != "" && !status.Valid() {
		v.Add("status", "invalid", "must be PENDING, CONFIRMED, SHIPPED, DELIVERED or CANCELLED")
	}
	limit = checkLimit(v, limit)
	if err := v.Err(); err != nil {
		return Page{}, err
	}
	binding := partnerID + "\x1f" + string(status)
	before, err := c.before(partnerScope, binding, cur)
	if err != nil {
		return Page{}, fmt.Errorf("list orders of partner %s: %w", partnerID, err)
	}
	os, more, err := c.b.ListOrdersByPartner(ctx, partnerID, status, before, limit)
	if err != nil {
		return Page{}, fmt.Errorf("list orders of partner %s: %w", partnerID, err)
	}
	return c.page(partnerScope, binding, os, more), nil
}
