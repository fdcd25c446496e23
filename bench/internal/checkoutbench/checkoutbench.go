// Package checkoutbench measures checkout latency locally: from placing an order to its
// confirmation by the checkout saga (in process: ReserveStock, AuthorizePayment with the fake
// card processor, ConfirmOrder with the capture), next to its floor in the same run, the old
// synchronous order (one atomic write of the order and its stock, answered at once).
package checkoutbench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/statemachine"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// Row is one measured path.
type Row struct {
	Name     string        `json:"name"`
	Samples  int           `json:"samples"`
	P50      time.Duration `json:"p50_ns"`
	P99      time.Duration `json:"p99_ns"`
	Failures int           `json:"failures"`
}

// Result is the section.
type Result struct {
	Backend string  `json:"backend"`
	Floor   Row     `json:"floor"`     // the synchronous order
	Saga    Row     `json:"saga"`      // POST → confirmed through the saga
	Ratio   float64 `json:"p50_ratio"` // Saga.P50 ÷ Floor.P50
	// HTTP rows (RunHTTP): the POST answer and POST → confirmed through bff-mobile.
	HTTPAnswer    *Row `json:"http_answer,omitempty"`
	HTTPConfirmed *Row `json:"http_confirmed,omitempty"`
}

// Run measures n orders of each kind, one at a time, over the embedded store.
func Run(ctx context.Context, n int) (Result, error) {
	s := embedded.New(nil)
	b := seed.Backends{Catalog: s.Catalog(), Customers: s.Customers(), Orders: s.Orders()}
	d := seed.GenerateN(1)
	if err := seed.Load(ctx, b, d); err != nil {
		return Result{}, err
	}
	p := d.Products[0]
	if err := b.Catalog.SetStock(ctx, p.ID, int64(10*n+100), time.Now().UTC()); err != nil {
		return Result{}, err
	}
	cat := catalog.New(b.Catalog, catalog.Options{})
	oc := orders.New(b.Orders, cat, orders.Options{})
	tasks := &checkout.Tasks{Orders: oc, Payments: payments.New(payments.NewFake(), embedded.NewLedger()), Log: discard()}
	ip, err := checkout.NewInProcess(tasks, checkout.InProcessOptions{Log: discard()})
	if err != nil {
		return Result{}, err
	}
	done := make(chan *statemachine.Execution, 1)
	ip.Done = func(_ checkout.Input, ex *statemachine.Execution, err error) {
		if err != nil {
			ex = &statemachine.Execution{Status: "ABORTED"}
		}
		done <- ex
	}
	in := func(method orders.PaymentMethod, token string) orders.PlaceOrderInput {
		return orders.PlaceOrderInput{CustomerID: seed.CustomerBob, Channel: orders.ChannelWeb,
			ShippingAddress: customers.Address{Name: "Bench", Line1: "Main St 1", City: "Berlin", PostalCode: "10115", Country: "DE"},
			Lines:           []orders.LineInput{{ProductID: p.ID, Quantity: 1}}, PaymentMethod: method, PaymentToken: token}
	}
	var floor, saga []time.Duration
	r := Result{Backend: "embedded, in process"}
	for range n {
		if err := ctx.Err(); err != nil {
			return r, err
		}
		t0 := time.Now()
		if _, err := oc.PlaceOrder(ctx, in("", "")); err != nil {
			r.Floor.Failures++
		} else {
			floor = append(floor, time.Since(t0))
		}
		t0 = time.Now()
		o, err := oc.PlaceOrder(ctx, in(orders.PaymentCard, payments.TokenApprove))
		if err == nil {
			err = ip.Start(ctx, checkout.InputFor(ctx, o))
		}
		if err != nil {
			r.Saga.Failures++
			continue
		}
		ex := <-done
		if ex.Status != "SUCCEEDED" {
			r.Saga.Failures++
			continue
		}
		saga = append(saga, time.Since(t0))
	}
	r.Floor = row("synchronous order (order + stock in one write, answered at once)", floor, r.Floor.Failures)
	r.Saga = row("checkout saga, POST → confirmed (reserve, authorize, capture + confirm)", saga, r.Saga.Failures)
	if r.Floor.P50 > 0 {
		r.Ratio = float64(r.Saga.P50) / float64(r.Floor.P50)
	}
	return r, nil
}

func row(name string, ds []time.Duration, failures int) Row {
	slices.Sort(ds)
	r := Row{Name: name, Samples: len(ds), Failures: failures}
	if len(ds) > 0 {
		r.P50 = ds[len(ds)/2]
		r.P99 = ds[min(len(ds)-1, len(ds)*99/100)]
	}
	return r
}

// Markdown renders the section.
func (r Result) Markdown(number int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## %d. Checkout latency (saga vs the synchronous order)\n\n", number)
	fmt.Fprintf(&b, "Local, %s, one order at a time: the time from placing the order to its confirmation by the checkout saga "+
		"(shared/checkout on the in-process runner, fake card processor approving at once), next to the old synchronous order "+
		"(the floor). The BFF answers a checkout POST with 202 right after placing; this is what a client polling the order waits in total. "+
		"The bff-mobile rows send the same checkout through the BFF built as its main builds it, on loopback HTTP (sign-in token, JSON, middleware chain): "+
		"the 202 answer, and POST → confirmed (the end of the in-process execution). "+
		"On AWS each step is a Step Functions state transition and a Lambda invoke (tens of ms each), not measured here.\n\n", r.Backend)
	b.WriteString("| path | samples | p50 | p99 | p50 ÷ floor | failures |\n|---|---:|---:|---:|---:|---:|\n")
	rows := []Row{r.Floor, r.Saga}
	if r.HTTPAnswer != nil && r.HTTPConfirmed != nil {
		rows = append(rows, *r.HTTPAnswer, *r.HTTPConfirmed)
	}
	for _, x := range rows {
		ratio := 1.0
		if r.Floor.P50 > 0 {
			ratio = float64(x.P50) / float64(r.Floor.P50)
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %.1f× | %d |\n", x.Name, x.Samples, ms(x.P50), ms(x.P99), ratio, x.Failures)
	}
	return b.String()
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/float64(time.Millisecond)) }
