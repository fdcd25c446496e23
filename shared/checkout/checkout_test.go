package checkout_test

import (
	"context"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/checkout/checkouttest"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// runner is the in-process runner with the definition's retry intervals scaled 1000× down.
var runner = checkouttest.InProcess{WaitScale: 0.001}

func TestScenariosEmbedded(t *testing.T) {
	checkouttest.Run(t, func(t *testing.T) (seed.Backends, payments.Ledger) {
		s := embedded.New(nil)
		return seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, embedded.NewLedger()
	}, runner)
}

func TestScenariosDynamoDB(t *testing.T) {
	checkouttest.Run(t, func(t *testing.T) (seed.Backends, payments.Ledger) {
		t.Helper()
		db := testenv.DynamoDB(t).Client()
		prefix := testenv.DynamoDBTablePrefix(t)
		names := dynamo.TableNames(prefix)
		ledger := prefix + "payments"
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if err := dynamo.CreateTables(ctx, db, names); err != nil {
			t.Fatalf("CreateTables = %v", err)
		}
		if err := dynamo.CreateTable(ctx, db, ledger, dynamo.LedgerTable()); err != nil {
			t.Fatalf("CreateTable(ledger) = %v", err)
		}
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := dynamo.DeleteTables(ctx, db, names); err != nil {
				t.Errorf("DeleteTables = %v", err)
			}
		})
		s := dynamo.New(db, names)
		return seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, dynamo.NewLedger(db, ledger)
	}, runner)
}
