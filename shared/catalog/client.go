package catalog

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"bffsuite.dev/shared/cursor"
	"bffsuite.dev/shared/domain"
)

// Limits of the catalog API.
const (
	DefaultLimit  = 20
	MaxLimit      = 100
	MaxBatch      = 100 // ids per BatchGetProducts
	MaxTextLength = 200
	MaxIDLength   = 128
)

// Options configure a Client.
type Options struct {
	// Cursors signs pagination cursors. Nil: a random per-process key.
	Cursors *cursor.Codec
	// SnapshotTTL is how long search reuses the catalog it read (0: read every time).
	// Search results (and their stock) may be this stale; GetProduct never is.
	SnapshotTTL time.Duration
	// Now is the clock (tests); nil means time.Now.
	Now func() time.Time
}

// Client is the catalog domain client. It is safe for concurrent use.
type Client struct {
	b       Backend
	cursors *cursor.Codec
	ttl     time.Duration
	now     func() time.Time

	mu      sync.Mutex
	snap    []Product
	snapAt  time.Time
	cats    []Category
	catsAt  time.Time
	stampMu sync.Mutex
	last    time.Time
}

// New returns a Client over b.
func New(b Backend, o Options) *Client {
	c := &Client{b: b, cursors: o.Cursors, ttl: o.SnapshotTTL, now: o.Now}
	if c.cursors == nil {
		c.cursors = cursor.NewRandom()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

func validID(field, id string) error {
	v := &domain.ValidationError{}
	switch {
	case id == "":
		v.Add(field, "required", "must not be empty")
	case len(id) > MaxIDLength || !utf8.ValidString(id) || strings.ContainsAny(id, "#\x00"):
		v.Add(field, "invalid", "is not a valid identifier")
	}
	return v.Err()
}

// GetProduct returns the product with id, or an error wrapping domain.ErrNotFound.
func (c *Client) GetProduct(ctx context.Context, id string) (Product, error) {
	if err := validID("id", id); err != nil {
		return Product{}, err
	}
	p, err := c.b.GetProduct(ctx, id)
	if err != nil {
		return Product{}, fmt.Errorf("get product %s: %w", id, err)
	}
	return p.Clone(), nil
}

// GetProductBySlug returns the product with slug.
func (c *Client) GetProductBySlug(ctx context.Context, slug string) (Product, error) {
	if err := validID("slug", slug); err != nil {
		return Product{}, err
	}
	p, err := c.b.GetProductBySlug(ctx, slug)
	if err != nil {
		return Product{}, fmt.Errorf("get product by slug %s: %w", slug, err)
	}
	return p.Clone(), nil
}

// GetProductBySKU returns the product with sku.
func (c *Client) GetProductBySKU(ctx context.Context, sku string) (Product, error) {
	if err := validID("sku", sku); err != nil {
		return Product{}, err
	}
	p, err := c.b.GetProductBySKU(ctx, sku)
	if err != nil {
		return Product{}, fmt.Errorf("get product by sku %s: %w", sku, err)
	}
	return p.Clone(), nil
}

// BatchGetProducts returns the products with ids in the order of ids (duplicates collapsed)
// and the ids that do not exist. At most MaxBatch distinct ids.
func (c *Client) BatchGetProducts(ctx context.Context, ids []string) (found []Product, missing []string, err error) {
	uniq := make([]string, 0, len(ids))
	seen := make(map[string]bool, len(ids))
	v := &domain.ValidationError{}
	for i, id := range ids {
		if e := validID(fmt.Sprintf("ids[%d]", i), id); e != nil {
			ve, _ := domain.AsValidation(e)
			v.Fields = append(v.Fields, ve.Fields...)
			continue
		}
		if !seen[id] {
			seen[id] = true
			uniq = append(uniq, id)
		}
	}
	if len(uniq) > MaxBatch {
		v.Add("ids", "too_many", fmt.Sprintf("at most %d ids", MaxBatch))
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	if len(uniq) == 0 {
		return nil, nil, nil
	}
	ps, err := c.b.BatchGetProducts(ctx, uniq)
	if err != nil {
		return nil, nil, fmt.Errorf("batch get %d products: %w", len(uniq), err)
	}
	byID := make(map[string]Product, len(ps))
	for _, p := range ps {
		byID[p.ID] = p
	}
	for _, id := range uniq {
		if p, ok := byID[id]; ok {
			found = append(found, p.Clone())
		} else {
			missing = append(missing, id)
		}
	}
	return found, missing, nil
}

// ListCategories returns every category, ordered by name.
func (c *Client) ListCategories(ctx context.Context) ([]Category, error) {
	cs, err := c.b.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	return sortedCategories(cs), nil
}

// snapshot returns the whole catalog, reusing a read younger than SnapshotTTL.
func (c *Client) snapshot(ctx context.Context) ([]Product, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		if c.snap != nil && c.now().Sub(c.snapAt) < c.ttl {
			s := c.snap
			c.mu.Unlock()
			return s, nil
		}
		c.mu.Unlock()
	}
	ps, err := c.b.ListProducts(ctx)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	if c.ttl > 0 {
		c.mu.Lock()
		c.snap, c.snapAt = ps, c.now()
		c.mu.Unlock()
	}
	return ps, nil
}

// stamp returns a timestamp strictly after every one this client issued, so changes made
// through one process keep their order in the change feed.
func (c *Client) stamp() time.Time {
	c.stampMu.Lock()
	defer c.stampMu.Unlock()
	t := c.now().UTC()
	if !t.After(c.last) {
		t = c.last.Add(time.Nanosecond)
	}
	c.last = t
	return t
}

// UpdateProduct validates p and replaces every field of the existing product except Stock;
// UpdatedAt is set to now. It returns the stored product.
func (c *Client) UpdateProduct(ctx context.Context, p Product) (Product, error) {
	if err := ValidateProduct(p); err != nil {
		return Product{}, err
	}
	p = p.Clone()
	p.UpdatedAt = c.stamp()
	if err := c.b.UpdateProductDetails(ctx, p); err != nil {
		return Product{}, fmt.Errorf("update product %s: %w", p.ID, err)
	}
	c.invalidate()
	return c.GetProduct(ctx, p.ID)
}

// SetStock sets the stock of a product (restocking, tests); UpdatedAt is set to now.
func (c *Client) SetStock(ctx context.Context, id string, stock int64) error {
	if err := validID("id", id); err != nil {
		return err
	}
	if stock < 0 {
		v := &domain.ValidationError{}
		v.Add("stock", "out_of_range", "must not be negative")
		return v
	}
	if err := c.b.SetStock(ctx, id, stock, c.stamp()); err != nil {
		return fmt.Errorf("set stock of %s: %w", id, err)
	}
	c.invalidate()
	return nil
}

func (c *Client) invalidate() {
	c.mu.Lock()
	c.snap = nil
	c.mu.Unlock()
}

// categories returns every category, reusing a read younger than SnapshotTTL.
func (c *Client) categories(ctx context.Context) ([]Category, error) {
	if c.ttl > 0 {
		c.mu.Lock()
		if c.cats != nil && c.now().Sub(c.catsAt) < c.ttl {
			cs := c.cats
			c.mu.Unlock()
			return cs, nil
		}
		c.mu.Unlock()
	}
	cs, err := c.b.ListCategories(ctx)
	if err != nil {
		return nil, fmt.Errorf("list categories: %w", err)
	}
	if c.ttl > 0 {
		c.mu.Lock()
		c.cats, c.catsAt = cs, c.now()
		c.mu.Unlock()
	}
	return cs, nil
}

// ValidateProduct checks the fields a stored product must have.
func ValidateProduct(p Product) error {
	v := &domain.ValidationError{}
	for _, f := range []struct{ name, val string }{{"id", p.ID}, {"sku", p.SKU}, {"slug", p.Slug}, {"category", p.Category}} {
		if e := validID(f.name, f.val); e != nil {
			ve, _ := domain.AsValidation(e)
			v.Fields = append(v.Fields, ve.Fields...)
		}
	}
	if strings.TrimSpace(p.Name) == "" {
		v.Add("name", "required", "must not be empty")
	}
	if p.Price.Amount < 0 {
		v.Add("price.amount", "out_of_range", "must not be negative")
	}
	if len(p.Price.Currency) != 3 || strings.ToUpper(p.Price.Currency) != p.Price.Currency {
		v.Add("price.currency", "invalid", "must be an ISO 4217 code such as EUR")
	}
	if p.Stock < 0 {
		v.Add("stock", "out_of_range", "must not be negative")
	}
	if p.Rating < 0 || p.Rating > 5 {
		v.Add("rating", "out_of_range", "must be between 0 and 5")
	}
	return v.Err()
}
