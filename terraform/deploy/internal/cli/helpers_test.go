package cli

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/testenv"
)

// deployDir is terraform/deploy, the module root (tests run in internal/cli).
func deployDir(t *testing.T) string {
	t.Helper()
	d, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// requireTofu returns the OpenTofu binary from .ci/install-deps or PATH, or ends the test
// (Skip locally, Fatal when CI is set).
func requireTofu(t *testing.T) string {
	t.Helper()
	p := filepath.Join(testenv.ToolsDir(), "bin", "tofu")
	if _, err := os.Stat(p); err == nil {
		return p
	}
	if p, err := exec.LookPath("tofu"); err == nil {
		return p
	}
	testenv.Missing(t, "OpenTofu not installed (run .ci/install-deps tofu)")
	return ""
}

// quietCLIConfig gives Terraform an empty CLI config, so a TF_CLI_CONFIG_FILE naming a missing
// file on the machine does not add warnings.
func quietCLIConfig(t *testing.T) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "empty.tfrc")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", p)
	t.Setenv("TF_PLUGIN_CACHE_DIR", "")
}

// copyDir copies a directory tree (regular files and dirs only), skipping .terraform dirs and
// lock files.
func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == ".terraform" {
			return filepath.SkipDir
		}
		if d.Name() == ".terraform.lock.hcl" || strings.HasPrefix(d.Name(), "terraform.tfstate") {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}

// fixture copies testdata/<name> to a temporary directory and returns it.
func fixture(t *testing.T, name string) string {
	t.Helper()
	dst := t.TempDir()
	copyDir(t, filepath.Join(deployDir(t), "testdata", name), dst)
	return dst
}

// result is one in-process bffdeploy run.
type result struct {
	code           int
	stdout, stderr string
}

// run runs bffdeploy in-process with stdin.
func run(t *testing.T, ctx context.Context, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	app := &App{Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb, Dir: deployDir(t)}
	code := app.Run(ctx, args)
	return result{code: code, stdout: out.String(), stderr: errb.String()}
}

// want fails the test when r's exit code differs or an expected text is missing.
func (r result) want(t *testing.T, args []string, code int, texts ...string) {
	t.Helper()
	if r.code != code {
		t.Fatalf("bffdeploy %s = exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.code, code, r.stdout, r.stderr)
	}
	all := r.stdout + r.stderr
	for _, s := range texts {
		if !strings.Contains(all, s) {
			t.Fatalf("bffdeploy %s output lacks %q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), s, r.stdout, r.stderr)
		}
	}
}
