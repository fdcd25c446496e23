package main

import (
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

func TestSeedTwice(t *testing.T) {
	d := testenv.DynamoDB(t)
	prefix := testenv.DynamoDBTablePrefix(t)
	ctx := context.Background()
	for i := range 2 { // the second run must succeed and change nothing
		var out bytes.Buffer
		if err := run(ctx, []string{"-endpoint", d.Endpoint, "-table-prefix", prefix}, &out); err != nil {
			t.Fatalf("run #%d = %v", i+1, err)
		}
		if !strings.Contains(out.String(), "seeded 15 categories, 200 products, 5 customers") {
			t.Errorf("run #%d output = %q", i+1, out.String())
		}
	}
	names := dynamo.TableNames(prefix)
	t.Cleanup(func() { _ = dynamo.DeleteTables(context.Background(), d.Client(), names) })
	c, err := store.Open(ctx, store.Config{Backend: "dynamodb", DynamoEndpoint: d.Endpoint, Region: "us-east-1",
		CursorKey: "seed-test-cursor-key-123", TableCatalog: names.Catalog, TableCustomers: names.Customers, TableOrders: names.Orders})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Catalog.SearchPage(ctx, catalog.Query{}, 1, 10)
	if err != nil || res.Total != 200 {
		t.Errorf("SearchPage after seeding = total %d, %v, want 200", res.Total, err)
	}
	if cu, err := c.Customers.GetCustomer(ctx, seed.CustomerEmma); err != nil || cu.Email != "emma.berg@example.com" {
		t.Errorf("GetCustomer(emma) = %+v, %v", cu, err)
	}
	t.Cleanup(func() {
		_, _ = d.Client().DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(prefix + dynamo.TablePartners)})
	})
	if p, err := dynamo.NewPartners(d.Client(), prefix+dynamo.TablePartners).GetByClient(ctx, "demo-partner"); err != nil || !p.Active() {
		t.Errorf("partner registry GetByClient(demo-partner) = %+v, %v, want the active demo partner", p, err)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-nope"}, {"-region", ""}, {"-timeout", "0s"}, {"extra"}} {
		if err := run(context.Background(), args, &bytes.Buffer{}); err == nil {
			t.Errorf("run(%v) = nil, want error", args)
		}
	}
}
