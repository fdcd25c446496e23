//go:build bff.lambda

package awsconf

import (
	"context"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		region  string
		wantErr string
	}{
		{"lambda runtime", map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}, "eu-west-1", ""},
		{"default region", map[string]string{"AWS_DEFAULT_REGION": "us-east-2", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, "us-east-2", ""},
		{"no credentials", map[string]string{"AWS_REGION": "eu-west-1"}, "eu-west-1", "AWS_ACCESS_KEY_ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := fromEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatalf("fromEnv() error = %v", err)
			}
			if cfg.Region != tt.region {
				t.Errorf("Region = %q, want %q", cfg.Region, tt.region)
			}
			c, err := cfg.Credentials.Retrieve(context.Background())
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Retrieve() error = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.AccessKeyID != "AKIA" || c.SecretAccessKey != "s" || c.SessionToken != tt.env["AWS_SESSION_TOKEN"] {
				t.Errorf("Credentials = %+v, %v, want the environment's", c, err)
			}
		})
	}
}
