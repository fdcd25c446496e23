//go:build !bff.lambda

package store

import (
	"context"
	"fmt"
	"log/slog"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/faults"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/projector"
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

// EventBus is the in-process order event bus (events.Bus).
type EventBus = events.Bus

type embeddedParts struct {
	catalog    catalog.Backend
	customers  customers.Backend
	orders     orders.Backend
	readModels readmodels.Backend
	faults     *FaultInjector
	events     *EventBus
}

// openEmbedded seeds a new embedded store, projects the seeded orders into fresh read models,
// then turns every later order change into an order event on an in-process bus whose
// projector subscriber keeps the read models (what the stream, EventBridge and the projector
// Lambda do in AWS, with the same projector code), and switches cfg.Faults on.
func openEmbedded(ctx context.Context, cfg Config) (embeddedParts, error) {
	inj := faults.New(nil, 1)
	s := embedded.New(inj)
	cb, ub, ob := s.Catalog(), s.Customers(), s.Orders()
	if err := seed.Load(ctx, seed.Backends{Catalog: cb, Customers: ub, Orders: ob}, seed.Generate()); err != nil {
		return embeddedParts{}, fmt.Errorf("seed embedded data: %w", err)
	}
	rm := embedded.NewReadModels()
	proj := projector.New(rm, cfg.ReadModels, nil)
	for _, o := range s.AllOrders() { // the rebuild of an empty read model
		if err := proj.Handle(ctx, events.Snapshot(o)); err != nil {
			return embeddedParts{}, fmt.Errorf("project seeded orders: %w", err)
		}
	}
	bus := events.NewBus(slog.Default(), events.Retry{})
	bus.Subscribe("projector", proj.Handle)
	s.OnOrderChange(func(old *orders.Order, cur orders.Order) {
		if e := events.FromChange(old, cur); e != nil {
			bus.Publish(ctx, *e)
		}
	})
	for name, r := range cfg.Faults { // switched on after seeding, which must not fail
		inj.Set(name, r)
	}
	return embeddedParts{catalog: cb, customers: ub, orders: ob, readModels: rm, faults: inj, events: bus}, nil
}
