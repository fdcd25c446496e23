package app

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
)

// View models: what the single-page app renders, display-ready. Every price carries the
// raw minor units and the text for the request's locale; dates are ISO 8601 (RFC 3339, UTC).

// webPrice is a price for display.
type webPrice struct {
	Amount    int64  `json:"amount"`   // minor units
	Currency  string `json:"currency"` // ISO 4217
	Formatted string `json:"formatted"`
}

// webImage is an <img> ready for a responsive grid: src is the largest rendition, srcset
// lists every rendition by width.
type webImage struct {
	Src    string `json:"src"`
	Srcset string `json:"srcset"`
	Sizes  string `json:"sizes"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
	Alt    string `json:"alt"`
}

type webCategory struct {
	ID       string        `json:"id"`
	Slug     string        `json:"slug"`
	Name     string        `json:"name"`
	URL      string        `json:"url"`
	Children []webCategory `json:"children,omitempty"`
}

type webProductCard struct {
	ID           string   `json:"id"`
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Brand        string   `json:"brand"`
	URL          string   `json:"url"`
	Price        webPrice `json:"price"`
	Image        webImage `json:"image"`
	Rating       float64  `json:"rating"`
	RatingCount  int      `json:"rating_count"`
	Availability string   `json:"availability"`
}

type webCrumb struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type webAttribute struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type webProductDetail struct {
	webProductCard
	SKU          string           `json:"sku"`
	Description  string           `json:"description"`
	CanonicalURL string           `json:"canonical_url"`
	Breadcrumbs  []webCrumb       `json:"breadcrumbs"`
	Attributes   []webAttribute   `json:"attributes"`
	InStock      bool             `json:"in_stock"`
	StockLabel   string           `json:"stock_label"`
	UpdatedAt    string           `json:"updated_at"`
	Related      []webProductCard `json:"related"`
	Locale       string           `json:"locale"`
	Partial      bool             `json:"partial"`
	Unavailable  []string         `json:"unavailable"`
}

type webAddress struct {
	Label      string `json:"label,omitempty"`
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Default    bool   `json:"default"`
}

type webOrderSummary struct {
	ID        string   `json:"id"`
	URL       string   `json:"url"`
	Status    string   `json:"status"`
	ItemCount int64    `json:"item_count"`
	Total     webPrice `json:"total"`
	PlacedAt  string   `json:"placed_at"`
}

type webOrderLine struct {
	ProductID string   `json:"product_id"`
	SKU       string   `json:"sku"`
	Name      string   `json:"name"`
	Quantity  int64    `json:"quantity"`
	UnitPrice webPrice `json:"unit_price"`
	Total     webPrice `json:"total"`
}

type webStatusStep struct {
	Status string `json:"status"`
	At     string `json:"at"`
}

type webOrder struct {
	webOrderSummary
	Lines           []webOrderLine  `json:"lines"`
	Subtotal        webPrice        `json:"subtotal"`
	Shipping        webPrice        `json:"shipping"`
	ShippingAddress webAddress      `json:"shipping_address"`
	History         []webStatusStep `json:"history"`
	Cancellable     bool            `json:"cancellable"`
	UpdatedAt       string          `json:"updated_at"`
}

type webProfile struct {
	ID          string   `json:"id"`
	Email       string   `json:"email"`
	Name        string   `json:"name"`
	Tier        string   `json:"tier"`
	Language    string   `json:"language"`
	Currency    string   `json:"currency"`
	Newsletter  bool     `json:"newsletter"`
	Categories  []string `json:"favourite_categories"`
	MemberSince string   `json:"member_since"`
}

// mapper turns domain values into web views for one request's locale.
type mapper struct {
	site   string // public origin of the SPA
	locale string
}

func isoTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (m mapper) price(v catalog.Money) webPrice {
	return webPrice{Amount: v.Amount, Currency: v.Currency, Formatted: money.Format(v.Amount, v.Currency, m.locale)}
}

func (m mapper) productURL(slug string) string { return "/products/" + url.PathEscape(slug) }

func (m mapper) categoryURL(slug string) string {
	return "/products?category=" + url.QueryEscape(slug)
}

// image builds the srcset of every rendition, widest as src.
func (m mapper) image(p catalog.Product) webImage {
	img := webImage{Alt: p.Name, Sizes: "(max-width: 640px) 100vw, (max-width: 1280px) 50vw, 640px"}
	var set []string
	for _, im := range p.Images {
		set = append(set, im.URL+" "+strconv.Itoa(im.Width)+"w")
		if im.Width > img.Width {
			img.Src, img.Width, img.Height = im.URL, im.Width, im.Height
		}
	}
	img.Srcset = strings.Join(set, ", ")
	return img
}

func (m mapper) card(p catalog.Product) webProductCard {
	return webProductCard{
		ID: p.ID, Slug: p.Slug, Name: p.Name, Brand: p.Brand, URL: m.productURL(p.Slug),
		Price: m.price(p.Price), Image: m.image(p), Rating: p.Rating, RatingCount: p.RatingCount,
		Availability: p.Availability(),
	}
}

func (m mapper) cards(ps []catalog.Product) []webProductCard {
	out := make([]webProductCard, 0, len(ps))
	for _, p := range ps {
		out = append(out, m.card(p))
	}
	return out
}

// categoryTree nests sub-categories under their parents, in the given (name) order.
func (m mapper) categoryTree(cs []catalog.Category) []webCategory {
	children := map[string][]webCategory{}
	for _, c := range cs {
		if c.ParentID != "" {
			children[c.ParentID] = append(children[c.ParentID], webCategory{ID: c.ID, Slug: c.Slug, Name: c.Name, URL: m.categoryURL(c.Slug)})
		}
	}
	out := []webCategory{}
	for _, c := range cs {
		if c.ParentID == "" {
			out = append(out, webCategory{ID: c.ID, Slug: c.Slug, Name: c.Name, URL: m.categoryURL(c.Slug), Children: children[c.ID]})
		}
	}
	return out
}

// breadcrumbs is Home › parent category › category › product.
func (m mapper) breadcrumbs(p catalog.Product, cs []catalog.Category) []webCrumb {
	byID := map[string]catalog.Category{}
	for _, c := range cs {
		byID[c.ID] = c
	}
	var chain []webCrumb
	for id, depth := p.Category, 0; id != "" && depth < 8; depth++ {
		c, ok := byID[id]
		if !ok {
			break
		}
		chain = append([]webCrumb{{Name: c.Name, URL: m.categoryURL(c.Slug)}}, chain...)
		id = c.ParentID
	}
	out := append([]webCrumb{{Name: "Home", URL: "/"}}, chain...)
	return append(out, webCrumb{Name: p.Name, URL: m.productURL(p.Slug)})
}

var stockLabels = map[string]string{
	catalog.InStock:    "In stock",
	catalog.LowStock:   "Only a few left",
	catalog.OutOfStock: "Out of stock",
}

func (m mapper) detail(p catalog.Product, cs []catalog.Category, related []catalog.Product) webProductDetail {
	attrs := []webAttribute{}
	keys := make([]string, 0, len(p.Attributes))
	for k := range p.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		attrs = append(attrs, webAttribute{Name: k, Value: p.Attributes[k]})
	}
	return webProductDetail{
		webProductCard: m.card(p),
		SKU:            p.SKU, Description: p.Description,
		CanonicalURL: strings.TrimRight(m.site, "/") + m.productURL(p.Slug),
		Breadcrumbs:  m.breadcrumbs(p, cs),
		Attributes:   attrs,
		InStock:      p.Stock > 0, StockLabel: stockLabels[p.Availability()],
		UpdatedAt: isoTime(p.UpdatedAt),
		Related:   m.cards(related),
		Locale:    m.locale,
		// Unavailable is never null, so the SPA can always iterate it.
		Unavailable: []string{},
	}
}

func (m mapper) orderSummary(o orders.Order) webOrderSummary {
	return webOrderSummary{
		ID: o.ID, URL: "/account/orders/" + url.PathEscape(o.ID), Status: strings.ToLower(string(o.Status)),
		ItemCount: o.ItemCount, Total: m.price(o.Total), PlacedAt: isoTime(o.CreatedAt),
	}
}

func (m mapper) orderSummaries(os []orders.Order) []webOrderSummary {
	out := make([]webOrderSummary, 0, len(os))
	for _, o := range os {
		out = append(out, m.orderSummary(o))
	}
	return out
}

func address(a customers.Address) webAddress {
	return webAddress{Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, PostalCode: a.PostalCode, Country: a.Country, Default: a.Default}
}

func (m mapper) order(o orders.Order) webOrder {
	w := webOrder{
		webOrderSummary: m.orderSummary(o),
		Subtotal:        m.price(o.Subtotal), Shipping: m.price(o.Shipping),
		ShippingAddress: address(o.ShippingAddress),
		Cancellable:     orders.CanTransition(o.Status, orders.StatusCancelled),
		UpdatedAt:       isoTime(o.UpdatedAt),
		Lines:           []webOrderLine{}, History: []webStatusStep{},
	}
	for _, l := range o.Lines {
		w.Lines = append(w.Lines, webOrderLine{ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: m.price(l.UnitPrice), Total: m.price(l.Total)})
	}
	for _, h := range o.History {
		w.History = append(w.History, webStatusStep{Status: strings.ToLower(string(h.Status)), At: isoTime(h.At)})
	}
	return w
}

func profile(c customers.Customer) webProfile {
	cats := c.Preferences.Categories
	if cats == nil {
		cats = []string{}
	}
	return webProfile{
		ID: c.ID, Email: c.Email, Name: c.Name, Tier: c.Tier,
		Language: c.Preferences.Language, Currency: c.Preferences.Currency, Newsletter: c.Preferences.Newsletter,
		Categories: cats, MemberSince: isoTime(c.CreatedAt),
	}
}

func addresses(as []customers.Address) []webAddress {
	out := make([]webAddress, 0, len(as))
	for _, a := range as {
		out = append(out, address(a))
	}
	return out
}

// Request bodies. They are this BFF's wire format, mapped member by member to the domain's
// inputs, so renaming a domain or storage field can never change what the browser sends.

// addressInput is a postal address in PATCH /api/account and POST /api/orders.
type addressInput struct {
	Label      string `json:"label,omitempty"`
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
	Default    bool   `json:"default,omitempty"`
}

func (a addressInput) domain() customers.Address {
	return customers.Address{Label: a.Label, Name: a.Name, Line1: a.Line1, Line2: a.Line2, City: a.City,
		PostalCode: a.PostalCode, Country: a.Country, Default: a.Default}
}

// orderLineInput is one line of POST /api/orders: a product by id or SKU, and a quantity.
type orderLineInput struct {
	ProductID string `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Quantity  int64  `json:"quantity"`
}

func (l orderLineInput) domain() orders.LineInput {
	return orders.LineInput{ProductID: l.ProductID, SKU: l.SKU, Quantity: l.Quantity}
}

// tierLabels are the display names of the membership tiers.
var tierLabels = map[string]string{readmodels.TierMember: "Member", readmodels.TierSilver: "Silver member", readmodels.TierGold: "Gold member"}

// member shapes the order summary read model for the home screen.
func (m mapper) member(s readmodels.Summary) *homeMember {
	cur := s.Currency
	if cur == "" {
		cur = "EUR"
	}
	return &homeMember{OrderCount: s.OrderCount, LifetimeValue: m.price(catalog.Money{Amount: s.LifetimeValue, Currency: cur}),
		Tier: s.Tier, TierLabel: tierLabels[s.Tier]}
}
