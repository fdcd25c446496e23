package tfcheck

import (
	"path/filepath"
	"testing"
)

func TestModuleConventions(t *testing.T) {
	for _, m := range allModules(t, terraformRoot) {
		t.Run(m.Dir, func(t *testing.T) {
			for _, f := range ConventionFindings(m, ">= 5.46, < 7.0") {
				t.Errorf("ConventionFindings: %s", f)
			}
		})
	}
	for _, f := range FiniteLogRetention(allModules(t, terraformRoot)...) {
		t.Errorf("FiniteLogRetention: %s", f)
	}
}

func TestConventionChecksFindProblems(t *testing.T) {
	m, err := LoadModule(filepath.Join("testdata", "conventions"))
	if err != nil {
		t.Fatalf("LoadModule(testdata/conventions): %v", err)
	}
	// variable without description, variable without type, output without description, aws not pinned.
	if got := ConventionFindings(m, ">= 5.46, < 7.0"); len(got) != 4 {
		t.Errorf("ConventionFindings(testdata/conventions) = %v, want 4 findings", got)
	}
	// one group without retention, one with 0.
	if got := FiniteLogRetention(m); len(got) != 2 {
		t.Errorf("FiniteLogRetention(testdata/conventions) = %v, want 2 findings", got)
	}
}
