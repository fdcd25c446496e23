package awscreds

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
)

// isolate points the SDK at empty config files and disables IMDS, so only the variables a
// test sets count.
func isolate(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                        filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":            filepath.Join(dir, "credentials"),
		"AWS_EC2_METADATA_DISABLED":              "true",
		"AWS_ACCESS_KEY_ID":                      "",
		"AWS_SECRET_ACCESS_KEY":                  "",
		"AWS_SESSION_TOKEN":                      "",
		"AWS_PROFILE":                            "",
		"AWS_WEB_IDENTITY_TOKEN_FILE":            "",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI":     "",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "",
		"AWS_REGION":                             "eu-west-1",
	} {
		t.Setenv(k, v)
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr bool
		source  string
	}{
		{name: "no credentials", wantErr: true},
		{name: "environment keys", env: map[string]string{
			"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
		}, source: "EnvConfigCredentials"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolate(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			region, source, err := Check(context.Background())
			if tt.wantErr {
				if !errors.Is(err, ErrNoCredentials) {
					t.Fatalf("Check() = %v, want ErrNoCredentials", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Check() = %v, want nil", err)
			}
			if region != "eu-west-1" || source != tt.source {
				t.Errorf("Check() = (%q, %q), want (%q, %q)", region, source, "eu-west-1", tt.source)
			}
		})
	}
}
