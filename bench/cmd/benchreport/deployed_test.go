package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func touch(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestMissingRehearsalTools(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "repo")
	noPath := func(string) (string, error) { return "", errors.New("not on PATH") }
	onPath := func(n string) (string, error) { return "/usr/bin/" + n, nil }
	tests := []struct {
		name     string
		setup    func(t *testing.T, tools string)
		lookPath func(string) (string, error)
		want     []string // names reported missing
	}{
		{"nothing installed", func(*testing.T, string) {}, noPath,
			[]string{"moto_server", "tofu", "aws-lambda-rie", "tf-offline setup-real-aws"}},
		{"tools dir and toolkit, moto missing", func(t *testing.T, tools string) {
			touch(t, filepath.Join(tools, "bin", "tofu"))
			touch(t, filepath.Join(tools, "bin", "aws-lambda-rie"))
			touch(t, filepath.Join(dir, "shared", "tools", "tf-offline", "setup-real-aws"))
		}, noPath, []string{"moto_server"}},
		{"everything on PATH but the toolkit", func(*testing.T, string) {}, onPath, []string{"tf-offline setup-real-aws"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tools := filepath.Join(dir, "tools", string(rune('a'+i)))
			_ = os.RemoveAll(filepath.Join(dir, "shared"))
			tt.setup(t, tools)
			got := missingRehearsalTools(root, tools, tt.lookPath)
			if len(got) != len(tt.want) {
				t.Fatalf("missingRehearsalTools = %q, want %d entries naming %q", got, len(tt.want), tt.want)
			}
			for j, w := range tt.want {
				if !strings.HasPrefix(got[j], w+" (") {
					t.Errorf("missing[%d] = %q, want it to name %s and how to install it", j, got[j], w)
				}
			}
		})
	}
}

// Without the tf-offline toolkit beside the repository the rehearsal cannot run: locally the
// section says so, with CI set it is an error.
func TestDeployedInitWithoutTools(t *testing.T) {
	root := filepath.Join(t.TempDir(), "repo")
	tools := t.TempDir()
	d, err := deployedInit(context.Background(), root, tools, t.TempDir(), false)
	if err != nil {
		t.Fatalf("deployedInit without tools, CI unset: error %v, want a section saying why", err)
	}
	if d.Measured || !strings.Contains(d.Note, "tf-offline setup-real-aws") {
		t.Errorf("deployedInit without tools = measured %v, note %q, want not measured and the note naming the toolkit", d.Measured, d.Note)
	}
	_, err = deployedInit(context.Background(), root, tools, t.TempDir(), true)
	if err == nil || !strings.Contains(err.Error(), "tf-offline setup-real-aws") {
		t.Errorf("deployedInit without tools, CI set: error %v, want one naming the toolkit", err)
	}
}
