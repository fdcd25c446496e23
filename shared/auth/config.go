// Package auth verifies Cognito user pool tokens (access and ID tokens, user and
// machine-to-machine) and puts the verified Principal into the request context through
// Gin middleware. The JWT parsing is our own, on crypto/rsa and encoding/json: RS256
// only, with every claim checked.
package auth

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Config is read once at start by shared/config from the environment.
type Config struct {
	// Region of the user pool; with UserPoolID it derives Issuer and JWKSURL.
	Region string `env:"AWS_REGION"`
	// UserPoolID such as eu-west-1_AbCdEf123. Empty means local mode (embedded IdP).
	UserPoolID string `env:"BFF_COGNITO_USER_POOL_ID"`
	// Issuer overrides the derived https://cognito-idp.{region}.amazonaws.com/{poolId}.
	Issuer string `env:"BFF_COGNITO_ISSUER"`
	// JWKSURL overrides the derived {issuer}/.well-known/jwks.json.
	JWKSURL string `env:"BFF_COGNITO_JWKS_URL"`
	// JWKS is an inline JWKS document (e.g. a Terraform output) that prewarms the key cache.
	JWKS string `env:"BFF_COGNITO_JWKS"`
	// JWKSFile is a path to a JWKS document that prewarms the key cache.
	JWKSFile string `env:"BFF_COGNITO_JWKS_FILE"`
	// ClientIDs is the comma-separated list of app clients this BFF accepts. Required with a
	// user pool unless ClientRegistry is set (New checks it: the BFF sets ClientRegistry after
	// loading the configuration).
	ClientIDs []string `env:"BFF_COGNITO_CLIENT_IDS"`
	// ClientRegistry is set in code, never from the environment, by a BFF whose routes check
	// every access token's client_id against a registry of their own (bff-partner: the partner
	// registry, routes with Access.AnyClient). BFF_COGNITO_CLIENT_IDS is then optional.
	ClientRegistry bool
	// Leeway tolerated on exp, nbf and iat.
	Leeway time.Duration `env:"BFF_AUTH_LEEWAY" default:"30s"`
	// JWKSRefetchInterval is the penalty window: an unknown kid refetches the JWKS at most
	// once per interval.
	JWKSRefetchInterval time.Duration `env:"BFF_COGNITO_JWKS_REFETCH_INTERVAL" default:"1m"`
	// TrustAuthorizer trusts the claims of an API Gateway JWT/Cognito authorizer found in the
	// request context instead of verifying the bearer token again. Off by default.
	TrustAuthorizer bool `env:"BFF_TRUST_APIGW_AUTHORIZER" default:"false"`
	// TokenCacheSize bounds the verifier's cache of verified tokens (kept until their exp,
	// claims still checked on every request); 0 turns it off.
	TokenCacheSize int `env:"BFF_TOKEN_CACHE_SIZE" default:"4096"`
}

// maxLeeway bounds Leeway: a larger value would make expiry meaningless.
const maxLeeway = 5 * time.Minute

// Local reports whether no user pool is configured, so the embedded local IdP is the default.
func (c Config) Local() bool { return c.UserPoolID == "" && c.Issuer == "" }

// IssuerURL returns the configured issuer or the one derived from region and pool.
func (c Config) IssuerURL() string {
	if c.Issuer != "" {
		return strings.TrimRight(c.Issuer, "/")
	}
	if c.UserPoolID == "" {
		return ""
	}
	return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", c.Region, c.UserPoolID)
}

// JWKSEndpoint returns the configured JWKS URL or {issuer}/.well-known/jwks.json.
func (c Config) JWKSEndpoint() string {
	if c.JWKSURL != "" {
		return c.JWKSURL
	}
	if iss := c.IssuerURL(); iss != "" {
		return iss + "/.well-known/jwks.json"
	}
	return ""
}

// AllowedClients splits ClientIDs.
func (c Config) AllowedClients() []string {
	var out []string
	for _, s := range c.ClientIDs {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// PrewarmJWKS returns the configured JWKS document (inline first, then file), or nil.
func (c Config) PrewarmJWKS() ([]byte, error) {
	if c.JWKS != "" {
		return []byte(c.JWKS), nil
	}
	if c.JWKSFile != "" {
		b, err := os.ReadFile(c.JWKSFile)
		if err != nil {
			return nil, fmt.Errorf("BFF_COGNITO_JWKS_FILE: read %s: %w", c.JWKSFile, err)
		}
		return b, nil
	}
	return nil, nil
}

// Validate checks the configuration; every error names the environment variable. Whether
// BFF_COGNITO_CLIENT_IDS may be empty depends on ClientRegistry, which the BFF sets in code
// after loading: New checks it.
func (c Config) Validate() error {
	var errs []error
	if c.UserPoolID != "" {
		if c.Issuer == "" && c.Region == "" {
			errs = append(errs, errors.New("AWS_REGION: required when BFF_COGNITO_USER_POOL_ID is set"))
		}
		if c.Region != "" && !strings.HasPrefix(c.UserPoolID, c.Region+"_") && c.Issuer == "" {
			errs = append(errs, fmt.Errorf("BFF_COGNITO_USER_POOL_ID: %q is not a pool of region %q (AWS_REGION)", c.UserPoolID, c.Region))
		}
	}
	if c.Issuer != "" && !strings.HasPrefix(c.Issuer, "https://") && !strings.HasPrefix(c.Issuer, "http://") {
		errs = append(errs, fmt.Errorf("BFF_COGNITO_ISSUER: %q must be an http(s) URL", c.Issuer))
	}
	if c.JWKSURL != "" && !strings.HasPrefix(c.JWKSURL, "https://") && !strings.HasPrefix(c.JWKSURL, "http://") {
		errs = append(errs, fmt.Errorf("BFF_COGNITO_JWKS_URL: %q must be an http(s) URL", c.JWKSURL))
	}
	if c.JWKS != "" && c.JWKSFile != "" {
		errs = append(errs, errors.New("BFF_COGNITO_JWKS_FILE: set either BFF_COGNITO_JWKS or BFF_COGNITO_JWKS_FILE, not both"))
	}
	if c.Leeway < 0 || c.Leeway > maxLeeway {
		errs = append(errs, fmt.Errorf("BFF_AUTH_LEEWAY: %s must be between 0 and %s", c.Leeway, maxLeeway))
	}
	if c.TokenCacheSize < 0 {
		errs = append(errs, fmt.Errorf("BFF_TOKEN_CACHE_SIZE: %d must not be negative", c.TokenCacheSize))
	}
	if c.JWKSRefetchInterval < 0 {
		errs = append(errs, fmt.Errorf("BFF_COGNITO_JWKS_REFETCH_INTERVAL: %s must not be negative", c.JWKSRefetchInterval))
	}
	return errors.Join(errs...)
}
