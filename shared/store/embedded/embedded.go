// Package embedded is the in-memory backend of the domain clients: the default when no
// DynamoDB is configured. One Store holds catalog, customers and orders behind one mutex, so
// every write (an order with its stock reservations, a cancellation with its restock) is
// atomic and concurrent orders never oversell, with the same rules as the DynamoDB backend.
//
// Data lives in the process: each BFF process seeds its own identical copy (store/seed is
// deterministic) and changes are not shared between processes or kept across restarts.
//
// Optional fault injection (shared/faults) runs before every backend call, per client.
package embedded

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
)

// Store is the in-memory data of one process.
type Store struct {
	faults *faults.Injector

	mu         sync.RWMutex
	products   map[string]catalog.Product
	bySKU      map[string]string
	bySlug     map[string]string
	categories map[string]catalog.Category
	customers  map[string]customers.Customer
	orders     map[string]orders.Order
	list       []catalog.Product // snapshot for ListProducts; nil after a write
	stockSeq   map[string]int64  // product id → sequence of the import that last set its stock (stockimport.go)
	// onOrder is told of every committed order write (the in-process outbox, see OnOrderChange).
	onOrder func(old *orders.Order, cur orders.Order)
}

// OnOrderChange sets f to be called after every committed order write with the order before
// (nil when created) and after it, in commit order: what the orders table's stream is in
// DynamoDB. f runs under the store's lock, so it must be quick and must not call the store
// (events.Bus.Publish qualifies). nil switches it off.
func (s *Store) OnOrderChange(f func(old *orders.Order, cur orders.Order)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.onOrder = f
}

// New returns an empty Store; inj may be nil (no faults).
func New(inj *faults.Injector) *Store {
	return &Store{
		faults:     inj,
		products:   map[string]catalog.Product{},
		bySKU:      map[string]string{},
		bySlug:     map[string]string{},
		categories: map[string]catalog.Category{},
		customers:  map[string]customers.Customer{},
		orders:     map[string]orders.Order{},
	}
}

// Catalog returns the catalog backend view of s.
func (s *Store) Catalog() catalog.Backend { return catalogView{s} }

// Customers returns the customers backend view of s.
func (s *Store) Customers() customers.Backend { return customersView{s} }

// Orders returns the orders backend view of s.
func (s *Store) Orders() orders.Backend { return ordersView{s} }

// Faults returns the injector (nil when none).
func (s *Store) Faults() *faults.Injector { return s.faults }

func (s *Store) inject(ctx context.Context, client string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%s: %w: %w", client, domain.ErrUnavailable, err)
	}
	return s.faults.Inject(ctx, client)
}

// ---- catalog ----

type catalogView struct{ s *Store }

func (v catalogView) get(ctx context.Context, id string) (catalog.Product, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return catalog.Product{}, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	p, ok := v.s.products[id]
	if !ok {
		return catalog.Product{}, domain.ErrNotFound
	}
	return p.Clone(), nil
}

func (v catalogView) GetProduct(ctx context.Context, id string) (catalog.Product, error) {
	return v.get(ctx, id)
}

func (v catalogView) GetProductBySlug(ctx context.Context, slug string) (catalog.Product, error) {
	return v.byIndex(ctx, v.s.bySlug, slug)
}

func (v catalogView) GetProductBySKU(ctx context.Context, sku string) (catalog.Product, error) {
	return v.byIndex(ctx, v.s.bySKU, sku)
}

// byIndex reads a product through one of the unique secondary indexes (slug, SKU). A missing
// key still runs the catalog's fault injection, as a real lookup would.
func (v catalogView) byIndex(ctx context.Context, index map[string]string, key string) (catalog.Product, error) {
	v.s.mu.RLock()
	id, ok := index[key]
	v.s.mu.RUnlock()
	if !ok {
		if err := v.s.inject(ctx, faults.Catalog); err != nil {
			return catalog.Product{}, err
		}
		return catalog.Product{}, domain.ErrNotFound
	}
	return v.get(ctx, id)
}

func (v catalogView) BatchGetProducts(ctx context.Context, ids []string) ([]catalog.Product, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return nil, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	out := make([]catalog.Product, 0, len(ids))
	for _, id := range ids {
		if p, ok := v.s.products[id]; ok {
			out = append(out, p.Clone())
		}
	}
	return out, nil
}

func (v catalogView) ListProducts(ctx context.Context) ([]catalog.Product, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return nil, err
	}
	v.s.mu.RLock()
	l := v.s.list
	v.s.mu.RUnlock()
	if l != nil {
		return l, nil
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	if v.s.list == nil {
		l := make([]catalog.Product, 0, len(v.s.products))
		for _, p := range v.s.products {
			l = append(l, p)
		}
		slices.SortFunc(l, func(a, b catalog.Product) int { return cmp.Compare(a.ID, b.ID) })
		v.s.list = l
	}
	return v.s.list, nil
}

func (v catalogView) ListCategories(ctx context.Context) ([]catalog.Category, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return nil, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	out := make([]catalog.Category, 0, len(v.s.categories))
	for _, c := range v.s.categories {
		out = append(out, c)
	}
	return out, nil
}

func (v catalogView) ChangedAfter(ctx context.Context, after string, limit int) ([]catalog.Product, bool, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return nil, false, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	// Compare (UpdatedAt, ID) with the position instead of formatting a change key per product,
	// and sort small (time, id) pairs instead of whole products; only the page is cloned.
	pos, ok := parseChangeKey(after)
	type change struct {
		at time.Time
		id string
	}
	hits := make([]change, 0, len(v.s.products))
	for id, p := range v.s.products {
		if ok && pos.before(p.UpdatedAt, id) || !ok && catalog.ChangeKey(p.UpdatedAt, id) > after {
			hits = append(hits, change{p.UpdatedAt.UTC(), id})
		}
	}
	slices.SortFunc(hits, func(a, b change) int {
		if c := a.at.Compare(b.at); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	more := len(hits) > limit
	hits = hits[:min(limit, len(hits))]
	out := make([]catalog.Product, len(hits))
	for i, h := range hits {
		out[i] = v.s.products[h.id].Clone()
	}
	return out, more, nil
}

// changePos is a parsed catalog.ChangeKey: a position in the (UpdatedAt, ID) order.
type changePos struct {
	at time.Time
	id string
}

// parseChangeKey reads "<KeyTimeFormat>#<id>" (id may be empty); ok is false for anything else.
func parseChangeKey(key string) (changePos, bool) {
	n := len(catalog.KeyTimeFormat)
	if len(key) <= n || key[n] != '#' {
		return changePos{}, false
	}
	t, err := time.Parse(catalog.KeyTimeFormat, key[:n])
	if err != nil || t.Year() < 0 || t.Year() > 9999 {
		return changePos{}, false
	}
	return changePos{at: t, id: key[n+1:]}, true
}

// before reports whether the position sorts before the product (at, id), in the string order
// of their change keys (fixed-width UTC time, then "#" and the id).
func (p changePos) before(at time.Time, id string) bool {
	if c := p.at.Compare(at); c != 0 {
		return c < 0
	}
	return p.id < id
}

func (v catalogView) PutProducts(ctx context.Context, ps []catalog.Product) error {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	for _, p := range ps {
		if old, ok := v.s.products[p.ID]; ok {
			delete(v.s.bySKU, old.SKU)
			delete(v.s.bySlug, old.Slug)
		}
		v.s.products[p.ID] = p.Clone()
		v.s.bySKU[p.SKU] = p.ID
		v.s.bySlug[p.Slug] = p.ID
	}
	v.s.list = nil
	return nil
}

func (v catalogView) PutCategories(ctx context.Context, cs []catalog.Category) error {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	for _, c := range cs {
		v.s.categories[c.ID] = c
	}
	return nil
}

func (v catalogView) UpdateProductDetails(ctx context.Context, p catalog.Product) error {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	old, ok := v.s.products[p.ID]
	if !ok {
		return domain.ErrNotFound
	}
	if id, taken := v.s.bySKU[p.SKU]; taken && id != p.ID {
		return fmt.Errorf("sku %s is taken: %w", p.SKU, domain.ErrConflict)
	}
	if id, taken := v.s.bySlug[p.Slug]; taken && id != p.ID {
		return fmt.Errorf("slug %s is taken: %w", p.Slug, domain.ErrConflict)
	}
	delete(v.s.bySKU, old.SKU)
	delete(v.s.bySlug, old.Slug)
	p = p.Clone()
	p.Stock = old.Stock
	p.UpdatedAt = later(old.UpdatedAt, p.UpdatedAt)
	v.s.products[p.ID] = p
	v.s.bySKU[p.SKU] = p.ID
	v.s.bySlug[p.Slug] = p.ID
	v.s.list = nil
	return nil
}

func (v catalogView) SetStock(ctx context.Context, id string, stock int64, at time.Time) error {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	p, ok := v.s.products[id]
	if !ok {
		return domain.ErrNotFound
	}
	p.Stock, p.UpdatedAt = stock, later(p.UpdatedAt, at)
	v.s.products[id] = p
	v.s.list = nil
	return nil
}

// ---- customers ----

type customersView struct{ s *Store }

func (v customersView) GetCustomer(ctx context.Context, id string) (customers.Customer, error) {
	if err := v.s.inject(ctx, faults.Customers); err != nil {
		return customers.Customer{}, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	c, ok := v.s.customers[id]
	if !ok {
		return customers.Customer{}, domain.ErrNotFound
	}
	return c.Clone(), nil
}

func (v customersView) PutCustomer(ctx context.Context, c customers.Customer, expectVersion int64) error {
	if err := v.s.inject(ctx, faults.Customers); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	old, ok := v.s.customers[c.ID]
	switch {
	case expectVersion == 0 && ok:
		return fmt.Errorf("customer %s exists: %w", c.ID, domain.ErrConflict)
	case expectVersion != 0 && (!ok || old.Version != expectVersion):
		return fmt.Errorf("customer %s changed concurrently: %w", c.ID, domain.ErrConflict)
	}
	v.s.customers[c.ID] = c.Clone()
	return nil
}

// ---- orders ----

type ordersView struct{ s *Store }

func cloneOrder(o orders.Order) orders.Order {
	o.Lines = slices.Clone(o.Lines)
	o.History = slices.Clone(o.History)
	return o
}

func (v ordersView) CreateOrder(ctx context.Context, o orders.Order, reserve []orders.StockChange) error {
	if err := v.s.inject(ctx, faults.Orders); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	if _, ok := v.s.orders[o.ID]; ok {
		return fmt.Errorf("order %s exists: %w", o.ID, domain.ErrConflict)
	}
	// Check every line first, then write: all or nothing.
	for _, r := range reserve {
		p, ok := v.s.products[r.ProductID]
		switch {
		case !ok:
			return fmt.Errorf("product %s: %w", r.ProductID, domain.ErrNotFound)
		case p.Price.Amount != r.UnitPrice:
			return fmt.Errorf("price of product %s changed: %w", r.ProductID, domain.ErrConflict)
		case p.Stock < r.Quantity:
			return fmt.Errorf("product %s: %d requested, %d available: %w", r.ProductID, r.Quantity, p.Stock, domain.ErrInsufficientStock)
		}
	}
	for _, r := range reserve {
		p := v.s.products[r.ProductID]
		p.Stock -= r.Quantity
		p.UpdatedAt = later(p.UpdatedAt, o.CreatedAt)
		v.s.products[r.ProductID] = p
	}
	v.s.orders[o.ID] = cloneOrder(o)
	v.s.list = nil
	if v.s.onOrder != nil {
		v.s.onOrder(nil, cloneOrder(o))
	}
	return nil
}

func (v ordersView) GetOrder(ctx context.Context, id string) (orders.Order, error) {
	if err := v.s.inject(ctx, faults.Orders); err != nil {
		return orders.Order{}, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	o, ok := v.s.orders[id]
	if !ok {
		return orders.Order{}, domain.ErrNotFound
	}
	return cloneOrder(o), nil
}

func (v ordersView) list(ctx context.Context, match func(orders.Order) bool, before string, limit int) ([]orders.Order, bool, error) {
	if err := v.s.inject(ctx, faults.Orders); err != nil {
		return nil, false, err
	}
	v.s.mu.RLock()
	defer v.s.mu.RUnlock()
	type keyed struct {
		key string
		o   orders.Order
	}
	var hits []keyed
	for _, o := range v.s.orders {
		k := orders.ListKey(o.CreatedAt, o.ID)
		if match(o) && (before == "" || k < before) {
			hits = append(hits, keyed{k, o})
		}
	}
	slices.SortFunc(hits, func(a, b keyed) int { return strings.Compare(b.key, a.key) })
	more := len(hits) > limit
	hits = hits[:min(limit, len(hits))]
	out := make([]orders.Order, len(hits))
	for i, h := range hits {
		out[i] = cloneOrder(h.o)
	}
	return out, more, nil
}

func (v ordersView) ListOrdersByCustomer(ctx context.Context, customerID, before string, limit int) ([]orders.Order, bool, error) {
	return v.list(ctx, func(o orders.Order) bool { return o.CustomerID == customerID }, before, limit)
}

func (v ordersView) ListOrdersByPartner(ctx context.Context, partnerID string, status orders.Status, before string, limit int) ([]orders.Order, bool, error) {
	return v.list(ctx, func(o orders.Order) bool {
		return o.PartnerID == partnerID && (status == "" || o.Status == status)
	}, before, limit)
}

// transition returns the stored order o replaces, refusing the write unless it is still in
// status from at the version before o's (optimistic concurrency). The caller holds s.mu.
func (s *Store) transition(o orders.Order, from orders.Status) (orders.Order, error) {
	old, ok := s.orders[o.ID]
	if !ok {
		return orders.Order{}, domain.ErrNotFound
	}
	if old.Status != from || old.Version != o.Version-1 {
		return orders.Order{}, fmt.Errorf("order %s changed concurrently: %w", o.ID, domain.ErrConflict)
	}
	return old, nil
}

func (v ordersView) UpdateOrder(ctx context.Context, o orders.Order, from orders.Status, restock []orders.StockChange) error {
	if err := v.s.inject(ctx, faults.Orders); err != nil {
		return err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	old, err := v.s.transition(o, from)
	if err != nil {
		return err
	}
	for _, r := range restock {
		if p, ok := v.s.products[r.ProductID]; ok { // a deleted product has nothing to restock
			p.Stock += r.Quantity
			p.UpdatedAt = later(p.UpdatedAt, o.UpdatedAt)
			v.s.products[r.ProductID] = p
		}
	}
	v.s.orders[o.ID] = cloneOrder(o)
	v.s.list = nil
	if v.s.onOrder != nil {
		v.s.onOrder(&old, cloneOrder(o))
	}
	return nil
}

// later returns at, or just after prev when at is not after it, so a product's UpdatedAt
// never moves backwards and the change feed never skips a change.
func later(prev, at time.Time) time.Time {
	if at.After(prev) {
		return at
	}
	return prev.Add(time.Nanosecond)
}
