package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"bffsuite.dev/deploy/internal/partners"
	"bffsuite.dev/deploy/internal/rootvars"
)

// The values the env roots accept (their variable validations; TestGuidedRulesMatchRoots keeps
// these lists equal to the ones in terraform/envs/*/variables.tf and modules/cognito).
var (
	rateTiers     = []string{"bronze", "silver", "gold"}
	partnerScopes = []string{"catalog.read", "inventory.read", "orders.read", "orders.write", "imports.write", "imports.read", "webhooks.manage"}
	domainPrefix  = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$`)
	domainBanned  = regexp.MustCompile(`aws|amazon|cognito`)
	regionPattern = regexp.MustCompile(`^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-[0-9]$`)
)

// guidedPartner is one partner of the tfvars' partners map.
type guidedPartner struct {
	Name   string
	Scopes []string
	Tier   string
}

// guidedAnswers are the values a guided run writes.
type guidedAnswers struct {
	Region, DomainPrefix string
	WebOrigins, Accounts []string
	Partners             []guidedPartner
}

func validRegion(s string) error {
	if !regionPattern.MatchString(s) {
		return fmt.Errorf("region %q: want an AWS region code such as eu-central-1", s)
	}
	return nil
}

func validDomainPrefix(s string) error {
	if !domainPrefix.MatchString(s) || domainBanned.MatchString(s) {
		return fmt.Errorf("domain prefix %q: lower-case letters, digits and '-', 1-63 characters, not starting or ending with '-', "+
			"and without aws, amazon or cognito (Cognito's rule; it must also be unique in the region)", s)
	}
	return nil
}

// validOrigins checks browser origins as CORS compares them: scheme://host[:port], nothing else
// (a trailing slash or path never matches the Origin header). Protected envs: https only, at
// least one.
func validOrigins(list []string, protected bool) error {
	if protected && len(list) == 0 {
		return errors.New("web origins: a protected env needs at least one https:// origin")
	}
	for _, o := range list {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return fmt.Errorf("web origin %q: want scheme://host[:port] with nothing after it, e.g. https://shop.example.com", o)
		}
		if protected && u.Scheme != "https" {
			return fmt.Errorf("web origin %q: a protected env accepts https:// origins only", o)
		}
	}
	return nil
}

func validAccounts(list []string, protected bool) error {
	if protected && len(list) == 0 {
		return errors.New("account IDs: a protected env needs the account(s) it may be deployed to")
	}
	for _, a := range list {
		if !accountPattern.MatchString(a) {
			return fmt.Errorf("account ID %q: want 12 digits", a)
		}
	}
	return nil
}

func validPartner(p guidedPartner, seen map[string]bool) error {
	if err := partners.ValidateName(p.Name); err != nil {
		return fmt.Errorf("partner %q: %w", p.Name, err)
	}
	if seen[p.Name] {
		return fmt.Errorf("partner %q given twice", p.Name)
	}
	if len(p.Scopes) == 0 {
		return fmt.Errorf("partner %q: at least one scope (%s)", p.Name, strings.Join(partnerScopes, ", "))
	}
	for _, s := range p.Scopes {
		if !slices.Contains(partnerScopes, s) {
			return fmt.Errorf("partner %q: scope %q: want %s", p.Name, s, strings.Join(partnerScopes, ", "))
		}
	}
	if !slices.Contains(rateTiers, p.Tier) {
		return fmt.Errorf("partner %q: rate tier %q: want %s", p.Name, p.Tier, strings.Join(rateTiers, ", "))
	}
	return nil
}

// parsePartner reads NAME:SCOPE,SCOPE:TIER.
func parsePartner(s string) (guidedPartner, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return guidedPartner{}, fmt.Errorf("-partner %q: want NAME:SCOPE,SCOPE:TIER, e.g. acme:catalog.read,orders.read:bronze", s)
	}
	return guidedPartner{Name: strings.TrimSpace(parts[0]), Scopes: splitList(parts[1]), Tier: strings.TrimSpace(parts[2])}, nil
}

// splitList splits a comma-separated list, trimming blanks and dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" && !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}

// guided asks for a first deployment's settings and writes the env root's terraform.tfvars.
func (a *App) guided(ctx context.Context, args []string) error {
	fs := a.newFlagSet("guided")
	env := fs.String("env", "", "environment name (dev, prod, ...); required")
	rootFlag := fs.String("root", "", "root module directory (default terraform/envs/ENV)")
	out := fs.String("out", "", "tfvars file to write (default ROOT/terraform.tfvars)")
	force := fs.Bool("force", false, "overwrite an existing tfvars file")
	nonInteractive := fs.Bool("non-interactive", false, "ask nothing: take the flags and the root's defaults (CI, scripts)")
	region := fs.String("region", "", "AWS region (default: the root's region default)")
	prefix := fs.String("domain-prefix", "", "Cognito hosted domain prefix, unique in the region")
	origins := fs.String("web-origins", "", "browser origins of the web BFF, comma-separated (default: the root's)")
	accounts := fs.String("account", "", "allowed_account_ids, comma-separated (required for protected envs)")
	var partnerFlags listFlag
	fs.Var(&partnerFlags, "partner", "partner NAME:SCOPE,SCOPE:TIER (repeatable), e.g. acme:catalog.read,orders.read:bronze")
	if err := parse(fs, args); err != nil {
		return err
	}
	f := tfFlags{env: *env, root: *rootFlag}
	dir, err := a.workDir()
	if err != nil {
		return err
	}
	cfg, err := f.resolve(dir)
	if err != nil {
		return err
	}
	defaults, err := rootvars.Read(cfg.Root, nil)
	if err != nil {
		return fmt.Errorf("read the root's variables: %w", err)
	}
	if why, err := rootProtection(cfg, defaults); err != nil {
		return err
	} else if why != "" {
		cfg.Protected = true
	}
	declared, required, err := declaredVariables(cfg.Root)
	if err != nil {
		return err
	}
	for _, v := range []string{"region", "cognito_domain_prefix", "web_origins", "partners", "allowed_account_ids"} {
		if !declared[v] {
			return usagef("root %s has no variable %q: guided writes the env roots' variables (terraform/envs/*)", cfg.Root, v)
		}
	}
	path := *out
	if path == "" {
		path = filepath.Join(cfg.Root, "terraform.tfvars")
	} else if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if isFile(path) && !*force {
		return fmt.Errorf("%w: %s exists; edit it, or rerun with -force to replace it", errRefused, path)
	}

	// Defaults: the flags, else the root's defaults.
	ans := guidedAnswers{Region: *region, DomainPrefix: *prefix, WebOrigins: splitList(*origins), Accounts: splitList(*accounts)}
	if ans.Region == "" {
		if v, ok := defaults["region"]; ok && !v.IsNull() && v.Type() == cty.String {
			ans.Region = v.AsString()
		}
	}
	if *origins == "" {
		ans.WebOrigins, _ = defaults.Strings("web_origins")
	}
	seen := map[string]bool{}
	for _, pf := range partnerFlags {
		p, err := parsePartner(pf)
		if err != nil {
			return usageError{err}
		}
		if err := validPartner(p, seen); err != nil {
			return usageError{err}
		}
		seen[p.Name] = true
		ans.Partners = append(ans.Partners, p)
	}

	if *nonInteractive {
		for _, err := range []error{
			validRegion(ans.Region), validDomainPrefix(ans.DomainPrefix),
			validOrigins(ans.WebOrigins, cfg.Protected), validAccounts(ans.Accounts, cfg.Protected),
		} {
			if err != nil {
				return usageError{err}
			}
		}
	} else if err := a.askGuided(&ans, cfg.Protected, len(partnerFlags) > 0, seen); err != nil {
		return err
	}

	content := renderTfvars(cfg.Env, ans)
	if err := writeFileAtomic(path, content); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(a.Stdout, "wrote %s\n", path)
	var todo []string
	for _, v := range required {
		if !slices.Contains([]string{"cognito_domain_prefix"}, v) {
			todo = append(todo, v)
		}
	}
	if len(todo) > 0 {
		fmt.Fprintf(a.Stdout, "still to set in it (no default in %s): %s (see terraform.tfvars.example)\n", cfg.Root, strings.Join(todo, ", "))
	}
	fmt.Fprintf(a.Stdout, "next:\n  bffdeploy init-state -env %[1]s   (state bucket and backend.hcl)\n  make lambda\n"+
		"  create the SSM secrets of output secret_parameters (bffdeploy apply lists the missing ones)\n  bffdeploy plan -env %[1]s\n", cfg.Env)
	return nil
}

// askGuided prompts for each value with its current value as default; an invalid answer is
// explained and asked again (three tries).
func (a *App) askGuided(ans *guidedAnswers, protected, partnersGiven bool, seen map[string]bool) error {
	ask := func(label, def string, check func(string) error) (string, error) {
		for try := 0; try < 3; try++ {
			prompt := label + ": "
			if def != "" {
				prompt = fmt.Sprintf("%s [%s]: ", label, def)
			}
			v, err := a.readLine(prompt)
			if err != nil {
				return "", err
			}
			if v == "" {
				v = def
			}
			if err := check(v); err != nil {
				fmt.Fprintf(a.Stderr, "  %v\n", err)
				continue
			}
			return v, nil
		}
		return "", usagef("%s: no valid answer in three tries", label)
	}
	var err error
	if ans.Region, err = ask("AWS region", ans.Region, validRegion); err != nil {
		return err
	}
	if ans.DomainPrefix, err = ask("Cognito domain prefix (unique in the region)", ans.DomainPrefix, validDomainPrefix); err != nil {
		return err
	}
	o, err := ask("Web origins, comma-separated", strings.Join(ans.WebOrigins, ","), func(s string) error { return validOrigins(splitList(s), protected) })
	if err != nil {
		return err
	}
	ans.WebOrigins = splitList(o)
	acctLabel := "AWS account IDs this env may deploy to, comma-separated (empty: any)"
	if protected {
		acctLabel = "AWS account IDs this env may deploy to, comma-separated"
	}
	ac, err := ask(acctLabel, strings.Join(ans.Accounts, ","), func(s string) error { return validAccounts(splitList(s), protected) })
	if err != nil {
		return err
	}
	ans.Accounts = splitList(ac)
	if partnersGiven {
		return nil
	}
	for {
		name, err := a.readLine("Partner name (empty: no more partners): ")
		if err != nil {
			return err
		}
		if name == "" {
			return nil
		}
		if err := partners.ValidateName(name); err != nil || seen[name] {
			fmt.Fprintf(a.Stderr, "  %v\n", validPartner(guidedPartner{Name: name, Scopes: partnerScopes[:1], Tier: rateTiers[0]}, seen))
			continue
		}
		p := guidedPartner{Name: name}
		sc, err := ask("  scopes of "+name+" ("+strings.Join(partnerScopes, ", ")+")", "catalog.read", func(s string) error {
			return validPartner(guidedPartner{Name: name, Scopes: splitList(s), Tier: rateTiers[0]}, seen)
		})
		if err != nil {
			return err
		}
		p.Scopes = splitList(sc)
		if p.Tier, err = ask("  rate tier of "+name+" ("+strings.Join(rateTiers, ", ")+")", "bronze", func(s string) error {
			return validPartner(guidedPartner{Name: name, Scopes: p.Scopes, Tier: s}, seen)
		}); err != nil {
			return err
		}
		seen[name] = true
		ans.Partners = append(ans.Partners, p)
	}
}

// renderTfvars writes the answers as HCL (hclwrite: quoting and layout as tofu fmt).
func renderTfvars(env string, ans guidedAnswers) []byte {
	f := hclwrite.NewEmptyFile()
	b := f.Body()
	strs := func(l []string) cty.Value {
		if len(l) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vs := make([]cty.Value, len(l))
		for i, s := range l {
			vs[i] = cty.StringVal(s)
		}
		return cty.ListVal(vs)
	}
	b.SetAttributeValue("region", cty.StringVal(ans.Region))
	b.SetAttributeValue("allowed_account_ids", strs(ans.Accounts))
	b.SetAttributeValue("cognito_domain_prefix", cty.StringVal(ans.DomainPrefix))
	b.SetAttributeValue("web_origins", strs(ans.WebOrigins))
	ps := map[string]cty.Value{}
	for _, p := range ans.Partners {
		ps[p.Name] = cty.ObjectVal(map[string]cty.Value{"scopes": strs(p.Scopes), "rate_tier": cty.StringVal(p.Tier)})
	}
	if len(ps) == 0 {
		b.SetAttributeValue("partners", cty.EmptyObjectVal)
	} else {
		b.SetAttributeValue("partners", cty.ObjectVal(ps))
	}
	head := "# Written by `bffdeploy guided -env " + env + "`; edit freely. Not committed (.gitignore): it names\n# your accounts and domains.\n"
	return append([]byte(head), hclwrite.Format(f.Bytes())...)
}

// declaredVariables returns the root's variable names and, sorted, those without a default.
func declaredVariables(root string) (map[string]bool, []string, error) {
	p := hclparse.NewParser()
	tfs, err := filepath.Glob(filepath.Join(root, "*.tf"))
	if err != nil {
		return nil, nil, err
	}
	declared := map[string]bool{}
	var required []string
	for _, f := range tfs {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		content, _, _ := file.Body.PartialContent(variableBlocks)
		for _, b := range content.Blocks {
			declared[b.Labels[0]] = true
			attrs, _, _ := b.Body.PartialContent(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "default"}}})
			if _, ok := attrs.Attributes["default"]; !ok {
				required = append(required, b.Labels[0])
			}
		}
	}
	sort.Strings(required)
	return declared, required, nil
}

var variableBlocks = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "variable", LabelNames: []string{"name"}}}}
