// Package testenv starts the real local peers that integration tests need: DynamoDB Local,
// cognito-local and the Lambda Runtime Interface Emulator. Tools come from
// .ci/install-deps (BFF_TOOLS, default ~/.cache/bffsuite). A missing tool skips the test
// with a clear message on a laptop, and fails it when CI is set: CI never skips silently.
package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"bffsuite.dev/shared/workspace"
)

// ToolsDir is where .ci/install-deps puts the tools (workspace.ToolsDir).
func ToolsDir() string { return workspace.ToolsDir() }

// RequireTool returns the path of a tool below ToolsDir, or ends the test: Skip locally, Fatal in CI.
func RequireTool(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(ToolsDir(), rel)
	if _, err := os.Stat(p); err != nil {
		Missing(t, fmt.Sprintf("%s not installed (run .ci/install-deps)", p))
	}
	return p
}

// Missing ends a test whose peer is unavailable: Skip locally, Fatal when CI is set.
func Missing(t testing.TB, why string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("required test peer missing in CI: %s", why)
	}
	t.Skipf("skipping: %s", why)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("FreePort: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
