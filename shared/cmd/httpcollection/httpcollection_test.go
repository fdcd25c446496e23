package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/workspace"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// TestCollectionsUpToDate: docs/requests/*.http are what the generator makes of the
// documents as they are now.
func TestCollectionsUpToDate(t *testing.T) {
	if err := run([]string{"-root", repoRoot(t), "-check"}, io.Discard); err != nil {
		t.Errorf("httpcollection -check: %v", err)
	}
}

// TestCheckFindsStale: -check fails on a missing or edited collection and passes after a
// regeneration.
func TestCheckFindsStale(t *testing.T) {
	root := repoRoot(t)
	tmp := t.TempDir()
	for _, tg := range targets {
		b, err := os.ReadFile(filepath.Join(root, tg.Doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(tmp, tg.Doc)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, tg.Doc), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := run([]string{"-root", tmp, "-check"}, io.Discard); err == nil || !strings.Contains(err.Error(), "not up to date") {
		t.Errorf("-check without collections = %v, want not up to date", err)
	}
	if err := run([]string{"-root", tmp}, io.Discard); err != nil {
		t.Fatalf("generate: %v", err)
	}
	if err := run([]string{"-root", tmp, "-check"}, io.Discard); err != nil {
		t.Errorf("-check after generating = %v, want nil", err)
	}
	web := filepath.Join(tmp, outDir, "web.http")
	b, _ := os.ReadFile(web)
	if err := os.WriteFile(web, append(b, "\n###\nGET {{web}}/extra\n"...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run([]string{"-root", tmp, "-check"}, io.Discard); err == nil || !strings.Contains(err.Error(), "web.http") {
		t.Errorf("-check after an edit = %v, want web.http not up to date", err)
	}
}

func TestGenerateRejects(t *testing.T) {
	web := targets[0]
	const head = `{"openapi":"3.1.0","paths":{`
	tests := []struct{ name, paths, want string }{
		{"login not documented", `"/a":{"get":{"operationId":"a","responses":{"200":{"description":"x"}}}}`, "login operation login is not documented"},
		{"no 2XX", `"/auth/login":{"post":{"operationId":"login","responses":{"400":{"description":"x"}}}}`, "no 2XX"},
		{"body without example", `"/auth/login":{"post":{"operationId":"login","requestBody":{"content":{"application/json":{"schema":{}}}},"responses":{"200":{"description":"x"}}}}`, "request body has no example"},
		{"path parameter without value", `"/auth/login":{"post":{"operationId":"login","requestBody":{"content":{"application/json":{"example":{}}}},"responses":{"200":{"description":"x"}}}},
			"/p/{slug}":{"get":{"operationId":"p","security":[],"parameters":[{"name":"slug","in":"path","required":true}],"responses":{"200":{"description":"x"}}}}`, "no value for path parameter slug"},
		{"unknown scheme", `"/auth/login":{"post":{"operationId":"login","requestBody":{"content":{"application/json":{"example":{}}}},"responses":{"200":{"description":"x"}}}},
			"/p":{"get":{"operationId":"p","security":[{"apiKey":[]}],"responses":{"200":{"description":"x"}}}}`, "security scheme apiKey has no header"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := generate(web, []byte(head+tt.paths+"}}"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("generate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// TestCollectionsRunAgainstMakeRun starts the suite as `make run` does (shared/cmd/devstack,
// on free ports) and sends every request of the three collections in file order: each gets
// the status its "# expect" notes, and none a 5XX.
func TestCollectionsRunAgainstMakeRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the three BFFs")
	}
	if _, err := exec.LookPath("go"); err != nil {
		testenv.Missing(t, "go toolchain not on PATH")
	}
	root := repoRoot(t)
	addrs := map[string]string{}
	for _, n := range []string{"web", "mobile", "partner"} {
		addrs[n] = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
	}
	bin := filepath.Join(t.TempDir(), "devstack")
	build := exec.Command("go", "build", "-o", bin, "./shared/cmd/devstack")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build devstack: %v\n%s", err, out)
	}
	out := &testenv.SyncBuffer{}
	cmd := exec.Command(bin, "-root", root, "-web", addrs["web"], "-mobile", addrs["mobile"], "-partner", addrs["partner"], "-demo", "")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // devstack stops the BFFs it started
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("devstack did not stop within 30s")
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for !strings.Contains(out.String(), "Ctrl-C stops everything") {
		select {
		case err := <-done:
			t.Fatalf("devstack ended early: %v\n%s", err, out.String())
		case <-ctx.Done():
			t.Fatalf("suite did not come up:\n%s", out.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	vars := hostVars(addrs)
	for _, tg := range targets {
		t.Run(tg.Title, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(root, outDir, tg.File))
			if err != nil {
				t.Fatal(err)
			}
			f, err := parseHTTP(string(src))
			if err != nil {
				t.Fatalf("parse %s: %v", tg.File, err)
			}
			if got := f.Vars[tg.HostVar]; got != tg.Host {
				t.Errorf("%s: @%s = %q, want %q", tg.File, tg.HostVar, got, tg.Host)
			}
			for k, v := range vars {
				f.Vars[k] = v
			}
			r := newRunner(f.Vars)
			doc, err := os.ReadFile(filepath.Join(root, tg.Doc))
			if err != nil {
				t.Fatal(err)
			}
			var parsed map[string]any
			if err := json.Unmarshal(doc, &parsed); err != nil {
				t.Fatal(err)
			}
			want := 0
			for _, item := range obj(parsed, "paths") {
				for _, m := range []string{"get", "put", "post", "patch", "delete"} {
					if asObj(item)[m] != nil {
						want++
					}
				}
			}
			if tg.Login.OperationID == "" {
				want++ // the token request is not a documented operation
			}
			if len(f.Requests) != want {
				t.Fatalf("%s has %d requests, want %d (every operation and the sign-in)", tg.File, len(f.Requests), want)
			}
			for _, req := range f.Requests {
				res, err := r.send(req)
				if err != nil {
					t.Fatalf("%s:%d %s %s: %v", tg.File, req.Line, req.Method, req.URL, err)
				}
				if res.Status >= 500 || res.Status != req.Expect {
					t.Errorf("%s:%d %s %s (%s) = %d, want %d\n%.400s", tg.File, req.Line, req.Method, req.URL, req.Name, res.Status, req.Expect, res.Body)
				}
			}
		})
	}
}
