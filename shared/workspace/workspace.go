// Package workspace locates this repository and its tool cache for the developer commands
// (make run, make bench, make soak) and the tests: one answer for all of them.
package workspace

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNoRoot: no go.work in the working directory or above it.
var ErrNoRoot = errors.New("no go.work found above the working directory")

// Root returns the nearest directory at or above the working directory that holds go.work.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.work")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNoRoot
		}
		dir = parent
	}
}

// ToolsDir is where .ci/install-deps puts the test peers and tools: $BFF_TOOLS, else
// ~/.cache/bffsuite.
func ToolsDir() string {
	if d := os.Getenv("BFF_TOOLS"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "bffsuite-tools")
	}
	return filepath.Join(home, ".cache", "bffsuite")
}
