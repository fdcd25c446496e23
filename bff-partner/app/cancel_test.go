package app_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"

	"bffsuite.dev/bff-partner/app"
)

// TestConcurrentCancel: two cancels of one order sent at once (different Idempotency-Keys,
// as two partner workers would) both answer 200 with the cancelled order, and the stock is
// restored exactly once, on both backends.
func TestConcurrentCancel(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			e := b.open(t)
			ctx := context.Background()
			stock := func() (a, b int64) {
				t.Helper()
				pa, err := e.platform.Catalog.GetProductBySKU(ctx, "HEA-AUR-0002")
				if err != nil {
					t.Fatal(err)
				}
				pb, err := e.platform.Catalog.GetProductBySKU(ctx, "HEA-NOR-0004")
				if err != nil {
					t.Fatal(err)
				}
				return pa.Stock, pb.Stock
			}
			tok := e.token("acme-client")
			const orderCount = 8
			for i := range orderCount {
				beforeA, beforeB := stock()
				o := placeOrder(t, e, "acme-client", fmt.Sprintf("cc-place-%d", i))
				start := make(chan struct{})
				var wg sync.WaitGroup
				got := make([]resp, 2)
				for j := range got {
					wg.Go(func() {
						<-start
						got[j] = e.do(req{method: "POST", path: "/v1/orders/" + o.ID + "/cancel", token: tok, key: fmt.Sprintf("cc-%d-%d", i, j)})
					})
				}
				close(start)
				wg.Wait()
				for j, r := range got {
					var c app.Order
					if r.Status != http.StatusOK {
						t.Errorf("order %d: concurrent cancel #%d = %d %s, want 200", i, j, r.Status, r.Body)
						continue
					}
					r.json(t, &c)
					if c.ID != o.ID || c.Status != "cancelled" {
						t.Errorf("order %d: concurrent cancel #%d = %s %s, want %s cancelled", i, j, c.ID, c.Status, o.ID)
					}
				}
				if a, b := stock(); a != beforeA || b != beforeB {
					t.Errorf("order %d: stock after two concurrent cancels = %d, %d, want %d, %d (restored once)", i, a, b, beforeA, beforeB)
				}
			}
		})
	}
}
