// Command rebuild-readmodels replays the orders table into an empty read-model table: every
// order becomes the event of its current version (events.Snapshot, the id its change had) and
// goes through the same projector as the live path, so the rebuilt read model equals the one
// the events kept (except that popularity buckets follow each order's last change). Run it
// after creating a fresh read-model table, or with -force into a live one (the projector is
// idempotent: orders already projected at that version are skipped). It is an operator
// command, not a Lambda.
//
//	BFF_TABLE_ORDERS=... BFF_TABLE_READMODELS=... rebuild-readmodels [-segments 4] [-force]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/store/dynamo"
)

// Config is the command's configuration (the same variables as the functions).
type Config struct {
	TableOrders     string `env:"BFF_TABLE_ORDERS" required:"true"`
	TableReadModels string `env:"BFF_TABLE_READMODELS" required:"true"`
	ReadModels      readmodels.Config
	DynamoEndpoint  string `env:"BFF_DYNAMODB_ENDPOINT"`
	Region          string `env:"AWS_REGION" default:"us-east-1"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rebuild-readmodels:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("rebuild-readmodels", flag.ContinueOnError)
	segments := fs.Int("segments", 4, "parallel scan segments of the orders table")
	force := fs.Bool("force", false, "replay into a read-model table that is not empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var cfg Config
	if err := config.Load(&cfg); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	awsCfg, err := awsconf.Load(ctx)
	if err != nil {
		return err
	}
	awsCfg.Region = cfg.Region
	db := dynamo.NewClient(awsCfg, cfg.DynamoEndpoint)
	n, err := Rebuild(ctx, db, cfg, *segments, *force)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "rebuilt %s from %d orders of %s\n", cfg.TableReadModels, n, cfg.TableOrders)
	return nil
}

// ErrNotEmpty is Rebuild's refusal of a read-model table that has items, without force.
var ErrNotEmpty = errors.New("the read-model table is not empty (use -force to replay into it)")

// Rebuild replays every order of cfg.TableOrders into cfg.TableReadModels and returns how
// many orders it replayed.
func Rebuild(ctx context.Context, db *dynamodb.Client, cfg Config, segments int, force bool) (int64, error) {
	rm := dynamo.NewReadModels(db, cfg.TableReadModels)
	if !force {
		empty, err := rm.ReadModelsEmpty(ctx)
		if err != nil {
			return 0, err
		}
		if !empty {
			return 0, ErrNotEmpty
		}
	}
	p := projector.New(rm, cfg.ReadModels, time.Now)
	var n atomic.Int64
	err := dynamo.ScanOrders(ctx, db, cfg.TableOrders, segments, func(ctx context.Context, o orders.Order) error {
		if err := p.Handle(ctx, events.Snapshot(o)); err != nil {
			return err
		}
		n.Add(1)
		return nil
	})
	return n.Load(), err
}
