package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"bffsuite.dev/bench/internal/report"
)

// rehearsalTool is one thing `make rehearse` needs on this machine.
type rehearsalTool struct {
	name string
	// inTools is the path below the tools directory, "" when only PATH counts.
	inTools string
	// path is a fixed location (the tf-offline toolkit), "" when looked up.
	path string
	// install says how to get it.
	install string
}

func rehearsalTools(root string) []rehearsalTool {
	return []rehearsalTool{
		{name: "moto_server", install: `pip install "moto[server]==5.2.1"` + " (or `.ci/install-deps moto`)"},
		{name: "tofu", inTools: "bin/tofu", install: "`.ci/install-deps tofu`"},
		{name: "aws-lambda-rie", inTools: "bin/aws-lambda-rie", install: "`.ci/install-deps rie`"},
		{name: "tf-offline setup-real-aws", path: filepath.Join(root, "..", "shared", "tools", "tf-offline", "setup-real-aws"), install: "the read-only tools beside the repository (../shared/tools/tf-offline)"},
	}
}

// missingRehearsalTools names each tool the rehearsal needs and cannot find (in tools/bin, on
// PATH, or at its fixed path), with how to install it.
func missingRehearsalTools(root, tools string, lookPath func(string) (string, error)) []string {
	var missing []string
	for _, t := range rehearsalTools(root) {
		if t.path != "" {
			if st, err := os.Stat(t.path); err == nil && !st.IsDir() {
				continue
			}
			missing = append(missing, fmt.Sprintf("%s (%s; %s)", t.name, t.path, t.install))
			continue
		}
		if t.inTools != "" {
			if st, err := os.Stat(filepath.Join(tools, t.inTools)); err == nil && !st.IsDir() {
				continue
			}
		}
		if _, err := lookPath(t.name); err == nil {
			continue
		}
		missing = append(missing, fmt.Sprintf("%s (%s)", t.name, t.install))
	}
	return missing
}

// deployedInit is the section "Init as deployed (make rehearse)". Without the rehearsal's tools
// it returns a section that says so, or an error when ci is set (CI never drops a section
// silently). A rehearsal that runs and fails is an error.
func deployedInit(ctx context.Context, root, tools, work string, ci bool) (*report.DeployedInit, error) {
	if missing := missingRehearsalTools(root, tools, exec.LookPath); len(missing) > 0 {
		why := "the rehearsal's tools are missing: " + strings.Join(missing, ", ")
		if ci {
			return nil, errors.New("init as deployed: " + why)
		}
		return &report.DeployedInit{Note: why + ". Install them and run `make bench` again, or see `make rehearse`."}, nil
	}
	summary := filepath.Join(work, "rehearse-summary.json")
	cmd := exec.CommandContext(ctx, "go", "run", "./cmd/rehearse", "-repo", "../..", "-summary", summary)
	cmd.Dir = filepath.Join(root, "terraform", "deploy")
	cmd.Env = append(os.Environ(), "BFF_TOOLS="+tools)
	var out bytes.Buffer
	cmd.Stdout = io.MultiWriter(&out, prefixWriter{w: os.Stderr, prefix: "  rehearse | "})
	cmd.Stderr = cmd.Stdout
	runErr := cmd.Run()
	b, err := os.ReadFile(summary)
	if err != nil {
		if runErr != nil {
			return nil, fmt.Errorf("init as deployed: go run ./cmd/rehearse: %w\n%s", runErr, shortTail(out.String(), 3000))
		}
		return nil, fmt.Errorf("init as deployed: %w", err)
	}
	d, err := report.ParseRehearseSummary(b)
	if err != nil {
		return nil, fmt.Errorf("init as deployed: %w\n%s", err, shortTail(out.String(), 3000))
	}
	if runErr != nil {
		return nil, fmt.Errorf("init as deployed: go run ./cmd/rehearse: %w\n%s", runErr, shortTail(out.String(), 3000))
	}
	return &d, nil
}

func shortTail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// prefixWriter writes each line with a prefix (the rehearsal's progress inside benchreport's log).
type prefixWriter struct {
	w      io.Writer
	prefix string
}

func (p prefixWriter) Write(b []byte) (int, error) {
	s := strings.TrimSuffix(string(b), "\n")
	for _, l := range strings.Split(s, "\n") {
		if _, err := fmt.Fprintln(p.w, p.prefix+l); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}
