package localidp

import (
	"slices"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity"
)

// bffConfig is how a BFF embeds the three auth configs.
type bffConfig struct {
	Auth     auth.Config
	Identity identity.Config
	LocalIdP Config
}

func TestConfigLoadsFromEnvironment(t *testing.T) {
	tests := []struct {
		name      string
		env       map[string]string
		wantLocal bool
		wantErr   string
	}{
		{"nothing set: local mode with defaults", map[string]string{}, true, ""},
		{"cognito", map[string]string{"AWS_REGION": "eu-west-1", "BFF_COGNITO_USER_POOL_ID": "eu-west-1_Abc", "BFF_COGNITO_CLIENT_IDS": "web1, partner1", "BFF_COGNITO_APP_CLIENT_ID": "web1"}, false, ""},
		{"bad leeway", map[string]string{"BFF_AUTH_LEEWAY": "soon"}, true, "BFF_AUTH_LEEWAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var cfg bffConfig
			err := config.LoadFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &cfg)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadFrom() error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadFrom() error = %v", err)
			}
			if cfg.Auth.Local() != tt.wantLocal || cfg.Identity.Local() != tt.wantLocal {
				t.Errorf("Local() = %v/%v, want %v", cfg.Auth.Local(), cfg.Identity.Local(), tt.wantLocal)
			}
			if cfg.Auth.Leeway != 30*time.Second || cfg.LocalIdP.Issuer != DefaultIssuer || cfg.LocalIdP.ConfirmationCode != "123456" {
				t.Errorf("defaults = %+v / %+v", cfg.Auth, cfg.LocalIdP)
			}
			if !tt.wantLocal && !slices.Equal(cfg.Auth.AllowedClients(), []string{"web1", "partner1"}) {
				t.Errorf("AllowedClients() = %v, want [web1 partner1]", cfg.Auth.AllowedClients())
			}
		})
	}
}
