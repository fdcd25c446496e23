package workspace

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestRoot(t *testing.T) {
	dir := t.TempDir()
	nested := filepath.Join(dir, "a", "b")
	if err := os.MkdirAll(nested, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.work"), []byte("go 1.26.0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Chdir(nested)
	got, err := Root()
	want, _ := filepath.EvalSymlinks(dir)
	if got, _ = filepath.EvalSymlinks(got); err != nil || got != want {
		t.Errorf("Root() = %q, %v; want %q", got, err, want)
	}
	t.Chdir(t.TempDir()) // no go.work here nor above
	if _, err := Root(); !errors.Is(err, ErrNoRoot) {
		t.Errorf("Root() outside a workspace = %v, want ErrNoRoot", err)
	}
}

func TestToolsDir(t *testing.T) {
	t.Setenv("BFF_TOOLS", "/opt/tools")
	if got := ToolsDir(); got != "/opt/tools" {
		t.Errorf("ToolsDir() = %q, want /opt/tools", got)
	}
	t.Setenv("BFF_TOOLS", "")
	home, _ := os.UserHomeDir()
	if got := ToolsDir(); got != filepath.Join(home, ".cache", "bffsuite") {
		t.Errorf("ToolsDir() = %q, want ~/.cache/bffsuite", got)
	}
}
