// Package catalog is the product catalog domain client: products, categories, search with
// facets and cursor or numbered pages, batch reads and the change feed partners sync from.
//
// Construct a *Client with New over a Backend (store/embedded or store/dynamo; the BFFs get
// one from store.Open). BFFs declare the narrow interface they need, e.g.
//
//	type productReader interface {
//		GetProduct(ctx context.Context, id string) (catalog.Product, error)
//	}
//
// Errors wrap the sentinels of shared/domain: domain.ErrNotFound, domain.ErrInvalidCursor,
// domain.ErrUnavailable, and *domain.ValidationError for bad queries.
package catalog

import (
	"context"
	"maps"
	"slices"
	"time"
)

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64
	Currency string
}

// Image is one rendition of a product image.
type Image struct {
	Size   string // thumb | small | medium | large
	URL    string
	Width  int
	Height int
}

// Availability of a product, derived from its stock.
const (
	InStock    = "in_stock"
	LowStock   = "low_stock"
	OutOfStock = "out_of_stock"
)

// LowStockThreshold is the stock at or below which a product is LowStock.
const LowStockThreshold = 5

// Product is one sellable item.
type Product struct {
	ID          string
	SKU         string
	Slug        string
	Name        string
	Description string
	Category    string // Category.ID
	Brand       string
	Price       Money
	Images      []Image
	Attributes  map[string]string
	Stock       int64
	Rating      float64 // 0..5
	RatingCount int     // number of reviews
	UpdatedAt   time.Time
}

// Availability derives in_stock / low_stock / out_of_stock from Stock.
func (p Product) Availability() string {
	switch {
	case p.Stock <= 0:
		return OutOfStock
	case p.Stock <= LowStockThreshold:
		return LowStock
	default:
		return InStock
	}
}

// Image returns the image of the given size, or the first image, or a zero Image.
func (p Product) Image(size string) Image {
	for _, im := range p.Images {
		if im.Size == size {
			return im
		}
	}
	if len(p.Images) > 0 {
		return p.Images[0]
	}
	return Image{}
}

// Clone returns a deep copy, so callers may modify it freely.
func (p Product) Clone() Product {
	p.Images = slices.Clone(p.Images)
	p.Attributes = maps.Clone(p.Attributes)
	return p
}

// Category groups products. ParentID is empty for top-level categories.
type Category struct {
	ID       string
	Slug     string
	Name     string
	ParentID string
}

// Backend is what a storage backend implements for the catalog. Backends return errors
// wrapping domain sentinels; lists return values the caller must not modify.
type Backend interface {
	GetProduct(ctx context.Context, id string) (Product, error)
	GetProductBySlug(ctx context.Context, slug string) (Product, error)
	GetProductBySKU(ctx context.Context, sku string) (Product, error)
	// BatchGetProducts returns the products that exist among ids, in any order.
	BatchGetProducts(ctx context.Context, ids []string) ([]Product, error)
	// ListProducts returns the whole catalog (search reads it through a short cache).
	ListProducts(ctx context.Context) ([]Product, error)
	ListCategories(ctx context.Context) ([]Category, error)
	// ChangedAfter returns up to limit products whose ChangeKey is greater than after,
	// ascending by ChangeKey, and whether more follow.
	ChangedAfter(ctx context.Context, after string, limit int) ([]Product, bool, error)
	// PutProducts creates or replaces products and PutCategories categories (seeding).
	PutProducts(ctx context.Context, ps []Product) error
	PutCategories(ctx context.Context, cs []Category) error
	// UpdateProductDetails replaces every field of an existing product except Stock
	// (stock only changes through orders or SetStock, so no update loses a reservation).
	UpdateProductDetails(ctx context.Context, p Product) error
	// SetStock sets the stock of an existing product and its UpdatedAt.
	SetStock(ctx context.Context, id string, stock int64, at time.Time) error
}

// ChangeKey is the sort key of the change feed: UpdatedAt (fixed-width UTC, nanoseconds) "#" ID.
// Both backends order ChangedAfter by it, so the order is stable across pages.
func ChangeKey(updatedAt time.Time, id string) string {
	return updatedAt.UTC().Format(KeyTimeFormat) + "#" + id
}

// KeyTimeFormat is a fixed-width, lexicographically sortable UTC timestamp layout.
const KeyTimeFormat = "2006-01-02T15:04:05.000000000Z"
