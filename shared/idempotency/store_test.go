package idempotency_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// dynamoStore returns a DynamoDB store over a fresh table in the package's DynamoDB Local.
func dynamoStore(t *testing.T) *idempotency.DynamoDB {
	t.Helper()
	d := testenv.DynamoDB(t)
	db := d.Client()
	name := testenv.DynamoDBTablePrefix(t) + dynamo.TableIdempotency
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := dynamo.CreateIdempotencyTable(ctx, db, name); err != nil {
		t.Fatalf("CreateIdempotencyTable(%s) = %v, want nil", name, err)
	}
	return idempotency.NewDynamoDB(db, name)
}

type namedStore struct {
	name string
	open func(t *testing.T) idempotency.Store
}

func stores() []namedStore {
	return []namedStore{
		{"memory", func(*testing.T) idempotency.Store { return idempotency.NewMemory() }},
		{"dynamodb", func(t *testing.T) idempotency.Store { return dynamoStore(t) }},
	}
}

// TestStoreConformance runs the Store contract against every implementation.
func TestStoreConformance(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	rec := func(token string, at time.Time) idempotency.Record {
		return idempotency.Record{Fingerprint: "fp-1", Token: token, State: idempotency.StateInProgress,
			LockedUntil: at.Add(30 * time.Second), ExpiresAt: at.Add(24 * time.Hour)}
	}
	for _, st := range stores() {
		t.Run(st.name, func(t *testing.T) {
			s := st.open(t)
			ctx := context.Background()

			t.Run("acquire new key", func(t *testing.T) {
				if old, err := s.Acquire(ctx, "k-new", rec("a", t0), t0); err != nil || old != nil {
					t.Fatalf("Acquire(k-new) = %v, %v, want nil, nil", old, err)
				}
			})
			t.Run("second acquire sees in-progress record", func(t *testing.T) {
				old, err := s.Acquire(ctx, "k-new", rec("b", t0), t0.Add(time.Second))
				if err != nil || old == nil {
					t.Fatalf("Acquire(k-new again) = %v, %v, want the live record", old, err)
				}
				if old.State != idempotency.StateInProgress || old.Token != "a" || old.Fingerprint != "fp-1" {
					t.Errorf("Acquire(k-new again) = %+v, want in_progress with token a and fp-1", old)
				}
			})
			t.Run("complete with a foreign token is lost", func(t *testing.T) {
				done := rec("zzz", t0)
				done.State = idempotency.StateCompleted
				if err := s.Complete(ctx, "k-new", done); !errors.Is(err, idempotency.ErrLost) {
					t.Errorf("Complete(foreign token) = %v, want ErrLost", err)
				}
			})
			t.Run("complete then replay", func(t *testing.T) {
				done := rec("a", t0)
				done.State, done.Status, done.Body = idempotency.StateCompleted, 201, []byte(`{"id":"x"}`)
				done.Header = http.Header{"Content-Type": {"application/json"}, "Location": {"/v1/orders/x"}}
				if err := s.Complete(ctx, "k-new", done); err != nil {
					t.Fatalf("Complete(k-new) = %v, want nil", err)
				}
				old, err := s.Acquire(ctx, "k-new", rec("c", t0), t0.Add(time.Hour))
				if err != nil || old == nil {
					t.Fatalf("Acquire(after complete) = %v, %v, want the completed record", old, err)
				}
				if old.State != idempotency.StateCompleted || old.Status != 201 || string(old.Body) != `{"id":"x"}` ||
					old.Header.Get("Location") != "/v1/orders/x" || old.Header.Get("Content-Type") != "application/json" {
					t.Errorf("Acquire(after complete) = %+v, want the stored 201 response", old)
				}
			})
			t.Run("completed record expires", func(t *testing.T) {
				if old, err := s.Acquire(ctx, "k-new", rec("d", t0.Add(25*time.Hour)), t0.Add(25*time.Hour)); err != nil || old != nil {
					t.Errorf("Acquire(after TTL) = %+v, %v, want nil, nil", old, err)
				}
			})
			t.Run("lease ends and another attempt takes over", func(t *testing.T) {
				if _, err := s.Acquire(ctx, "k-lease", rec("first", t0), t0); err != nil {
					t.Fatal(err)
				}
				later := t0.Add(31 * time.Second)
				if old, err := s.Acquire(ctx, "k-lease", rec("second", later), later); err != nil || old != nil {
					t.Fatalf("Acquire(after lease) = %+v, %v, want nil, nil", old, err)
				}
				done := rec("first", t0)
				done.State, done.Status = idempotency.StateCompleted, 201
				if err := s.Complete(ctx, "k-lease", done); !errors.Is(err, idempotency.ErrLost) {
					t.Errorf("Complete(stale attempt) = %v, want ErrLost", err)
				}
				if err := s.Release(ctx, "k-lease", "first"); !errors.Is(err, idempotency.ErrLost) {
					t.Errorf("Release(stale attempt) = %v, want ErrLost", err)
				}
			})
			t.Run("release lets the key run again", func(t *testing.T) {
				if _, err := s.Acquire(ctx, "k-rel", rec("r1", t0), t0); err != nil {
					t.Fatal(err)
				}
				if err := s.Release(ctx, "k-rel", "r1"); err != nil {
					t.Fatalf("Release(k-rel) = %v, want nil", err)
				}
				if old, err := s.Acquire(ctx, "k-rel", rec("r2", t0), t0); err != nil || old != nil {
					t.Errorf("Acquire(after release) = %+v, %v, want nil, nil", old, err)
				}
				if err := s.Release(ctx, "k-missing", "r1"); !errors.Is(err, idempotency.ErrLost) {
					t.Errorf("Release(missing key) = %v, want ErrLost", err)
				}
			})
		})
	}
}
