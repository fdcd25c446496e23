// Package aggregate runs several domain calls of one BFF request in parallel under the
// request's budget (its context deadline), so the latency of a screen is that of its slowest
// call, not the sum.
//
// Each Part is required or optional. A failing required part cancels the others and Run
// returns its error; a required part that runs out of time returns an error wrapping both
// domain.ErrUnavailable and context.DeadlineExceeded (the HTTP layer answers 504). Optional
// failures (errors or timeouts) are listed by name in the Result, so the BFF can answer with a
// partial response. Parts write their results into variables they capture:
//
//	var p catalog.Product
//	var recs []catalog.Product
//	res, err := aggregate.Run(ctx,
//		aggregate.Required("product", func(ctx context.Context) (err error) {
//			p, err = cat.GetProduct(ctx, id)
//			return err
//		}),
//		aggregate.Optional("recommendations", func(ctx context.Context) (err error) {
//			recs, err = recommend(ctx, id)
//			return err
//		}).WithTimeout(80*time.Millisecond),
//	)
//	if err != nil { return err }
//	if res.Failed("recommendations") { /* render without them */ }
//
// Run waits for every part before returning, so the captured variables are safe to read
// afterwards; parts must honour ctx cancellation (every domain client does). A panicking
// part is reported as a failure, never re-panics.
//
// Observability: each part runs in its own span ("part <name>", attributes aggregate.part,
// aggregate.required, aggregate.timed_out; error status when it failed), so the trace of a
// partial page shows which part failed or timed out. Each failed optional part counts
// PartMissing{Part=<name>} in the request's metrics and marks the response partial.
package aggregate

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/metrics"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

const scope = "bffsuite.dev/shared/aggregate"

// Part is one call of an aggregation.
type Part struct {
	Name     string
	Required bool
	Timeout  time.Duration // own budget within the request's; 0: only the request's
	Run      func(ctx context.Context) error
}

// Required returns a part whose failure fails the whole aggregation.
func Required(name string, run func(ctx context.Context) error) Part {
	return Part{Name: name, Required: true, Run: run}
}

// Optional returns a part whose failure only marks the result partial.
func Optional(name string, run func(ctx context.Context) error) Part {
	return Part{Name: name, Run: run}
}

// WithTimeout gives the part its own budget (capped by the request's deadline).
func (p Part) WithTimeout(d time.Duration) Part {
	p.Timeout = d
	return p
}

// Failure is one optional part that did not succeed.
type Failure struct {
	Name     string
	Err      error
	TimedOut bool // its own timeout or the request deadline passed
}

// Result describes how the optional parts went.
type Result struct {
	Failures []Failure                // in the order the parts were given
	Elapsed  time.Duration            // wall time of Run
	Timings  map[string]time.Duration // per part
}

// Partial reports whether some optional part failed.
func (r Result) Partial() bool { return len(r.Failures) > 0 }

// Failed reports whether the named optional part failed.
func (r Result) Failed(name string) bool {
	for _, f := range r.Failures {
		if f.Name == name {
			return true
		}
	}
	return false
}

// FailedNames lists the optional parts that failed, e.g. for a "partial" response field.
func (r Result) FailedNames() []string {
	out := make([]string, len(r.Failures))
	for i, f := range r.Failures {
		out[i] = f.Name
	}
	return out
}

type outcome struct {
	err      error
	timedOut bool
	took     time.Duration
}

// Run runs parts in parallel and waits for all of them. See the package documentation.
func Run(ctx context.Context, parts ...Part) (Result, error) {
	start := time.Now()
	seen := map[string]bool{}
	for _, p := range parts {
		if p.Name == "" || seen[p.Name] || p.Run == nil {
			return Result{}, fmt.Errorf("aggregate: part %q: names must be unique and non-empty, Run non-nil", p.Name)
		}
		seen[p.Name] = true
	}
	runCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	tracer := otel.Tracer(scope)

	out := make([]outcome, len(parts))
	var wg sync.WaitGroup
	var once sync.Once
	var firstErr error
	for i, p := range parts {
		wg.Go(func() {
			pctx, pcancel := runCtx, context.CancelFunc(func() {})
			if p.Timeout > 0 {
				pctx, pcancel = context.WithTimeout(runCtx, p.Timeout)
			}
			pctx, span := tracer.Start(pctx, "part "+p.Name, trace.WithAttributes(
				attribute.String("aggregate.part", p.Name), attribute.Bool("aggregate.required", p.Required)))
			t0 := time.Now()
			err := safeRun(pctx, p)
			timedOut := err != nil && (errors.Is(err, context.DeadlineExceeded) || errors.Is(pctx.Err(), context.DeadlineExceeded))
			if err != nil {
				span.SetAttributes(attribute.Bool("aggregate.timed_out", timedOut))
				span.SetStatus(codes.Error, partStatus(timedOut))
			}
			span.End()
			pcancel()
			out[i] = outcome{err: err, timedOut: timedOut, took: time.Since(t0)}
			if err != nil && p.Required {
				once.Do(func() {
					if timedOut && !errors.Is(err, context.DeadlineExceeded) {
						err = fmt.Errorf("%w: %w", err, context.DeadlineExceeded)
					}
					if timedOut && !errors.Is(err, domain.ErrUnavailable) {
						err = fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
					}
					firstErr = fmt.Errorf("aggregate part %s: %w", p.Name, err)
					cancel(firstErr)
				})
			}
		})
	}
	wg.Wait()
	res := Result{Elapsed: time.Since(start), Timings: make(map[string]time.Duration, len(parts))}
	for i, p := range parts {
		res.Timings[p.Name] = out[i].took
		if !p.Required && out[i].err != nil {
			res.Failures = append(res.Failures, Failure{Name: p.Name, Err: out[i].err, TimedOut: out[i].timedOut})
			rec := metrics.From(ctx)
			rec.Count(metrics.PartMissing, metrics.D("Part", p.Name))
			rec.MarkPartial()
		}
	}
	if firstErr != nil {
		// A required part that failed only because the caller went away reports that instead.
		if errors.Is(ctx.Err(), context.Canceled) {
			return res, fmt.Errorf("aggregate: %w", ctx.Err())
		}
		return res, firstErr
	}
	return res, nil
}

func partStatus(timedOut bool) string {
	if timedOut {
		return "timed out"
	}
	return "failed"
}

func safeRun(ctx context.Context, p Part) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("part %s panicked: %v", p.Name, r)
		}
	}()
	return p.Run(ctx)
}
