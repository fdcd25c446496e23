package cli

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/zclconf/go-cty/cty"
)

// lockFileName is the dependency lock file init writes and reads in a root.
const lockFileName = ".terraform.lock.hcl"

var (
	terraformSchema = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "terraform"}}}
	requiredSchema  = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "required_providers"}}}
	lockSchema      = &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "provider", LabelNames: []string{"address"}}}}
)

// requiredProviders returns the sources ("hashicorp/aws") in the root's required_providers
// blocks, sorted. Built-in providers (terraform.io/builtin/...) need no lock entry.
func requiredProviders(root string) ([]string, error) {
	p := hclparse.NewParser()
	tfs, err := filepath.Glob(filepath.Join(root, "*.tf"))
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for _, f := range tfs {
		file, diags := p.ParseHCLFile(f)
		if diags.HasErrors() {
			return nil, fmt.Errorf("read %s: %s", f, diags.Error())
		}
		content, _, _ := file.Body.PartialContent(terraformSchema)
		for _, tb := range content.Blocks {
			rc, _, _ := tb.Body.PartialContent(requiredSchema)
			for _, rb := range rc.Blocks {
				attrs, _ := rb.Body.JustAttributes()
				for name, a := range attrs {
					src := "hashicorp/" + name // a bare version constraint means hashicorp/<name>
					if v, d := a.Expr.Value(nil); !d.HasErrors() && v.Type().IsObjectType() && v.Type().HasAttribute("source") {
						if s := v.GetAttr("source"); !s.IsNull() && s.Type() == cty.String {
							src = strings.ToLower(s.AsString())
						}
					}
					if !strings.HasPrefix(src, "terraform.io/builtin/") {
						seen[src] = true
					}
				}
			}
		}
	}
	out := make([]string, 0, len(seen))
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out, nil
}

// checkLockFile is the lock file policy of protected envs: their root must carry a committed
// .terraform.lock.hcl pinning every required provider, so that init installs exactly the
// provider builds that were reviewed (checksums) instead of whatever the registry serves that
// day. Unprotected envs may init without one (init writes it).
func checkLockFile(c tfConfig) error {
	if !c.Protected {
		return nil
	}
	req, err := requiredProviders(c.Root)
	if err != nil || len(req) == 0 {
		return err
	}
	how := fmt.Sprintf("create it against the registry and commit it:\n  cd %s && tofu init -backend=false && "+
		"tofu providers lock -platform=linux_amd64 -platform=linux_arm64 -platform=darwin_arm64 && git add -f %s", c.Root, lockFileName)
	path := filepath.Join(c.Root, lockFileName)
	if !isFile(path) {
		return fmt.Errorf("%w: %s is protected and has no %s (providers %s would be installed unpinned); %s",
			errRefused, c.Env, lockFileName, strings.Join(req, ", "), how)
	}
	file, diags := hclparse.NewParser().ParseHCLFile(path)
	if diags.HasErrors() {
		return fmt.Errorf("read %s: %s", path, diags.Error())
	}
	content, _, _ := file.Body.PartialContent(lockSchema)
	locked := map[string]bool{}
	for _, b := range content.Blocks {
		addr := strings.ToLower(b.Labels[0]) // registry.opentofu.org/hashicorp/aws
		if i := strings.Index(addr, "/"); i >= 0 && strings.Count(addr, "/") == 2 {
			addr = addr[i+1:]
		}
		locked[addr] = true
	}
	var missing []string
	for _, r := range req {
		if !locked[r] {
			missing = append(missing, r)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s of protected env %s does not lock %s; %s",
			errRefused, lockFileName, c.Env, strings.Join(missing, ", "), how)
	}
	return nil
}
