// Package asltest checks and runs Amazon States Language definitions with the real npm tools
// the issue names, for tests: Validate runs asl-validator on a definition, and Interpreter runs
// executions of a definition on aws-local-stepfunctions, with every Task state bound to a Go
// function (TaskFunc) through a local endpoint that behaves like Lambda's Invoke API, so that
// Retry and Catch see the same error names as on Step Functions.
//
// Both tools come from .ci/install-deps (steps asl and sfnlocal) under testenv.ToolsDir().
package asltest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/workspace"
)

// Paths of the tools below workspace.ToolsDir(), as .ci/install-deps lays them out.
const (
	ValidatorRel = "asl-validator/node_modules/.bin/asl-validator"
	LibraryRel   = "aws-local-stepfunctions/node_modules/aws-local-stepfunctions"
)

// ErrToolMissing: asl-validator, aws-local-stepfunctions or node is not installed.
var ErrToolMissing = errors.New("asltest: tool not installed (run .ci/install-deps asl sfnlocal)")

// InvalidError is a definition asl-validator refused; Problems are its messages, one a line
// (e.g. "MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: Nope").
type InvalidError struct {
	Name     string // what was validated (a file name or "definition")
	Problems []string
}

func (e *InvalidError) Error() string {
	return fmt.Sprintf("asl-validator: %s is not a valid state machine definition: %s", e.Name, strings.Join(e.Problems, "; "))
}

// Validate runs asl-validator (with its ARN and JSONPath checks) on definition, named name in
// messages. It returns nil when valid, an *InvalidError when refused, ErrToolMissing when the
// validator is not installed, and another error when it could not run.
//
// Task Resources that are Terraform placeholders ("${checkout_tasks_function_arn}") pass its
// ARN check as they are.
func Validate(ctx context.Context, name string, definition []byte) error {
	bin := filepath.Join(workspace.ToolsDir(), ValidatorRel)
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w: %s", ErrToolMissing, bin)
	}
	if _, err := exec.LookPath("node"); err != nil {
		return fmt.Errorf("%w: node", ErrToolMissing)
	}
	f, err := os.CreateTemp("", "asl-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(definition); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--json-path", f.Name())
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	if err == nil {
		return nil
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		return fmt.Errorf("asl-validator: %w\n%s%s", err, stdout.String(), stderr.String())
	}
	// Exit 1: invalid. The first line names the file; the others are the problems.
	inv := &InvalidError{Name: name}
	for _, line := range strings.Split(stdout.String()+stderr.String(), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.Contains(line, "State machine definition") {
			continue
		}
		inv.Problems = append(inv.Problems, line)
	}
	if len(inv.Problems) == 0 {
		inv.Problems = []string{"(no message)"}
	}
	return inv
}

// RequireTools ends the test when node, asl-validator or aws-local-stepfunctions is missing:
// Skip locally, Fatal when CI is set (as testenv.Missing).
func RequireTools(t testing.TB) {
	t.Helper()
	var missing []string
	if _, err := exec.LookPath("node"); err != nil {
		missing = append(missing, "node")
	}
	for _, rel := range []string{ValidatorRel, LibraryRel} {
		if _, err := os.Stat(filepath.Join(workspace.ToolsDir(), rel)); err != nil {
			missing = append(missing, filepath.Join(workspace.ToolsDir(), rel))
		}
	}
	if len(missing) == 0 {
		return
	}
	testenv.Missing(t, fmt.Sprintf("%s not installed (run .ci/install-deps asl sfnlocal)", strings.Join(missing, ", ")))
}
