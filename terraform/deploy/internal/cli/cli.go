// Package cli is bffdeploy's command line: it parses flags, wires the packages that build the
// Lambda zips, drive Terraform/OpenTofu and onboard partners, and maps failures to exit codes.
package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Exit codes.
const (
	ExitOK      = 0
	ExitFailed  = 1 // a step failed (build, Terraform, AWS, Cognito)
	ExitUsage   = 2 // bad flags or arguments
	ExitRefused = 3 // a guard refused: destroy in a protected env, confirmation not given
)

// ProtectedEnvs are the environments where plan and apply refuse deletes and replacements
// unless -allow-destroy is given.
var ProtectedEnvs = map[string]bool{"prod": true}

// usageError marks errors that come from bad flags or arguments.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, a ...any) error { return usageError{fmt.Errorf(format, a...)} }

// errRefused marks a guard refusing to go on.
var errRefused = errors.New("refused")

// App holds the process's streams, so tests can run commands in-process.
type App struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Dir is the working directory used to find the repository root (default: os.Getwd).
	Dir string

	in *bufio.Reader
}

const usage = `bffdeploy builds, plans, applies and inspects the BFF suite's infrastructure.

Usage:
  bffdeploy init-state -env ENV [-bucket NAME] [-region R] [-kms-key ARN] [-print] [-force] [-root DIR]
                     create or verify the env's S3 state bucket (versioned, encrypted, public access
                     blocked, TLS only) and write terraform/envs/ENV/backend.hcl
  bffdeploy guided   -env ENV [-non-interactive] [-region R] [-domain-prefix P] [-web-origins O,...]
                     [-account ID,...] [-partner NAME:SCOPE,...:TIER ...] [-out FILE] [-force]
                     first run: ask (or take from flags) the env's settings, validate them like the
                     env root does and write terraform/envs/ENV/terraform.tfvars (never overwritten
                     without -force)
  bffdeploy build    [-only bff-web,...] [-out dist] [-arch arm64|amd64]
  bffdeploy plan     -env ENV [-out FILE] [-allow-destroy] [terraform flags]
  bffdeploy apply    -env ENV [-plan FILE | -yes] [-allow-destroy] [terraform flags]
  bffdeploy outputs  -env ENV [-out FILE] [terraform flags]
  bffdeploy destroy  -env ENV [-confirm ENV] [-allow-destroy] [terraform flags]
  bffdeploy validate -env ENV [terraform flags]
  bffdeploy partner  add -name ID -scopes S,... -tier TIER [-display-name N] (-outputs FILE | -user-pool ID
                     -resource-server ID -table NAME -usage-plans tier=ID,...) [-endpoint URL] [-json]
  bffdeploy partner  list|disable ...   (the same -outputs or flags; disable: -name ID)
  bffdeploy version  [terraform flags]

Terraform flags:
  -root DIR        root module (default terraform/envs/ENV of the repository)
  -tf-bin PATH     terraform or tofu binary (default: tofu, then terraform on PATH, then $BFF_TOOLS/bin/tofu)
  -var-file FILE   variables file, repeatable
  -v               stream Terraform's output
  -lock-timeout D  how long plan/apply/destroy wait for the state lock (default 5m; 0 fails at once)
  -no-aws-check    skip the AWS credential and account check (fixture roots)
  -account IDS     AWS account(s) the caller must belong to (default: the root's allowed_account_ids)

Run "bffdeploy COMMAND -h" for a command's flags. Exit status: 0 ok, 1 failed, 2 usage, 3 refused.
`

// Run runs one command and returns the exit code.
func (a *App) Run(ctx context.Context, args []string) int {
	if a.Stdin == nil {
		a.Stdin = strings.NewReader("")
	}
	a.in = bufio.NewReader(a.Stdin)
	if len(args) == 0 {
		fmt.Fprint(a.Stderr, usage)
		return ExitUsage
	}
	cmds := map[string]func(context.Context, []string) error{
		"build":      a.build,
		"plan":       a.plan,
		"apply":      a.apply,
		"outputs":    a.outputs,
		"destroy":    a.destroy,
		"validate":   a.validate,
		"partner":    a.partner,
		"version":    a.version,
		"init-state": a.initState,
		"guided":     a.guided,
	}
	name := args[0]
	if name == "-h" || name == "-help" || name == "--help" || name == "help" {
		fmt.Fprint(a.Stdout, usage)
		return ExitOK
	}
	cmd, ok := cmds[name]
	if !ok {
		fmt.Fprintf(a.Stderr, "bffdeploy: unknown command %q\n\n%s", name, usage)
		return ExitUsage
	}
	err := cmd(ctx, args[1:])
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(a.Stderr, "bffdeploy %s: %v\n", name, err)
		return ExitUsage
	case errors.Is(err, errRefused):
		fmt.Fprintf(a.Stderr, "bffdeploy %s: %v\n", name, err)
		return ExitRefused
	default:
		fmt.Fprintf(a.Stderr, "bffdeploy %s: %v\n", name, err)
		return ExitFailed
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func (a *App) newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("bffdeploy "+name, flag.ContinueOnError)
	fs.SetOutput(a.Stderr)
	return fs
}

// parse parses args and rejects positional arguments.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

var envPattern = regexp.MustCompile(`^[a-z][a-z0-9-]{0,31}$`)

// repoRoot finds the repository root: the nearest directory at or above dir holding go.work
// and a terraform directory.
func repoRoot(dir string) (string, error) {
	d, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	for {
		if isFile(filepath.Join(d, "go.work")) && isDir(filepath.Join(d, "terraform")) {
			return d, nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no repository root (go.work and terraform/) at or above %s; pass -root", dir)
		}
		d = parent
	}
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }
func isDir(p string) bool  { st, err := os.Stat(p); return err == nil && st.IsDir() }

func (a *App) workDir() (string, error) {
	if a.Dir != "" {
		return a.Dir, nil
	}
	return os.Getwd()
}

// confirm prints prompt and reads one line from stdin.
func (a *App) readLine(prompt string) (string, error) {
	fmt.Fprint(a.Stderr, prompt)
	line, err := a.in.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("%w: no answer on stdin (%v)", errRefused, err)
	}
	return strings.TrimSpace(line), nil
}
