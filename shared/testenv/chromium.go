package testenv

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// DumpDOM loads url in headless Chromium (Debian's chromium, installed by .ci/install-deps
// chromium) and returns the DOM after load. Without chromium the test skips, or fails with CI
// set. The browser gets a fresh profile and makes no background connections.
func DumpDOM(t testing.TB, url string) string {
	t.Helper()
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		Missing(t, "chromium not installed (run .ci/install-deps chromium)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	profile := t.TempDir()
	cmd := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
		"--user-data-dir="+profile, "--dump-dom", url)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	dom, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium --dump-dom %s: %v\n%s", url, err, stderr.String())
	}
	return string(dom)
}
