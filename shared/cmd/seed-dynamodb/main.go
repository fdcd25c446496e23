// Command seed-dynamodb creates the DynamoDB tables of the suite (from dynamo.TableDefinitions,
// the same declarations Terraform uses) and loads the deterministic seed data, so the BFFs can
// run with BFF_DATA_BACKEND=dynamodb against DynamoDB Local or a real table.
//
//	go run ./cmd/seed-dynamodb -endpoint http://127.0.0.1:8000 -region us-east-1 -table-prefix bff-
//
// It is idempotent: existing tables are kept, customers and orders that exist are left alone,
// categories and products are overwritten (which resets their stock). With -no-create it only
// loads data into tables that exist (e.g. created by Terraform); with -no-data it only creates.
// The BFF variables matching -table-prefix P are BFF_TABLE_CATALOG=Pcatalog,
// BFF_TABLE_CUSTOMERS=Pcustomers, BFF_TABLE_ORDERS=Porders and (bff-partner) BFF_TABLE_PARTNERS=Ppartners,
// the partner registry, seeded with the local demo partner (client demo-partner of the local IdP),
// and BFF_TABLE_PAYMENTS=Ppayments, the payments ledger of checkout (created empty).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/store"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/store/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "seed-dynamodb:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed-dynamodb", flag.ContinueOnError)
	fs.SetOutput(out)
	endpoint := fs.String("endpoint", "", "DynamoDB endpoint, e.g. http://127.0.0.1:8000 (empty: AWS)")
	region := fs.String("region", "us-east-1", "AWS region")
	prefix := fs.String("table-prefix", "bff-", "prefix of the table names (catalog, customers, orders)")
	noCreate := fs.Bool("no-create", false, "do not create tables")
	noData := fs.Bool("no-data", false, "do not load seed data")
	timeout := fs.Duration("timeout", 5*time.Minute, "overall time limit")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %v", fs.Args())
	}
	if *region == "" {
		return errors.New("-region: required")
	}
	if *timeout <= 0 {
		return errors.New("-timeout: must be positive")
	}
	names := dynamo.TableNames(*prefix)
	if err := names.Validate(); err != nil {
		return fmt.Errorf("-table-prefix: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	db, err := store.NewDynamoDBClient(ctx, store.Config{Region: *region, DynamoEndpoint: *endpoint})
	if err != nil {
		return err
	}
	if !*noCreate {
		if err := dynamo.CreateTables(ctx, db, names); err != nil {
			return err
		}
		if err := dynamo.CreateTable(ctx, db, *prefix+dynamo.TablePartners, dynamo.PartnersTable()); err != nil {
			return err
		}
		// The payments ledger of checkout (issue 19; BFF_TABLE_PAYMENTS, default bff-payments).
		if err := dynamo.CreateTable(ctx, db, *prefix+"payments", dynamo.LedgerTable()); err != nil {
			return err
		}
		fmt.Fprintf(out, "tables ready: %s, %s, %s, %s, %s\n", names.Catalog, names.Customers, names.Orders, *prefix+dynamo.TablePartners, *prefix+"payments")
	}
	if *noData {
		return nil
	}
	s := dynamo.New(db, names)
	d := seed.Generate()
	if err := seed.Load(ctx, seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}, d); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("%w (raise -timeout)", err)
		}
		return err
	}
	reg := dynamo.NewPartners(db, *prefix+dynamo.TablePartners)
	for _, p := range seed.Partners() {
		if err := reg.Create(ctx, p); err != nil && !errors.Is(err, domain.ErrConflict) {
			return fmt.Errorf("seed partner %s: %w", p.ID, err)
		}
	}
	fmt.Fprintf(out, "seeded %d categories, %d products, %d customers, %d orders\n",
		len(d.Categories), len(d.Products), len(d.Customers), len(d.Orders))
	return nil
}
