package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
)

// The view models of the mobile API are short: ids, names, prices as minor units with the
// currency and one display string, one image URL sized for the device. Every optional field
// is omitempty, so absent data is absent, never null.

// Product is a product in lists and the feed.
type Product struct {
	ID           string  `json:"id"`
	Name         string  `json:"name,omitempty"`
	Brand        string  `json:"brand,omitempty"`
	Category     string  `json:"category,omitempty"`
	Price        int64   `json:"price,omitempty"`
	Currency     string  `json:"currency,omitempty"`
	PriceText    string  `json:"price_text,omitempty"`
	Thumb        string  `json:"thumb,omitempty"`
	Rating       float64 `json:"rating,omitempty"`
	Availability string  `json:"availability,omitempty"`
}

// ProductDetail is one product's screen.
type ProductDetail struct {
	Product
	Description string            `json:"description,omitempty"`
	Image       string            `json:"image,omitempty"`
	RatingCount int               `json:"rating_count,omitempty"`
	Attributes  map[string]string `json:"attributes,omitempty"`
}

// Field names of sparse fieldsets (fields=): the JSON member names. id is always sent.
var (
	productFields = []string{"name", "brand", "category", "price", "currency", "price_text", "thumb", "rating", "availability"}
	detailFields  = append(append([]string{}, productFields...), "description", "image", "rating_count", "attributes")
)

// Display sizes in points (CSS pixels) of the images the app shows; the URL is picked for
// size × device pixel ratio.
const (
	thumbPoints = 96
	imagePoints = 360
	defaultDPR  = 2.0
	maxDPR      = 4.0
)

// pickImage returns the URL of the smallest rendition at least points×dpr pixels wide, else
// the largest one.
func pickImage(ims []catalog.Image, points int, dpr float64) string {
	want := int(math.Ceil(float64(points) * dpr))
	best, largest := -1, -1
	for i, im := range ims {
		if im.URL == "" {
			continue
		}
		if largest < 0 || im.Width > ims[largest].Width {
			largest = i
		}
		if im.Width >= want && (best < 0 || im.Width < ims[best].Width) {
			best = i
		}
	}
	switch {
	case best >= 0:
		return ims[best].URL
	case largest >= 0:
		return ims[largest].URL
	}
	return ""
}

// priceText is the one display string of an amount in the app's locale (Accept-Language):
// shared/money, the same formatting as bff-web ("€1,107.98", "¥12").
func priceText(amount int64, currency, loc string) string {
	return money.Format(amount, currency, loc)
}

// fieldSet is a parsed fields= parameter; nil means every field.
type fieldSet map[string]bool

// parseFields reads fields= ("name,price,thumb"); an unknown name is a validation error.
func parseFields(raw string, allowed []string) (fieldSet, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, nil
	}
	known := make(map[string]bool, len(allowed))
	for _, f := range allowed {
		known[f] = true
	}
	fs := fieldSet{}
	for f := range strings.SplitSeq(raw, ",") {
		f = strings.TrimSpace(f)
		switch {
		case f == "" || f == "id":
		case !known[f]:
			v := &domain.ValidationError{}
			v.Add("fields", "unknown_field", fmt.Sprintf("unknown field %q; known: id, %s", truncate(f, 40), strings.Join(allowed, ", ")))
			return nil, v
		default:
			fs[f] = true
		}
	}
	return fs, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func (fs fieldSet) has(f string) bool { return fs == nil || fs[f] }

// toProduct shapes a catalog product for lists, keeping only the selected fields.
func toProduct(p catalog.Product, fs fieldSet, dpr float64, loc string) Product {
	out := Product{ID: p.ID}
	if fs.has("name") {
		out.Name = p.Name
	}
	if fs.has("brand") {
		out.Brand = p.Brand
	}
	if fs.has("category") {
		out.Category = p.Category
	}
	if fs.has("price") {
		out.Price = p.Price.Amount
	}
	if fs.has("currency") {
		out.Currency = p.Price.Currency
	}
	if fs.has("price_text") {
		out.PriceText = priceText(p.Price.Amount, p.Price.Currency, loc)
	}
	if fs.has("thumb") {
		out.Thumb = pickImage(p.Images, thumbPoints, dpr)
	}
	if fs.has("rating") {
		out.Rating = math.Round(p.Rating*10) / 10
	}
	if fs.has("availability") {
		out.Availability = p.Availability()
	}
	return out
}

// toProductDetail shapes a product for its own screen.
func toProductDetail(p catalog.Product, fs fieldSet, dpr float64, loc string) ProductDetail {
	out := ProductDetail{Product: toProduct(p, fs, dpr, loc)}
	if fs.has("description") {
		out.Description = p.Description
	}
	if fs.has("image") {
		out.Image = pickImage(p.Images, imagePoints, dpr)
	}
	if fs.has("rating_count") {
		out.RatingCount = p.RatingCount
	}
	if fs.has("attributes") && len(p.Attributes) > 0 {
		out.Attributes = p.Attributes
	}
	return out
}

// Category is a browsable category.
type Category struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Parent string `json:"parent,omitempty"`
}

func toCategory(c catalog.Category) Category {
	return Category{ID: c.ID, Name: c.Name, Parent: c.ParentID}
}

// OrderSummary is an order in lists and the feed.
type OrderSummary struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Items     int64  `json:"items"`
	Total     int64  `json:"total"`
	Currency  string `json:"currency"`
	TotalText string `json:"total_text"`
	CreatedAt string `json:"created_at"`
}

func toOrderSummary(o orders.Order, loc string) OrderSummary {
	return OrderSummary{
		ID: o.ID, Status: strings.ToLower(string(o.Status)), Items: o.ItemCount,
		Total: o.Total.Amount, Currency: o.Total.Currency, TotalText: priceText(o.Total.Amount, o.Total.Currency, loc),
		CreatedAt: o.CreatedAt.UTC().Format(time.RFC3339),
	}
}

// OrderLine is one line of an order's screen.
type OrderLine struct {
	ProductID string `json:"product_id"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	Total     int64  `json:"total"`
	TotalText string `json:"total_text"`
}

// OrderDetail is an order's screen.
type OrderDetail struct {
	OrderSummary
	Lines        []OrderLine `json:"lines"`
	SubtotalText string      `json:"subtotal_text"`
	ShippingText string      `json:"shipping_text"`
	ShipTo       string      `json:"ship_to,omitempty"`
	Cancellable  bool        `json:"cancellable,omitempty"`
	UpdatedAt    string      `json:"updated_at"`
}

func toOrderDetail(o orders.Order, loc string) OrderDetail {
	d := OrderDetail{
		OrderSummary: toOrderSummary(o, loc),
		Lines:        make([]OrderLine, len(o.Lines)),
		SubtotalText: priceText(o.Subtotal.Amount, o.Subtotal.Currency, loc),
		ShippingText: priceText(o.Shipping.Amount, o.Shipping.Currency, loc),
		ShipTo:       shipTo(o.ShippingAddress),
		Cancellable:  orders.CanTransition(o.Status, orders.StatusCancelled),
		UpdatedAt:    o.UpdatedAt.UTC().Format(time.RFC3339),
	}
	for i, l := range o.Lines {
		d.Lines[i] = OrderLine{ProductID: l.ProductID, Name: l.Name, Quantity: l.Quantity,
			Total: l.Total.Amount, TotalText: priceText(l.Total.Amount, l.Total.Currency, loc)}
	}
	return d
}

// shipTo is the one-line form of an address: "Alice Example, Berlin, DE".
func shipTo(a customers.Address) string {
	parts := make([]string, 0, 3)
	for _, p := range []string{a.Name, a.City, a.Country} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Me is the signed-in customer's profile.
type Me struct {
	ID         string    `json:"id"`
	Email      string    `json:"email,omitempty"`
	Name       string    `json:"name,omitempty"`
	Tier       string    `json:"tier,omitempty"`
	Language   string    `json:"language,omitempty"`
	Currency   string    `json:"currency,omitempty"`
	Newsletter bool      `json:"newsletter,omitempty"`
	Addresses  []Address `json:"addresses,omitempty"`
	Version    int64     `json:"version"`
	// OrdersSummary is the order summary read model (GET only).
	OrdersSummary *OrdersSummary `json:"orders_summary,omitempty"`
}

// OrdersSummary is the customer's standing: orders (cancelled ones not counted), lifetime
// value and the membership tier it earns, from the order summary read model.
type OrdersSummary struct {
	OrderCount        int64  `json:"order_count"`
	LifetimeValue     int64  `json:"lifetime_value"`
	Currency          string `json:"currency,omitempty"`
	LifetimeValueText string `json:"lifetime_value_text,omitempty"`
	Tier              string `json:"tier"`
}

func toOrdersSummary(s readmodels.Summary, loc string) *OrdersSummary {
	out := &OrdersSummary{OrderCount: s.OrderCount, LifetimeValue: s.LifetimeValue, Currency: s.Currency, Tier: s.Tier}
	if s.Currency != "" {
		out.LifetimeValueText = priceText(s.LifetimeValue, s.Currency, loc)
	}
	return out
}

// Address is a postal address as the app edits it.
type Address struct {
	Label      string `json:"label,omitempty"`
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Default    bool   `json:"default,omitempty"`
}

// toAddress maps a domain address to the app's, member by member: the wire format is this
// BFF's, so renaming a domain or storage field cannot change it (fromAddress is the reverse).
func toAddress(a customers.Address) Address {
	return Address{Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
		PostalCode: a.PostalCode, Country: a.Country, Default: a.Default}
}

func fromAddress(a Address) customers.Address {
	return customers.Address{Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
		PostalCode: a.PostalCode, Country: a.Country, Default: a.Default}
}

func toMe(c customers.Customer) Me {
	m := Me{ID: c.ID, Email: c.Email, Name: c.Name, Tier: c.Tier, Language: c.Preferences.Language,
		Currency: c.Preferences.Currency, Newsletter: c.Preferences.Newsletter, Version: c.Version}
	for _, a := range c.Addresses {
		m.Addresses = append(m.Addresses, toAddress(a))
	}
	return m
}

// parseDPR reads a device pixel ratio ("2", "2.75"); empty means the default.
func parseDPR(raw string) (float64, bool) {
	if raw == "" {
		return defaultDPR, true
	}
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || math.IsNaN(f) || f < 1 || f > maxDPR {
		return 0, false
	}
	return f, true
}
