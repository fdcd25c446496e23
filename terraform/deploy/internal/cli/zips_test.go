package cli

import (
	"archive/zip"
	"bffsuite.dev/deploy/internal/lambdazip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeZip writes a zip holding the named entries.
func writeZip(t *testing.T, p string, names ...string) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := zip.NewWriter(f)
	for _, n := range names {
		if _, err := w.Create(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestZipsCheckedBeforePlan: plan and apply of a root with artifact_dir stop before init when a
// BFF's zip is missing, not a zip or has no bootstrap, naming the file and `make lambda`.
func TestZipsCheckedBeforePlan(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	tests := []struct {
		name   string
		setup  func(t *testing.T, dist string)
		code   int
		texts  []string
		noInit bool
	}{
		{name: "no zips", setup: func(t *testing.T, dist string) {}, code: ExitFailed, noInit: true,
			texts: []string{"bff-web.zip: missing", "bff-mobile.zip: missing", "bff-partner.zip: missing", "build them first with `make lambda`"}},
		{name: "one missing, one not a zip, one without bootstrap", code: ExitFailed, noInit: true,
			setup: func(t *testing.T, dist string) {
				writeZip(t, filepath.Join(dist, "bff-web.zip"), "bootstrap")
				if err := os.WriteFile(filepath.Join(dist, "bff-mobile.zip"), []byte("not a zip"), 0o644); err != nil {
					t.Fatal(err)
				}
				writeZip(t, filepath.Join(dist, "bff-partner.zip"), "main")
			},
			texts: []string{"bff-mobile.zip: not a readable zip", "bff-partner.zip: no bootstrap in the zip", "make lambda"}},
		{name: "all built", code: ExitOK, texts: []string{"Lambda zips present in", "==> plan done in"},
			setup: func(t *testing.T, dist string) {
				for _, tg := range lambdazip.All() { // the BFFs and the workers
					writeZip(t, filepath.Join(dist, tg.Name+".zip"), "bootstrap")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := t.TempDir()
			root := filepath.Join(base, "envs", "dev")
			copyDir(t, filepath.Join(deployDir(t), "testdata", "fixture-root"), root)
			tf := "variable \"artifact_dir\" {\n  type    = string\n  default = \"../../dist\"\n}\n"
			if err := os.WriteFile(filepath.Join(root, "artifacts.tf"), []byte(tf), 0o644); err != nil {
				t.Fatal(err)
			}
			dist := filepath.Join(base, "dist")
			if err := os.MkdirAll(dist, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.setup(t, dist)
			for _, cmd := range [][]string{{"plan"}, {"apply", "-yes"}} {
				args := append(cmd, "-env", "dev", "-root", root, "-tf-bin", tofu)
				r := run(t, context.Background(), "", args...)
				r.want(t, args, tt.code, tt.texts...)
				if tt.noInit && strings.Contains(r.stderr, "==> init") {
					t.Errorf("bffdeploy %s ran init with unusable zips:\n%s", cmd[0], r.stderr)
				}
				if tt.code == ExitOK {
					break // plan is enough; apply would only repeat the check
				}
			}
		})
	}
}
