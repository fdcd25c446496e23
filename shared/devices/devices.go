// Package devices stores the push-notification tokens of the mobile apps: which signed-in
// customer a device token belongs to and on which platform. A token identifies one app
// installation, so it belongs to one customer at a time: registering it again (the same
// device after another user signs in) moves it to the new customer.
//
// Store has two implementations: Memory (in-process; local runs and tests) and DynamoDB (its
// own table, hash key "token", with a global secondary index "by_customer" on "customer_id";
// see TableSchema). A notification sender lists a customer's devices with List.
package devices

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"bffsuite.dev/shared/domain"
)

// Platforms.
const (
	PlatformIOS     = "ios"
	PlatformAndroid = "android"
)

// Limits.
const (
	MaxTokenLength = 4096 // FCM tokens are ~160 characters, APNs 64 hex; room for growth
	// MaxPerCustomer bounds the devices of one customer in Memory: registering more evicts
	// the least recently updated one. (DynamoDB does not bound them; a sender prunes tokens
	// the push service reports as unregistered.)
	MaxPerCustomer = 20
)

// Device is one registered app installation.
type Device struct {
	Token      string    `json:"token"`
	CustomerID string    `json:"customer_id"`
	Platform   string    `json:"platform"`
	AppVersion string    `json:"app_version,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
	// EndpointARN is the device's SNS mobile push platform endpoint (shared/push), when one
	// was created; empty otherwise.
	EndpointARN string `json:"endpoint_arn,omitempty"`
}

// Store keeps devices. Errors wrap shared/domain sentinels.
type Store interface {
	// Put registers d (creating or replacing the token's record) and reports whether the
	// token was new to this customer.
	Put(ctx context.Context, d Device) (created bool, err error)
	// Delete removes the token when it belongs to customerID; otherwise (unknown token or
	// another customer's) it returns an error wrapping domain.ErrNotFound.
	Delete(ctx context.Context, customerID, token string) error
	// List returns the customer's devices, most recently updated first.
	List(ctx context.Context, customerID string) ([]Device, error)
}

// Validate checks a device before it is stored.
func Validate(d Device) error {
	v := &domain.ValidationError{}
	ValidateToken(v, d.Token)
	if d.CustomerID == "" || len(d.CustomerID) > 128 {
		v.Add("customer_id", "invalid", "is not a valid customer id")
	}
	switch d.Platform {
	case PlatformIOS, PlatformAndroid:
	default:
		v.Add("platform", "invalid", "must be ios or android")
	}
	if len(d.AppVersion) > 64 {
		v.Add("app_version", "invalid", "at most 64 characters")
	}
	return v.Err()
}

// ValidateToken adds an error to v when token is not a plausible push token: 1 to
// MaxTokenLength printable ASCII characters without spaces.
func ValidateToken(v *domain.ValidationError, token string) {
	switch {
	case token == "":
		v.Add("token", "required", "must not be empty")
	case len(token) > MaxTokenLength || !utf8.ValidString(token) || strings.IndexFunc(token, func(r rune) bool { return r <= ' ' || r > '~' }) >= 0:
		v.Add("token", "invalid", fmt.Sprintf("must be 1 to %d printable ASCII characters", MaxTokenLength))
	}
}

// Memory is the in-process Store. Safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	byToken map[string]Device
}

// NewMemory returns an empty Memory store.
func NewMemory() *Memory { return &Memory{byToken: map[string]Device{}} }

var _ Store = (*Memory)(nil)

// Put implements Store.
func (m *Memory) Put(ctx context.Context, d Device) (bool, error) {
	if err := Validate(d); err != nil {
		return false, err
	}
	if err := ctx.Err(); err != nil {
		return false, fmt.Errorf("put device: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	prev, ok := m.byToken[d.Token]
	m.byToken[d.Token] = d
	mine := m.listLocked(d.CustomerID)
	for len(mine) > MaxPerCustomer {
		oldest := mine[len(mine)-1]
		delete(m.byToken, oldest.Token)
		mine = mine[:len(mine)-1]
	}
	return !ok || prev.CustomerID != d.CustomerID, nil
}

// Delete implements Store.
func (m *Memory) Delete(ctx context.Context, customerID, token string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("delete device: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.byToken[token]
	if !ok || d.CustomerID != customerID {
		return fmt.Errorf("delete device: %w", domain.ErrNotFound)
	}
	delete(m.byToken, token)
	return nil
}

// List implements Store.
func (m *Memory) List(ctx context.Context, customerID string) ([]Device, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.listLocked(customerID), nil
}

func (m *Memory) listLocked(customerID string) []Device {
	var out []Device
	for _, d := range m.byToken {
		if d.CustomerID == customerID {
			out = append(out, d)
		}
	}
	sortNewest(out)
	return out
}

func sortNewest(ds []Device) {
	slices.SortFunc(ds, func(a, b Device) int {
		if c := b.UpdatedAt.Compare(a.UpdatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
}
