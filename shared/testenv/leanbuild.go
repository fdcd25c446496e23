package testenv

import (
	"bytes"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"bffsuite.dev/shared/buildtags"
)

// LocalOnlyPackages are the packages a shipped Lambda bootstrap must not link: the local IdP,
// the embedded data backend with its seed data and fault injector, and the test helpers.
var LocalOnlyPackages = []string{
	"bffsuite.dev/shared/identity/localidp",
	"bffsuite.dev/shared/store/embedded",
	"bffsuite.dev/shared/store/seed",
	"bffsuite.dev/shared/store/storetest",
	"bffsuite.dev/shared/faults",
	"bffsuite.dev/shared/testenv",
}

// BuildDeps lists the packages that `go build -tags tags` links into the main package in dir.
func BuildDeps(t testing.TB, dir, tags string) []string {
	t.Helper()
	cmd := exec.Command("go", "list", "-deps", "-tags", tags, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -tags %s in %s: %v\n%s", tags, dir, err, stderr.String())
	}
	return strings.Fields(string(out))
}

// RequireLeanBootstrap fails t unless the main package in dir, built as shipped
// (buildtags.Lambda, linux/arm64), links none of LocalOnlyPackages, while its local build
// (buildtags.LocalLambda) does link the local IdP and the embedded backend (so the check
// cannot pass vacuously). It then runs the shipped build off Lambda with only AWS settings and
// wants it to refuse the embedded backend at start with a clear error.
func RequireLeanBootstrap(t *testing.T, dir string) {
	t.Helper()
	shipped := BuildDeps(t, dir, buildtags.Lambda)
	for _, p := range LocalOnlyPackages {
		if slices.Contains(shipped, p) {
			t.Errorf("the Lambda bootstrap of %s links %s, a local-only package (go list -deps -tags %s)", dir, p, buildtags.Lambda)
		}
	}
	local := BuildDeps(t, dir, buildtags.LocalLambda)
	for _, p := range []string{"bffsuite.dev/shared/identity/localidp", "bffsuite.dev/shared/store/embedded"} {
		if !slices.Contains(local, p) {
			t.Errorf("the local build of %s does not link %s, want it (make run serves it)", dir, p)
		}
	}
	bin := BuildBootstrap(t, dir)
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "AWS_REGION=us-east-1", "BFF_ADDR=127.0.0.1:0"}
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the Lambda bootstrap of %s started on the embedded backend, want a refusal; output:\n%s", dir, out)
	}
	if want := "BFF_DATA_BACKEND: embedded is for local runs and not in Lambda builds"; !strings.Contains(string(out), want) {
		t.Errorf("the Lambda bootstrap of %s without BFF_DATA_BACKEND said:\n%s\nwant it to contain %q", dir, out, want)
	}
}
