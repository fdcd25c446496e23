package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Options build a Verifier without environment configuration (local IdP, tests).
type Options struct {
	// Issuer the iss claim must equal exactly.
	Issuer string
	// ClientIDs allowed by default (client_id of access tokens, aud of ID tokens).
	ClientIDs []string
	// ClientRegistry allows an empty ClientIDs: the caller's routes check clients themselves
	// (Access.AnyClient) or name them (Access.Clients); other routes then accept no token.
	ClientRegistry bool
	// Leeway on exp, nbf and iat.
	Leeway time.Duration
	// Keys is the key cache; required.
	Keys *KeySet
	// TrustAuthorizer: see Config.TrustAuthorizer.
	TrustAuthorizer bool
	// Now replaces the clock (tests).
	Now func() time.Time
	// CacheSize bounds the cache of verified tokens (see tokenCache): 0 means
	// DefaultTokenCacheSize, a negative value turns the cache off.
	CacheSize int
}

// Verifier verifies Cognito user pool tokens. It is safe for concurrent use; build it once.
type Verifier struct {
	issuer          string
	clients         []string
	leeway          time.Duration
	keys            *KeySet
	trustAuthorizer bool
	now             func() time.Time
	cache           *tokenCache // nil: off
}

// NewVerifier builds a Verifier from options.
func NewVerifier(o Options) (*Verifier, error) {
	if o.Issuer == "" {
		return nil, errors.New("new verifier: issuer is required")
	}
	if o.Keys == nil {
		return nil, errors.New("new verifier: key set is required")
	}
	if len(o.ClientIDs) == 0 && !o.ClientRegistry {
		return nil, errors.New("new verifier: at least one client ID is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultTokenCacheSize
	}
	return &Verifier{issuer: o.Issuer, clients: slices.Clone(o.ClientIDs), leeway: o.Leeway, keys: o.Keys,
		trustAuthorizer: o.TrustAuthorizer, now: o.Now, cache: newTokenCache(o.CacheSize)}, nil
}

// New builds the Verifier of a Cognito user pool from configuration. The key cache is
// prewarmed from BFF_COGNITO_JWKS or BFF_COGNITO_JWKS_FILE when set, so the first request of a
// cold start needs no network call. In local mode (no pool) use NewVerifier with the local IdP's
// issuer and JWKS instead.
func New(cfg Config) (*Verifier, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Local() {
		return nil, errors.New("BFF_COGNITO_USER_POOL_ID: not set; build the verifier of the local IdP with NewVerifier")
	}
	if len(cfg.AllowedClients()) == 0 && !cfg.ClientRegistry {
		return nil, errors.New("BFF_COGNITO_CLIENT_IDS: at least one app client ID is required when a user pool is configured")
	}
	doc, err := cfg.PrewarmJWKS()
	if err != nil {
		return nil, err
	}
	keys, err := NewKeySet(KeySetOptions{URL: cfg.JWKSEndpoint(), RefetchInterval: cfg.JWKSRefetchInterval, Prewarm: doc})
	if err != nil {
		return nil, fmt.Errorf("BFF_COGNITO_JWKS: %w", err)
	}
	return NewVerifier(Options{Issuer: cfg.IssuerURL(), ClientIDs: cfg.AllowedClients(), ClientRegistry: cfg.ClientRegistry, Leeway: cfg.Leeway, Keys: keys,
		TrustAuthorizer: cfg.TrustAuthorizer, CacheSize: cacheSize(cfg.TokenCacheSize)})
}

// cacheSize maps BFF_TOKEN_CACHE_SIZE (0: off) to Options.CacheSize (0: default, <0: off).
func cacheSize(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// Access is what a route requires of a token.
type Access struct {
	// Use is the required token_use; default UseAccess.
	Use TokenUse
	// Clients overrides the verifier's allowed app clients for this route when not empty.
	Clients []string
	// AnyClient accepts access tokens of any app client of the user pool: the route checks
	// Principal.ClientID itself, against a registry (bff-partner). It never applies to ID tokens.
	AnyClient bool
	// Scopes the token must all carry (403 insufficient_scope otherwise).
	Scopes []string
	// Groups of which the principal must be in at least one (403 forbidden otherwise).
	Groups []string
	// UsersOnly rejects machine (client_credentials) tokens; MachinesOnly rejects user tokens.
	UsersOnly, MachinesOnly bool
}

// Verify checks a raw token against the verifier and a: size, structure, RS256 signature with
// a key of this issuer whose alg matches, iss, token_use, client, exp/nbf/iat with leeway, then
// scopes and groups. Errors wrap ErrInvalidToken (401), ErrKeysUnavailable (401),
// ErrInsufficientScope (403) or ErrForbidden (403).
//
// The claims of a token whose signature verified are cached by the token's SHA-256 until its
// exp (bounded, see Options.CacheSize); a cached token skips parsing and the signature check,
// never the claim checks.
func (v *Verifier) Verify(ctx context.Context, raw string, a Access) (*Principal, error) {
	var key [32]byte
	var c *claims
	if v.cache != nil && len(raw) <= MaxTokenSize {
		key = sha256.Sum256([]byte(raw))
		if e, ok := v.cache.get(key, v.now()); ok && v.keys.holds(e.kid, e.key) {
			c = e.claims
		}
	}
	if c == nil {
		t, err := parse(raw)
		if err != nil {
			return nil, err
		}
		k, err := v.keys.key(ctx, t.header.Kid)
		if err != nil {
			return nil, err
		}
		if err := t.verifySignature(k); err != nil {
			return nil, err
		}
		if c, err = t.claims(); err != nil {
			return nil, err
		}
		if v.cache != nil && c.Exp != nil && len(raw) <= MaxTokenSize {
			now := v.now()
			if until := time.Unix(int64(*c.Exp), 0).Add(v.leeway); now.Before(until) {
				v.cache.put(key, cachedToken{claims: c, until: until, kid: t.header.Kid, key: k.key}, now)
			}
		}
	}
	p, err := v.check(c, a)
	if err != nil {
		return nil, err
	}
	if err := authorize(p, a); err != nil {
		return nil, err
	}
	return p, nil
}

func (v *Verifier) check(c *claims, a Access) (*Principal, error) {
	if c.Iss != v.issuer {
		return nil, invalid("wrong issuer")
	}
	if c.Sub == "" {
		return nil, invalid("missing sub")
	}
	use := a.Use
	if use == "" {
		use = UseAccess
	}
	if TokenUse(c.TokenUse) != use {
		return nil, invalid("token_use " + truncate(c.TokenUse) + " where " + string(use) + " is required")
	}
	allowed := v.clients
	if len(a.Clients) > 0 {
		allowed = a.Clients
	}
	p := &Principal{Subject: c.Sub, TokenUse: use, Groups: slices.Clip(c.Groups), Email: c.Email, TokenID: c.Jti, Issuer: c.Iss}
	switch use {
	case UseAccess:
		if len(c.Aud) > 0 {
			return nil, invalid("access token carries aud")
		}
		if !a.AnyClient && !slices.Contains(allowed, c.ClientID) {
			return nil, invalid("client_id not allowed")
		}
		p.ClientID, p.Username = c.ClientID, c.Username
		if c.Scope != "" {
			p.Scopes = strings.Fields(c.Scope)
		}
		// Cognito M2M tokens: sub is the app client ID and there is no username.
		p.Machine = c.Username == "" && c.Sub == c.ClientID
		if c.Username == "" && !p.Machine {
			return nil, invalid("access token without username")
		}
	case UseID:
		if len(c.Aud) != 1 || !slices.Contains(allowed, c.Aud[0]) {
			return nil, invalid("aud not allowed")
		}
		p.ClientID, p.Username = c.Aud[0], c.CognitoUsername
		p.EmailVerified = c.EmailVerified == true || c.EmailVerified == "true"
	}
	if c.Exp == nil || c.Iat == nil {
		return nil, invalid("missing exp or iat")
	}
	now := v.now()
	if now.After(time.Unix(int64(*c.Exp), 0).Add(v.leeway)) {
		return nil, invalid("expired")
	}
	if c.Nbf != nil && now.Add(v.leeway).Before(time.Unix(int64(*c.Nbf), 0)) {
		return nil, invalid("not yet valid (nbf)")
	}
	if now.Add(v.leeway).Before(time.Unix(int64(*c.Iat), 0)) {
		return nil, invalid("issued in the future (iat)")
	}
	p.IssuedAt, p.ExpiresAt = time.Unix(int64(*c.Iat), 0), time.Unix(int64(*c.Exp), 0)
	if c.AuthTime != nil {
		p.AuthTime = time.Unix(int64(*c.AuthTime), 0)
	}
	return p, nil
}

// authorize applies the route's scope, group and principal-kind requirements.
func authorize(p *Principal, a Access) error {
	if a.UsersOnly && p.Machine {
		return &Error{Kind: ErrForbidden, Reason: "machine client on a user route"}
	}
	if a.MachinesOnly && !p.Machine {
		return &Error{Kind: ErrForbidden, Reason: "user token on a machine-client route"}
	}
	if miss := p.missingScopes(a.Scopes); len(miss) > 0 {
		return &Error{Kind: ErrInsufficientScope, Reason: "missing scopes " + strings.Join(miss, " "), Scopes: a.Scopes}
	}
	if len(a.Groups) > 0 && !slices.ContainsFunc(a.Groups, p.InGroup) {
		return &Error{Kind: ErrForbidden, Reason: "not in groups " + strings.Join(a.Groups, ",")}
	}
	return nil
}
