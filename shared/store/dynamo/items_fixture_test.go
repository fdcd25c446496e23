package dynamo

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
)

// fixtureValues are the domain values whose stored items testdata/items_v1.json holds, as
// the backend wrote them before it had its own item types (attribute names were the JSON
// tags of the domain types). Every optional field appears both set and unset.
func fixtureValues() (ps []catalog.Product, cs []catalog.Category, cus []customers.Customer, os []orders.Order) {
	at := time.Date(2026, 3, 4, 5, 6, 7, 890123456, time.UTC)
	eur := func(a int64) catalog.Money { return catalog.Money{Amount: a, Currency: "EUR"} }
	ps = []catalog.Product{
		{ID: "p-1", SKU: "SKU-1", Slug: "trail-shoe", Name: "Trail Shoe", Description: "Grippy.", Category: "shoes", Brand: "Acme",
			Price:      eur(12999),
			Images:     []catalog.Image{{Size: "thumb", URL: "https://img.example/p-1/t.jpg", Width: 64, Height: 64}, {Size: "large", URL: "https://img.example/p-1/l.jpg", Width: 1200, Height: 900}},
			Attributes: map[string]string{"colour": "red", "size": "42"}, Stock: 7, Rating: 4.5, RatingCount: 12, UpdatedAt: at},
		{ID: "p-2", SKU: "SKU-2", Slug: "plain", Name: "Plain", Category: "misc", Price: eur(0), Images: []catalog.Image{}, UpdatedAt: at.Add(time.Second)},
		{ID: "p-3", SKU: "SKU-3", Slug: "nil-images", Name: "Nil images", Category: "misc", Price: eur(5), UpdatedAt: at},
	}
	cs = []catalog.Category{{ID: "shoes", Slug: "shoes", Name: "Shoes", ParentID: "apparel"}, {ID: "apparel", Slug: "apparel", Name: "Apparel"}}
	cus = []customers.Customer{
		{ID: "sub-1", Email: "a@example.com", Name: "Alice", Tier: customers.TierGold, CreatedAt: at, UpdatedAt: at.Add(time.Hour), Version: 3,
			Addresses: []customers.Address{{Label: "home", Name: "Alice", Line1: "Road 1", Line2: "Flat 2", City: "Berlin", PostalCode: "10115", Country: "DE", Default: true},
				{Name: "Alice", Line1: "Work 9", City: "Paris", PostalCode: "75001", Country: "FR"}},
			Preferences: customers.Preferences{Language: "de-AT", Currency: "EUR", Newsletter: true, Categories: []string{"shoes", "tents"}}},
		{ID: "sub-2", Email: "b@example.com", Name: "Bob", Tier: customers.TierStandard, CreatedAt: at, UpdatedAt: at, Version: 1},
	}
	addr := customers.Address{Name: "Alice", Line1: "Road 1", City: "Berlin", PostalCode: "10115", Country: "DE"}
	os = []orders.Order{
		{ID: "o-1", CustomerID: "sub-1", Channel: orders.ChannelWeb, Status: orders.StatusConfirmed,
			Lines:     []orders.Line{{ProductID: "p-1", SKU: "SKU-1", Name: "Trail Shoe", Quantity: 2, UnitPrice: eur(12999), Total: eur(25998)}},
			ItemCount: 2, Subtotal: eur(25998), Shipping: eur(0), Total: eur(25998), ShippingAddress: addr,
			History:   []orders.StatusChange{{Status: orders.StatusPending, At: at}, {Status: orders.StatusConfirmed, At: at.Add(time.Minute)}},
			CreatedAt: at, UpdatedAt: at.Add(time.Minute), Version: 2},
		{ID: "o-2", Channel: orders.ChannelPartner, PartnerID: "acme", Status: orders.StatusPending,
			Lines:     []orders.Line{{ProductID: "p-2", SKU: "SKU-2", Name: "Plain", Quantity: 1, UnitPrice: eur(0), Total: eur(0)}},
			ItemCount: 1, Subtotal: eur(0), Shipping: eur(495), Total: eur(495), ShippingAddress: addr,
			History: []orders.StatusChange{{Status: orders.StatusPending, At: at}}, CreatedAt: at, UpdatedAt: at, Version: 1},
	}
	return ps, cs, cus, os
}

// fixtureFile is the stored form of fixtureValues: item name → DynamoDB JSON item.
type fixtureFile map[string]json.RawMessage

func fixtureName(kind string, i int) string { return fmt.Sprintf("%s/%d", kind, i) }

// avJSON renders an attribute value as DynamoDB JSON ({"S": "..."}, {"M": {...}}, ...).
func avJSON(av types.AttributeValue) any {
	switch v := av.(type) {
	case *types.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *types.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *types.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *types.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *types.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *types.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = avJSON(e)
		}
		return map[string]any{"L": l}
	case *types.AttributeValueMemberM:
		return map[string]any{"M": itemJSON(v.Value)}
	}
	panic(fmt.Sprintf("attribute type %T not in the fixture format", av))
}

func itemJSON(m map[string]types.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = avJSON(v)
	}
	return out
}

// parseAV is the inverse of avJSON.
func parseAV(t *testing.T, raw json.RawMessage) types.AttributeValue {
	t.Helper()
	var v map[string]json.RawMessage
	if err := json.Unmarshal(raw, &v); err != nil || len(v) != 1 {
		t.Fatalf("attribute value %s: %v", raw, err)
	}
	for typ, body := range v {
		switch typ {
		case "S", "N":
			var s string
			if err := json.Unmarshal(body, &s); err != nil {
				t.Fatal(err)
			}
			if typ == "S" {
				return &types.AttributeValueMemberS{Value: s}
			}
			return &types.AttributeValueMemberN{Value: s}
		case "BOOL", "NULL":
			var b bool
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatal(err)
			}
			if typ == "BOOL" {
				return &types.AttributeValueMemberBOOL{Value: b}
			}
			return &types.AttributeValueMemberNULL{Value: b}
		case "SS":
			var ss []string
			if err := json.Unmarshal(body, &ss); err != nil {
				t.Fatal(err)
			}
			return &types.AttributeValueMemberSS{Value: ss}
		case "L":
			var l []json.RawMessage
			if err := json.Unmarshal(body, &l); err != nil {
				t.Fatal(err)
			}
			out := make([]types.AttributeValue, len(l))
			for i, e := range l {
				out[i] = parseAV(t, e)
			}
			return &types.AttributeValueMemberL{Value: out}
		case "M":
			return &types.AttributeValueMemberM{Value: parseItem(t, body)}
		}
	}
	t.Fatalf("attribute value %s: unknown type", raw)
	return nil
}

func parseItem(t *testing.T, raw json.RawMessage) map[string]types.AttributeValue {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	out := make(map[string]types.AttributeValue, len(m))
	for k, v := range m {
		out[k] = parseAV(t, v)
	}
	return out
}

func readFixture(t *testing.T) fixtureFile {
	t.Helper()
	b, err := os.ReadFile("testdata/items_v1.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixtureFile
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}
