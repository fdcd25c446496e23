// Package tfrun drives Terraform or OpenTofu through terraform-exec for bffdeploy: it finds and
// checks the binary, runs init/plan/show/apply/output/validate in one root directory, reports
// progress per step and passes cancellation (Ctrl-C) on to the running process.
package tfrun

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/hashicorp/go-version"
)

// Flavor names the implementation behind a binary.
type Flavor string

// The two implementations bffdeploy supports.
const (
	OpenTofu  Flavor = "OpenTofu"
	Terraform Flavor = "Terraform"
)

// Minimum versions: OpenTofu 1.6 (first stable release), Terraform 1.5 (terraform_data, import blocks).
var minVersions = map[Flavor]*version.Version{
	OpenTofu:  version.Must(version.NewVersion("1.6.0")),
	Terraform: version.Must(version.NewVersion("1.5.0")),
}

// ErrNoBinary means neither -tf-bin nor PATH gave a usable tofu or terraform.
var ErrNoBinary = errors.New("no terraform or tofu binary")

// Binary is a checked Terraform or OpenTofu executable.
type Binary struct {
	Path    string
	Flavor  Flavor
	Version *version.Version
}

func (b Binary) String() string {
	return fmt.Sprintf("%s v%s (%s)", b.Flavor, b.Version, b.Path)
}

// candidates lists where FindBinary looks when no binary is given: PATH first, then the
// project's tool cache written by .ci/install-deps.
func candidates() []string {
	c := []string{"tofu", "terraform"}
	tools := os.Getenv("BFF_TOOLS")
	if tools == "" {
		if home, err := os.UserHomeDir(); err == nil {
			tools = filepath.Join(home, ".cache", "bffsuite")
		}
	}
	if tools != "" {
		c = append(c, filepath.Join(tools, "bin", "tofu"))
	}
	return c
}

// FindBinary resolves the binary to use: explicit (the -tf-bin flag: a path or a name on PATH)
// when set, else tofu or terraform on PATH, else $BFF_TOOLS/bin/tofu. It runs `version` and
// rejects OpenTofu older than 1.6 and Terraform older than 1.5.
func FindBinary(ctx context.Context, explicit string) (Binary, error) {
	var path string
	if explicit != "" {
		p, err := exec.LookPath(explicit)
		if err != nil {
			return Binary{}, fmt.Errorf("%w: -tf-bin %q is not an executable file: %w", ErrNoBinary, explicit, err)
		}
		path = p
	} else {
		for _, c := range candidates() {
			if p, err := exec.LookPath(c); err == nil {
				path = p
				break
			}
		}
		if path == "" {
			return Binary{}, fmt.Errorf("%w: neither tofu nor terraform is on PATH; install OpenTofu >= 1.6 "+
				"(.ci/install-deps tofu) or Terraform >= 1.5, or pass -tf-bin", ErrNoBinary)
		}
	}
	return Probe(ctx, path)
}

// Probe runs `path version` and checks flavor and minimum version.
func Probe(ctx context.Context, path string) (Binary, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, "version")
	cmd.Env = append(os.Environ(), "CHECKPOINT_DISABLE=1")
	out, err := cmd.Output()
	if err != nil {
		return Binary{}, fmt.Errorf("run %s version: %w", path, err)
	}
	flavor, v, err := ParseVersion(string(out))
	if err != nil {
		return Binary{}, fmt.Errorf("%s: %w", path, err)
	}
	b := Binary{Path: path, Flavor: flavor, Version: v}
	if err := CheckVersion(flavor, v); err != nil {
		return Binary{}, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

var versionLine = regexp.MustCompile(`(?m)^(OpenTofu|Terraform) v(\d+\.\d+\.\d+\S*)`)

// ParseVersion reads the first line of `terraform version` / `tofu version` output.
func ParseVersion(out string) (Flavor, *version.Version, error) {
	m := versionLine.FindStringSubmatch(out)
	if m == nil {
		first, _, _ := strings.Cut(strings.TrimSpace(out), "\n")
		return "", nil, fmt.Errorf("not Terraform or OpenTofu: version output %q", first)
	}
	v, err := version.NewVersion(m[2])
	if err != nil {
		return "", nil, fmt.Errorf("parse version %q: %w", m[2], err)
	}
	return Flavor(m[1]), v, nil
}

// CheckVersion rejects versions older than the minimum for the flavor. Pre-releases of the
// minimum (1.6.0-rc1) are rejected too.
func CheckVersion(f Flavor, v *version.Version) error {
	min, ok := minVersions[f]
	if !ok {
		return fmt.Errorf("unknown flavor %q", f)
	}
	if v.LessThan(min) {
		return fmt.Errorf("%s v%s is too old: bffdeploy needs %s >= %s", f, v, f, min)
	}
	return nil
}
