// Package customers is the customer profile domain client. A profile is keyed by the Cognito
// `sub` of the signed-in user. Construct a *Client with New over a Backend; BFFs declare the
// narrow interface they use (e.g. GetCustomer only).
//
// Errors wrap shared/domain sentinels: domain.ErrNotFound, domain.ErrConflict (a concurrent
// update won twice in a row), domain.ErrUnavailable, and *domain.ValidationError.
package customers

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"

	"time"
	"unicode/utf8"

	"bffsuite.dev/shared/domain"
)

// Tiers of the loyalty programme.
const (
	TierStandard = "standard"
	TierSilver   = "silver"
	TierGold     = "gold"
)

// Address is a postal address.
type Address struct {
	Label      string `json:"label,omitempty"` // "home", "work"
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	Line2      string `json:"line2,omitempty"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	Default    bool   `json:"default,omitempty"`
}

// Preferences are the customer's settings.
type Preferences struct {
	Language   string // BCP 47, e.g. "en", "de-AT"
	Currency   string // ISO 4217
	Newsletter bool
	Categories []string // favourite category ids
}

// Customer is a profile.
type Customer struct {
	ID          string // Cognito sub
	Email       string
	Name        string
	Addresses   []Address
	Preferences Preferences
	Tier        string
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64 // optimistic concurrency; starts at 1
}

// Clone returns a deep copy.
func (c Customer) Clone() Customer {
	c.Addresses = slices.Clone(c.Addresses)
	c.Preferences.Categories = slices.Clone(c.Preferences.Categories)
	return c
}

// Backend is what a storage backend implements for customers.
type Backend interface {
	GetCustomer(ctx context.Context, id string) (Customer, error)
	// PutCustomer writes c when the stored version equals expectVersion (0: must not exist);
	// otherwise it returns an error wrapping domain.ErrConflict.
	PutCustomer(ctx context.Context, c Customer, expectVersion int64) error
}

// ProfileUpdate changes a profile; nil fields are left as they are.
type ProfileUpdate struct {
	Name        *string      `json:"name,omitempty"`
	Email       *string      `json:"email,omitempty"`
	Addresses   *[]Address   `json:"addresses,omitempty"`
	Preferences *Preferences `json:"preferences,omitempty"`
}

// Limits of a profile.
const (
	MaxAddresses = 10
	MaxIDLength  = 128
	maxField     = 200
)

// Client is the customers domain client; safe for concurrent use.
type Client struct {
	b   Backend
	now func() time.Time
}

// New returns a Client over b; now may be nil (time.Now).
func New(b Backend, now func() time.Time) *Client {
	if now == nil {
		now = time.Now
	}
	return &Client{b: b, now: now}
}

func validSub(sub string) error {
	if sub == "" || len(sub) > MaxIDLength || !utf8.ValidString(sub) || strings.ContainsAny(sub, "#\x00") {
		v := &domain.ValidationError{}
		v.Add("sub", "invalid", "is not a valid subject identifier")
		return v
	}
	return nil
}

// GetCustomer returns the profile of sub.
func (c *Client) GetCustomer(ctx context.Context, sub string) (Customer, error) {
	if err := validSub(sub); err != nil {
		return Customer{}, err
	}
	cu, err := c.b.GetCustomer(ctx, sub)
	if err != nil {
		return Customer{}, fmt.Errorf("get customer %s: %w", sub, err)
	}
	return cu.Clone(), nil
}

// EnsureCustomer returns the profile of sub, creating it on first sign-in with email and name.
func (c *Client) EnsureCustomer(ctx context.Context, sub, email, name string) (Customer, error) {
	if err := validSub(sub); err != nil {
		return Customer{}, err
	}
	cu, err := c.b.GetCustomer(ctx, sub)
	if err == nil {
		return cu.Clone(), nil
	}
	if !errors.Is(err, domain.ErrNotFound) {
		return Customer{}, fmt.Errorf("ensure customer %s: %w", sub, err)
	}
	now := c.now().UTC()
	cu = Customer{ID: sub, Email: email, Name: name, Addresses: []Address{}, Tier: TierStandard,
		Preferences: Preferences{Language: "en", Currency: "EUR"}, CreatedAt: now, UpdatedAt: now, Version: 1}
	if err := Validate(cu); err != nil {
		return Customer{}, err
	}
	switch err := c.b.PutCustomer(ctx, cu, 0); {
	case err == nil:
		return cu, nil
	case errors.Is(err, domain.ErrConflict): // a concurrent first sign-in created it
		return c.GetCustomer(ctx, sub)
	default:
		return Customer{}, fmt.Errorf("create customer %s: %w", sub, err)
	}
}

// UpdateProfile applies u to the profile of sub and returns the result. A concurrent update is
// retried against the fresh profile; if it keeps losing, the error wraps domain.ErrConflict.
func (c *Client) UpdateProfile(ctx context.Context, sub string, u ProfileUpdate) (Customer, error) {
	if err := validSub(sub); err != nil {
		return Customer{}, err
	}
	var err error
	for range 3 {
		var cu Customer
		cu, err = c.b.GetCustomer(ctx, sub)
		if err != nil {
			return Customer{}, fmt.Errorf("update customer %s: %w", sub, err)
		}
		next := cu.Clone()
		if u.Name != nil {
			next.Name = strings.TrimSpace(*u.Name)
		}
		if u.Email != nil {
			next.Email = strings.TrimSpace(*u.Email)
		}
		if u.Addresses != nil {
			next.Addresses = slices.Clone(*u.Addresses)
		}
		if u.Preferences != nil {
			next.Preferences = *u.Preferences
			next.Preferences.Categories = slices.Clone(u.Preferences.Categories)
		}
		if err := Validate(next); err != nil {
			return Customer{}, err
		}
		next.Version = cu.Version + 1
		next.UpdatedAt = c.now().UTC()
		if err = c.b.PutCustomer(ctx, next, cu.Version); err == nil {
			return next, nil
		}
		if !errors.Is(err, domain.ErrConflict) {
			return Customer{}, fmt.Errorf("update customer %s: %w", sub, err)
		}
	}
	return Customer{}, fmt.Errorf("update customer %s: %w", sub, err)
}

// Validate checks a profile and names every invalid field.
func Validate(cu Customer) error {
	v := &domain.ValidationError{}
	if cu.Email != "" {
		if a, err := mail.ParseAddress(cu.Email); err != nil || a.Address != cu.Email || len(cu.Email) > maxField {
			v.Add("email", "invalid", "must be an email address")
		}
	}
	if len(cu.Name) > maxField || !utf8.ValidString(cu.Name) {
		v.Add("name", "invalid", fmt.Sprintf("must be text of at most %d bytes", maxField))
	}
	if len(cu.Addresses) > MaxAddresses {
		v.Add("addresses", "too_many", fmt.Sprintf("at most %d addresses", MaxAddresses))
	}
	defaults := 0
	for i, a := range cu.Addresses {
		ValidateAddress(v, fmt.Sprintf("addresses[%d]", i), a)
		if a.Default {
			defaults++
		}
	}
	if defaults > 1 {
		v.Add("addresses", "invalid", "at most one default address")
	}
	p := cu.Preferences
	if p.Language != "" && (len(p.Language) < 2 || len(p.Language) > 35) {
		v.Add("preferences.language", "invalid", "must be a BCP 47 language tag")
	}
	if p.Currency != "" && (len(p.Currency) != 3 || strings.ToUpper(p.Currency) != p.Currency) {
		v.Add("preferences.currency", "invalid", "must be an ISO 4217 code such as EUR")
	}
	if len(p.Categories) > 20 {
		v.Add("preferences.categories", "too_many", "at most 20 categories")
	}
	switch cu.Tier {
	case "", TierStandard, TierSilver, TierGold:
	default:
		v.Add("tier", "invalid", "must be standard, silver or gold")
	}
	return v.Err()
}

// ValidateAddress adds the invalid fields of a, prefixed with path, to v.
func ValidateAddress(v *domain.ValidationError, path string, a Address) {
	req := func(name, val string) {
		switch {
		case strings.TrimSpace(val) == "":
			v.Add(path+"."+name, "required", "must not be empty")
		case len(val) > maxField || !utf8.ValidString(val):
			v.Add(path+"."+name, "invalid", fmt.Sprintf("must be text of at most %d bytes", maxField))
		}
	}
	req("name", a.Name)
	req("line1", a.Line1)
	req("city", a.City)
	req("postal_code", a.PostalCode)
	if len(a.Line2) > maxField {
		v.Add(path+".line2", "invalid", fmt.Sprintf("must be text of at most %d bytes", maxField))
	}
	if len(a.Country) != 2 || strings.ToUpper(a.Country) != a.Country {
		v.Add(path+".country", "invalid", "must be an ISO 3166-1 alpha-2 code such as DE")
	}
}
