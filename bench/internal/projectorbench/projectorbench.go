// Package projectorbench measures the read-model projector's throughput (events/s) against
// DynamoDB Local next to a floor: a bare consumer doing the same I/O per event (one consistent
// GetItem of the order state and one TransactWriteItems of the same items: the state, the
// customer summary, one popularity item per line), without the projector's version check,
// delta computation and conflict handling. Both run the same events with the same
// concurrency in the same run; read the ratio.
package projectorbench

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
	"bffsuite.dev/shared/store/dynamo"
)

// Options bound a run.
type Options struct {
	Orders      int // orders, each placed then confirmed (2 events); default 600
	Customers   int // default 100
	Products    int // default 40
	Concurrency int // workers; default 8 (events of one order go to one worker, in order)
}

// Result is one run.
type Result struct {
	Events      int           `json:"events"`
	Concurrency int           `json:"concurrency"`
	Projector   time.Duration `json:"projector_ns"`
	Floor       time.Duration `json:"floor_ns"`
}

// ProjectorRate and FloorRate are events per second.
func (r Result) ProjectorRate() float64 { return float64(r.Events) / r.Projector.Seconds() }

// FloorRate is the floor's events per second.
func (r Result) FloorRate() float64 { return float64(r.Events) / r.Floor.Seconds() }

// Markdown is the report section.
func (r Result) Markdown() string {
	return fmt.Sprintf("## Read-model projector throughput (DynamoDB Local)\n\n"+
		"%d order events (orders placed then confirmed), %d workers, against DynamoDB Local on this machine. "+
		"The floor does the same I/O per event (one consistent GetItem, one TransactWriteItems of the same items) without the projector's logic. "+
		"bench/internal/projectorbench.\n\n"+
		"| consumer | time | events/s | ÷ floor |\n|---|---:|---:|---:|\n"+
		"| projector (shared/readmodels/projector) | %s | %.0f | %.2f× |\n| floor (bare consumer, same I/O) | %s | %.0f | 1.00× |\n\n",
		r.Events, r.Concurrency, r.Projector.Round(time.Millisecond), r.ProjectorRate(), r.ProjectorRate()/r.FloorRate(),
		r.Floor.Round(time.Millisecond), r.FloorRate())
}

func (o Options) withDefaults() Options {
	if o.Orders <= 0 {
		o.Orders = 600
	}
	if o.Customers <= 0 {
		o.Customers = 100
	}
	if o.Products <= 0 {
		o.Products = 40
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 8
	}
	return o
}

// Events are the events of the run, grouped by order (placed, confirmed).
func Events(o Options, now time.Time) [][]events.Event {
	o = o.withDefaults()
	out := make([][]events.Event, o.Orders)
	for i := range o.Orders {
		lines := []orders.Line{}
		for j := range 1 + i%3 {
			p := (i*7 + j*13) % o.Products
			q := int64(1 + (i+j)%4)
			lines = append(lines, orders.Line{ProductID: "p-" + strconv.Itoa(p), SKU: "SKU-" + strconv.Itoa(p), Quantity: q,
				Total: catalog.Money{Amount: 1000 * q, Currency: "EUR"}})
		}
		ord := orders.Order{ID: fmt.Sprintf("ord_bench_%05d", i), CustomerID: fmt.Sprintf("cus-bench-%03d", i%o.Customers),
			Channel: orders.ChannelWeb, Status: orders.StatusPending, Version: 1, Lines: lines,
			CreatedAt: now.Add(-time.Minute), UpdatedAt: now.Add(-time.Minute), CorrelationID: fmt.Sprintf("corr-bench-%05d", i)}
		for _, l := range lines {
			ord.Total.Amount += l.Total.Amount
			ord.ItemCount += l.Quantity
		}
		ord.Total.Currency = "EUR"
		conf := ord
		conf.Status, conf.Version, conf.UpdatedAt = orders.StatusConfirmed, 2, now
		out[i] = []events.Event{events.Snapshot(ord), *events.FromChange(&ord, conf)}
	}
	return out
}

// Run measures both consumers on fresh tables of db (created under prefix, deleted after).
func Run(ctx context.Context, db *dynamodb.Client, prefix string, o Options) (Result, error) {
	o = o.withDefaults()
	evs := Events(o, time.Now())
	n := 0
	for _, g := range evs {
		n += len(g)
	}
	res := Result{Events: n, Concurrency: o.Concurrency}
	tables := []string{prefix + "bench-readmodels", prefix + "bench-floor", prefix + "bench-warmup"}
	for _, t := range tables {
		if err := dynamo.CreateTable(ctx, db, t, dynamo.ReadModelsTable()); err != nil {
			return res, err
		}
	}
	defer func() {
		for _, t := range tables {
			_, _ = db.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(t)})
		}
	}()
	// Warm DynamoDB Local's JVM (and the connection pool) first, with both consumers on a
	// scratch table, so the first measured consumer does not pay for it.
	warm := evs[:min(len(evs), 100)]
	if _, err := drive(ctx, warm, o.Concurrency, floorConsumer{db: db, table: tables[2]}.handle); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	if _, err := drive(ctx, warm, o.Concurrency, newProjector(dynamo.NewReadModels(db, tables[2])).Handle); err != nil {
		return res, fmt.Errorf("warm-up: %w", err)
	}
	p := projector.New(dynamo.NewReadModels(db, tables[0]), readmodels.Config{}, nil)
	var err error
	if res.Projector, err = drive(ctx, evs, o.Concurrency, func(ctx context.Context, e events.Event) error {
		return p.Handle(ctx, e)
	}); err != nil {
		return res, fmt.Errorf("projector: %w", err)
	}
	floor := floorConsumer{db: db, table: tables[1]}
	if res.Floor, err = drive(ctx, evs, o.Concurrency, floor.handle); err != nil {
		return res, fmt.Errorf("floor: %w", err)
	}
	return res, nil
}

// drive hands each order's events, in order, to one of c workers and times the whole.
func drive(ctx context.Context, groups [][]events.Event, c int, h events.Handler) (time.Duration, error) {
	ch := make(chan []events.Event)
	errs := make(chan error, c)
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Go(func() {
			for g := range ch {
				for _, e := range g {
					if err := h(ctx, e); err != nil {
						errs <- err
						return
					}
				}
			}
		})
	}
	for _, g := range groups {
		ch <- g
	}
	close(ch)
	wg.Wait()
	d := time.Since(start)
	close(errs)
	return d, <-errs
}

// floorConsumer does the projector's I/O for an event and nothing else.
type floorConsumer struct {
	db    *dynamodb.Client
	table string
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
func n(v int64) types.AttributeValue {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
}

func (f floorConsumer) handle(ctx context.Context, e events.Event) error {
	key := map[string]types.AttributeValue{"pk": s("ORDER#" + e.OrderID), "sk": s("STATE")}
	if _, err := f.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(f.table), Key: key, ConsistentRead: aws.Bool(true)}); err != nil {
		return err
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(f.table), Item: map[string]types.AttributeValue{
		"pk": s("ORDER#" + e.OrderID), "sk": s("STATE"), "version": n(e.OrderVersion), "last_event_id": s(e.ID)}}}}
	items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(f.table),
		Key:                       map[string]types.AttributeValue{"pk": s("CUSTOMER#" + e.Owner.CustomerID), "sk": s("SUMMARY")},
		UpdateExpression:          aws.String("ADD orders :o, lifetime_value :v"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":o": n(1), ":v": n(e.Total.Amount)}}})
	if e.Type == events.OrderPlaced { // the projector writes units only when they change
		for _, l := range e.Lines {
			items = append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(f.table),
				Key:                       map[string]types.AttributeValue{"pk": s("pbench"), "sk": s(l.ProductID)},
				UpdateExpression:          aws.String("ADD units :u"),
				ExpressionAttributeValues: map[string]types.AttributeValue{":u": n(l.Quantity)}}})
		}
	}
	_, err := f.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	return err
}

func newProjector(b readmodels.Backend) *projector.Projector {
	return projector.New(b, readmodels.Config{}, nil)
}
