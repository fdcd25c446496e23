package webhooks

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// stores returns each Store implementation, fresh.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	out := map[string]Store{"memory": NewMemory()}
	if testing.Short() {
		return out
	}
	d := testenv.DynamoDB(t)
	table := testenv.DynamoDBTablePrefix(t) + "webhooks"
	if err := CreateTable(context.Background(), d.Client(), table); err != nil {
		t.Fatalf("CreateTable: %v", err)
	}
	out["dynamodb"] = NewDynamoDB(d.Client(), table)
	return out
}

func event(partner, order string, version int64, typ events.Type, at time.Time) events.Event {
	return events.Event{ID: events.ID(order, version), Type: typ, SpecVersion: events.SpecVersion, OccurredAt: at,
		OrderID: order, OrderVersion: version, Owner: events.Owner{CustomerID: "c-" + partner, PartnerID: partner, Channel: "partner"},
		Status: "placed", Total: events.Money{Amount: 1200, Currency: "EUR"}, CorrelationID: "corr-" + order}
}

func TestEndpointsLifecycleAndTenantIsolation(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := New(st, Options{})
			ep, secret, err := c.CreateEndpoint(ctx, "p-a", EndpointInput{URL: "https://hooks.example.com/a", EventTypes: []string{"order.placed"}})
			if err != nil {
				t.Fatalf("CreateEndpoint: %v", err)
			}
			if secret == "" || ep.Secrets[0].Value != secret {
				t.Fatalf("secret: got %q, want the endpoint's current secret", secret)
			}
			got, err := c.GetEndpoint(ctx, "p-a", ep.ID)
			if err != nil || got.URL != ep.URL || len(got.EventTypes) != 1 {
				t.Fatalf("GetEndpoint: got %+v, %v; want %s", got, err, ep.URL)
			}
			if _, err := c.GetEndpoint(ctx, "p-b", ep.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("other tenant GetEndpoint: got %v, want ErrNotFound", err)
			}
			if err := c.DeleteEndpoint(ctx, "p-b", ep.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("other tenant DeleteEndpoint: got %v, want ErrNotFound", err)
			}
			if _, _, err := c.RotateSecret(ctx, "p-b", ep.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("other tenant RotateSecret: got %v, want ErrNotFound", err)
			}
			if list, _ := c.ListEndpoints(ctx, "p-b"); len(list) != 0 {
				t.Errorf("other tenant list: got %d endpoints, want 0", len(list))
			}
			rotated, newSecret, err := c.RotateSecret(ctx, "p-a", ep.ID)
			if err != nil {
				t.Fatalf("RotateSecret: %v", err)
			}
			active := rotated.ActiveSecrets(time.Now())
			if len(active) != 2 || active[0] != newSecret || active[1] != secret {
				t.Errorf("active secrets after rotation: got %d (new first %v), want 2, new then old", len(active), len(active) > 0 && active[0] == newSecret)
			}
			if later := rotated.ActiveSecrets(time.Now().Add(DefaultOverlap + time.Minute)); len(later) != 1 || later[0] != newSecret {
				t.Errorf("active secrets after the overlap: got %d, want only the new one", len(later))
			}
			stored, _ := c.GetEndpoint(ctx, "p-a", ep.ID)
			if len(stored.Secrets) != 2 {
				t.Errorf("stored secrets: got %d, want 2", len(stored.Secrets))
			}
			if err := c.DeleteEndpoint(ctx, "p-a", ep.ID); err != nil {
				t.Fatalf("DeleteEndpoint: %v", err)
			}
			if _, err := c.GetEndpoint(ctx, "p-a", ep.ID); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("deleted GetEndpoint: got %v, want ErrNotFound", err)
			}
		})
	}
}

func TestValidateURL(t *testing.T) {
	tests := []struct {
		url       string
		allowHTTP bool
		wantOK    bool
	}{
		{"https://hooks.example.com/x", false, true},
		{"http://hooks.example.com/x", false, false},
		{"http://127.0.0.1:9000/x", true, true},
		{"https://127.0.0.1/x", false, false},
		{"https://10.0.0.5/x", false, false},
		{"https://localhost/x", false, false},
		{"https://user:pw@hooks.example.com/x", false, false},
		{"ftp://hooks.example.com/x", true, false},
		{"/relative", false, false},
		{"", false, false},
	}
	for _, tt := range tests {
		v := &domain.ValidationError{}
		ValidateURL(v, tt.url, tt.allowHTTP)
		if ok := v.Err() == nil; ok != tt.wantOK {
			t.Errorf("ValidateURL(%q, allowHTTP=%v): got ok=%v, want %v", tt.url, tt.allowHTTP, ok, tt.wantOK)
		}
	}
}

func TestFanoutIdempotentFilteredAndFeed(t *testing.T) {
	for name, st := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			c := New(st, Options{AllowHTTP: true})
			all, _, _ := c.CreateEndpoint(ctx, "p-a", EndpointInput{URL: "http://127.0.0.1:1/all"})
			_, _, _ = c.CreateEndpoint(ctx, "p-a", EndpointInput{URL: "http://127.0.0.1:1/shipped", EventTypes: []string{"order.shipped"}})
			other, _, _ := c.CreateEndpoint(ctx, "p-b", EndpointInput{URL: "http://127.0.0.1:1/b"})
			var tasks []Task
			enq := func(_ context.Context, tk Task) error { tasks = append(tasks, tk); return nil }
			t0 := time.Date(2026, 12, 3, 6, 0, 0, 0, time.UTC)
			e := event("p-a", "o-1", 1, events.OrderPlaced, t0)
			for range 2 {
				if _, err := c.Fanout(ctx, e, enq); err != nil {
					t.Fatalf("Fanout: %v", err)
				}
			}
			// Both runs enqueue the one pending delivery; its id is the same.
			if len(tasks) != 2 || tasks[0].DeliveryID != tasks[1].DeliveryID || tasks[0].EndpointID != all.ID {
				t.Fatalf("tasks: got %+v, want the same delivery to %s twice", tasks, all.ID)
			}
			ds, err := c.ListDeliveries(ctx, "p-a", all.ID, 0)
			if err != nil || len(ds) != 1 || ds[0].ID != DeliveryID(all.ID, e.ID) {
				t.Fatalf("deliveries: got %+v, %v; want one", ds, err)
			}
			if _, err := c.ListDeliveries(ctx, "p-b", all.ID, 0); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("other tenant deliveries: got %v, want ErrNotFound", err)
			}
			if ds, _ := c.ListDeliveries(ctx, "p-b", other.ID, 0); len(ds) != 0 {
				t.Errorf("p-b deliveries: got %d, want 0", len(ds))
			}
			// Customer events reach no partner.
			if n, err := c.Fanout(ctx, event("", "o-9", 1, events.OrderPlaced, t0), enq); n != 0 || err != nil {
				t.Errorf("customer event fanout: got %d, %v; want 0, nil", n, err)
			}
			// Feed: three events, read two by two; the cursor is bound to the partner.
			for i := int64(2); i <= 3; i++ {
				_ = st.AppendFeed(ctx, "p-a", event("p-a", "o-1", i, events.OrderConfirmed, t0.Add(time.Duration(i)*time.Second)))
			}
			page, next, err := c.Feed(ctx, "p-a", "", 2)
			if err != nil || len(page) != 2 || page[0].ID != e.ID {
				t.Fatalf("feed page 1: got %d events, %v", len(page), err)
			}
			page2, next2, err := c.Feed(ctx, "p-a", next, 2)
			if err != nil || len(page2) != 1 || page2[0].OrderVersion != 3 {
				t.Fatalf("feed page 2: got %+v, %v; want version 3", page2, err)
			}
			if page3, next3, err := c.Feed(ctx, "p-a", next2, 2); err != nil || len(page3) != 0 || next3 != next2 {
				t.Errorf("feed end: got %d events, same cursor %v, %v", len(page3), next3 == next2, err)
			}
			if _, _, err := c.Feed(ctx, "p-b", next, 2); !errors.Is(err, domain.ErrInvalidCursor) {
				t.Errorf("p-a cursor used by p-b: got %v, want ErrInvalidCursor", err)
			}
			if page, _, _ := c.Feed(ctx, "p-b", "", 10); len(page) != 0 {
				t.Errorf("p-b feed: got %d events, want 0", len(page))
			}
		})
	}
}

type receiver struct {
	mu   sync.Mutex
	fail int // answer 503 to this many requests
	seen map[string]int
	v    *Verifier
	errs []error
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.v.Verify(req.Header, body); err != nil {
		r.errs = append(r.errs, err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if r.fail > 0 {
		r.fail--
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	r.seen[req.Header.Get(HeaderID)]++
	w.WriteHeader(http.StatusNoContent)
}

func TestSenderRetriesThenSucceedsOrFails(t *testing.T) {
	tests := []struct {
		name         string
		failures     int
		maxAttempts  int
		wantState    string
		wantAttempts int
		wantDone     bool
	}{
		{"first attempt", 0, 5, StateSucceeded, 1, true},
		{"down for a while", 2, 5, StateSucceeded, 3, true},
		{"down for good", 99, 3, StateFailed, 3, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c := New(NewMemory(), Options{AllowHTTP: true})
			rcv := &receiver{fail: tt.failures, seen: map[string]int{}}
			srv := httptest.NewServer(rcv)
			defer srv.Close()
			ep, secret, _ := c.CreateEndpoint(ctx, "p-a", EndpointInput{URL: srv.URL})
			rcv.v, _ = NewVerifier(secret)
			var task Task
			_, _ = c.Fanout(ctx, event("p-a", "o-1", 1, events.OrderPlaced, time.Now()), func(_ context.Context, tk Task) error { task = tk; return nil })
			s := &Sender{Client: c, MaxAttempts: tt.maxAttempts}
			var out Outcome
			for attempt := 1; attempt <= tt.maxAttempts; attempt++ {
				var err error
				if out, err = s.Send(ctx, task, attempt); err != nil {
					t.Fatalf("Send: %v", err)
				}
				if out.Done {
					break
				}
				if attempt < tt.maxAttempts && (out.RetryAfter < NominalBackoff(attempt) || out.Delivery.NextRetryAt.IsZero()) {
					t.Errorf("attempt %d: retry after %v (next %v), want ≥ %v", attempt, out.RetryAfter, out.Delivery.NextRetryAt, NominalBackoff(attempt))
				}
			}
			d, _ := c.Store().GetDelivery(ctx, "p-a", ep.ID, task.DeliveryID)
			if d.State != tt.wantState || d.Attempts != tt.wantAttempts || out.Done != tt.wantDone {
				t.Errorf("delivery: got state %s attempts %d done %v, want %s %d %v", d.State, d.Attempts, out.Done, tt.wantState, tt.wantAttempts, tt.wantDone)
			}
			if len(rcv.errs) > 0 {
				t.Errorf("receiver verification errors: %v", rcv.errs)
			}
			// A duplicate message after success sends nothing.
			if tt.wantState == StateSucceeded {
				if again, _ := s.Send(ctx, task, 1); !again.Done || rcv.seen[task.DeliveryID] != 1 {
					t.Errorf("duplicate message: got done=%v, receiver saw %d, want true, 1", again.Done, rcv.seen[task.DeliveryID])
				}
			}
		})
	}
}

func TestRetryScheduleSpansADay(t *testing.T) {
	var total time.Duration
	for n := 1; n < MaxAttempts; n++ {
		total += NominalBackoff(n)
		if b := Backoff(n); b < NominalBackoff(n) || b > MaxVisibility {
			t.Errorf("Backoff(%d): got %v, want between %v and %v", n, b, NominalBackoff(n), MaxVisibility)
		}
	}
	if total < RetryWindow {
		t.Errorf("retry schedule of %d attempts spans %v, want ≥ %v", MaxAttempts, total, RetryWindow)
	}
	if total > 36*time.Hour {
		t.Errorf("retry schedule spans %v, want ≤ 36h", total)
	}
}
