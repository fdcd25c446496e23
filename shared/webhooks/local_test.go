package webhooks

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/events"
)

// TestRunLocal: on the in-process bus, the same fanout and sender deliver a signed webhook,
// retrying a receiver that fails at first; the local receiver page shows it verified.
func TestRunLocal(t *testing.T) {
	rcv := &Receiver{}
	fails := 1
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && fails > 0 {
			fails--
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		rcv.ServeHTTP(w, r)
	}))
	defer srv.Close()
	bus := events.NewBus(slog.New(slog.DiscardHandler), events.Retry{})
	c := New(NewMemory(), Options{AllowHTTP: true})
	c.SetEnqueuer(RunLocal(bus, c, slog.New(slog.DiscardHandler), LocalRetry{Initial: 50 * time.Millisecond}))
	ep, secret, err := c.CreateEndpoint(context.Background(), "partner-demo", EndpointInput{URL: srv.URL + "/hooks"})
	if err != nil {
		t.Fatalf("CreateEndpoint: %v", err)
	}
	e := event("partner-demo", "ord_local", 1, events.OrderPlaced, time.Now())
	bus.Publish(context.Background(), e)
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := c.Store().GetDelivery(context.Background(), "partner-demo", ep.ID, DeliveryID(ep.ID, e.ID))
		if err == nil && d.State == StateSucceeded {
			if d.Attempts != 2 {
				t.Errorf("attempts: got %d, want 2", d.Attempts)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("delivery not succeeded within 5 s: %+v, %v", d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, err := http.Get(srv.URL + "/?secret=" + url.QueryEscape(secret))
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(page), "signature valid") || !strings.Contains(string(page), e.ID) {
		t.Errorf("receiver page: want the event verified, got %s", page)
	}
}
