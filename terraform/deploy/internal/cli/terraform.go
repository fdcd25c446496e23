package cli

import (
	"archive/zip"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"

	"bffsuite.dev/deploy/internal/awscreds"
	"bffsuite.dev/deploy/internal/frontendconfig"
	"bffsuite.dev/deploy/internal/lambdazip"
	"bffsuite.dev/deploy/internal/plansummary"
	"bffsuite.dev/deploy/internal/rootvars"
	"bffsuite.dev/deploy/internal/tfrun"
)

// tfFlags are the flags every Terraform command takes.
type tfFlags struct {
	env, root, tfBin    string
	varFiles            listFlag
	verbose, noAWSCheck bool
	accounts            string
	lockTimeout         time.Duration
}

func (f *tfFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.env, "env", "", "environment name (dev, prod, ...); required")
	fs.StringVar(&f.root, "root", "", "root module directory (default terraform/envs/ENV)")
	fs.StringVar(&f.tfBin, "tf-bin", "", "terraform or tofu binary (path or name on PATH)")
	fs.Var(&f.varFiles, "var-file", "Terraform variables file (repeatable)")
	fs.BoolVar(&f.verbose, "v", false, "stream Terraform's output")
	fs.BoolVar(&f.noAWSCheck, "no-aws-check", false, "skip the AWS credential and account check")
	fs.DurationVar(&f.lockTimeout, "lock-timeout", 5*time.Minute, "how long plan, apply and destroy wait for the state lock (0: fail at once)")
	fs.StringVar(&f.accounts, "account", "", "AWS account ID(s) the caller must belong to, comma-separated (default: the root's allowed_account_ids)")
}

// tfConfig is the resolved, validated form of tfFlags.
type tfConfig struct {
	Env       string
	Repo      string // repository root, "" when -root points outside one
	Root      string // absolute
	VarFiles  []string
	Protected bool
}

// resolve validates the flags and resolves paths against dir (the working directory).
func (f *tfFlags) resolve(dir string) (tfConfig, error) {
	if f.env == "" {
		return tfConfig{}, usagef("-env is required")
	}
	if !envPattern.MatchString(f.env) {
		return tfConfig{}, usagef("-env %q: use lower-case letters, digits and -", f.env)
	}
	c := tfConfig{Env: f.env, Protected: ProtectedEnvs[f.env]}
	repo, repoErr := repoRoot(dir)
	if repoErr == nil {
		c.Repo = repo
	}
	switch {
	case f.root != "":
		root := f.root
		if !filepath.IsAbs(root) {
			root = filepath.Join(dir, root)
		}
		c.Root = filepath.Clean(root)
	case repoErr != nil:
		return tfConfig{}, usageError{repoErr}
	default:
		c.Root = filepath.Join(repo, "terraform", "envs", f.env)
	}
	if !isDir(c.Root) {
		return tfConfig{}, usagef("root module %s does not exist (-root, -env)", c.Root)
	}
	for _, v := range f.varFiles {
		if !filepath.IsAbs(v) {
			v = filepath.Join(dir, v)
		}
		if !isFile(v) {
			return tfConfig{}, usagef("-var-file %s does not exist", v)
		}
		c.VarFiles = append(c.VarFiles, filepath.Clean(v))
	}
	return c, nil
}

// session is one Terraform command's prepared state.
type session struct {
	cfg    tfConfig
	vars   rootvars.Values
	runner *tfrun.Runner
	// aws says the AWS check ran (the root uses AWS and -no-aws-check is not set).
	aws bool
	// plan is the last plan shown by review.
	plan *tfjson.Plan
}

// open resolves flags, finds and checks the binary and prepares the runner.
func (a *App) open(ctx context.Context, f *tfFlags) (*session, error) {
	dir, err := a.workDir()
	if err != nil {
		return nil, err
	}
	cfg, err := f.resolve(dir)
	if err != nil {
		return nil, err
	}
	vars, err := rootvars.Read(cfg.Root, cfg.VarFiles)
	if err != nil {
		return nil, fmt.Errorf("read the root's variables: %w", err)
	}
	why, err := rootProtection(cfg, vars)
	if err != nil {
		return nil, err
	}
	bin, err := tfrun.FindBinary(ctx, f.tfBin)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(a.Stderr, "using %s\nroot %s (env %s)\n", bin, cfg.Root, cfg.Env)
	if why != "" && !cfg.Protected {
		fmt.Fprintf(a.Stderr, "root %s is protected (%s): the prod guard applies although -env is %s\n", cfg.Root, why, cfg.Env)
	}
	cfg.Protected = cfg.Protected || why != ""
	r, err := tfrun.New(tfrun.Options{
		Binary: bin, Root: cfg.Root, VarFiles: cfg.VarFiles, Verbose: f.verbose,
		Stdout: a.Stdout, Progress: a.Stderr, LockTimeout: lockTimeout(f.lockTimeout),
	})
	if err != nil {
		return nil, err
	}
	return &session{cfg: cfg, vars: vars, runner: r}, nil
}

// errZips marks missing or unusable Lambda zips.
var errZips = errors.New("the Lambda zips are not ready")

// checkZips checks, for a root with an artifact_dir variable (the env roots), that every BFF's
// zip there (resolved against the root, as Terraform does) is a zip holding a bootstrap: a
// clear error before init and plan instead of a precondition failure deep in the plan.
func (a *App) checkZips(s *session) error {
	v, ok := s.vars["artifact_dir"]
	if !ok || v.IsNull() || v.Type() != cty.String {
		return nil
	}
	dir := v.AsString()
	if !filepath.IsAbs(dir) {
		dir = filepath.Join(s.cfg.Root, dir)
	}
	dir = filepath.Clean(dir)
	var bad []string
	for _, t := range lambdazip.All() {
		p := filepath.Join(dir, t.Name+".zip")
		if err := zipHasBootstrap(p); err != nil {
			bad = append(bad, fmt.Sprintf("\n  %s: %v", p, err))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%w (artifact_dir %s):%s\nbuild them first with `make lambda` (or `bffdeploy build -out %s`)",
			errZips, dir, strings.Join(bad, ""), dir)
	}
	fmt.Fprintf(a.Stderr, "Lambda zips present in %s\n", dir)
	return nil
}

// zipHasBootstrap opens a Lambda zip and looks for its bootstrap executable.
func zipHasBootstrap(p string) error {
	r, err := zip.OpenReader(p)
	if errors.Is(err, fs.ErrNotExist) {
		return errors.New("missing")
	}
	if err != nil {
		return fmt.Errorf("not a readable zip: %w", err)
	}
	defer r.Close()
	for _, f := range r.File {
		if f.Name == "bootstrap" {
			return nil
		}
	}
	return errors.New("no bootstrap in the zip")
}

// rootProtection says why the root itself is a protected env's root, whatever -env says ("" when
// it is not): it is terraform/envs/<protected> of the repository or a directory named like a
// protected env (a copy of envs/prod), a module call passes environment = "<protected>" (as
// envs/prod does), or its variables set protected = true or env/environment to a protected env.
func rootProtection(c tfConfig, vars rootvars.Values) (string, error) {
	root := c.Root
	if r, err := filepath.EvalSymlinks(root); err == nil {
		root = r
	}
	if name := filepath.Base(root); ProtectedEnvs[name] {
		return fmt.Sprintf("directory %s", name), nil
	}
	envs, err := rootvars.ModuleStrings(c.Root, "environment")
	if err != nil {
		return "", fmt.Errorf("read the root's modules: %w", err)
	}
	for _, e := range envs {
		if ProtectedEnvs[e] {
			return fmt.Sprintf("a module gets environment = %q", e), nil
		}
	}
	if p, ok := vars.Bool("protected"); ok && p {
		return "variable protected = true", nil
	}
	for _, name := range []string{"env", "environment"} {
		if v, ok := vars[name]; ok && !v.IsNull() && v.Type() == cty.String && ProtectedEnvs[v.AsString()] {
			return fmt.Sprintf("variable %s = %q", name, v.AsString()), nil
		}
	}
	return "", nil
}

// lockTimeout formats d for Terraform's -lock-timeout ("0s" for zero or less: no wait).
func lockTimeout(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	return fmt.Sprintf("%ds", int64((d+time.Second-1)/time.Second))
}

// checkAWS checks credentials unless skipped or the root does not use AWS.
func (a *App) checkAWS(ctx context.Context, s *session, f *tfFlags) error {
	if f.noAWSCheck {
		fmt.Fprintln(a.Stderr, "AWS credential check skipped (-no-aws-check)")
		return nil
	}
	uses, err := tfrun.UsesAWS(s.cfg.Root)
	if err != nil {
		return err
	}
	if !uses {
		fmt.Fprintln(a.Stderr, "AWS credential check skipped: the root uses no AWS provider or S3 backend")
		return nil
	}
	want, from, err := s.wantAccounts(f)
	if err != nil {
		return err
	}
	c, err := awscreds.Identify(ctx)
	if err != nil {
		return err
	}
	s.aws = true
	fmt.Fprintf(a.Stderr, "AWS credentials from %s (region %q)\nAWS caller: account %s, %s\n", c.Source, c.Region, c.Account, c.ARN)
	return checkAccount(s.cfg, c.Account, want, from)
}

// wantAccounts returns the accounts the caller must belong to: -account, else the root's
// allowed_account_ids (defaults, tfvars, -var-file), and where they came from.
func (s *session) wantAccounts(f *tfFlags) ([]string, string, error) {
	if f.accounts != "" {
		var ids []string
		for _, id := range strings.Split(f.accounts, ",") {
			id = strings.TrimSpace(id)
			if !accountPattern.MatchString(id) {
				return nil, "", usagef("-account %q: want 12-digit AWS account IDs, comma-separated", id)
			}
			ids = append(ids, id)
		}
		return ids, "-account", nil
	}
	ids, err := s.vars.Strings("allowed_account_ids")
	if err != nil {
		return nil, "", err
	}
	return ids, "allowed_account_ids", nil
}

var accountPattern = regexp.MustCompile(`^[0-9]{12}$`)

// checkAccount refuses a caller outside want. An empty want is accepted in unprotected envs
// (dev's allowed_account_ids may be empty) and refused in protected ones.
func checkAccount(c tfConfig, account string, want []string, from string) error {
	if len(want) == 0 {
		if c.Protected {
			return fmt.Errorf("%w: %s is protected and no account is expected: set allowed_account_ids (tfvars or -var-file) or pass -account", errRefused, c.Env)
		}
		return nil
	}
	if slices.Contains(want, account) {
		return nil
	}
	return fmt.Errorf("%w: the AWS caller's account %s is not in %s %v of env %s: wrong credentials or profile?",
		errRefused, account, from, want, c.Env)
}

// prepare opens a session, checks AWS and runs init; with zips it first checks the Lambda zips
// the root deploys (plan and apply).
func (a *App) prepare(ctx context.Context, f *tfFlags, zips bool) (*session, error) {
	s, err := a.open(ctx, f)
	if err != nil {
		return nil, err
	}
	if zips {
		if err := a.checkZips(s); err != nil {
			return nil, err
		}
	}
	if err := a.checkAWS(ctx, s, f); err != nil {
		return nil, err
	}
	if err := s.runner.Init(ctx, true); err != nil {
		return nil, err
	}
	return s, nil
}

// guard refuses deletes and replacements in protected environments unless allowed.
func guard(env string, protected, allow bool, s plansummary.Summary) error {
	d := s.Destructive()
	if len(d) == 0 || !protected || allow {
		return nil
	}
	var b strings.Builder
	for _, c := range d {
		fmt.Fprintf(&b, "\n  %s (%s)", c.Address, c.Action)
	}
	return fmt.Errorf("%w: the plan would destroy or replace %d resource(s) in %s:%s\nreview them and rerun with -allow-destroy if intended",
		errRefused, len(d), env, b.String())
}

// review shows a plan file's summary and applies the guard.
func (a *App) review(ctx context.Context, s *session, planFile string, allow bool) (plansummary.Summary, error) {
	p, err := s.runner.Show(ctx, planFile)
	if err != nil {
		return plansummary.Summary{}, err
	}
	s.plan = p
	sum := plansummary.Summarize(p)
	fmt.Fprintln(a.Stdout)
	if err := sum.WriteText(a.Stdout); err != nil {
		return sum, err
	}
	return sum, guard(s.cfg.Env, s.cfg.Protected, allow, sum)
}

func defaultPlanFile(c tfConfig) string {
	return filepath.Join(c.Root, ".terraform", "bffdeploy-"+c.Env+".tfplan")
}

func (a *App) plan(ctx context.Context, args []string) error {
	var f tfFlags
	fs := a.newFlagSet("plan")
	f.register(fs)
	out := fs.String("out", "", "plan file to write (default ROOT/.terraform/bffdeploy-ENV.tfplan)")
	allow := fs.Bool("allow-destroy", false, "allow deletes and replacements in protected envs (prod)")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := a.prepare(ctx, &f, true)
	if err != nil {
		return err
	}
	planFile := *out
	if planFile == "" {
		planFile = defaultPlanFile(s.cfg)
	}
	if planFile, err = filepath.Abs(planFile); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(planFile), 0o755); err != nil {
		return fmt.Errorf("plan file directory: %w", err)
	}
	if err := s.runner.Plan(ctx, planFile, false); err != nil {
		return err
	}
	if _, err := a.review(ctx, s, planFile, *allow); err != nil {
		return err
	}
	if s.aws {
		if err := a.quota(ctx, s.plan); err != nil {
			return err
		}
	}
	fmt.Fprintf(a.Stdout, "\nSaved plan: %s\nApply exactly this plan with: bffdeploy apply -env %s -plan %s\n", planFile, s.cfg.Env, planFile)
	return nil
}

func (a *App) apply(ctx context.Context, args []string) error {
	var f tfFlags
	fs := a.newFlagSet("apply")
	f.register(fs)
	planFlag := fs.String("plan", "", "reviewed plan file to apply (from bffdeploy plan)")
	yes := fs.Bool("yes", false, "apply a fresh plan without asking (CI)")
	allow := fs.Bool("allow-destroy", false, "allow deletes and replacements in protected envs (prod)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *planFlag != "" && len(f.varFiles) > 0 {
		return usagef("-var-file cannot be combined with -plan: the plan file already holds its variables")
	}
	s, err := a.prepare(ctx, &f, true)
	if err != nil {
		return err
	}
	if *planFlag != "" {
		planFile, err := filepath.Abs(*planFlag)
		if err != nil {
			return err
		}
		if !isFile(planFile) {
			return usagef("-plan %s does not exist", planFile)
		}
		if _, err := a.review(ctx, s, planFile, *allow); err != nil {
			return err
		}
		return a.applyPlan(ctx, s, planFile)
	}
	planFile := defaultPlanFile(s.cfg) + ".apply"
	if err := os.MkdirAll(filepath.Dir(planFile), 0o755); err != nil {
		return err
	}
	defer os.Remove(planFile)
	if err := s.runner.Plan(ctx, planFile, false); err != nil {
		return err
	}
	sum, err := a.review(ctx, s, planFile, *allow)
	if err != nil {
		return err
	}
	if !sum.HasChanges() {
		return nil
	}
	if !*yes {
		answer, err := a.readLine(fmt.Sprintf("\nApply these changes to %s? Only 'yes' is accepted: ", s.cfg.Env))
		if err != nil {
			return err
		}
		if answer != "yes" {
			return fmt.Errorf("%w: apply cancelled (answer %q); nothing was changed", errRefused, answer)
		}
	}
	return a.applyPlan(ctx, s, planFile)
}

func (a *App) applyPlan(ctx context.Context, s *session, planFile string) error {
	if err := s.runner.Apply(ctx, planFile); err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "\nApplied %s to %s.\n", filepath.Base(planFile), s.cfg.Env)
	return nil
}

func (a *App) outputs(ctx context.Context, args []string) error {
	var f tfFlags
	fs := a.newFlagSet("outputs")
	f.register(fs)
	out := fs.String("out", "", "front-end JSON file to write (default REPO/dist/frontend-ENV.json)")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := a.prepare(ctx, &f, false)
	if err != nil {
		return err
	}
	outs, err := s.runner.Outputs(ctx)
	if err != nil {
		return err
	}
	cfg, err := frontendconfig.FromOutputs(s.cfg.Env, outs)
	if err != nil {
		return err
	}
	js, err := cfg.JSON()
	if err != nil {
		return err
	}
	path := *out
	if path == "" {
		base := s.cfg.Repo
		if base == "" {
			base = s.cfg.Root
		}
		path = filepath.Join(base, "dist", "frontend-"+s.cfg.Env+".json")
	}
	if err := writeFileAtomic(path, js); err != nil {
		return fmt.Errorf("write front-end config: %w", err)
	}
	fmt.Fprintf(a.Stderr, "wrote %s\n", path)
	_, err = a.Stdout.Write(js)
	return err
}

func (a *App) destroy(ctx context.Context, args []string) error {
	var f tfFlags
	fs := a.newFlagSet("destroy")
	f.register(fs)
	confirm := fs.String("confirm", "", "the environment name, to confirm without a prompt (CI)")
	allow := fs.Bool("allow-destroy", false, "required as well for protected envs (prod)")
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := a.prepare(ctx, &f, false)
	if err != nil {
		return err
	}
	planFile := defaultPlanFile(s.cfg) + ".destroy"
	if err := os.MkdirAll(filepath.Dir(planFile), 0o755); err != nil {
		return err
	}
	defer os.Remove(planFile)
	if err := s.runner.Plan(ctx, planFile, true); err != nil {
		return err
	}
	sum, err := a.review(ctx, s, planFile, *allow)
	if err != nil {
		return err
	}
	if !sum.HasChanges() {
		return nil
	}
	answer := *confirm
	if answer == "" {
		answer, err = a.readLine(fmt.Sprintf("\nThis destroys everything above in %s. Type the environment name to confirm: ", s.cfg.Env))
		if err != nil {
			return err
		}
	}
	if answer != s.cfg.Env {
		return fmt.Errorf("%w: confirmation %q does not match the environment %q; nothing was destroyed", errRefused, answer, s.cfg.Env)
	}
	return a.applyPlan(ctx, s, planFile)
}

func (a *App) validate(ctx context.Context, args []string) error {
	var f tfFlags
	fs := a.newFlagSet("validate")
	f.register(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	s, err := a.open(ctx, &f)
	if err != nil {
		return err
	}
	if err := s.runner.Init(ctx, false); err != nil {
		return err
	}
	v, err := s.runner.Validate(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stdout, "%s: valid (%d warning(s))\n", s.cfg.Root, v.WarningCount)
	if v.WarningCount > 0 {
		fmt.Fprint(a.Stdout, tfrun.Diagnostics(v.Diagnostics))
	}
	return nil
}

func (a *App) version(ctx context.Context, args []string) error {
	fs := a.newFlagSet("version")
	tfBin := fs.String("tf-bin", "", "terraform or tofu binary")
	if err := parse(fs, args); err != nil {
		return err
	}
	bin, err := tfrun.FindBinary(ctx, *tfBin)
	if err != nil {
		return err
	}
	fmt.Fprintln(a.Stdout, bin)
	return nil
}

// writeFileAtomic writes data next to path and renames it into place.
func writeFileAtomic(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
