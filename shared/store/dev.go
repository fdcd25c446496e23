//go:build !bff.lambda

package store

import (
	"context"
	"fmt"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// This file holds the local-only backend: the embedded store, its seed data and the fault
// injector. Lambda builds (tag bff.lambda, buildtags.Lambda) use lambda.go instead, so
// none of it is linked into a bootstrap.

// embeddedBuilt reports whether this build has the embedded backend.
const embeddedBuilt = true

// FaultsConfig is BFF_FAULTS (syntax in package faults).
type FaultsConfig = faults.Config

func faultsSet(c FaultsConfig) bool { return len(c) > 0 }

// FaultInjector is the embedded backend's fault injector.
type FaultInjector = faults.Injector

// openEmbedded seeds a new embedded store and switches cfg.Faults on after seeding.
func openEmbedded(ctx context.Context, cfg Config) (catalog.Backend, customers.Backend, orders.Backend, *FaultInjector, error) {
	inj := faults.New(nil, 1)
	s := embedded.New(inj)
	cb, ub, ob := s.Catalog(), s.Customers(), s.Orders()
	if err := seed.Load(ctx, seed.Backends{Catalog: cb, Customers: ub, Orders: ob}, seed.Generate()); err != nil {
		return nil, nil, nil, nil, fmt.Errorf("seed embedded data: %w", err)
	}
	for name, r := range cfg.Faults { // switched on after seeding, which must not fail
		inj.Set(name, r)
	}
	return cb, ub, ob, inj, nil
}

// newEmbeddedLedger is the in-memory payments ledger of the embedded backend.
func newEmbeddedLedger() payments.Ledger { return embedded.NewLedger() }
