package plansummary

import (
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

// loadPlan reads a plan JSON written by `tofu show -json` on ../../testdata/fixture-root
// (see testdata/README.md for how the fixtures were made).
func loadPlan(t *testing.T, name string) *tfjson.Plan {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatalf("decode %s: %v", name, err)
	}
	return &p
}

func TestSummarize(t *testing.T) {
	tests := []struct {
		file        string
		total       Counts
		groups      map[string]Counts
		outputs     int
		destructive []string
	}{
		{
			file:  "plan-create.json",
			total: Counts{Add: 10},
			groups: map[string]Counts{
				"":                      {Add: 4},
				`module.api["mobile"]`:  {Add: 2},
				`module.api["partner"]`: {Add: 2},
				`module.api["web"]`:     {Add: 2},
			},
			outputs: 6,
		},
		{
			file:   "plan-noop.json",
			groups: map[string]Counts{},
		},
		{
			file:  "plan-changes.json",
			total: Counts{Add: 1, Change: 3, Replace: 1, Destroy: 1},
			groups: map[string]Counts{
				"":                      {Add: 1, Destroy: 1},
				`module.api["mobile"]`:  {Change: 1},
				`module.api["partner"]`: {Change: 1},
				`module.api["web"]`:     {Change: 1, Replace: 1},
			},
			outputs:     1,
			destructive: []string{`module.api["web"].terraform_data.function`, `terraform_data.partner["acme"]`},
		},
		{
			file:  "plan-destroy.json",
			total: Counts{Destroy: 10},
			groups: map[string]Counts{
				"":                      {Destroy: 4},
				`module.api["mobile"]`:  {Destroy: 2},
				`module.api["partner"]`: {Destroy: 2},
				`module.api["web"]`:     {Destroy: 2},
			},
			outputs: 6,
			destructive: []string{
				`module.api["mobile"].terraform_data.api`, `module.api["mobile"].terraform_data.function`,
				`module.api["partner"].terraform_data.api`, `module.api["partner"].terraform_data.function`,
				`module.api["web"].terraform_data.api`, `module.api["web"].terraform_data.function`,
				`terraform_data.app_client["mobile"]`, `terraform_data.app_client["web"]`,
				`terraform_data.partner["acme"]`, `terraform_data.user_pool`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			s := Summarize(loadPlan(t, tt.file))
			if s.Total != tt.total {
				t.Errorf("Summarize(%s).Total = %+v, want %+v", tt.file, s.Total, tt.total)
			}
			groups := map[string]Counts{}
			for i, g := range s.Groups {
				groups[g.Module] = g.Counts
				if i > 0 && s.Groups[i-1].Module >= g.Module {
					t.Errorf("Summarize(%s).Groups not sorted: %q before %q", tt.file, s.Groups[i-1].Module, g.Module)
				}
			}
			if !reflect.DeepEqual(groups, tt.groups) {
				t.Errorf("Summarize(%s) groups = %+v, want %+v", tt.file, groups, tt.groups)
			}
			if s.OutputChanges != tt.outputs {
				t.Errorf("Summarize(%s).OutputChanges = %d, want %d", tt.file, s.OutputChanges, tt.outputs)
			}
			var destructive []string
			for _, c := range s.Destructive() {
				destructive = append(destructive, c.Address)
			}
			if !reflect.DeepEqual(destructive, tt.destructive) {
				t.Errorf("Summarize(%s).Destructive() = %q, want %q", tt.file, destructive, tt.destructive)
			}
			if got, want := s.HasChanges(), tt.total.Total() > 0 || tt.outputs > 0; got != want {
				t.Errorf("Summarize(%s).HasChanges() = %v, want %v", tt.file, got, want)
			}
		})
	}
}

func TestSummarizeNil(t *testing.T) {
	if s := Summarize(nil); s.HasChanges() || len(s.Groups) != 0 {
		t.Errorf("Summarize(nil) = %+v, want empty", s)
	}
}

func TestWriteText(t *testing.T) {
	tests := []struct {
		file string
		want []string // lines that must appear, in this order
	}{
		{"plan-noop.json", []string{"No changes."}},
		{"plan-changes.json", []string{
			"Plan: 1 to add, 3 to change, 1 to replace, 1 to destroy.",
			"Outputs: 1 to change.",
			"(root): 1 to add, 0 to change, 0 to replace, 1 to destroy",
			`  -   terraform_data.partner["acme"] (destroy)`,
			`  +   terraform_data.partner["globex"] (add)`,
			`module.api["web"]: 0 to add, 1 to change, 1 to replace, 0 to destroy`,
			`  ~   module.api["web"].terraform_data.api (change)`,
			`  -/+ module.api["web"].terraform_data.function (replace)`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b strings.Builder
			if err := Summarize(loadPlan(t, tt.file)).WriteText(&b); err != nil {
				t.Fatal(err)
			}
			got := b.String()
			rest := got
			for _, line := range tt.want {
				i := strings.Index(rest, line)
				if i < 0 {
					t.Fatalf("WriteText(%s) = \n%s\nwant line %q (in order)", tt.file, got, line)
				}
				rest = rest[i+len(line):]
			}
		})
	}
}

func BenchmarkSummarize(b *testing.B) {
	raw, err := os.ReadFile(filepath.Join("testdata", "plan-changes.json"))
	if err != nil {
		b.Fatal(err)
	}
	var p tfjson.Plan
	if err := json.Unmarshal(raw, &p); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		s := Summarize(&p)
		if err := s.WriteText(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
