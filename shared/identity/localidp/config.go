// Package localidp is the embedded identity provider of local runs: the default when no
// Cognito user pool is configured. It implements identity.Provider with the same flows and
// issues RS256 tokens with the claims Cognito puts in its access, ID and machine-to-machine
// tokens, so the BFFs verify them with the same auth.Verifier. It serves a JWKS and an OAuth2
// client_credentials token endpoint for locally configured partner clients.
//
// It is for local use only: it logs so at start and refuses to start inside Lambda.
// State (users, refresh tokens) lives in the process: a user signed up through one BFF
// process does not exist in another. Seeded demo users exist everywhere.
package localidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"
)

// DefaultIssuer is the issuer of local tokens unless BFF_LOCAL_IDP_ISSUER says otherwise.
// Every BFF process serves the IdP's endpoints under its path (/local-idp).
const DefaultIssuer = "http://127.0.0.1:8081/local-idp"

// Config of the local IdP, read once at start by shared/config.
type Config struct {
	// Issuer of the tokens; every BFF process must use the same one.
	Issuer string `env:"BFF_LOCAL_IDP_ISSUER" default:"http://127.0.0.1:8081/local-idp"`
	// KeyFile is a PEM RSA private key (PKCS#1 or PKCS#8) shared by the BFF processes. Unset:
	// an ephemeral key is generated (tokens then verify only in this process).
	KeyFile string `env:"BFF_LOCAL_IDP_KEY_FILE"`
	// PartnersFile lists the client_credentials clients; unset: the embedded demo partner.
	PartnersFile string `env:"BFF_LOCAL_IDP_PARTNERS_FILE"`
	// ClientID is the app client that users sign in through (client_id/aud of their tokens).
	ClientID string `env:"BFF_LOCAL_IDP_CLIENT_ID" default:"local-app-client"`
	// DemoPassword of the seeded users demo@example.com and admin@example.com.
	DemoPassword string `env:"BFF_LOCAL_IDP_DEMO_PASSWORD" default:"Demo-Passw0rd!"`
	// ConfirmationCode is the fixed code every local sign-up and password reset accepts.
	ConfirmationCode string `env:"BFF_LOCAL_IDP_CONFIRMATION_CODE" default:"123456"`
	// AccessTokenTTL and IDTokenTTL: Cognito's default is one hour.
	AccessTokenTTL time.Duration `env:"BFF_LOCAL_IDP_ACCESS_TTL" default:"1h"`
	IDTokenTTL     time.Duration `env:"BFF_LOCAL_IDP_ID_TTL" default:"1h"`
	// RefreshTokenTTL: Cognito's default is 30 days.
	RefreshTokenTTL time.Duration `env:"BFF_LOCAL_IDP_REFRESH_TTL" default:"720h"`
}

// Validate names the variable at fault.
func (c Config) Validate() error {
	var errs []error
	if u, err := url.Parse(c.Issuer); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.HasSuffix(c.Issuer, "/") {
		errs = append(errs, fmt.Errorf("BFF_LOCAL_IDP_ISSUER: %q must be an http(s) URL without a trailing slash", c.Issuer))
	}
	if c.ClientID == "" {
		errs = append(errs, errors.New("BFF_LOCAL_IDP_CLIENT_ID: required"))
	}
	if err := checkPassword(c.DemoPassword); err != nil {
		errs = append(errs, fmt.Errorf("BFF_LOCAL_IDP_DEMO_PASSWORD: %w", err))
	}
	if len(c.ConfirmationCode) < 6 {
		errs = append(errs, errors.New("BFF_LOCAL_IDP_CONFIRMATION_CODE: at least 6 characters"))
	}
	for name, d := range map[string]time.Duration{"BFF_LOCAL_IDP_ACCESS_TTL": c.AccessTokenTTL, "BFF_LOCAL_IDP_ID_TTL": c.IDTokenTTL, "BFF_LOCAL_IDP_REFRESH_TTL": c.RefreshTokenTTL} {
		if d < time.Minute {
			errs = append(errs, fmt.Errorf("%s: %s is shorter than a minute", name, d))
		}
	}
	return errors.Join(errs...)
}

// withDefaults fills zero fields with the tag defaults, for callers that build Config in code.
func (c Config) withDefaults() Config {
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.ClientID == "" {
		c.ClientID = "local-app-client"
	}
	if c.DemoPassword == "" {
		c.DemoPassword = "Demo-Passw0rd!"
	}
	if c.ConfirmationCode == "" {
		c.ConfirmationCode = "123456"
	}
	if c.AccessTokenTTL == 0 {
		c.AccessTokenTTL = time.Hour
	}
	if c.IDTokenTTL == 0 {
		c.IDTokenTTL = time.Hour
	}
	if c.RefreshTokenTTL == 0 {
		c.RefreshTokenTTL = 30 * 24 * time.Hour
	}
	return c
}

// Partner is one client_credentials client.
type Partner struct {
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
	Name         string   `json:"name"`
	Scopes       []string `json:"scopes"`
}

type partnersFile struct {
	Clients []Partner `json:"clients"`
}

//go:embed partners.default.json
var defaultPartners []byte

// LoadPartners reads a partners file; an empty path gives the embedded demo partner.
func LoadPartners(path string) ([]Partner, error) {
	b := defaultPartners
	if path != "" {
		var err error
		if b, err = os.ReadFile(path); err != nil {
			return nil, fmt.Errorf("BFF_LOCAL_IDP_PARTNERS_FILE: %w", err)
		}
	}
	var f partnersFile
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("BFF_LOCAL_IDP_PARTNERS_FILE: parse %s: %w", orDefault(path), err)
	}
	seen := map[string]bool{}
	for i, p := range f.Clients {
		switch {
		case p.ClientID == "" || p.ClientSecret == "":
			return nil, fmt.Errorf("BFF_LOCAL_IDP_PARTNERS_FILE: %s: clients[%d]: client_id and client_secret are required", orDefault(path), i)
		case seen[p.ClientID]:
			return nil, fmt.Errorf("BFF_LOCAL_IDP_PARTNERS_FILE: %s: clients[%d]: duplicate client_id %q", orDefault(path), i, p.ClientID)
		}
		for _, s := range p.Scopes {
			if r, n, ok := strings.Cut(s, "/"); !ok || r == "" || n == "" || strings.ContainsAny(s, " \t") {
				return nil, fmt.Errorf("BFF_LOCAL_IDP_PARTNERS_FILE: %s: clients[%d]: scope %q is not resource-server/scope", orDefault(path), i, s)
			}
		}
		seen[p.ClientID] = true
	}
	return f.Clients, nil
}

func orDefault(path string) string {
	if path == "" {
		return "partners.default.json (embedded)"
	}
	return path
}

// loadKey reads a PEM RSA private key, or generates an ephemeral one when path is empty.
func loadKey(path string) (key *rsa.PrivateKey, ephemeral bool, err error) {
	if path == "" {
		key, err = rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, false, fmt.Errorf("generate local idp key: %w", err)
		}
		return key, true, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("BFF_LOCAL_IDP_KEY_FILE: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, false, fmt.Errorf("BFF_LOCAL_IDP_KEY_FILE: %s holds no PEM block", path)
	}
	switch block.Type {
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		var k any
		if k, err = x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
			var ok bool
			if key, ok = k.(*rsa.PrivateKey); !ok {
				err = errors.New("not an RSA key")
			}
		}
	default:
		err = fmt.Errorf("PEM type %q, want RSA PRIVATE KEY or PRIVATE KEY", block.Type)
	}
	if err != nil {
		return nil, false, fmt.Errorf("BFF_LOCAL_IDP_KEY_FILE: %s: %w", path, err)
	}
	if key.N.BitLen() < 2048 {
		return nil, false, fmt.Errorf("BFF_LOCAL_IDP_KEY_FILE: %s: RSA key of %d bits, want at least 2048", path, key.N.BitLen())
	}
	return key, false, nil
}

// keyID derives a stable kid from the public key (like Cognito's base64 kids).
func keyID(pub *rsa.PublicKey) string {
	der, _ := x509.MarshalPKIXPublicKey(pub)
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:])
}

// WriteKeyFile writes a new 2048-bit RSA key as PKCS#8 PEM to path (mode 0600), for scripts
// that prepare a shared key for the local BFF processes.
func WriteKeyFile(path string) error {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return fmt.Errorf("marshal key: %w", err)
	}
	b := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return fmt.Errorf("write key %s: %w", path, err)
	}
	return nil
}
