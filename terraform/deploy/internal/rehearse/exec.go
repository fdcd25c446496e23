package rehearse

import (
	"bytes"
	"fmt"
	"os/exec"
	"strings"
)

func lookPath(name string) (string, error) { return exec.LookPath(name) }

// runOutput runs a command and returns its stdout (stderr in the error).
func runOutput(name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}
