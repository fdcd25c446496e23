// Package ledger keeps what the soak saw (every status, every correlation ID, every order a
// BFF confirmed with 201 and every cancellation) and checks the end state against it: no 5xx
// but the injected ones, every 201 order listed exactly once, stock never below zero and equal
// to the seed minus what was ordered plus what was cancelled, memory and threads within bounds.
package ledger

import (
	"fmt"
	"sort"
	"sync"
)

// Ledger is safe for concurrent use.
type Ledger struct {
	mu sync.Mutex
	// Statuses counts responses by target ("embedded/bff-web") and status.
	Statuses map[string]map[int]int `json:"statuses"`
	// Injected5xx are 5xx answers that carry the problem code of an injected dependency failure
	// on a stack with fault injection.
	Injected5xx int `json:"injected_5xx"`
	// Unexpected5xx are all other 5xx, by target and "status code".
	Unexpected5xx map[string]int `json:"unexpected_5xx"`
	// NoCorrelation counts responses without a correlation ID header, by target.
	NoCorrelation map[string]int `json:"no_correlation_id"`
	// TransportErrors counts requests that got no response, by target.
	TransportErrors map[string]int `json:"transport_errors"`
	// Orders are the orders confirmed with 201, by target then id.
	Orders map[string]map[string]*Order `json:"-"`
	// ReplayMismatch counts idempotent replays that answered another order than the first.
	ReplayMismatch int `json:"replay_mismatch"`
	Replays        int `json:"replays"`
	Requests       int `json:"requests"`
}

// Order is one confirmed order.
type Order struct {
	SKU       string
	Quantity  int64
	Created   int // 201 answers naming this id (more than one: a duplicate)
	Cancelled bool
}

// New returns an empty ledger.
func New() *Ledger {
	return &Ledger{
		Statuses: map[string]map[int]int{}, Unexpected5xx: map[string]int{}, NoCorrelation: map[string]int{},
		TransportErrors: map[string]int{}, Orders: map[string]map[string]*Order{},
	}
}

// Response records one answer. injectable says whether the target's stack injects faults;
// code is the problem code of an error answer ("" for none).
func (l *Ledger) Response(target string, status int, code string, hasCorrelation, injectable bool, injectedCode string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Requests++
	if l.Statuses[target] == nil {
		l.Statuses[target] = map[int]int{}
	}
	l.Statuses[target][status]++
	if !hasCorrelation {
		l.NoCorrelation[target]++
	}
	if status >= 500 {
		if injectable && code == injectedCode {
			l.Injected5xx++
		} else {
			l.Unexpected5xx[fmt.Sprintf("%s %d %s", target, status, code)]++
		}
	}
}

// Transport records a request that got no response.
func (l *Ledger) Transport(target string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Requests++
	l.TransportErrors[target]++
}

// Created records a 201 for order id.
func (l *Ledger) Created(target, id, sku string, qty int64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.Orders[target] == nil {
		l.Orders[target] = map[string]*Order{}
	}
	o := l.Orders[target][id]
	if o == nil {
		o = &Order{SKU: sku, Quantity: qty}
		l.Orders[target][id] = o
	}
	o.Created++
}

// Replayed records an idempotent replay and whether it answered the first order's id.
func (l *Ledger) Replayed(same bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.Replays++
	if !same {
		l.ReplayMismatch++
	}
}

// Cancelled records a successful cancellation of id.
func (l *Ledger) Cancelled(target, id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if o := l.Orders[target][id]; o != nil {
		o.Cancelled = true
	}
}

// OrderIDs returns the ids confirmed on target, sorted.
func (l *Ledger) OrderIDs(target string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := make([]string, 0, len(l.Orders[target]))
	for id := range l.Orders[target] {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// NetUnits returns, for the given targets, units ordered minus units cancelled by SKU.
func (l *Ledger) NetUnits(targets ...string) map[string]int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int64{}
	for _, t := range targets {
		for _, o := range l.Orders[t] {
			if !o.Cancelled {
				out[o.SKU] += o.Quantity
			}
		}
	}
	return out
}

// CheckOrders compares the orders confirmed on targets (the clients whose orders one listing
// shows: on a shared store the web and mobile BFFs list the same customer's orders) with a
// listing taken after the run (id → times listed) and the ids listed before it.
func (l *Ledger) CheckOrders(label string, targets []string, listed map[string]int, before map[string]bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var problems []string
	confirmed := map[string]bool{}
	for _, t := range targets {
		for id, o := range l.Orders[t] {
			confirmed[id] = true
			switch n := listed[id]; {
			case n == 0:
				problems = append(problems, fmt.Sprintf("%s: order %s confirmed with 201 by %s is not listed", label, id, t))
			case n > 1:
				problems = append(problems, fmt.Sprintf("%s: order %s is listed %d times", label, id, n))
			}
			if o.Created > 1 {
				problems = append(problems, fmt.Sprintf("%s: order id %s was confirmed by %d different requests", label, id, o.Created))
			}
		}
	}
	extra := 0
	for id := range listed {
		if !confirmed[id] && !before[id] {
			extra++
		}
	}
	if extra > 0 {
		problems = append(problems, fmt.Sprintf("%s: %d listed orders were never confirmed to the client (a write behind a failed answer)", label, extra))
	}
	sort.Strings(problems)
	return problems
}

// CheckStock compares observed stock with seed − net units; any stock below zero is a problem too.
func CheckStock(label string, seed, net, observed map[string]int64) []string {
	var problems []string
	skus := make([]string, 0, len(observed))
	for s := range observed {
		skus = append(skus, s)
	}
	sort.Strings(skus)
	for _, s := range skus {
		got := observed[s]
		if got < 0 {
			problems = append(problems, fmt.Sprintf("%s: stock of %s is %d, below zero", label, s, got))
		}
		if want := seed[s] - net[s]; got != want {
			problems = append(problems, fmt.Sprintf("%s: stock of %s is %d, want %d (seed %d − net ordered %d)", label, s, got, want, seed[s], net[s]))
		}
	}
	return problems
}

// Growth bounds memory and thread growth between a sample after warm-up and the end.
type Growth struct {
	RSSFactor   float64 // end RSS may be at most RSSFactor × base + RSSSlackKiB
	RSSSlackKiB int64
	Threads     int64 // end threads may exceed base by at most this
	FDs         int64 // end open file descriptors may exceed base by at most this
}

// Sample is one reading of a process.
type Sample struct {
	AtSeconds float64 `json:"at_s"`
	RSSKiB    int64   `json:"rss_kib"`
	Threads   int64   `json:"threads"`
	FDs       int64   `json:"fds"`
}

// Check returns the problems of end against base.
func (g Growth) Check(label string, base, end Sample) []string {
	var problems []string
	if limit := int64(float64(base.RSSKiB)*g.RSSFactor) + g.RSSSlackKiB; end.RSSKiB > limit {
		problems = append(problems, fmt.Sprintf("%s: RSS grew from %d KiB to %d KiB (bound %d KiB)", label, base.RSSKiB, end.RSSKiB, limit))
	}
	if end.Threads > base.Threads+g.Threads {
		problems = append(problems, fmt.Sprintf("%s: threads grew from %d to %d (bound +%d)", label, base.Threads, end.Threads, g.Threads))
	}
	if end.FDs > base.FDs+g.FDs {
		problems = append(problems, fmt.Sprintf("%s: open files grew from %d to %d (bound +%d)", label, base.FDs, end.FDs, g.FDs))
	}
	return problems
}
