package buildtags

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestLambdaTagsAreKnownToGo checks the tags parse as a -tags list go build accepts.
func TestLambdaTagsAreKnownToGo(t *testing.T) {
	for _, tag := range strings.Split(Lambda, ",") {
		if tag == "" || strings.ContainsAny(tag, " \t") {
			t.Fatalf("tag %q in %q: want a non-empty tag without spaces", tag, Lambda)
		}
	}
	out, err := exec.Command("go", "list", "-tags", Lambda, "-f", "{{.Name}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -tags %s: %v\n%s", Lambda, err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "buildtags"; got != want {
		t.Fatalf("got %v, want %v", got, want)
	}
}

// TestLeaf pins that the package imports nothing, so importing it stays free.
func TestLeaf(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{len .Imports}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	if got, want := strings.TrimSpace(string(out)), "0"; got != want {
		t.Fatalf("got %v imports, want %v", got, want)
	}
}

// TestMakefileUsesLambdaTags keeps the Makefile's go-test-lambda target on the shipped tags.
func TestMakefileUsesLambdaTags(t *testing.T) {
	b, err := os.ReadFile("../../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(string(b), "-tags "+Lambda+" "), 2; got != want {
		t.Errorf("Makefile has %d uses of -tags %s, want %d (go-test-lambda's vet and test)", got, Lambda, want)
	}
}
