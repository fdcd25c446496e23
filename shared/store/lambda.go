//go:build bff.lambda

package store

import (
	"context"
	"errors"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/readmodels"
)

// Lambda builds (tag bff.lambda) hold only the DynamoDB backend: the embedded store, its seed
// data and the fault injector are in dev.go, which they leave out.

const embeddedBuilt = false

// FaultsConfig only notices BFF_FAULTS in Lambda builds, so Validate can refuse it.
type FaultsConfig struct{ value string }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *FaultsConfig) UnmarshalText(b []byte) error {
	c.value = string(b)
	return nil
}

// MarshalText implements encoding.TextMarshaler.
func (c FaultsConfig) MarshalText() ([]byte, error) { return []byte(c.value), nil }

func faultsSet(c FaultsConfig) bool { return c.value != "" }

// FaultInjector has no value in Lambda builds (Clients.Faults is always nil).
type FaultInjector struct{}

// EventBus has no value in Lambda builds (Clients.Events is always nil): events flow through
// the orders stream and EventBridge there.
type EventBus struct{}

type embeddedParts struct {
	catalog    catalog.Backend
	customers  customers.Backend
	orders     orders.Backend
	readModels readmodels.Backend
	faults     *FaultInjector
	events     *EventBus
}

func openEmbedded(context.Context, Config) (embeddedParts, error) {
	return embeddedParts{}, errors.New("BFF_DATA_BACKEND: embedded is not in Lambda builds")
}
