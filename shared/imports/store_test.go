package imports

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// TestStores runs the same checks on the in-memory and the DynamoDB store.
func TestStores(t *testing.T) {
	for _, tc := range []struct {
		name string
		open func(t *testing.T) Store
	}{
		{"memory", func(*testing.T) Store { return NewMemory() }},
		{"dynamodb", func(t *testing.T) Store {
			d := testenv.DynamoDB(t)
			name := testenv.DynamoDBTablePrefix(t) + "imports"
			if err := CreateTable(context.Background(), d.Client(), name); err != nil {
				t.Fatal(err)
			}
			return NewDynamoDB(d.Client(), name)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := tc.open(t)
			ctx := context.Background()
			base := time.Date(2026, 1, 9, 3, 0, 0, 0, time.UTC)
			var ids []string
			for i := range 5 {
				at := base.Add(time.Duration(i) * time.Second)
				imp := Import{ID: NewID(at), PartnerID: "acme", Kind: KindInventory, Format: FormatCSV, SizeBytes: 10,
					Status: StatusAwaitingUpload, CreatedAt: at, UpdatedAt: at, Version: 1}
				if err := st.Create(ctx, imp); err != nil {
					t.Fatal(err)
				}
				ids = append(ids, imp.ID)
				if err := st.Create(ctx, imp); !errors.Is(err, domain.ErrConflict) {
					t.Errorf("second Create = %v, want ErrConflict", err)
				}
			}
			if err := st.Create(ctx, Import{ID: NewID(base), PartnerID: "globex", CreatedAt: base, Version: 1}); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Get(ctx, "globex", ids[0]); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("Get of another partner's id = %v, want ErrNotFound", err)
			}
			page, more, err := st.List(ctx, "acme", "", 3)
			if err != nil || !more || len(page) != 3 || page[0].ID != ids[4] || page[2].ID != ids[2] {
				t.Fatalf("List first page = %d items (more %v, %v), want the 3 newest", len(page), more, err)
			}
			page, more, err = st.List(ctx, "acme", page[2].ID, 3)
			if err != nil || more || len(page) != 2 || page[0].ID != ids[1] {
				t.Errorf("List second page = %d items (more %v, %v), want the 2 oldest", len(page), more, err)
			}
			got, err := st.Get(ctx, "acme", ids[0])
			if err != nil {
				t.Fatal(err)
			}
			upd := got
			upd.Version, upd.Status, upd.Offset, upd.Counts = 2, StatusProcessing, 123, Counts{Read: 4, Applied: 3, Rejected: 1}
			upd.LeaseOwner, upd.LeaseUntil = "me", base.Add(time.Minute)
			if err := st.Update(ctx, upd, 1); err != nil {
				t.Fatalf("Update from version 1 = %v", err)
			}
			if err := st.Update(ctx, upd, 1); !errors.Is(err, domain.ErrConflict) {
				t.Errorf("stale Update = %v, want ErrConflict", err)
			}
			back, _ := st.Get(ctx, "acme", ids[0])
			if back.Offset != 123 || back.Counts != upd.Counts || back.LeaseOwner != "me" || !back.LeaseUntil.Equal(upd.LeaseUntil) || back.Version != 2 {
				t.Errorf("after Update: %+v", back)
			}
		})
	}
}
