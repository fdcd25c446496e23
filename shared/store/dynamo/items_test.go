package dynamo

import (
	"context"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/testenv"
)

// fixtureItem returns the stored item name of testdata/items_v1.json.
func fixtureItem(t *testing.T, f fixtureFile, name string) map[string]types.AttributeValue {
	t.Helper()
	raw, ok := f[name]
	if !ok {
		t.Fatalf("fixture has no item %s", name)
	}
	return parseItem(t, raw)
}

func sameJSON(t *testing.T, what string, got map[string]types.AttributeValue, want json.RawMessage) {
	t.Helper()
	g, _ := json.Marshal(itemJSON(got))
	var a, b any
	_ = json.Unmarshal(g, &a)
	_ = json.Unmarshal(want, &b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("%s: got item %s, want %s", what, g, want)
	}
}

// TestItemsReadOldFormat decodes items written before the backend had its own item types.
func TestItemsReadOldFormat(t *testing.T) {
	f := readFixture(t)
	ps, cs, cus, os := fixtureValues()
	for i, want := range ps {
		got, err := decodeProduct(fixtureItem(t, f, fixtureName("product", i)))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("product %d: got %+v, %v, want %+v", i, got, err, want)
		}
	}
	for i, want := range cs {
		it, err := decodeItem[categoryItem]("category", fixtureItem(t, f, fixtureName("category", i)))
		if got := it.category(); err != nil || got != want {
			t.Errorf("category %d: got %+v, %v, want %+v", i, got, err, want)
		}
	}
	for i, want := range cus {
		it, err := decodeItem[customerItem]("customer", fixtureItem(t, f, fixtureName("customer", i)))
		if got := it.customer(); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("customer %d: got %+v, %v, want %+v", i, got, err, want)
		}
	}
	for i, want := range os {
		got, err := decodeOrder(fixtureItem(t, f, fixtureName("order", i)))
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("order %d: got %+v, %v, want %+v", i, got, err, want)
		}
	}
}

// TestItemsWriteOldFormat encodes the same values to exactly the items of the old format
// (names, types, NULL for nil lists, omitted empty optional attributes).
func TestItemsWriteOldFormat(t *testing.T) {
	f := readFixture(t)
	ps, cs, cus, os := fixtureValues()
	for i, p := range ps {
		m, err := marshal(productItemOf(p))
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, fixtureName("product", i), m, f[fixtureName("product", i)])
	}
	for i, c := range cs {
		m, err := marshal(categoryItemOf(c))
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, fixtureName("category", i), m, f[fixtureName("category", i)])
	}
	for i, c := range cus {
		m, err := marshal(customerItemOf(c))
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, fixtureName("customer", i), m, f[fixtureName("customer", i)])
	}
	for i, o := range os {
		m, err := encodeOrder(o)
		if err != nil {
			t.Fatal(err)
		}
		sameJSON(t, fixtureName("order", i), m, f[fixtureName("order", i)])
	}
}

// attrNames lists the attribute names of an item type, nested ones as parent.child.
func attrNames(typ reflect.Type, prefix string) []string {
	var out []string
	for i := range typ.NumField() {
		fld := typ.Field(i)
		name, _, _ := strings.Cut(fld.Tag.Get("dynamodbav"), ",")
		if name == "" {
			out = append(out, prefix+"?"+fld.Name) // untagged: the test fails naming it
			continue
		}
		out = append(out, prefix+name)
		ft := fld.Type
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && ft != reflect.TypeFor[time.Time]() {
			out = append(out, attrNames(ft, prefix+name+".")...)
		}
	}
	slices.Sort(out)
	return out
}

// TestItemAttributeNames pins the stored attribute names: changing one here means a data
// migration, not a refactor.
func TestItemAttributeNames(t *testing.T) {
	money := func(p string) []string { return []string{p, p + ".amount", p + ".currency"} }
	address := func(p string) []string {
		return []string{p, p + ".label", p + ".name", p + ".line1", p + ".line2", p + ".city", p + ".postal_code", p + ".country", p + ".default"}
	}
	cat := func(parts ...[]string) []string {
		out := slices.Concat(parts...)
		slices.Sort(out)
		return out
	}
	for _, tt := range []struct {
		typ  reflect.Type
		want []string
	}{
		{reflect.TypeFor[productItem](), cat([]string{"pk", "kind", "change_key", "id", "sku", "slug", "name", "description", "category", "brand",
			"images", "images.size", "images.url", "images.width", "images.height", "attributes", "stock", "rating", "rating_count", "updated_at"}, money("price"))},
		{reflect.TypeFor[categoryItem](), cat([]string{"pk", "kind", "change_key", "id", "slug", "name", "parent_id"})},
		{reflect.TypeFor[customerItem](), cat([]string{"id", "email", "name", "tier", "created_at", "updated_at", "version",
			"preferences", "preferences.language", "preferences.currency", "preferences.newsletter", "preferences.categories"}, address("addresses"))},
		{reflect.TypeFor[orderItem](), cat([]string{"list_key", "id", "customer_id", "channel", "partner_id", "status", "item_count",
			"lines", "lines.product_id", "lines.sku", "lines.name", "lines.quantity", "history", "history.status", "history.at",
			"created_at", "updated_at", "version", "correlation_id", "trace_header"}, money("lines.unit_price"), money("lines.total"), money("subtotal"), money("shipping"), money("total"),
			address("shipping_address"))},
	} {
		if got := attrNames(tt.typ, ""); !slices.Equal(got, tt.want) {
			t.Errorf("%s attributes: got %v, want %v", tt.typ.Name(), got, tt.want)
		}
	}
}

// TestReadOldItemsFromDynamoDB puts the old-format items into DynamoDB Local as they are and
// reads them through the backend.
func TestReadOldItemsFromDynamoDB(t *testing.T) {
	db := testenv.DynamoDB(t).Client()
	names := TableNames(testenv.DynamoDBTablePrefix(t))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := CreateTables(ctx, db, names); err != nil {
		t.Fatalf("CreateTables = %v", err)
	}
	t.Cleanup(func() {
		if err := DeleteTables(context.Background(), db, names); err != nil {
			t.Errorf("DeleteTables = %v", err)
		}
	})
	f := readFixture(t)
	put := func(table, name string) {
		t.Helper()
		if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: fixtureItem(t, f, name)}); err != nil {
			t.Fatalf("PutItem(%s) = %v", name, err)
		}
	}
	ps, cs, cus, os := fixtureValues()
	for i := range ps {
		put(names.Catalog, fixtureName("product", i))
	}
	for i := range cs {
		put(names.Catalog, fixtureName("category", i))
	}
	for i := range cus {
		put(names.Customers, fixtureName("customer", i))
	}
	for i := range os {
		put(names.Orders, fixtureName("order", i))
	}
	s := New(db, names)
	for _, want := range ps {
		if got, err := s.Catalog().GetProductBySKU(ctx, want.SKU); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetProductBySKU(%s) = %+v, %v, want %+v", want.SKU, got, err, want)
		}
	}
	gotCats, err := s.Catalog().ListCategories(ctx)
	if err != nil || len(gotCats) != len(cs) {
		t.Errorf("ListCategories = %+v, %v, want %+v", gotCats, err, cs)
	}
	for _, want := range cus {
		if got, err := s.Customers().GetCustomer(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetCustomer(%s) = %+v, %v, want %+v", want.ID, got, err, want)
		}
	}
	for _, want := range os {
		if got, err := s.Orders().GetOrder(ctx, want.ID); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("GetOrder(%s) = %+v, %v, want %+v", want.ID, got, err, want)
		}
	}
	partnerOrders, _, err := s.Orders().ListOrdersByPartner(ctx, "acme", "", "", 10)
	if err != nil || len(partnerOrders) != 1 || partnerOrders[0].ID != "o-2" {
		t.Errorf("ListOrdersByPartner(acme) = %+v, %v, want o-2", partnerOrders, err)
	}
}
