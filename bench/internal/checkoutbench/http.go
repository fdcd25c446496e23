package checkoutbench

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"time"

	"bffsuite.dev/bench/internal/suite"
	mobile "bffsuite.dev/bff-mobile/app"
	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/statemachine"
)

// RunHTTP measures n checkouts through bff-mobile built in process exactly as its main does
// (embedded backend, in-process checkout), served on loopback: the POST /v1/orders answer
// (202) and POST → confirmed (the in-process execution's end), one order at a time.
func RunHTTP(ctx context.Context, n int) (answer, confirmed Row, err error) {
	os.Setenv("BFF_LOG_LEVEL", "error") // this process only: benchreport and its test
	var cfg mobile.Config
	if err := config.Load(&cfg); err != nil {
		return answer, confirmed, err
	}
	p, err := platform.Open(ctx, "bff-mobile", cfg.Platform)
	if err != nil {
		return answer, confirmed, err
	}
	ip, ok := p.Checkout.(*checkout.InProcess)
	if !ok {
		return answer, confirmed, fmt.Errorf("checkout starter is %T, want in process", p.Checkout)
	}
	var mu sync.Mutex
	ends := map[string]chan string{}
	wait := func(id string) chan string {
		mu.Lock()
		defer mu.Unlock()
		if ends[id] == nil {
			ends[id] = make(chan string, 1)
		}
		return ends[id]
	}
	ip.Done = func(in checkout.Input, ex *statemachine.Execution, err error) {
		status := "ABORTED"
		if err == nil {
			status = ex.Status
		}
		wait(in.OrderID) <- status
	}
	a, err := mobile.New(ctx, cfg, p, mobile.Deps{})
	if err != nil {
		return answer, confirmed, err
	}
	srv := httptest.NewServer(a)
	defer srv.Close()
	tok, err := suite.MobileLogin(ctx, srv.URL)
	if err != nil {
		return answer, confirmed, err
	}
	units := suite.StockUnits()
	var answers, confirms []time.Duration
	aFail, cFail := 0, 0
	for i := range n {
		body := fmt.Appendf(nil, `{"lines":[{"sku":%q,"quantity":1}],"payment_token":"tok_visa"}`, units[i%len(units)])
		h := suite.MobileHeader(tok)
		h.Set("Content-Type", "application/json")
		t0 := time.Now()
		resp, b, err := suite.Do(ctx, http.MethodPost, srv.URL+"/v1/orders", body, h)
		if err != nil || resp.StatusCode != http.StatusAccepted {
			aFail++
			cFail++
			continue
		}
		answers = append(answers, time.Since(t0))
		var o struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(b, &o) != nil || o.ID == "" {
			cFail++
			continue
		}
		select {
		case st := <-wait(o.ID):
			if st != "SUCCEEDED" {
				cFail++
				continue
			}
			confirms = append(confirms, time.Since(t0))
		case <-time.After(30 * time.Second):
			cFail++
		case <-ctx.Done():
			return answer, confirmed, ctx.Err()
		}
	}
	return row("bff-mobile POST /v1/orders answer (202, loopback HTTP)", answers, aFail),
		row("bff-mobile POST /v1/orders → confirmed (loopback HTTP, saga in process)", confirms, cFail), nil
}
