// Package esmlocal runs Lambda event source mappings on this machine: it polls an SQS queue
// (moto) or a DynamoDB stream (DynamoDB Local) the way Lambda's pollers do and invokes a
// function with the event JSON Lambda would send, so tests and local stacks drive the real
// consumer bootstraps (under shared/rie) or in-process handlers with the real transport in
// between. It is the event side's twin of shared/apigwlocal.
//
// What it reproduces of the AWS behaviour (documented in the Lambda developer guide, "Using
// Lambda with Amazon SQS" and "Using Lambda with DynamoDB"):
//
//   - SQS: batches of up to BatchSize messages with their attributes and message attributes;
//     a successful invoke deletes the batch; a function error deletes nothing, so the messages
//     come back after their visibility timeout and the queue's redrive policy moves them to
//     its DLQ after maxReceiveCount; with ReportBatchItemFailures the response's
//     batchItemFailures keep those messages and the rest are deleted, and a response naming an
//     unknown or empty itemIdentifier counts as a failure of the whole batch. The function may
//     change a message's visibility itself (it has the receipt handle).
//   - DynamoDB streams: every shard read in order from TRIM_HORIZON or LATEST; a batch is
//     retried until it succeeds, up to MaximumRetryAttempts (-1: until the record expires,
//     here: forever), optionally bisected on function error; with ReportBatchItemFailures the
//     batch resumes from the lowest failed sequence number; a batch given up is described to
//     OnFailure (the shape Lambda sends to an on-failure destination) and skipped, so the
//     shard keeps flowing. An iterator GetRecords refuses for good (TrimmedDataAccessException,
//     which DynamoDB Local answers forever to an iterator taken before the stream's first
//     record, or ExpiredIteratorException) is renewed after a fresh DescribeStream, just after
//     the last record handled.
//
// What it does not: MaximumRecordAge, tumbling windows, filter criteria, scaling the number of
// concurrent pollers, FIFO message-group ordering after a partial failure (only the successes
// are deleted), and DynamoDB shard splits are followed only as DescribeStream lists them.
package esmlocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Invoker invokes a function with an event and returns its response payload. A function error
// is an error (rie.Pool.Invoke fits, as does Handler).
type Invoker func(ctx context.Context, event []byte) ([]byte, error)

// Handler adapts an in-process handler of typed events (events.SQSEvent →
// events.SQSEventResponse, ...) to an Invoker through the same JSON Lambda uses.
func Handler[E, R any](h func(context.Context, E) (R, error)) Invoker {
	return func(ctx context.Context, payload []byte) ([]byte, error) {
		var e E
		if err := json.Unmarshal(payload, &e); err != nil {
			return nil, fmt.Errorf("esmlocal: decode event: %w", err)
		}
		r, err := h(ctx, e)
		if err != nil {
			return nil, err
		}
		return json.Marshal(r)
	}
}

// Mapping is a running event source mapping.
type Mapping struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu    sync.Mutex
	stats Stats
}

// Stats counts what a mapping did.
type Stats struct {
	Invokes       int // function invocations
	FunctionFails int // invocations that failed as a whole (function error or bad response)
	Processed     int // messages deleted / stream records checkpointed as done
	GivenUp       int // stream records handed to OnFailure and skipped
	PollErrors    int // failed ReceiveMessage / GetRecords calls (retried)
}

// Stats returns a copy of the counters.
func (m *Mapping) Stats() Stats {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.stats
}

func (m *Mapping) count(f func(*Stats)) {
	m.mu.Lock()
	f(&m.stats)
	m.mu.Unlock()
}

// Stop ends polling and waits for the invocation in flight, or until ctx ends.
func (m *Mapping) Stop(ctx context.Context) error {
	m.cancel()
	select {
	case <-m.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func start(ctx context.Context, run func(ctx context.Context, m *Mapping)) *Mapping {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m := &Mapping{cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(m.done)
		run(ctx, m)
	}()
	return m
}

// batchFailures is the partial-batch response of both sources.
type batchFailures struct {
	BatchItemFailures *[]struct {
		ItemIdentifier *string `json:"itemIdentifier"`
	} `json:"batchItemFailures"`
}

// errBadResponse marks a partial-batch response Lambda would treat as a failure of the batch.
var errBadResponse = errors.New("invalid batchItemFailures response")

// failedItems reads a partial-batch response: the identifiers reported failed, validated
// against known. An empty or unknown identifier makes the whole batch fail (errBadResponse);
// a response that is not such an object (e.g. null) reports no failures.
func failedItems(resp []byte, known map[string]bool) (map[string]bool, error) {
	var r batchFailures
	if len(resp) == 0 || json.Unmarshal(resp, &r) != nil || r.BatchItemFailures == nil {
		return nil, nil
	}
	failed := map[string]bool{}
	for _, f := range *r.BatchItemFailures {
		if f.ItemIdentifier == nil || *f.ItemIdentifier == "" || !known[*f.ItemIdentifier] {
			return nil, errBadResponse
		}
		failed[*f.ItemIdentifier] = true
	}
	return failed, nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func logger(l *slog.Logger) *slog.Logger {
	if l == nil {
		return slog.New(slog.DiscardHandler)
	}
	return l
}
