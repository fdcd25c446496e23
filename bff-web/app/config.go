package app

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/server"
	"bffsuite.dev/shared/session"
)

// Config is the whole configuration of bff-web, read once at start with config.Load.
type Config struct {
	Addr     string `env:"BFF_ADDR" default:"127.0.0.1:8081"`
	Platform platform.Config
	// Identity is the Cognito app client users sign in through (unused in local mode, where
	// the embedded IdP is the provider).
	Identity identity.Config
	Session  SessionConfig
	Web      WebConfig
	// IdempotencyTable keeps the Idempotency-Key records of POST /api/orders (DynamoDB
	// backend only; the embedded backend keeps them in memory).
	IdempotencyTable string `env:"BFF_TABLE_IDEMPOTENCY" default:"bff-idempotency"`
	// SessionRevocationsTable keeps the ids of logged-out sessions until they expire, so a
	// saved copy of their cookies is refused at once by every instance (DynamoDB backend
	// only; the embedded backend keeps them in memory).
	SessionRevocationsTable string `env:"BFF_TABLE_SESSION_REVOCATIONS" default:"bff-session-revocations"`
}

// SessionConfig is how browser sessions are kept: sealed cookies (see docs/bff-web.md).
type SessionConfig struct {
	// Keys are comma-separated base64 32-byte keys: the first seals, all open (rotation).
	// Required on Lambda; locally an ephemeral key is generated when unset (sessions then
	// end with the process).
	Keys string `env:"BFF_SESSION_KEYS" secret:"true"`
	// TTL is the absolute lifetime of a session (cookie Max-Age and the sealed expiry).
	TTL time.Duration `env:"BFF_SESSION_TTL" default:"12h"`
	// RefreshMargin: the access token is refreshed when it expires within this margin.
	RefreshMargin time.Duration `env:"BFF_SESSION_REFRESH_MARGIN" default:"60s"`
	// Revalidate is how often a session is checked with the identity provider (GetUser), so a
	// session revoked elsewhere (logout, global sign-out, disabled user) stops working within
	// this interval even while its access token is valid. 0 checks on every request.
	Revalidate time.Duration `env:"BFF_SESSION_REVALIDATE" default:"1m"`
	// CookieSecure marks cookies Secure (HTTPS only) and names them __Host-*. Browsers treat
	// http://127.0.0.1 and http://localhost as secure contexts, so it can stay on locally.
	CookieSecure bool `env:"BFF_COOKIE_SECURE" default:"true"`
	// CookieSameSite is Strict, Lax or None (None requires Secure).
	CookieSameSite string `env:"BFF_COOKIE_SAMESITE" default:"Strict"`
	// CookieDomain shares cookies with subdomains; empty (recommended) is host-only.
	CookieDomain string `env:"BFF_COOKIE_DOMAIN"`

	keyring  *session.Keyring
	sameSite http.SameSite
}

// Validate names the variable at fault. It parses the keys once.
func (c *SessionConfig) Validate() error {
	var errs []error
	switch strings.TrimSpace(c.Keys) {
	case "":
		if server.OnLambda() {
			errs = append(errs, errors.New("BFF_SESSION_KEYS is required on Lambda (comma-separated base64 32-byte keys; the first seals)"))
		}
	default:
		kr, err := session.ParseKeys(c.Keys)
		if err != nil {
			errs = append(errs, errors.New("BFF_SESSION_KEYS: "+err.Error()))
		}
		c.keyring = kr
	}
	if c.TTL < time.Minute {
		errs = append(errs, errors.New("BFF_SESSION_TTL must be at least 1m"))
	}
	if c.RefreshMargin < 0 {
		errs = append(errs, errors.New("BFF_SESSION_REFRESH_MARGIN must not be negative"))
	}
	if c.Revalidate < 0 {
		errs = append(errs, errors.New("BFF_SESSION_REVALIDATE must not be negative"))
	}
	switch strings.ToLower(c.CookieSameSite) {
	case "strict":
		c.sameSite = http.SameSiteStrictMode
	case "lax":
		c.sameSite = http.SameSiteLaxMode
	case "none":
		c.sameSite = http.SameSiteNoneMode
		if !c.CookieSecure {
			errs = append(errs, errors.New("BFF_COOKIE_SAMESITE=None requires BFF_COOKIE_SECURE=true"))
		}
	default:
		errs = append(errs, errors.New("BFF_COOKIE_SAMESITE must be Strict, Lax or None"))
	}
	if c.CookieDomain != "" && strings.ContainsAny(c.CookieDomain, "/: ") {
		errs = append(errs, errors.New("BFF_COOKIE_DOMAIN must be a bare domain such as example.com"))
	}
	return errors.Join(errs...)
}

// WebConfig shapes the web views.
type WebConfig struct {
	// SiteURL is the public origin of the single-page app, for canonical product URLs.
	SiteURL string `env:"BFF_WEB_SITE_URL" default:"http://127.0.0.1:8080"`
	// CatalogMaxAge and CatalogSharedMaxAge are the Cache-Control max-age and s-maxage of
	// public catalog responses.
	CatalogMaxAge       time.Duration `env:"BFF_WEB_CATALOG_MAX_AGE" default:"30s"`
	CatalogSharedMaxAge time.Duration `env:"BFF_WEB_CATALOG_SMAXAGE" default:"60s"`
	// CatalogMemo is how long the BFF reuses the category tree and the featured products it
	// read (public data, the same for every caller); 0 reads them for every request.
	CatalogMemo time.Duration `env:"BFF_WEB_CATALOG_MEMO" default:"5s"`
	// RecentOrdersTimeout is the own budget of the optional recent-orders part of /api/home.
	RecentOrdersTimeout time.Duration `env:"BFF_WEB_OPTIONAL_TIMEOUT" default:"300ms"`
}

// Validate names the variable at fault.
func (c WebConfig) Validate() error {
	var errs []error
	u, err := url.Parse(c.SiteURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		errs = append(errs, errors.New("BFF_WEB_SITE_URL must be an origin such as https://shop.example.com"))
	}
	if c.CatalogMaxAge < 0 || c.CatalogSharedMaxAge < 0 {
		errs = append(errs, errors.New("BFF_WEB_CATALOG_MAX_AGE and BFF_WEB_CATALOG_SMAXAGE must not be negative"))
	}
	if c.CatalogMemo < 0 {
		errs = append(errs, errors.New("BFF_WEB_CATALOG_MEMO must not be negative"))
	}
	if c.RecentOrdersTimeout <= 0 {
		errs = append(errs, errors.New("BFF_WEB_OPTIONAL_TIMEOUT must be positive"))
	}
	return errors.Join(errs...)
}
