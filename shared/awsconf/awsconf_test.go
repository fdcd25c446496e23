package awsconf

import (
	"context"
	"testing"
)

func TestLoadOncePerProcess(t *testing.T) {
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	t.Setenv("AWS_CONFIG_FILE", t.TempDir()+"/none")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", t.TempDir()+"/none")
	ctx := context.Background()
	first, err := Load(ctx)
	if err != nil {
		t.Fatalf("Load() error = %v", err)
	}
	first.Region = "changed-by-a-caller"
	for range 3 {
		cfg, err := Load(ctx)
		if err != nil {
			t.Fatalf("Load() error = %v", err)
		}
		if got, want := cfg.Region, "eu-west-1"; got != want {
			t.Errorf("Load().Region = %q, want %q (a caller's change must not leak)", got, want)
		}
	}
	if got, want := Loads(), 1; got != want {
		t.Errorf("Loads() = %d, want %d", got, want)
	}
}
