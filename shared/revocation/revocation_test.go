package revocation_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// dynamoStores returns two DynamoDB stores (two instances) over one fresh table in the
// package's DynamoDB Local.
func dynamoStores(t *testing.T) (revocation.Store, revocation.Store) {
	t.Helper()
	db := testenv.DynamoDB(t).Client()
	name := testenv.DynamoDBTablePrefix(t) + revocation.TableLogical
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := revocation.CreateTable(ctx, db, name); err != nil {
		t.Fatalf("CreateTable(%s) = %v, want nil", name, err)
	}
	return revocation.NewDynamoDB(db, name), revocation.NewDynamoDB(db, name)
}

// TestStoreConformance runs the Store contract against both implementations: a revoked id
// is reported by the same and by a second store on the same data (another instance), other
// ids are not, revoking twice is fine, an empty id is refused.
func TestStoreConformance(t *testing.T) {
	stores := []struct {
		name string
		open func(t *testing.T) (revocation.Store, revocation.Store)
	}{
		{"memory", func(*testing.T) (revocation.Store, revocation.Store) { m := revocation.NewMemory(); return m, m }},
		{"dynamodb", dynamoStores},
	}
	until := time.Now().Add(12 * time.Hour)
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			s, other := st.open(t)
			ctx := context.Background()
			if got, err := s.Revoked(ctx, "sid-1"); got || err != nil {
				t.Fatalf("Revoked(sid-1) before Revoke = %v, %v, want false, nil", got, err)
			}
			if err := s.Revoke(ctx, "sid-1", until); err != nil {
				t.Fatalf("Revoke(sid-1) = %v, want nil", err)
			}
			for _, tt := range []struct {
				id   string
				want bool
			}{{"sid-1", true}, {"sid-2", false}, {"sid-10", false}} {
				if got, err := other.Revoked(ctx, tt.id); got != tt.want || err != nil {
					t.Errorf("Revoked(%s) = %v, %v, want %v, nil", tt.id, got, err, tt.want)
				}
			}
			if err := s.Revoke(ctx, "sid-1", until.Add(-time.Hour)); err != nil {
				t.Errorf("Revoke(sid-1) again = %v, want nil", err)
			}
			if got, err := other.Revoked(ctx, "sid-1"); !got || err != nil {
				t.Errorf("Revoked(sid-1) after a second Revoke = %v, %v, want true, nil", got, err)
			}
			if err := s.Revoke(ctx, "", until); !errors.Is(err, revocation.ErrEmptyID) {
				t.Errorf("Revoke(\"\") = %v, want ErrEmptyID", err)
			}
			if _, err := s.Revoked(ctx, ""); !errors.Is(err, revocation.ErrEmptyID) {
				t.Errorf("Revoked(\"\") = %v, want ErrEmptyID", err)
			}
		})
	}
}

// TestDynamoDBUnavailable: without its table the store fails with domain.ErrUnavailable, so
// the session layer refuses (503) instead of accepting a session it cannot check.
func TestDynamoDBUnavailable(t *testing.T) {
	s := revocation.NewDynamoDB(testenv.DynamoDB(t).Client(), testenv.DynamoDBTablePrefix(t)+"missing")
	ctx := context.Background()
	if _, err := s.Revoked(ctx, "sid-1"); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Revoked on a missing table = %v, want ErrUnavailable", err)
	}
	if err := s.Revoke(ctx, "sid-1", time.Now().Add(time.Hour)); !errors.Is(err, domain.ErrUnavailable) {
		t.Errorf("Revoke on a missing table = %v, want ErrUnavailable", err)
	}
}
