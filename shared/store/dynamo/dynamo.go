// Package dynamo is the DynamoDB backend of the domain clients (aws-sdk-go-v2).
//
// Table design and access patterns are documented in docs/data-model.md; Schema and
// TableDefinitions are the single source of truth for the tables (local creation and the
// Terraform test). Rules that need atomicity use conditional writes and TransactWriteItems:
// an order and its stock reservations (stock >= qty and unchanged price for every line, order id
// not taken) commit together or not at all; a status change is conditional on the stored status
// and version, and a cancellation restocks in the same transaction. Reads of many products use
// BatchGetItem with retry of unprocessed keys. Every call is bounded by its context; the SDK
// retries throttling with exponential backoff (NewClient). Errors wrap shared/domain sentinels;
// failures of DynamoDB itself are domain.ErrUnavailable.
package dynamo

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/tracing"
)

// Store is the DynamoDB backend over three tables. Safe for concurrent use.
type Store struct {
	db *dynamodb.Client
	t  Tables
}

// New returns a Store using db (built once at cold start, e.g. by NewClient) and tables.
func New(db *dynamodb.Client, t Tables) *Store {
	return &Store{db: db, t: t}
}

// Catalog returns the catalog backend.
func (s *Store) Catalog() catalog.Backend { return catalogStore{s} }

// Customers returns the customers backend.
func (s *Store) Customers() customers.Backend { return customerStore{s} }

// Orders returns the orders backend.
func (s *Store) Orders() orders.Backend { return orderStore{s} }

// Client returns the SDK client (for other DynamoDB users such as idempotency).
func (s *Store) Client() *dynamodb.Client { return s.db }

// Tables returns the table names.
func (s *Store) Tables() Tables { return s.t }

// Ready reports whether every table exists and is active (for /readyz).
func (s *Store) Ready(ctx context.Context) error {
	for _, n := range []string{s.t.Catalog, s.t.Customers, s.t.Orders} {
		out, err := s.db.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(n)})
		if err != nil {
			return mapErr(ctx, "describe table "+n, err)
		}
		if st := out.Table.TableStatus; st != types.TableStatusActive && st != types.TableStatusUpdating {
			return fmt.Errorf("table %s is %s: %w", n, st, domain.ErrUnavailable)
		}
	}
	return nil
}

// MaxAttempts is how often the SDK tries a call that failed with a retryable error
// (throttling, 5xx, network), with exponential backoff and jitter up to MaxBackoff.
const (
	MaxAttempts = 5
	MaxBackoff  = 2 * time.Second
)

// RetryOptions sets the retry policy on SDK options; NewClient applies it, and callers that
// build their own client from aws.Config should pass it as well.
func RetryOptions(o *dynamodb.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.MaxAttempts = MaxAttempts
		so.MaxBackoff = MaxBackoff
	})
}

// TracingOptions makes every DynamoDB call a client span under the request's span and counts
// its failures in the request's metrics (tracing.AWS over the global tracer provider).
func TracingOptions(o *dynamodb.Options) { o.TracerProvider = tracing.AWS(nil) }

// NewClient returns a DynamoDB client from cfg with our retry policy and tracing, and endpoint
// as base endpoint when it is not empty (DynamoDB Local). With an endpoint, CRC32 response
// checksum validation is off: DynamoDB Local sends checksums the SDK rejects for some responses.
func NewClient(cfg aws.Config, endpoint string) *dynamodb.Client {
	return dynamodb.NewFromConfig(cfg, RetryOptions, TracingOptions, func(o *dynamodb.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.DisableValidateResponseChecksum = true
		}
	})
}

// mapErr turns an SDK error into a domain error: an ended context or a DynamoDB/network
// failure is domain.ErrUnavailable; a client-side request error (our bug) stays plain.
func mapErr(ctx context.Context, op string, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("dynamodb %s: %w: %w", op, domain.ErrUnavailable, ctx.Err())
	}
	var rnf *types.ResourceNotFoundException
	if errors.As(err, &rnf) {
		return fmt.Errorf("dynamodb %s: table missing: %w: %w", op, domain.ErrUnavailable, err)
	}
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorFault() == smithy.FaultClient && !retry.IsErrorThrottles(retry.DefaultThrottles).IsErrorThrottle(err).Bool() {
		return fmt.Errorf("dynamodb %s: %w", op, err)
	}
	return fmt.Errorf("dynamodb %s: %w: %w", op, domain.ErrUnavailable, err)
}

// backoff sleeps before attempt n (0-based) of an application-level retry, honouring ctx.
func backoff(ctx context.Context, n int) error {
	d := min(time.Duration(1<<n)*10*time.Millisecond, 500*time.Millisecond)
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// query runs in until it has at least want items (0: all) or the index is exhausted.
func (s *Store) query(ctx context.Context, op string, in *dynamodb.QueryInput, want int) ([]map[string]types.AttributeValue, error) {
	var out []map[string]types.AttributeValue
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(ctx, op, err)
		}
		out = append(out, page.Items...)
		if want > 0 && len(out) >= want {
			break
		}
	}
	return out, nil
}
