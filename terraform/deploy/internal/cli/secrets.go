package cli

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	tfjson "github.com/hashicorp/terraform-json"
	"github.com/zclconf/go-cty/cty"
)

// secretsOutput is the env roots' output listing, per BFF, the SSM parameters its Lambda reads
// at cold start (terraform/modules/suite outputs.tf).
const secretsOutput = "secret_parameters"

// requiredSecrets returns the parameter names of the plan's secret_parameters output that no
// aws_ssm_parameter of the plan writes: the ones an operator must create before the apply, or
// the functions cannot start. ok is false when the plan has no (known) such output.
func requiredSecrets(p *tfjson.Plan) (names []string, ok bool) {
	if p == nil || p.PlannedValues == nil {
		return nil, false
	}
	out, found := p.PlannedValues.Outputs[secretsOutput]
	if !found || out == nil || out.Value == nil {
		return nil, false
	}
	byBFF, isMap := out.Value.(map[string]any)
	if !isMap {
		return nil, false
	}
	managed := map[string]bool{}
	var walk func(m *tfjson.StateModule)
	walk = func(m *tfjson.StateModule) {
		if m == nil {
			return
		}
		for _, r := range m.Resources {
			if r.Type == "aws_ssm_parameter" && r.Mode == tfjson.ManagedResourceMode {
				if n, ok := r.AttributeValues["name"].(string); ok {
					managed[n] = true
				}
			}
		}
		for _, c := range m.ChildModules {
			walk(c)
		}
	}
	walk(p.PlannedValues.RootModule)
	seen := map[string]bool{}
	for _, list := range byBFF {
		items, _ := list.([]any)
		for _, it := range items {
			if n, ok := it.(string); ok && !managed[n] && !seen[n] {
				seen[n] = true
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names, true
}

// missingParameters asks SSM (GetParameters, 10 names a call, no decryption: only existence
// matters) which of names do not exist.
func missingParameters(ctx context.Context, c *ssm.Client, names []string) ([]string, error) {
	var missing []string
	for i := 0; i < len(names); i += 10 {
		batch := names[i:min(i+10, len(names))]
		out, err := c.GetParameters(ctx, &ssm.GetParametersInput{Names: batch})
		if err != nil {
			return nil, fmt.Errorf("ssm GetParameters: %w", err)
		}
		missing = append(missing, out.InvalidParameters...)
	}
	sort.Strings(missing)
	return missing, nil
}

// checkSecrets refuses an apply whose functions would read SSM parameters that do not exist.
func (a *App) checkSecrets(ctx context.Context, s *session) error {
	names, ok := requiredSecrets(s.plan)
	if !ok {
		return nil // a root without the secret_parameters output (fixtures)
	}
	if len(names) == 0 {
		fmt.Fprintln(a.Stderr, "SSM secrets: every parameter the functions read is written by Terraform")
		return nil
	}
	region := planRegion(s)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	opts := []func(*config.LoadOptions) error{}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	missing, err := missingParameters(ctx, ssm.NewFromConfig(cfg), names)
	if err != nil {
		return fmt.Errorf("required SSM secrets check: %w", err)
	}
	if len(missing) == 0 {
		fmt.Fprintf(a.Stderr, "SSM secrets: all %d required parameters exist (region %s)\n", len(names), cfg.Region)
		return nil
	}
	var b strings.Builder
	for _, n := range missing {
		fmt.Fprintf(&b, "\n  %s", n)
	}
	b.WriteString("\ncreate each (32 random bytes, base64; never in Terraform state) and rerun:")
	for _, n := range missing {
		fmt.Fprintf(&b, "\n  aws ssm put-parameter --region %s --type SecureString --name %s --value \"$(openssl rand -base64 32)\"", cfg.Region, n)
	}
	return fmt.Errorf("%w: %d of the %d SSM parameters the functions read at cold start do not exist in %s; the functions would not start:%s",
		errRefused, len(missing), len(names), cfg.Region, b.String())
}

// planRegion is the region the env deploys to: the plan's region output, else the root's
// region variable ("" when neither: the SDK's default).
func planRegion(s *session) string {
	if s.plan != nil && s.plan.PlannedValues != nil {
		if o, ok := s.plan.PlannedValues.Outputs["region"]; ok && o != nil {
			if r, ok := o.Value.(string); ok && r != "" {
				return r
			}
		}
	}
	if v, ok := s.vars["region"]; ok && !v.IsNull() && v.Type() == cty.String {
		return v.AsString()
	}
	return ""
}
