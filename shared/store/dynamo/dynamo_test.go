package dynamo_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/store/storetest"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// newStore creates fresh tables under a unique prefix and deletes them after the test.
func newStore(t testing.TB) *dynamo.Store {
	t.Helper()
	d := testenv.DynamoDB(t)
	db := d.Client()
	names := dynamo.TableNames(testenv.DynamoDBTablePrefix(t))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamo.CreateTables(ctx, db, names); err != nil {
		t.Fatalf("CreateTables = %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := dynamo.DeleteTables(ctx, db, names); err != nil {
			t.Errorf("DeleteTables = %v", err)
		}
	})
	return dynamo.New(db, names)
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) seed.Backends {
		s := newStore(t)
		return seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}
	})
}

func TestReady(t *testing.T) {
	s := newStore(t)
	if err := s.Ready(context.Background()); err != nil {
		t.Errorf("Ready() = %v, want nil", err)
	}
	missing := dynamo.New(s.Client(), dynamo.TableNames("no-such-prefix-"))
	if err := missing.Ready(context.Background()); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Ready(missing tables) = %v, want ErrUnavailable", err)
	}
}

func TestTablesMatchSchema(t *testing.T) {
	s := newStore(t)
	for _, tbl := range dynamo.Schema() {
		name := s.Tables().Name(tbl.Logical)
		out, err := s.Client().DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String(name)})
		if err != nil {
			t.Fatalf("DescribeTable(%s) = %v", name, err)
		}
		if got := aws.ToString(out.Table.KeySchema[0].AttributeName); got != tbl.Hash.Name {
			t.Errorf("%s hash key = %s, want %s", name, got, tbl.Hash.Name)
		}
		got := map[string]bool{}
		for _, ix := range out.Table.GlobalSecondaryIndexes {
			got[aws.ToString(ix.IndexName)] = true
		}
		for _, ix := range tbl.Indexes {
			if !got[ix.Name] {
				t.Errorf("%s lacks index %s", name, ix.Name)
			}
		}
		if len(got) != len(tbl.Indexes) {
			t.Errorf("%s has %d indexes, want %d", name, len(got), len(tbl.Indexes))
		}
	}
}

func TestBatchGetMoreThan100(t *testing.T) {
	s := newStore(t)
	ctx := context.Background()
	d := seed.GenerateN(15) // 150 products
	if err := s.Catalog().PutProducts(ctx, d.Products); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range d.Products {
		ids = append(ids, p.ID)
	}
	got, err := s.Catalog().BatchGetProducts(ctx, append(ids, "p-none"))
	if err != nil || len(got) != len(ids) {
		t.Errorf("BatchGetProducts(151 ids) = %d products, %v, want %d", len(got), err, len(ids))
	}
}

func TestContextBounds(t *testing.T) {
	s := newStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.Catalog().GetProduct(ctx, "p-0001")
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Errorf("GetProduct(cancelled ctx) = %v, want ErrUnavailable and context.Canceled", err)
	}
}

func TestTableDefinitions(t *testing.T) {
	defs := dynamo.TableDefinitions(dynamo.TableNames("bff-"))
	want := map[string]int{"bff-catalog": 3, "bff-customers": 0, "bff-orders": 2}
	if len(defs) != len(want) {
		t.Fatalf("TableDefinitions = %d tables, want %d", len(defs), len(want))
	}
	for _, d := range defs {
		n := aws.ToString(d.TableName)
		if len(d.GlobalSecondaryIndexes) != want[n] || d.BillingMode != types.BillingModePayPerRequest {
			t.Errorf("table %s: %d GSIs, billing %s, want %d, PAY_PER_REQUEST", n, len(d.GlobalSecondaryIndexes), d.BillingMode, want[n])
		}
		declared := map[string]bool{}
		for _, a := range d.AttributeDefinitions {
			declared[aws.ToString(a.AttributeName)] = true
		}
		for _, k := range d.KeySchema {
			if !declared[aws.ToString(k.AttributeName)] {
				t.Errorf("table %s: key %s has no attribute definition", n, aws.ToString(k.AttributeName))
			}
		}
	}
}

// ---- benchmarks: hot calls against DynamoDB Local, relative to a bare GetItem ----

// benchEnv loads the suite's data set (30 products) and warms DynamoDB Local's JVM up, so
// the first benchmark is not slower for that alone.
func benchEnv(b *testing.B) (*dynamo.Store, *storetest.Env) {
	s := newStore(b)
	e := storetest.NewEnv(b, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()})
	for range 300 {
		if _, err := e.Catalog.GetProduct(context.Background(), e.Data.Products[0].ID); err != nil {
			b.Fatal(err)
		}
	}
	return s, e
}

func BenchmarkBareGetItem(b *testing.B) {
	s, e := benchEnv(b)
	key := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "PRODUCT#" + e.Data.Products[3].ID}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Client().GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(s.Tables().Catalog), Key: key}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetProduct(b *testing.B) {
	_, e := benchEnv(b)
	id := e.Data.Products[3].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Catalog.GetProduct(context.Background(), id); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearchProducts(b *testing.B) {
	_, e := benchEnv(b)
	q := catalog.Query{Category: "electronics", Text: "wireless", Sort: catalog.SortPriceAsc, Limit: 10}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := e.Catalog.SearchProducts(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSearchProductsCached(b *testing.B) {
	s, e := benchEnv(b)
	cat := catalog.New(s.Catalog(), catalog.Options{SnapshotTTL: time.Minute})
	q := catalog.Query{Category: "electronics", Text: "wireless", Sort: catalog.SortPriceAsc, Limit: 10}
	_ = e
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cat.SearchProducts(context.Background(), q); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlaceOrder(b *testing.B) {
	s, e := benchEnv(b)
	id := e.Data.Products[3].ID
	if err := e.Catalog.SetStock(context.Background(), id, 1<<40); err != nil {
		b.Fatal(err)
	}
	_ = s
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, err := e.Orders.PlaceOrder(context.Background(), placeInput(id, i)); err != nil {
			b.Fatal(err)
		}
	}
}

func TestPartnersConformance(t *testing.T) {
	d := testenv.DynamoDB(t)
	db := d.Client()
	name := testenv.DynamoDBTablePrefix(t) + dynamo.TablePartners
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamo.CreateTable(ctx, db, name, dynamo.PartnersTable()); err != nil {
		t.Fatalf("CreateTable(partners) = %v", err)
	}
	t.Cleanup(func() {
		_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(name)})
	})
	storetest.RunPartners(t, dynamo.NewPartners(db, name))
}
