package events

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestBusDeliversInOrderToEverySubscriber(t *testing.T) {
	b := NewBus(slog.New(slog.DiscardHandler), Retry{})
	var mu sync.Mutex
	got := map[string][]string{}
	for _, name := range []string{"a", "b"} {
		b.Subscribe(name, func(_ context.Context, e Event) error {
			mu.Lock()
			defer mu.Unlock()
			got[name] = append(got[name], e.ID)
			return nil
		})
	}
	want := []string{ID("o", 1), ID("o", 2), ID("o", 3)}
	for _, id := range want {
		b.Publish(context.Background(), Event{ID: id})
	}
	if err := b.Close(context.Background()); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, name := range []string{"a", "b"} {
		if strings.Join(got[name], ",") != strings.Join(want, ",") {
			t.Errorf("subscriber %s got %v, want %v", name, got[name], want)
		}
	}
}

func TestBusRetriesThenDeadLetters(t *testing.T) {
	tests := []struct {
		name      string
		failures  int
		wantCalls int
		wantDead  bool
	}{
		{"succeeds after two failures", 2, 3, false},
		{"fails every attempt", 99, 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			b := NewBus(slog.New(slog.NewJSONHandler(&logs, nil)), Retry{Attempts: 3, Initial: time.Millisecond})
			calls := 0
			b.Subscribe("flaky", func(context.Context, Event) error {
				calls++
				if calls <= tt.failures {
					return errors.New("down")
				}
				return nil
			})
			b.Publish(context.Background(), Event{ID: "evt_1", CorrelationID: "c-1"})
			if err := b.Close(context.Background()); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if calls != tt.wantCalls {
				t.Errorf("calls: got %d, want %d", calls, tt.wantCalls)
			}
			dead := strings.Contains(logs.String(), `"event dead-lettered"`) && strings.Contains(logs.String(), `"c-1"`)
			if dead != tt.wantDead {
				t.Errorf("dead-letter log: got %v, want %v (logs %s)", dead, tt.wantDead, logs.String())
			}
		})
	}
}
