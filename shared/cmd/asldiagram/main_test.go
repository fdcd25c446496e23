package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"bffsuite.dev/shared/workspace"
)

// TestCommittedDiagramIsCurrent fails when docs/checkout.md's diagram does not match the
// committed definition: run make docs-diagram.
func TestCommittedDiagramIsCurrent(t *testing.T) {
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"-root", root, "-check"}, &out); err != nil {
		t.Fatalf("asldiagram -check: %v", err)
	}
}

// TestCheckDetectsStale: a page whose diagram differs from the definition fails -check and is
// rewritten without touching the text outside the markers.
func TestCheckDetectsStale(t *testing.T) {
	root := t.TempDir()
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Succeed"}}}`
	page := "# Title\n\nbefore\n" + BeginMarker + "\nold drawing\n" + EndMarker + "\nafter\n"
	write := func(rel, s string) {
		t.Helper()
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("def.asl.json", def)
	write("doc.md", page)
	args := []string{"-root", root, "-definition", "def.asl.json", "-doc", "doc.md"}
	var out bytes.Buffer
	if err := run(append(args, "-check"), &out); err == nil || !strings.Contains(err.Error(), "stale") {
		t.Fatalf("-check on a stale page = %v, want a stale error", err)
	}
	if err := run(args, &out); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(filepath.Join(root, "doc.md"))
	for _, want := range []string{"# Title\n\nbefore\n" + BeginMarker + "\n", "    A --> B\n", "    B --> [*]\n", EndMarker + "\nafter\n"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("rewritten page lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(string(got), "old drawing") {
		t.Errorf("rewritten page still has the old drawing:\n%s", got)
	}
	if err := run(append(args, "-check"), &out); err != nil {
		t.Errorf("-check after rewriting = %v, want nil", err)
	}
}

func TestRender(t *testing.T) {
	def := `{
	  "StartAt": "Charge",
	  "States": {
	    "Charge": {"Type": "Task", "Resource": "arn:x", "Comment": "charges | the card",
	      "Retry": [{"ErrorEquals": ["Flaky.Transient"], "MaxAttempts": 2}],
	      "Catch": [{"ErrorEquals": ["Flaky.Declined"], "Next": "Refund"}], "Next": "Route"},
	    "Route": {"Type": "Choice", "Choices": [
	        {"And": [{"Variable": "$.total", "NumericGreaterThan": 100}, {"Not": {"Variable": "$.vip", "BooleanEquals": true}}], "Next": "Review"}],
	      "Default": "Done"},
	    "Review": {"Type": "Pass", "End": true},
	    "Refund": {"Type": "Task", "Resource": "arn:x", "Next": "Declined"},
	    "Declined": {"Type": "Fail", "Error": "Order.Declined", "Cause": "declined"},
	    "Done": {"Type": "Succeed"}
	  }
	}`
	got, err := Render([]byte(def), "t.asl.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    [*] --> Charge\n",
		"    Charge --> Route\n",
		"    Charge --> Charge : retry (2× from 1 s, ×2)\n",
		"    Charge --> Refund : catch Flaky.Declined\n",
		"    Route --> Review : ($.total > 100 and not $.vip == true)\n",
		"    Route --> Done : default\n",
		"    Review --> [*]\n",
		"    Declined : Fail Order.Declined\n",
		"| Charge | Task | charges \\| the card | Flaky.Transient (2× from 1 s, ×2) | Flaky.Declined → Refund |\n",
		"| Charge | Flaky.Declined | Refund | Declined (Fail `Order.Declined`) |\n",
	} {
		if !strings.Contains(string(got), want) {
			t.Errorf("Render lacks %q; got:\n%s", want, got)
		}
	}
	// Forward path first, compensations after.
	if i, j := strings.Index(string(got), "    Review :"), strings.Index(string(got), "    Refund :"); i < 0 || j < 0 || i > j {
		t.Errorf("Review (forward) should come before Refund (compensation):\n%s", got)
	}
}

func TestRenderRefuses(t *testing.T) {
	tests := []struct{ name, def, want string }{
		{"not json", `{`, "unexpected end"},
		{"no states", `{"StartAt":"A"}`, "no StartAt or States"},
		{"unknown target", `{"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"}}}`, `unknown state "B"`},
		{"nested", `{"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[{"StartAt":"X","States":{"X":{"Type":"Pass","End":true}}}],"End":true}}}`, "nested"},
	}
	for _, tt := range tests {
		if _, err := Render([]byte(tt.def), tt.name); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Render(%s) = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
}

func TestSpliceNeedsMarkers(t *testing.T) {
	if _, err := Splice([]byte("no markers"), []byte("x")); err == nil {
		t.Error("Splice without markers = nil error, want one")
	}
}
