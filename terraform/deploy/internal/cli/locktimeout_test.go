package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLockTimeoutFormat(t *testing.T) {
	for _, tt := range []struct {
		in   time.Duration
		want string
	}{{5 * time.Minute, "300s"}, {1500 * time.Millisecond, "2s"}, {0, "0s"}, {-time.Second, "0s"}} {
		if got := lockTimeout(tt.in); got != tt.want {
			t.Errorf("lockTimeout(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestLockTimeoutArgs runs OpenTofu through a wrapper that records its arguments: plan and
// apply get -lock-timeout (5m by default, the flag's value, 0s for 0), so a second deploy
// waits for a held state lock instead of failing at once.
func TestLockTimeoutArgs(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "args.log")
	wrapper := filepath.Join(dir, "tofu")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\nexec %q \"$@\"\n", log, tofu)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	root := fixture(t, "fixture-root")
	planFile := filepath.Join(t.TempDir(), "dev.tfplan")
	steps := []struct {
		args []string
		want map[string]string // subcommand -> its -lock-timeout argument
	}{
		{[]string{"plan", "-env", "dev", "-out", planFile}, map[string]string{"plan": "-lock-timeout=300s"}},
		{[]string{"apply", "-env", "dev", "-plan", planFile, "-lock-timeout", "90s"}, map[string]string{"apply": "-lock-timeout=90s"}},
		{[]string{"destroy", "-env", "dev", "-confirm", "dev", "-lock-timeout", "0"}, map[string]string{"plan": "-lock-timeout=0s", "apply": "-lock-timeout=0s"}},
	}
	for _, st := range steps {
		if err := os.Remove(log); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		args := append(st.args, "-root", root, "-tf-bin", wrapper)
		run(t, context.Background(), "", args...).want(t, args, ExitOK)
		b, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		for sub, want := range st.want {
			var line string
			for _, l := range strings.Split(string(b), "\n") {
				if strings.HasPrefix(l, sub+" ") {
					line = l
				}
			}
			if line == "" {
				t.Fatalf("bffdeploy %s: no %s call in\n%s", st.args[0], sub, b)
			}
			got := ""
			for _, a := range strings.Fields(line) {
				if strings.HasPrefix(a, "-lock-timeout") {
					got = a
				}
			}
			if got != want {
				t.Errorf("bffdeploy %s: %s lock timeout argument = %q, want %q (%s)", st.args[0], sub, got, want, line)
			}
		}
	}
}
