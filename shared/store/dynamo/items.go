package dynamo

import (
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
)

// The stored shapes of the domain types. Their `dynamodbav` tags are the attribute names in
// the tables, kept exactly as they were when the domain types' JSON tags doubled as them
// (testdata/items_v1.json holds items of that time, and items_test.go pins every name), so
// renaming a domain field or JSON tag no longer renames stored data. The mapping functions
// below are the only place where a domain field meets its attribute: a new field needs an
// attribute here, or it is not stored.

type moneyAttr struct {
	Amount   int64  `dynamodbav:"amount"`
	Currency string `dynamodbav:"currency"`
}

type imageAttr struct {
	Size   string `dynamodbav:"size"`
	URL    string `dynamodbav:"url"`
	Width  int    `dynamodbav:"width"`
	Height int    `dynamodbav:"height"`
}

// productItem is a product as stored in the catalog table: keys plus the product's attributes.
type productItem struct {
	PK          string            `dynamodbav:"pk"`
	Kind        string            `dynamodbav:"kind"`
	ChangeKey   string            `dynamodbav:"change_key"`
	ID          string            `dynamodbav:"id"`
	SKU         string            `dynamodbav:"sku"`
	Slug        string            `dynamodbav:"slug"`
	Name        string            `dynamodbav:"name"`
	Description string            `dynamodbav:"description"`
	Category    string            `dynamodbav:"category"`
	Brand       string            `dynamodbav:"brand"`
	Price       moneyAttr         `dynamodbav:"price"`
	Images      []imageAttr       `dynamodbav:"images"`
	Attributes  map[string]string `dynamodbav:"attributes,omitempty"`
	Stock       int64             `dynamodbav:"stock"`
	Rating      float64           `dynamodbav:"rating"`
	RatingCount int               `dynamodbav:"rating_count"`
	UpdatedAt   time.Time         `dynamodbav:"updated_at"`
}

// categoryItem is a category as stored in the catalog table.
type categoryItem struct {
	PK        string `dynamodbav:"pk"`
	Kind      string `dynamodbav:"kind"`
	ChangeKey string `dynamodbav:"change_key"`
	ID        string `dynamodbav:"id"`
	Slug      string `dynamodbav:"slug"`
	Name      string `dynamodbav:"name"`
	ParentID  string `dynamodbav:"parent_id,omitempty"`
}

type addressAttr struct {
	Label      string `dynamodbav:"label,omitempty"`
	Name       string `dynamodbav:"name"`
	Line1      string `dynamodbav:"line1"`
	Line2      string `dynamodbav:"line2,omitempty"`
	City       string `dynamodbav:"city"`
	PostalCode string `dynamodbav:"postal_code"`
	Country    string `dynamodbav:"country"`
	Default    bool   `dynamodbav:"default,omitempty"`
}

type preferencesAttr struct {
	Language   string   `dynamodbav:"language"`
	Currency   string   `dynamodbav:"currency"`
	Newsletter bool     `dynamodbav:"newsletter"`
	Categories []string `dynamodbav:"categories,omitempty"`
}

// customerItem is a customer profile as stored in the customers table.
type customerItem struct {
	ID          string          `dynamodbav:"id"`
	Email       string          `dynamodbav:"email"`
	Name        string          `dynamodbav:"name"`
	Addresses   []addressAttr   `dynamodbav:"addresses"`
	Preferences preferencesAttr `dynamodbav:"preferences"`
	Tier        string          `dynamodbav:"tier"`
	CreatedAt   time.Time       `dynamodbav:"created_at"`
	UpdatedAt   time.Time       `dynamodbav:"updated_at"`
	Version     int64           `dynamodbav:"version"`
}

type lineAttr struct {
	ProductID string    `dynamodbav:"product_id"`
	SKU       string    `dynamodbav:"sku"`
	Name      string    `dynamodbav:"name"`
	Quantity  int64     `dynamodbav:"quantity"`
	UnitPrice moneyAttr `dynamodbav:"unit_price"`
	Total     moneyAttr `dynamodbav:"total"`
}

type statusChangeAttr struct {
	Status string    `dynamodbav:"status"`
	At     time.Time `dynamodbav:"at"`
}

// orderItem is an order as stored in the orders table.
type orderItem struct {
	ListKey         string             `dynamodbav:"list_key"`
	ID              string             `dynamodbav:"id"`
	CustomerID      string             `dynamodbav:"customer_id,omitempty"`
	Channel         string             `dynamodbav:"channel"`
	PartnerID       string             `dynamodbav:"partner_id,omitempty"`
	Status          string             `dynamodbav:"status"`
	Lines           []lineAttr         `dynamodbav:"lines"`
	ItemCount       int64              `dynamodbav:"item_count"`
	Subtotal        moneyAttr          `dynamodbav:"subtotal"`
	Shipping        moneyAttr          `dynamodbav:"shipping"`
	Total           moneyAttr          `dynamodbav:"total"`
	ShippingAddress addressAttr        `dynamodbav:"shipping_address"`
	History         []statusChangeAttr `dynamodbav:"history"`
	CreatedAt       time.Time          `dynamodbav:"created_at"`
	UpdatedAt       time.Time          `dynamodbav:"updated_at"`
	Version         int64              `dynamodbav:"version"`
	// The request that made the latest change (read by the order-events producer).
	CorrelationID string `dynamodbav:"correlation_id,omitempty"`
	TraceHeader   string `dynamodbav:"trace_header,omitempty"`
}

// mapSlice maps every element with f; nil stays nil (stored as NULL, as before), empty stays
// empty (an empty list).
func mapSlice[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}

func moneyAttrOf(m catalog.Money) moneyAttr  { return moneyAttr(m) }
func (m moneyAttr) money() catalog.Money     { return catalog.Money(m) }
func imageAttrOf(im catalog.Image) imageAttr { return imageAttr(im) }
func (im imageAttr) image() catalog.Image    { return catalog.Image(im) }

func productItemOf(p catalog.Product) productItem {
	return productItem{
		PK: productPK(p.ID), Kind: kindProduct, ChangeKey: catalog.ChangeKey(p.UpdatedAt, p.ID),
		ID: p.ID, SKU: p.SKU, Slug: p.Slug, Name: p.Name, Description: p.Description, Category: p.Category,
		Brand: p.Brand, Price: moneyAttrOf(p.Price), Images: mapSlice(p.Images, imageAttrOf),
		Attributes: p.Attributes, Stock: p.Stock, Rating: p.Rating, RatingCount: p.RatingCount, UpdatedAt: p.UpdatedAt,
	}
}

func (it productItem) product() catalog.Product {
	return catalog.Product{
		ID: it.ID, SKU: it.SKU, Slug: it.Slug, Name: it.Name, Description: it.Description, Category: it.Category,
		Brand: it.Brand, Price: it.Price.money(), Images: mapSlice(it.Images, imageAttr.image),
		Attributes: it.Attributes, Stock: it.Stock, Rating: it.Rating, RatingCount: it.RatingCount, UpdatedAt: it.UpdatedAt,
	}
}

func categoryItemOf(c catalog.Category) categoryItem {
	return categoryItem{PK: categoryPK(c.ID), Kind: kindCategory, ChangeKey: c.ID, ID: c.ID, Slug: c.Slug, Name: c.Name, ParentID: c.ParentID}
}

func (it categoryItem) category() catalog.Category {
	return catalog.Category{ID: it.ID, Slug: it.Slug, Name: it.Name, ParentID: it.ParentID}
}

func addressAttrOf(a customers.Address) addressAttr { return addressAttr(a) }
func (a addressAttr) address() customers.Address    { return customers.Address(a) }

func customerItemOf(c customers.Customer) customerItem {
	return customerItem{
		ID: c.ID, Email: c.Email, Name: c.Name, Addresses: mapSlice(c.Addresses, addressAttrOf),
		Preferences: preferencesAttr(c.Preferences),
		Tier:        c.Tier, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
	}
}

func (it customerItem) customer() customers.Customer {
	return customers.Customer{
		ID: it.ID, Email: it.Email, Name: it.Name, Addresses: mapSlice(it.Addresses, addressAttr.address),
		Preferences: customers.Preferences(it.Preferences),
		Tier:        it.Tier, CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
	}
}

func lineAttrOf(l orders.Line) lineAttr {
	return lineAttr{ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: moneyAttrOf(l.UnitPrice), Total: moneyAttrOf(l.Total)}
}

func (l lineAttr) line() orders.Line {
	return orders.Line{ProductID: l.ProductID, SKU: l.SKU, Name: l.Name, Quantity: l.Quantity, UnitPrice: l.UnitPrice.money(), Total: l.Total.money()}
}

func statusChangeAttrOf(s orders.StatusChange) statusChangeAttr {
	return statusChangeAttr{Status: string(s.Status), At: s.At}
}

func (s statusChangeAttr) statusChange() orders.StatusChange {
	return orders.StatusChange{Status: orders.Status(s.Status), At: s.At}
}

func orderItemOf(o orders.Order) orderItem {
	return orderItem{
		ListKey: orders.ListKey(o.CreatedAt, o.ID), ID: o.ID, CustomerID: o.CustomerID, Channel: string(o.Channel),
		PartnerID: o.PartnerID, Status: string(o.Status), Lines: mapSlice(o.Lines, lineAttrOf), ItemCount: o.ItemCount,
		Subtotal: moneyAttrOf(o.Subtotal), Shipping: moneyAttrOf(o.Shipping), Total: moneyAttrOf(o.Total),
		ShippingAddress: addressAttrOf(o.ShippingAddress), History: mapSlice(o.History, statusChangeAttrOf),
		CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt, Version: o.Version,
		CorrelationID: o.CorrelationID, TraceHeader: o.TraceHeader,
	}
}

func (it orderItem) order() orders.Order {
	return orders.Order{
		ID: it.ID, CustomerID: it.CustomerID, Channel: orders.Channel(it.Channel), PartnerID: it.PartnerID,
		Status: orders.Status(it.Status), Lines: mapSlice(it.Lines, lineAttr.line), ItemCount: it.ItemCount,
		Subtotal: it.Subtotal.money(), Shipping: it.Shipping.money(), Total: it.Total.money(),
		ShippingAddress: it.ShippingAddress.address(), History: mapSlice(it.History, statusChangeAttr.statusChange),
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version,
		CorrelationID: it.CorrelationID, TraceHeader: it.TraceHeader,
	}
}

// marshal encodes an item type by its dynamodbav tags.
func marshal(v any) (map[string]types.AttributeValue, error) {
	return attributevalue.MarshalMap(v)
}

// unmarshal decodes into an item type by its dynamodbav tags.
func unmarshal(m map[string]types.AttributeValue, v any) error {
	return attributevalue.UnmarshalMap(m, v)
}

func decodeItem[T any](what string, m map[string]types.AttributeValue) (T, error) {
	var it T
	if err := unmarshal(m, &it); err != nil {
		return it, fmt.Errorf("decode %s: %w", what, err)
	}
	return it, nil
}
