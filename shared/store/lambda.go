//go:build bff.lambda

package store

import (
	"context"
	"errors"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
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

func openEmbedded(context.Context, Config) (catalog.Backend, customers.Backend, orders.Backend, *FaultInjector, error) {
	return nil, nil, nil, nil, errors.New("BFF_DATA_BACKEND: embedded is not in Lambda builds")
}

func newEmbeddedLedger() payments.Ledger { return nil }
