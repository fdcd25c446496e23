package faults

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want Config
	}{
		{"", Config{}},
		{"orders=latency:200ms,error:0.5;catalog=latency:20ms", Config{
			Orders: {Latency: 200 * time.Millisecond, ErrorRate: 0.5}, Catalog: {Latency: 20 * time.Millisecond}}},
		{" customers = error:1 ; ", Config{Customers: {ErrorRate: 1}}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Parse(%q) = %v, %v, want %v, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, in := range []string{"orders", "payments=latency:1s", "orders=latency:fast", "orders=latency:-1s",
		"orders=error:2", "orders=error:x", "orders=jitter:1s", "orders=latency"} {
		if got, err := Parse(in); err == nil {
			t.Errorf("Parse(%q) = %v, nil, want error", in, got)
		}
	}
}

func TestStringRoundTrip(t *testing.T) {
	c := Config{Orders: {Latency: 200 * time.Millisecond, ErrorRate: 0.25}, Catalog: {Latency: time.Second}}
	got, err := Parse(c.String())
	if err != nil || !reflect.DeepEqual(got, c) {
		t.Errorf("Parse(%q) = %v, %v, want %v", c.String(), got, err, c)
	}
}

func TestInject(t *testing.T) {
	var nilInj *Injector
	if err := nilInj.Inject(context.Background(), Orders); err != nil {
		t.Errorf("nil Injector.Inject = %v, want nil", err)
	}
	i := New(Config{Orders: {ErrorRate: 1}, Catalog: {Latency: 30 * time.Millisecond}}, 1)
	if err := i.Inject(context.Background(), Orders); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Inject(orders, error:1) = %v, want ErrUnavailable", err)
	}
	if err := i.Inject(context.Background(), Customers); err != nil {
		t.Errorf("Inject(customers, no rule) = %v, want nil", err)
	}
	start := time.Now()
	if err := i.Inject(context.Background(), Catalog); err != nil || time.Since(start) < 30*time.Millisecond {
		t.Errorf("Inject(catalog, latency:30ms) = %v after %v, want nil after >= 30ms", err, time.Since(start))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
	defer cancel()
	i.Set(Catalog, Rule{Latency: time.Second})
	start = time.Now()
	err := i.Inject(ctx, Catalog)
	if !errors.Is(err, domain.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Inject(catalog, latency:1s, ctx 5ms) = %v, want ErrUnavailable and DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("Inject ignored ctx: returned after %v", d)
	}
}

func TestErrorRate(t *testing.T) {
	i := New(Config{Customers: {ErrorRate: 0.3}}, 7)
	fails := 0
	for range 2000 {
		if i.Inject(context.Background(), Customers) != nil {
			fails++
		}
	}
	if fails < 500 || fails > 700 {
		t.Errorf("error:0.3 over 2000 calls failed %d times, want about 600", fails)
	}
}
