package auth

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDerivesIssuerAndJWKS(t *testing.T) {
	tests := []struct {
		name               string
		cfg                Config
		wantIssuer, wantJW string
		wantLocal          bool
	}{
		{"cognito", Config{Region: "eu-west-1", UserPoolID: "eu-west-1_Abc"}, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc", "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc/.well-known/jwks.json", false},
		{"cognito-local", Config{UserPoolID: "local_1", Issuer: "http://127.0.0.1:9229/local_1/"}, "http://127.0.0.1:9229/local_1", "http://127.0.0.1:9229/local_1/.well-known/jwks.json", false},
		{"explicit jwks", Config{Region: "eu-west-1", UserPoolID: "eu-west-1_Abc", JWKSURL: "http://x/jwks"}, "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Abc", "http://x/jwks", false},
		{"local", Config{}, "", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cfg.IssuerURL(); got != tt.wantIssuer {
				t.Errorf("IssuerURL() = %q, want %q", got, tt.wantIssuer)
			}
			if got := tt.cfg.JWKSEndpoint(); got != tt.wantJW {
				t.Errorf("JWKSEndpoint() = %q, want %q", got, tt.wantJW)
			}
			if got := tt.cfg.Local(); got != tt.wantLocal {
				t.Errorf("Local() = %v, want %v", got, tt.wantLocal)
			}
		})
	}
}

func TestConfigValidateNamesVariable(t *testing.T) {
	ok := Config{Region: "eu-west-1", UserPoolID: "eu-west-1_Abc", ClientIDs: []string{"c1"}, Leeway: 30 * time.Second}
	tests := []struct {
		name    string
		mut     func(*Config)
		wantVar string
	}{
		{"valid", func(*Config) {}, ""},
		{"no clients", func(c *Config) { c.ClientIDs = nil }, "BFF_COGNITO_CLIENT_IDS"},
		{"no clients yet, allowed", func(c *Config) { c.ClientIDs, c.AllowNoClients = nil, true }, ""},
		{"pool of another region", func(c *Config) { c.UserPoolID = "us-east-1_Abc" }, "BFF_COGNITO_USER_POOL_ID"},
		{"no region", func(c *Config) { c.Region = "" }, "AWS_REGION"},
		{"bad issuer", func(c *Config) { c.Issuer = "cognito" }, "BFF_COGNITO_ISSUER"},
		{"huge leeway", func(c *Config) { c.Leeway = time.Hour }, "BFF_AUTH_LEEWAY"},
		{"both prewarm sources", func(c *Config) { c.JWKS, c.JWKSFile = "{}", "/x" }, "BFF_COGNITO_JWKS_FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.mut(&c)
			err := c.Validate()
			if tt.wantVar == "" {
				if err != nil {
					t.Errorf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantVar) {
				t.Errorf("Validate() = %v, want an error naming %s", err, tt.wantVar)
			}
		})
	}
}

func TestNewPrewarmsFromConfig(t *testing.T) {
	a := loadTestKey(t, "pool-a", "kidA1")
	cfg := Config{Region: "eu-west-1", UserPoolID: "eu-west-1_Example1", ClientIDs: []string{webClient}, JWKS: string(jwksOf(t, a)), JWKSURL: "http://127.0.0.1:1/unreachable", Leeway: 30 * time.Second}
	v, err := New(cfg)
	if err != nil {
		t.Fatalf("New() error = %v", err)
	}
	if v.keys.Fetches() != 0 {
		t.Errorf("Fetches() after New = %d, want 0", v.keys.Fetches())
	}
	if _, ok := v.keys.keys["kidA1"]; !ok {
		t.Errorf("New(prewarm BFF_COGNITO_JWKS) did not load kidA1")
	}
	cfg.JWKS = `{"keys":[]}`
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "BFF_COGNITO_JWKS") {
		t.Errorf("New(bad prewarm) = %v, want an error naming BFF_COGNITO_JWKS", err)
	}
}
