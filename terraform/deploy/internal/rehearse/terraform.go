package rehearse

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Region is where the rehearsal deploys (moto's default region).
const Region = "us-east-1"

// EnvRoot is the root module the rehearsal applies, relative to terraform/.
const EnvRoot = "envs/dev"

// endpointServices are the provider's endpoint keys for every service terraform/ uses; each
// points at moto.
var endpointServices = []string{
	"apigateway", "apigatewayv2", "cloudwatch", "cloudwatchlogs", "cognitoidp", "dynamodb",
	"events", "iam", "kms", "lambda", "s3", "sfn", "sns", "sqs", "ssm", "sts",
}

// ProviderOverride is the rehearsal's provider override file for envs/dev: every endpoint at
// moto, fake static credentials, no account lookups, and max_retries = 2 (moto answers 500 for
// what it lacks; the provider would otherwise retry for over 10 minutes).
func ProviderOverride(endpoint string) string {
	var b strings.Builder
	b.WriteString(`# Written by the rehearsal (terraform/deploy/internal/rehearse): the AWS provider against a
# local moto_server. Never commit this file into an env root.
provider "aws" {
  region                      = "` + Region + `"
  access_key                  = "test"
  secret_key                  = "test"
  skip_credentials_validation = true
  skip_requesting_account_id  = true
  skip_metadata_api_check     = true
  s3_use_path_style           = true
  max_retries                 = 2

  endpoints {
`)
	for _, s := range endpointServices {
		fmt.Fprintf(&b, "    %-12s = %q\n", s, endpoint)
	}
	b.WriteString("  }\n}\n")
	return b.String()
}

// Tfvars are the rehearsal's variables: the env's own defaults (partners = {} included) plus
// what a local run must change, each for a stated reason.
func Tfvars(artifactDir, arch string) string {
	return fmt.Sprintf(`# Written by the rehearsal.
region                = %q
artifact_dir          = %q
cognito_domain_prefix = "bffsuite-rehearsal"
# The emulator runs the zips on this machine: bootstraps for its architecture.
lambda_architecture = %q
# moto evaluates IAM in Python on every DynamoDB call (tens to hundreds of ms each, more on a
# busy machine): web home and mobile feed fan out to several, so the 5s budget can run out.
request_budget = "9s"
# moto 5.2.1 lacks PutQueryDefinition (500): the saved Logs Insights queries are left out.
saved_log_queries = false
# moto 5.2.1 drops a function's LoggingConfig: kept, every second plan would show an update.
lambda_logging_config = false
# moto 5.2.1 returns the import queue's RedrivePolicy with spaces after ':' and ',': hashicorp/aws
# shows a whitespace change on every plan. The dead-letter queue and its alarm are still created.
imports_attach_dead_letter_queue = false
`, Region, artifactDir, arch)
}

// CopyTerraform copies terraform/ (without deploy/, .terraform/, lock files and state) into
// dst, so the rehearsal never writes into the work tree.
func CopyTerraform(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && (rel == "deploy" || name == ".terraform") {
			return filepath.SkipDir
		}
		if !d.IsDir() && (name == ".terraform.lock.hcl" || strings.HasSuffix(name, ".tfstate") ||
			strings.HasSuffix(name, ".tfstate.backup") || name == "terraform.tfvars") {
			return nil
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// Tofu runs OpenTofu in one directory with the real-provider CLI configuration.
type Tofu struct {
	Bin, Dir string
	Env      []string
	// Log receives every command's combined output.
	Log *os.File
}

// ErrChanges is returned by Plan when the plan is not empty.
var ErrChanges = errors.New("plan shows changes")

func (t Tofu) run(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, t.Bin, args...)
	cmd.Dir = t.Dir
	cmd.Env = append(os.Environ(), t.Env...)
	cmd.Env = append(cmd.Env, "TF_IN_AUTOMATION=1", "TF_INPUT=0", "CHECKPOINT_DISABLE=1")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if t.Log != nil {
		fmt.Fprintf(t.Log, "\n$ tofu %s\n%s", strings.Join(args, " "), out.String())
	}
	return out.String(), err
}

// Init runs tofu init.
func (t Tofu) Init(ctx context.Context) error {
	out, err := t.run(ctx, append([]string{"init", "-input=false", "-no-color"}, backendArgs(t.Dir)...)...)
	if err != nil {
		return fmt.Errorf("tofu init: %w\n%s", err, tail(out, 4000))
	}
	return nil
}

// Apply runs tofu apply -auto-approve.
func (t Tofu) Apply(ctx context.Context) (string, error) {
	out, err := t.run(ctx, "apply", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return out, fmt.Errorf("tofu apply: %w\n%s", err, errorBlocks(out))
	}
	return out, nil
}

// Plan runs tofu plan -detailed-exitcode; ErrChanges (with the changed addresses) when the plan
// is not empty.
func (t Tofu) Plan(ctx context.Context) (string, error) {
	out, err := t.run(ctx, "plan", "-detailed-exitcode", "-input=false", "-no-color")
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 2 {
		return out, fmt.Errorf("%w:\n%s", ErrChanges, changedLines(out))
	}
	if err != nil {
		return out, fmt.Errorf("tofu plan: %w\n%s", err, errorBlocks(out))
	}
	return out, nil
}

// Destroy runs tofu destroy -auto-approve and returns its summary line.
func (t Tofu) Destroy(ctx context.Context) (string, error) {
	out, err := t.run(ctx, "destroy", "-auto-approve", "-input=false", "-no-color")
	if err != nil {
		return "", fmt.Errorf("tofu destroy: %w\n%s", err, errorBlocks(out))
	}
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Destroy complete!") {
			return strings.TrimSpace(l), nil
		}
	}
	return "", nil
}

// StateRemove forgets addresses (resources the emulator cannot delete).
func (t Tofu) StateRemove(ctx context.Context, addrs ...string) error {
	out, err := t.run(ctx, append([]string{"state", "rm"}, addrs...)...)
	if err != nil {
		return fmt.Errorf("tofu state rm: %w\n%s", err, tail(out, 2000))
	}
	return nil
}

// StateList lists the addresses in state.
func (t Tofu) StateList(ctx context.Context) ([]string, error) {
	out, err := t.run(ctx, "state", "list")
	if err != nil {
		return nil, fmt.Errorf("tofu state list: %w\n%s", err, tail(out, 2000))
	}
	return strings.Fields(out), nil
}

// Output reads one output as JSON into v.
func (t Tofu) Output(ctx context.Context, name string, v any) error {
	cmd := exec.CommandContext(ctx, t.Bin, "output", "-json", name)
	cmd.Dir = t.Dir
	cmd.Env = append(os.Environ(), t.Env...)
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("tofu output %s: %w", name, err)
	}
	if err := json.Unmarshal(out, v); err != nil {
		return fmt.Errorf("tofu output %s: %w", name, err)
	}
	return nil
}

// errorBlocks keeps the "Error:" blocks of tofu's output (or its tail when there are none).
func errorBlocks(out string) string {
	var keep []string
	lines := strings.Split(out, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.HasPrefix(strings.TrimLeft(lines[i], "│ "), "Error:") {
			j := i
			for ; j < len(lines) && j < i+14; j++ {
				keep = append(keep, lines[j])
			}
			i = j - 1
		}
	}
	if len(keep) == 0 {
		return tail(out, 3000)
	}
	return strings.Join(keep, "\n")
}

// changedLines keeps the "# address will be ..." lines of a plan.
func changedLines(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "# ") && (strings.Contains(s, " will be ") || strings.Contains(s, " must be ")) {
			keep = append(keep, "  "+s)
		}
	}
	if len(keep) == 0 {
		return tail(out, 3000)
	}
	return strings.Join(keep, "\n")
}

// OutputsJSON is `tofu output -json` (every output of the root), as bffdeploy's -outputs reads it.
func (t Tofu) OutputsJSON(ctx context.Context) ([]byte, error) {
	cmd := exec.CommandContext(ctx, t.Bin, "output", "-json")
	cmd.Dir = t.Dir
	cmd.Env = append(os.Environ(), t.Env...)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("tofu output -json: %w", err)
	}
	return out, nil
}
