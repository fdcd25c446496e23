//go:build bff.lambda

package awsconf

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"strings"
	"testing"
)

func TestFromEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		region   string
		wantErr  string
		endpoint string
	}{
		{"lambda runtime", map[string]string{"AWS_REGION": "eu-west-1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}, "eu-west-1", "", ""},
		{"default region", map[string]string{"AWS_DEFAULT_REGION": "us-east-2", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s"}, "us-east-2", "", ""},
		{"no credentials", map[string]string{"AWS_REGION": "eu-west-1"}, "eu-west-1", "AWS_ACCESS_KEY_ID", ""},
		{"local AWS endpoint", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000"}, "us-east-1", "", "http://127.0.0.1:5000"},
		{"configured endpoints ignored", map[string]string{"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "AKIA", "AWS_SECRET_ACCESS_KEY": "s", "AWS_ENDPOINT_URL": "http://127.0.0.1:5000", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "us-east-1", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := fromEnv(func(k string) string { return tt.env[k] })
			if err != nil {
				t.Fatalf("fromEnv() error = %v", err)
			}
			if got := aws.ToString(cfg.BaseEndpoint); got != tt.endpoint {
				t.Errorf("BaseEndpoint = %q, want %q", got, tt.endpoint)
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
