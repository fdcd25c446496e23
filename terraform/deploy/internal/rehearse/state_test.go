package rehearse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/testenv"
)

// TestStateBackend: the rehearsal's init-state on moto makes the bucket and writes a backend.hcl
// pointing at moto; a second run (a rerun with -work) succeeds and writes the same file; init
// then gets -backend-config.
func TestStateBackend(t *testing.T) {
	m := testenv.StartMoto(t)
	root := t.TempDir()
	ctx := context.Background()
	loc, err := StateBackend(ctx, m.Endpoint, root)
	if err != nil {
		t.Fatal(err)
	}
	if want := "s3://bffsuite-tfstate-123456789012-us-east-1/bffsuite/dev/terraform.tfstate"; loc != want {
		t.Errorf("location = %q, want %q", loc, want)
	}
	first, err := os.ReadFile(filepath.Join(root, "backend.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`endpoints                   = { s3 = "` + m.Endpoint + `" }`, "use_lockfile = true", `key          = "bffsuite/dev/terraform.tfstate"`} {
		if !strings.Contains(string(first), want) {
			t.Errorf("backend.hcl lacks %q:\n%s", want, first)
		}
	}
	if _, err := StateBackend(ctx, m.Endpoint, root); err != nil {
		t.Fatalf("second run: %v", err)
	}
	if second, _ := os.ReadFile(filepath.Join(root, "backend.hcl")); string(second) != string(first) {
		t.Errorf("second run wrote another backend.hcl:\n%s", second)
	}
	if got := strings.Join(backendArgs(root), " "); got != "-backend-config=backend.hcl" {
		t.Errorf("init args = %q, want -backend-config=backend.hcl", got)
	}
	if got := backendArgs(t.TempDir()); len(got) != 0 {
		t.Errorf("init args without backend.hcl = %v, want none", got)
	}
}
