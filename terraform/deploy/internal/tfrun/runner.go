package tfrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// Options configures a Runner.
type Options struct {
	Binary Binary
	// Root is the root module directory (terraform/envs/<env> or a fixture).
	Root string
	// VarFiles are passed as -var-file to plan; relative paths are resolved against the
	// current directory (Terraform itself would resolve them against Root).
	VarFiles []string
	// Verbose streams Terraform's own output to Stdout; otherwise only step progress is shown.
	Verbose bool
	// Stdout receives Terraform's output when Verbose; Progress receives the step lines.
	Stdout, Progress io.Writer
	// Env, when not nil, is the complete environment for Terraform (default: this process's).
	Env map[string]string
	// LockTimeout is how long plan and apply wait for the state lock (Terraform's
	// -lock-timeout, e.g. "5m"); "" leaves terraform-exec's default ("0s", fail at once).
	LockTimeout string
}

// Runner runs Terraform commands in one root directory.
type Runner struct {
	tf       *tfexec.Terraform
	opts     Options
	varFiles []string
}

// New checks the root directory and prepares a runner.
func New(opts Options) (*Runner, error) {
	if opts.Binary.Path == "" {
		return nil, fmt.Errorf("%w: runner without binary", ErrNoBinary)
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return nil, fmt.Errorf("root %s: %w", opts.Root, err)
	}
	st, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("root directory: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("root %s is not a directory", root)
	}
	matches, _ := filepath.Glob(filepath.Join(root, "*.tf"))
	jsonMatches, _ := filepath.Glob(filepath.Join(root, "*.tf.json"))
	if len(matches)+len(jsonMatches) == 0 {
		return nil, fmt.Errorf("root %s has no .tf files", root)
	}
	varFiles, err := AbsVarFiles(opts.VarFiles)
	if err != nil {
		return nil, err
	}
	opts.Root = root
	if opts.Progress == nil {
		opts.Progress = io.Discard
	}
	if opts.Stdout == nil {
		opts.Stdout = io.Discard
	}
	tf, err := tfexec.NewTerraform(root, opts.Binary.Path)
	if err != nil {
		return nil, fmt.Errorf("prepare %s: %w", opts.Binary.Path, err)
	}
	if opts.Env != nil {
		if err := tf.SetEnv(opts.Env); err != nil {
			return nil, fmt.Errorf("terraform environment: %w", err)
		}
	}
	// Give Terraform time to release state locks after an interrupt before it is killed.
	if err := tf.SetWaitDelay(2 * time.Minute); err != nil {
		return nil, err
	}
	if opts.Verbose {
		tf.SetStdout(opts.Stdout)
		tf.SetStderr(opts.Stdout)
	}
	return &Runner{tf: tf, opts: opts, varFiles: varFiles}, nil
}

// AbsVarFiles makes var-file paths absolute and checks that they exist, so that a typo fails
// before Terraform runs.
func AbsVarFiles(files []string) ([]string, error) {
	out := make([]string, 0, len(files))
	for _, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("-var-file %s: %w", f, err)
		}
		if _, err := os.Stat(abs); err != nil {
			return nil, fmt.Errorf("-var-file: %w", err)
		}
		out = append(out, abs)
	}
	return out, nil
}

// Root is the absolute root directory.
func (r *Runner) Root() string { return r.opts.Root }

// step runs fn, reporting its start and elapsed time on the progress writer.
func (r *Runner) step(name string, fn func() error) error {
	start := time.Now()
	fmt.Fprintf(r.opts.Progress, "==> %s\n", name)
	err := fn()
	elapsed := time.Since(start).Round(100 * time.Millisecond)
	if err != nil {
		fmt.Fprintf(r.opts.Progress, "==> %s failed after %s\n", name, elapsed)
		return err
	}
	fmt.Fprintf(r.opts.Progress, "==> %s done in %s\n", name, elapsed)
	return nil
}

// terraformError keeps Terraform's diagnostic text (tfexec puts stderr into the error) and
// marks interrupts as such.
func terraformError(what string, err error) error {
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: interrupted (Terraform was sent an interrupt and has stopped): %w", what, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// BackendConfigFile is the per-env partial backend configuration in a root (written by
// bffdeploy init-state); Init passes it as -backend-config when it exists.
const BackendConfigFile = "backend.hcl"

// Init runs init. With backend false, the backend is not configured (for validate). With
// backend true and ROOT/backend.hcl present, it is passed as -backend-config.
func (r *Runner) Init(ctx context.Context, backend bool) error {
	opts := []tfexec.InitOption{tfexec.Backend(backend), tfexec.Upgrade(false)}
	name := "init"
	if p := filepath.Join(r.opts.Root, BackendConfigFile); backend && isFile(p) {
		opts = append(opts, tfexec.BackendConfig(p))
		name = "init -backend-config=" + BackendConfigFile
	}
	return r.step(name, func() error {
		if err := r.tf.Init(ctx, opts...); err != nil {
			return terraformError("init "+r.opts.Root, err)
		}
		return nil
	})
}

// Plan writes a plan to planFile; destroy plans the destruction of everything.
func (r *Runner) Plan(ctx context.Context, planFile string, destroy bool) error {
	opts := []tfexec.PlanOption{tfexec.Out(planFile), tfexec.Destroy(destroy)}
	if r.opts.LockTimeout != "" {
		opts = append(opts, tfexec.LockTimeout(r.opts.LockTimeout))
	}
	for _, f := range r.varFiles {
		opts = append(opts, tfexec.VarFile(f))
	}
	name := "plan"
	if destroy {
		name = "plan -destroy"
	}
	return r.step(name, func() error {
		if _, err := r.tf.Plan(ctx, opts...); err != nil {
			return terraformError("plan", err)
		}
		return nil
	})
}

// Show reads a plan file as JSON.
func (r *Runner) Show(ctx context.Context, planFile string) (*tfjson.Plan, error) {
	var p *tfjson.Plan
	err := r.step("show plan", func() error {
		var err error
		p, err = r.tf.ShowPlanFile(ctx, planFile)
		if err != nil {
			return terraformError("show "+planFile, err)
		}
		return nil
	})
	return p, err
}

// Apply applies exactly the given plan file, streaming Terraform's JSON UI (apply -json) as one
// progress line per resource event and ending with the summary, failures and slowest resources.
func (r *Runner) Apply(ctx context.Context, planFile string) error {
	return r.step("apply", func() error {
		opts := []tfexec.ApplyOption{tfexec.DirOrPlan(planFile)}
		if r.opts.LockTimeout != "" {
			opts = append(opts, tfexec.LockTimeout(r.opts.LockTimeout))
		}
		var raw io.Writer
		if r.opts.Verbose {
			raw = r.opts.Stdout
		}
		p := NewProgress(r.opts.Progress, raw)
		err := r.tf.ApplyJSON(ctx, p, opts...)
		p.Flush()
		// ApplyJSON sets the process's stdout to p for good: restore it.
		if r.opts.Verbose {
			r.tf.SetStdout(r.opts.Stdout)
		} else {
			r.tf.SetStdout(io.Discard)
		}
		p.Summary(r.opts.Progress, 5)
		if err != nil {
			if errs := p.Errors(); len(errs) > 0 {
				return terraformError("apply "+planFile, fmt.Errorf("%w\n%s", err, strings.Join(errs, "\n")))
			}
			return terraformError("apply "+planFile, err)
		}
		return nil
	})
}

// Outputs reads the root module's outputs from the state.
func (r *Runner) Outputs(ctx context.Context) (map[string]tfexec.OutputMeta, error) {
	var out map[string]tfexec.OutputMeta
	err := r.step("output", func() error {
		var err error
		out, err = r.tf.Output(ctx)
		if err != nil {
			return terraformError("output", err)
		}
		return nil
	})
	return out, err
}

// Validate runs validate and turns error diagnostics into an error carrying their text.
func (r *Runner) Validate(ctx context.Context) (*tfjson.ValidateOutput, error) {
	var v *tfjson.ValidateOutput
	err := r.step("validate", func() error {
		var err error
		v, err = r.tf.Validate(ctx)
		if err != nil {
			return terraformError("validate", err)
		}
		if !v.Valid {
			return fmt.Errorf("validate %s: %d error(s):\n%s", r.opts.Root, v.ErrorCount, Diagnostics(v.Diagnostics))
		}
		return nil
	})
	return v, err
}

// Diagnostics renders diagnostics as Terraform's summary, file position and detail.
func Diagnostics(diags []tfjson.Diagnostic) string {
	var b bytes.Buffer
	for _, d := range diags {
		fmt.Fprintf(&b, "%s: %s", d.Severity, d.Summary)
		if d.Range != nil {
			fmt.Fprintf(&b, " (%s:%d)", d.Range.Filename, d.Range.Start.Line)
		}
		b.WriteString("\n")
		if d.Detail != "" {
			fmt.Fprintf(&b, "  %s\n", d.Detail)
		}
	}
	return b.String()
}

func isFile(p string) bool { st, err := os.Stat(p); return err == nil && !st.IsDir() }
