package app_test

import (
	"strings"
	"testing"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/config"
)

func TestParseRegistry(t *testing.T) {
	tiers := map[string]bool{"bronze": true, "gold": true}
	tests := []struct {
		name, doc, wantErr string
	}{
		{"valid", `{"partners":[{"id":"acme","name":"Acme","client_ids":["c1","c2"],"status":"active","rate_tier":"gold"}]}`, ""},
		{"unknown member", `{"partners":[{"id":"acme","client_ids":["c1"],"status":"active","rate_tier":"gold","tier":"x"}]}`, "unknown field"},
		{"bad id", `{"partners":[{"id":"acme corp","client_ids":["c1"],"status":"active","rate_tier":"gold"}]}`, "id"},
		{"duplicate id", `{"partners":[{"id":"a","client_ids":["c1"],"status":"active","rate_tier":"gold"},{"id":"a","client_ids":["c2"],"status":"active","rate_tier":"gold"}]}`, "duplicate id"},
		{"shared client", `{"partners":[{"id":"a","client_ids":["c1"],"status":"active","rate_tier":"gold"},{"id":"b","client_ids":["c1"],"status":"active","rate_tier":"gold"}]}`, "already belongs"},
		{"bad status", `{"partners":[{"id":"a","client_ids":["c1"],"status":"paused","rate_tier":"gold"}]}`, "status"},
		{"unknown tier", `{"partners":[{"id":"a","client_ids":["c1"],"status":"active","rate_tier":"platinum"}]}`, "BFF_PARTNER_RATE_TIERS"},
		{"no clients", `{"partners":[{"id":"a","client_ids":[],"status":"active","rate_tier":"gold"}]}`, "client_ids"},
		{"not JSON", `partners: []`, "parse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := app.ParseRegistry([]byte(tc.doc), tiers)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("ParseRegistry(%s) = %v, want nil", tc.doc, err)
				}
				if len(r) != 2 {
					t.Fatalf("ParseRegistry(%s) = %d records, want one per client (2)", tc.doc, len(r))
				}
				for i, c := range []string{"c1", "c2"} {
					if p := r[i]; p.ClientID != c || p.ID != "acme" || p.RateTier != "gold" || !p.Active() {
						t.Errorf("record %d = %+v, want client %s of acme (gold), active", i, p, c)
					}
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("ParseRegistry(%s) = %v, want an error mentioning %q", tc.doc, err, tc.wantErr)
			}
		})
	}
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		name string
		vars map[string]string
		want string
	}{
		{"bad tiers", map[string]string{"BFF_PARTNER_RATE_TIERS": "gold=fast"}, "BFF_PARTNER_RATE_TIERS"},
		{"prefix with space", map[string]string{"BFF_PARTNER_SCOPE_PREFIX": "partner api"}, "BFF_PARTNER_SCOPE_PREFIX"},
		{"both registries", map[string]string{"BFF_PARTNER_REGISTRY": "{}", "BFF_PARTNER_REGISTRY_FILE": "x.json"}, "BFF_PARTNER_REGISTRY_FILE"},
		{"short TTL", map[string]string{"BFF_IDEMPOTENCY_TTL": "5m"}, "BFF_IDEMPOTENCY_TTL"},
		{"bad deprecation", map[string]string{"BFF_PARTNER_DEPRECATIONS": "GET /v1/inventory|tomorrow|later"}, "BFF_PARTNER_DEPRECATIONS"},
		{"sunset before deprecation", map[string]string{"BFF_PARTNER_DEPRECATIONS": "GET /v1/inventory|2027-01-01|2026-01-01"}, "BFF_PARTNER_DEPRECATIONS"},
		{"short table name", map[string]string{"BFF_TABLE_IDEMPOTENCY": "x"}, "BFF_TABLE_IDEMPOTENCY"},
		{"short partners table name", map[string]string{"BFF_TABLE_PARTNERS": "x"}, "BFF_TABLE_PARTNERS"},
		{"cache TTL too long", map[string]string{"BFF_PARTNER_CACHE_TTL": "1h"}, "BFF_PARTNER_CACHE_TTL"},
		{"static registry with dynamodb", map[string]string{"BFF_PARTNER_REGISTRY": "{}", "BFF_DATA_BACKEND": "dynamodb", "BFF_CURSOR_KEY": "0123456789abcdef0123"}, "BFF_PARTNER_REGISTRY"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg app.Config
			err := config.LoadFrom(func(n string) (string, bool) { v, ok := tc.vars[n]; return v, ok }, &cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("LoadFrom(%v) = %v, want an error naming %s", tc.vars, err, tc.want)
			}
		})
	}
	t.Run("defaults are valid", func(t *testing.T) {
		var cfg app.Config
		if err := config.LoadFrom(func(string) (string, bool) { return "", false }, &cfg); err != nil {
			t.Errorf("LoadFrom(no variables) = %v, want nil", err)
		}
	})
}
