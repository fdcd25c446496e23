package app

import (
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/config"
)

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		lambda  bool
		wantErr string
	}{
		{"defaults", nil, false, ""},
		{"keys required on Lambda", nil, true, "BFF_SESSION_KEYS is required on Lambda"},
		{"keys on Lambda", map[string]string{"BFF_SESSION_KEYS": testKey, "BFF_COGNITO_USER_POOL_ID": "eu-west-1_abc", "AWS_REGION": "eu-west-1", "BFF_COGNITO_CLIENT_IDS": "c", "BFF_COGNITO_APP_CLIENT_ID": "c"}, true, ""},
		{"short key", map[string]string{"BFF_SESSION_KEYS": "c2hvcnQ="}, false, "BFF_SESSION_KEYS: session: key 1 has 5 bytes"},
		{"samesite", map[string]string{"BFF_COOKIE_SAMESITE": "sometimes"}, false, "BFF_COOKIE_SAMESITE must be"},
		{"none needs secure", map[string]string{"BFF_COOKIE_SAMESITE": "None", "BFF_COOKIE_SECURE": "false"}, false, "requires BFF_COOKIE_SECURE"},
		{"ttl", map[string]string{"BFF_SESSION_TTL": "10s"}, false, "BFF_SESSION_TTL"},
		{"site url", map[string]string{"BFF_WEB_SITE_URL": "shop.example.com"}, false, "BFF_WEB_SITE_URL"},
		{"cookie domain", map[string]string{"BFF_COOKIE_DOMAIN": "https://x"}, false, "BFF_COOKIE_DOMAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lambda {
				t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
			}
			var cfg Config
			err := config.LoadFrom(func(n string) (string, bool) { v, ok := tt.env[n]; return v, ok }, &cfg)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("config.LoadFrom(%v) = %v, want %q", tt.env, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("config error %q echoes the session key", err)
			}
		})
	}
	var cfg Config
	if err := config.LoadFrom(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Session.TTL != 12*time.Hour || !cfg.Session.CookieSecure || cfg.Addr != "127.0.0.1:8081" {
		t.Errorf("defaults = %+v", cfg.Session)
	}
}
