package app

import (
	"maps"
	"strings"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
)

// The partner contract (v1): snake_case members, RFC 3339 UTC timestamps, money as integer
// minor units with an ISO 4217 currency, lower-case enums. Changing a member here is a
// breaking change for partners; add members, never rename or remove them within v1.

// Money is an amount in minor units (cents) of a currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Image is a product image rendition.
type Image struct {
	Size   string `json:"size"`
	URL    string `json:"url"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// Product is a catalog entry as partners sync it.
type Product struct {
	SKU         string            `json:"sku"`
	Name        string            `json:"name"`
	Description string            `json:"description"`
	Brand       string            `json:"brand"`
	CategoryID  string            `json:"category_id"`
	Price       Money             `json:"price"`
	Images      []Image           `json:"images"`
	Attributes  map[string]string `json:"attributes"`
	UpdatedAt   string            `json:"updated_at"`
}

// ProductPage is one page of the change feed.
type ProductPage struct {
	Items []Product `json:"items"`
	// NextCursor is always set: store it and send it on the next call to resume.
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

// InventoryItem is the stock of one SKU.
type InventoryItem struct {
	SKU          string `json:"sku"`
	Available    int64  `json:"available"`
	Availability string `json:"availability"` // in_stock | low_stock | out_of_stock
	UpdatedAt    string `json:"updated_at"`
}

// Inventory answers GET /v1/inventory.
type Inventory struct {
	Items []InventoryItem `json:"items"`
	// Missing lists requested SKUs that do not exist.
	Missing []string `json:"missing"`
}

// Address is a shipping address.
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// OrderLine is one priced line.
type OrderLine struct {
	SKU       string `json:"sku"`
	Name      string `json:"name"`
	Quantity  int64  `json:"quantity"`
	UnitPrice Money  `json:"unit_price"`
	Total     Money  `json:"total"`
}

// StatusChange is one step of an order's history.
type StatusChange struct {
	Status string `json:"status"`
	At     string `json:"at"`
}

// Order is a partner's order.
type Order struct {
	ID              string         `json:"id"`
	Status          string         `json:"status"` // pending | confirmed | shipped | delivered | cancelled
	Lines           []OrderLine    `json:"lines"`
	ItemCount       int64          `json:"item_count"`
	Subtotal        Money          `json:"subtotal"`
	Shipping        Money          `json:"shipping"`
	Total           Money          `json:"total"`
	ShippingAddress Address        `json:"shipping_address"`
	History         []StatusChange `json:"history"`
	CreatedAt       string         `json:"created_at"`
	UpdatedAt       string         `json:"updated_at"`
}

// OrderPage is one page of a partner's orders, newest first.
type OrderPage struct {
	Items      []Order `json:"items"`
	NextCursor string  `json:"next_cursor,omitempty"`
	HasMore    bool    `json:"has_more"`
}

// Request bodies. They are this BFF's wire format, mapped member by member to the domain's
// inputs (toPlaceOrderInput), so renaming a domain or storage field can never change the contract.

// OrderLineInput is one requested line.
type OrderLineInput struct {
	SKU      string `json:"sku"`
	Quantity int64  `json:"quantity"`
}

// OrderInput is the body of POST /v1/orders.
type OrderInput struct {
	Lines           []OrderLineInput `json:"lines"`
	ShippingAddress Address          `json:"shipping_address"`
}

func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func toMoney(m catalog.Money) Money { return Money{Amount: m.Amount, Currency: m.Currency} }

func toPartnerProduct(p catalog.Product) Product {
	out := Product{
		SKU: p.SKU, Name: p.Name, Description: p.Description, Brand: p.Brand, CategoryID: p.Category,
		Price: toMoney(p.Price), Images: make([]Image, 0, len(p.Images)), Attributes: maps.Clone(p.Attributes),
		UpdatedAt: timestamp(p.UpdatedAt),
	}
	if out.Attributes == nil {
		out.Attributes = map[string]string{}
	}
	for _, im := range p.Images {
		out.Images = append(out.Images, Image{Size: im.Size, URL: im.URL, Width: im.Width, Height: im.Height})
	}
	return out
}

func toInventoryItem(p catalog.Product) InventoryItem {
	return InventoryItem{SKU: p.SKU, Available: max(p.Stock, 0), Availability: p.Availability(), UpdatedAt: timestamp(p.UpdatedAt)}
}

// statusName maps a domain status to the contract's lower-case enum.
func statusName(s orders.Status) string { return strings.ToLower(string(s)) }

// parseStatus maps the contract's enum back; ok is false for unknown values.
func parseStatus(s string) (orders.Status, bool) {
	st := orders.Status(strings.ToUpper(s))
	return st, s == strings.ToLower(s) && st.Valid()
}

func toPartnerOrder(o orders.Order) Order {
	out := Order{
		ID: o.ID, Status: statusName(o.Status), ItemCount: o.ItemCount,
		Lines:    make([]OrderLine, 0, len(o.Lines)),
		Subtotal: toMoney(o.Subtotal), Shipping: toMoney(o.Shipping), Total: toMoney(o.Total),
		ShippingAddress: Address{Name: o.ShippingAddress.Name, Line1: o.ShippingAddress.Line1, Line2: o.ShippingAddress.Line2,
			City: o.ShippingAddress.City, PostalCode: o.ShippingAddress.PostalCode, Country: o.ShippingAddress.Country},
		History:   make([]StatusChange, 0, len(o.History)),
		CreatedAt: timestamp(o.CreatedAt), UpdatedAt: timestamp(o.UpdatedAt),
	}
	for _, l := range o.Lines {
		out.Lines = append(out.Lines, OrderLine{SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: toMoney(l.UnitPrice), Total: toMoney(l.Total)})
	}
	for _, h := range o.History {
		out.History = append(out.History, StatusChange{Status: statusName(h.Status), At: timestamp(h.At)})
	}
	return out
}

func toPlaceOrderInput(in OrderInput, partnerID, orderID string) orders.PlaceOrderInput {
	out := orders.PlaceOrderInput{
		OrderID: orderID, Channel: orders.ChannelPartner, PartnerID: partnerID, PaymentMethod: orders.PaymentOnAccount,
		ShippingAddress: customers.Address{Name: in.ShippingAddress.Name, Line1: in.ShippingAddress.Line1, Line2: in.ShippingAddress.Line2,
			City: in.ShippingAddress.City, PostalCode: in.ShippingAddress.PostalCode, Country: in.ShippingAddress.Country},
	}
	for _, l := range in.Lines {
		out.Lines = append(out.Lines, orders.LineInput{SKU: l.SKU, Quantity: l.Quantity})
	}
	return out
}

// sameLines reports whether an existing order was placed with the requested lines (the
// check behind replaying an order after a crash).
func sameLines(o orders.Order, in OrderInput) bool {
	if len(o.Lines) != len(in.Lines) {
		return false
	}
	for i, l := range o.Lines {
		if l.SKU != in.Lines[i].SKU || l.Quantity != in.Lines[i].Quantity {
			return false
		}
	}
	return true
}
