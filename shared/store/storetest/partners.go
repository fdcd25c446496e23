package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/partners"
)

// RunPartners is the conformance suite of partner registry backends; b must be empty.
func RunPartners(t *testing.T, b partners.Backend) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	acme := partners.Partner{ID: "acme", Name: "Acme", ClientID: "client1acme", Scopes: []string{"partner-api/catalog.read", "partner-api/orders.write"},
		RateTier: "silver", Status: partners.StatusActive, APIKeyID: "key1", ManagedBy: partners.ManagedByBffdeploy, CreatedAt: at, UpdatedAt: at}
	rotated := acme
	rotated.ClientID, rotated.Scopes, rotated.APIKeyID = "client2acme", nil, ""
	globex := partners.Partner{ID: "globex", Name: "Globex", ClientID: "client1globex", RateTier: "gold", Status: partners.StatusSuspended}

	if _, err := b.GetByClient(ctx, acme.ClientID); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("GetByClient(unknown) = %v, want ErrNotFound", err)
	}
	for _, p := range []partners.Partner{acme, rotated, globex} {
		if err := b.Create(ctx, p); err != nil {
			t.Fatalf("Create(%s/%s) = %v, want nil", p.ID, p.ClientID, err)
		}
	}
	dup := globex
	dup.ClientID = acme.ClientID
	if err := b.Create(ctx, dup); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Create(taken client id) = %v, want ErrConflict", err)
	}
	bad := acme
	bad.ClientID, bad.Status = "client3acme", "paused"
	var ve *domain.ValidationError
	if err := b.Create(ctx, bad); !errors.As(err, &ve) {
		t.Errorf("Create(status paused) = %v, want a validation error", err)
	}

	got, err := b.GetByClient(ctx, acme.ClientID)
	if err != nil || !samePartner(got, acme) {
		t.Errorf("GetByClient(%s) = %+v, %v, want %+v", acme.ClientID, got, err, acme)
	}
	if got, err := b.GetByClient(ctx, dup.ClientID); err != nil || got.ID != acme.ID {
		t.Errorf("GetByClient after a refused Create = %+v, %v, want acme unchanged", got, err)
	}

	// The by_partner index is eventually consistent on DynamoDB; DynamoDB Local answers at once.
	list, err := b.ListByPartner(ctx, "acme")
	if err != nil || len(list) != 2 || list[0].ClientID != acme.ClientID || list[1].ClientID != rotated.ClientID {
		t.Errorf("ListByPartner(acme) = %+v, %v, want its two clients in client id order", list, err)
	}
	if list, err := b.ListByPartner(ctx, "nobody"); err != nil || len(list) != 0 {
		t.Errorf("ListByPartner(nobody) = %+v, %v, want none", list, err)
	}
	all, err := b.List(ctx)
	var ids []string
	for _, p := range all {
		ids = append(ids, p.ID+"/"+p.ClientID)
	}
	if want := []string{"acme/client1acme", "acme/client2acme", "globex/client1globex"}; err != nil || !slices.Equal(ids, want) {
		t.Errorf("List() = %q, %v, want %q", ids, err, want)
	}

	later := at.Add(time.Hour)
	p, err := b.SetStatus(ctx, acme.ClientID, partners.StatusSuspended, later)
	if err != nil || p.Status != partners.StatusSuspended || !p.UpdatedAt.Equal(later) || !p.CreatedAt.Equal(at) || p.Name != acme.Name {
		t.Errorf("SetStatus(suspended) = %+v, %v, want suspended, updated at %s, the rest kept", p, err, later)
	}
	if got, _ := b.GetByClient(ctx, acme.ClientID); got.Status != partners.StatusSuspended {
		t.Errorf("GetByClient after SetStatus = %+v, want suspended", got)
	}
	if _, err := b.SetStatus(ctx, "nobody", partners.StatusSuspended, later); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("SetStatus(unknown client) = %v, want ErrNotFound", err)
	}
	if _, err := b.GetByClient(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("GetByClient(nobody) after SetStatus = %v, want ErrNotFound (no record created)", err)
	}
	if _, err := b.SetStatus(ctx, globex.ClientID, "paused", later); !errors.As(err, &ve) {
		t.Errorf("SetStatus(paused) = %v, want a validation error", err)
	}
}

func samePartner(a, b partners.Partner) bool {
	return a.ID == b.ID && a.Name == b.Name && a.ClientID == b.ClientID && slices.Equal(a.Scopes, b.Scopes) &&
		a.RateTier == b.RateTier && a.Status == b.Status && a.APIKeyID == b.APIKeyID && a.ManagedBy == b.ManagedBy &&
		a.CreatedAt.Equal(b.CreatedAt) && a.UpdatedAt.Equal(b.UpdatedAt)
}
