package ratelimit_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/ratelimit"
	"bffsuite.dev/shared/server"
	"github.com/gin-gonic/gin"
)

func TestParseTiers(t *testing.T) {
	tests := []struct {
		in      string
		want    []ratelimit.Tier
		wantErr bool
	}{
		{"bronze=5/10,silver=25/50", []ratelimit.Tier{{Name: "bronze", Rate: 5, Burst: 10}, {Name: "silver", Rate: 25, Burst: 50}}, false},
		{" gold=0.5/1 ", []ratelimit.Tier{{Name: "gold", Rate: 0.5, Burst: 1}}, false},
		{"", nil, true},
		{"bronze", nil, true},
		{"bronze=5", nil, true},
		{"bronze=0/10", nil, true},
		{"bronze=-1/10", nil, true},
		{"bronze=5/0", nil, true},
		{"bronze=x/10", nil, true},
		{"bronze=5/10,bronze=6/10", nil, true},
		{"=5/10", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ratelimit.ParseTiers(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseTiers(%q) error = %v, want error %v", tc.in, err, tc.wantErr)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParseTiers(%q) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Errorf("ParseTiers(%q)[%d] = %v, want %v", tc.in, i, got[i], tc.want[i])
				}
			}
		})
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestAllowTokenBucket(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	l, err := ratelimit.New([]ratelimit.Tier{{Name: "bronze", Rate: 5, Burst: 10}}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		d, err := l.Allow("acme", "bronze")
		if err != nil || !d.Allowed || d.Remaining != 9-i {
			t.Fatalf("Allow #%d = %+v, %v, want allowed with %d remaining", i+1, d, err, 9-i)
		}
	}
	d, _ := l.Allow("acme", "bronze")
	if d.Allowed || d.RetryAfter != 200*time.Millisecond {
		t.Errorf("Allow #11 = %+v, want denied with RetryAfter 200ms", d)
	}
	if other, _ := l.Allow("globex", "bronze"); !other.Allowed {
		t.Errorf("Allow(globex) = %+v, want allowed: buckets are per client", other)
	}
	clk.advance(200 * time.Millisecond)
	if d, _ := l.Allow("acme", "bronze"); !d.Allowed || d.Remaining != 0 {
		t.Errorf("Allow after 200ms = %+v, want allowed with 0 remaining", d)
	}
	clk.advance(time.Hour)
	if d, _ := l.Allow("acme", "bronze"); !d.Allowed || d.Remaining != 9 {
		t.Errorf("Allow after an hour = %+v, want allowed with 9 remaining (bucket caps at burst)", d)
	}
	if _, err := l.Allow("acme", "platinum"); err == nil {
		t.Errorf("Allow(unknown tier) error = nil, want an error")
	}
	clk.advance(2 * time.Minute)
	l.Allow("acme", "bronze") // sweeps full buckets
	if n := l.Len(); n != 1 {
		t.Errorf("Len() after sweep = %d, want 1", n)
	}
}

func TestMiddleware(t *testing.T) {
	clk := &clock{t: time.Unix(1_800_000_000, 0)}
	l, err := ratelimit.New([]ratelimit.Tier{{Name: "bronze", Rate: 2, Burst: 3}, {Name: "gold", Rate: 100, Burst: 200}}, clk.now)
	if err != nil {
		t.Fatal(err)
	}
	e := server.NewEngine(server.EngineOptions{Logger: slog.New(slog.DiscardHandler), Config: server.Config{RequestBudget: time.Second,
		GatewayTimeout: 29 * time.Second, GatewayMargin: time.Second, MaxBodyBytes: 1 << 10}})
	identify := func(c *gin.Context) (string, string, bool) {
		id := c.GetHeader("X-Client")
		return id, c.GetHeader("X-Tier"), id != ""
	}
	e.GET("/r", ratelimit.Middleware(l, identify), func(c *gin.Context) { c.JSON(200, gin.H{"ok": true}) })
	get := func(client, tier string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/r", nil)
		if client != "" {
			req.Header.Set("X-Client", client)
			req.Header.Set("X-Tier", tier)
		}
		w := httptest.NewRecorder()
		e.ServeHTTP(w, req)
		return w
	}
	t.Run("headers under the limit", func(t *testing.T) {
		w := get("acme", "bronze")
		if w.Code != 200 || w.Header().Get("RateLimit-Policy") != `"bronze";q=3;w=2` || w.Header().Get("RateLimit") != `"bronze";r=2;t=1` {
			t.Errorf("GET = %d RateLimit-Policy %q RateLimit %q, want 200 \"bronze\";q=3;w=2 and \"bronze\";r=2;t=1",
				w.Code, w.Header().Get("RateLimit-Policy"), w.Header().Get("RateLimit"))
		}
	})
	t.Run("burst over the tier is 429", func(t *testing.T) {
		get("acme", "bronze")
		get("acme", "bronze")
		w := get("acme", "bronze")
		if w.Code != http.StatusTooManyRequests {
			t.Fatalf("4th GET = %d, want 429", w.Code)
		}
		ra, err := strconv.Atoi(w.Header().Get("Retry-After"))
		if err != nil || ra < 1 {
			t.Errorf("Retry-After = %q, want a positive integer", w.Header().Get("Retry-After"))
		}
		var p map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p["code"] != ratelimit.CodeRateLimited || p["retry_after_seconds"] != float64(ra) {
			t.Errorf("429 body = %s, want code %s and retry_after_seconds %d", w.Body, ratelimit.CodeRateLimited, ra)
		}
		if w.Header().Get("RateLimit") != `"bronze";r=0;t=2` {
			t.Errorf("429 RateLimit = %q, want \"bronze\";r=0;t=2", w.Header().Get("RateLimit"))
		}
	})
	t.Run("refill lets requests through again", func(t *testing.T) {
		clk.advance(500 * time.Millisecond)
		if w := get("acme", "bronze"); w.Code != 200 {
			t.Errorf("GET after refill = %d, want 200", w.Code)
		}
	})
	t.Run("unidentified requests are not limited", func(t *testing.T) {
		for range 10 {
			if w := get("", ""); w.Code != 200 || w.Header().Get("RateLimit") != "" {
				t.Fatalf("anonymous GET = %d RateLimit %q, want 200 without RateLimit", w.Code, w.Header().Get("RateLimit"))
			}
		}
	})
	t.Run("unknown tier is a 500 without detail", func(t *testing.T) {
		if w := get("acme", "platinum"); w.Code != 500 {
			t.Errorf("GET with unknown tier = %d, want 500", w.Code)
		}
	})
}

func BenchmarkAllow(b *testing.B) {
	l, _ := ratelimit.New([]ratelimit.Tier{{Name: "gold", Rate: 1e9, Burst: 1e9}}, nil)
	clients := []string{"a", "b", "c", "d", "e", "f", "g", "h"}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			_, _ = l.Allow(clients[i%len(clients)], "gold")
			i++
		}
	})
}
