package cli

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/testenv"
)

// offlineMirror runs tf-offline's setup-mirror (../shared/tools/tf-offline beside the
// repository) and returns the CLI config that points hashicorp/aws at the schema-only mirror.
func offlineMirror(t *testing.T, repo string) string {
	t.Helper()
	script := filepath.Join(repo, "..", "shared", "tools", "tf-offline", "setup-mirror")
	if _, err := os.Stat(script); err != nil {
		testenv.Missing(t, "tf-offline setup-mirror not found at "+script)
	}
	out, err := exec.Command(script).Output()
	if err != nil {
		msg := err.Error()
		if ee, ok := err.(*exec.ExitError); ok {
			msg += "\n" + string(ee.Stderr)
		}
		t.Fatalf("setup-mirror: %s", msg)
	}
	return strings.TrimSpace(string(out))
}

// TestValidateRealEnvs runs bffdeploy validate (init -backend=false + validate) on every
// terraform/envs/* root through the offline provider mirror. It works on a copy without
// .terraform dirs and lock files (the mirror's checksums never match the real provider's).
func TestValidateRealEnvs(t *testing.T) {
	tofu := requireTofu(t)
	repo := filepath.Dir(filepath.Dir(deployDir(t)))
	envs, err := filepath.Glob(filepath.Join(repo, "terraform", "envs", "*"))
	if err != nil {
		t.Fatal(err)
	}
	var roots []string
	for _, e := range envs {
		if isDir(e) {
			roots = append(roots, filepath.Base(e))
		}
	}
	if len(roots) == 0 {
		t.Fatalf("no terraform/envs/* roots in %s: nothing to validate", repo)
	}
	t.Setenv("TF_CLI_CONFIG_FILE", offlineMirror(t, repo))
	t.Setenv("TF_PLUGIN_CACHE_DIR", "")
	tmp := t.TempDir()
	for _, d := range []string{"envs", "modules"} {
		if src := filepath.Join(repo, "terraform", d); isDir(src) {
			copyDir(t, src, filepath.Join(tmp, "terraform", d))
		}
	}
	for _, env := range roots {
		t.Run(env, func(t *testing.T) {
			args := []string{"validate", "-env", env, "-root", filepath.Join(tmp, "terraform", "envs", env), "-tf-bin", tofu}
			run(t, context.Background(), "", args...).want(t, args, ExitOK, "==> init done", "==> validate done", ": valid (")
		})
	}
}
