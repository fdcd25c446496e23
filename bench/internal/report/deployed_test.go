package report

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testdata/rehearse-summary.json is the output of a real
// `go run ./cmd/rehearse -repo ../.. -summary FILE` in terraform/deploy.
func readSummary(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "rehearse-summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseRehearseSummaryRecorded(t *testing.T) {
	raw := readSummary(t)
	var want struct {
		Floor     float64 `json:"floor_median_init_ms"`
		Apply     float64 `json:"apply_ms"`
		Functions []struct {
			Name   string  `json:"name"`
			Median float64 `json:"median_init_ms"`
			Ratio  float64 `json:"ratio"`
			NoSSM  float64 `json:"ratio_without_ssm"`
		} `json:"functions"`
	}
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	got, err := ParseRehearseSummary(raw)
	if err != nil {
		t.Fatalf("ParseRehearseSummary(recorded) error %v, want nil", err)
	}
	if !got.Measured {
		t.Errorf("Measured = false, want true")
	}
	if got.Floor != fromMS(want.Floor) || got.Floor <= 0 {
		t.Errorf("Floor = %v, want %v", got.Floor, fromMS(want.Floor))
	}
	if got.Apply != fromMS(want.Apply) || got.Apply <= 0 {
		t.Errorf("Apply = %v, want %v", got.Apply, fromMS(want.Apply))
	}
	if len(got.Rows) != 3 || len(got.Rows) != len(want.Functions) {
		t.Fatalf("%d rows, want 3 (one per BFF) and %d", len(got.Rows), len(want.Functions))
	}
	for i, r := range got.Rows {
		w := want.Functions[i]
		if r.Name != w.Name || r.Init != fromMS(w.Median) {
			t.Errorf("row %d = %s %v, want %s %v", i, r.Name, r.Init, w.Name, fromMS(w.Median))
		}
		// The ratios benchreport shows are the ones the rehearsal printed.
		if math.Abs(r.InitRatio-w.Ratio) > 1e-4 || math.Abs(r.NoSSMRatio-w.NoSSM) > 1e-4 {
			t.Errorf("%s ratios = %.6f, %.6f, want %.6f, %.6f", r.Name, r.InitRatio, r.NoSSMRatio, w.Ratio, w.NoSSM)
		}
	}
}

func TestParseRehearseSummaryRefusesHalfMeasurements(t *testing.T) {
	tests := []struct {
		name, json, wantErr string
	}{
		{"not json", `{`, "rehearsal summary"},
		{"failed rehearsal", `{"ok": false, "error": "tofu apply: boom"}`, "rehearsal failed: tofu apply: boom"},
		{"no floor", `{"ok": true, "functions": [{"name": "f", "median_init_ms": 3}]}`, "no floor"},
		{"no functions", `{"ok": true, "floor_median_init_ms": 2, "functions": []}`, "no functions"},
		{"function without median", `{"ok": true, "floor_median_init_ms": 2, "functions": [{"name": "bffsuite-dev-web", "bff": "web", "first_init_ms": 9}]}`, "bffsuite-dev-web has no median init"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRehearseSummary([]byte(tt.json))
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRehearseSummary(%s) error %v, want one containing %q", tt.json, err, tt.wantErr)
			}
		})
	}
}

func TestDeployedMarkdown(t *testing.T) {
	d := DeployedInit{Measured: true, HostArch: "amd64", Floor: 2 * time.Millisecond,
		Apply: 70 * time.Second, Plan: 5 * time.Second, Destroy: 40 * time.Second,
		Rows: []DeployedRow{
			{Name: "bffsuite-dev-web", Architecture: "x86_64", Runtime: "provided.al2023", MemoryMB: 512,
				FirstInit: 30 * time.Millisecond, Init: 10 * time.Millisecond, InitRatio: 5, InitNoSSM: 4 * time.Millisecond, NoSSMRatio: 2},
			{Name: "bffsuite-dev-partner", Architecture: "x86_64", Runtime: "provided.al2023", MemoryMB: 256,
				FirstInit: 8 * time.Millisecond, Init: 6 * time.Millisecond, InitRatio: 3},
		}}
	r := &Report{Deployed: &d}
	md := r.Markdown()
	for _, want := range []string{
		"### Init as deployed (make rehearse)\n",
		"| bffsuite-dev-web | x86_64 | provided.al2023 | 512 MB | 30.00 ms | 10.00 ms | 2.00 ms | 5.00× | 4.00 ms | 2.00× |\n",
		"| bffsuite-dev-partner | x86_64 | provided.al2023 | 256 MB | 8.00 ms | 6.00 ms | 2.00 ms | 3.00× | - | - |\n",
		"`tofu apply` 1m10s, second `tofu plan` (must be empty) 5s, `tofu destroy` 40s.",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("Markdown() lacks %q", want)
		}
	}

	// Not measured: the section stays, saying why.
	r = &Report{Deployed: &DeployedInit{Note: "the rehearsal's tools are missing: tofu"}}
	if md := r.Markdown(); !strings.Contains(md, "### Init as deployed (make rehearse)\n\nNot measured in this run: the rehearsal's tools are missing: tofu\n") {
		t.Errorf("Markdown() of an unmeasured section lacks the reason:\n%s", md)
	}
	// -deployed=false: no section.
	if md := (&Report{}).Markdown(); strings.Contains(md, "Init as deployed") {
		t.Errorf("Markdown() without Deployed has the section")
	}
}

func TestDeployedJSON(t *testing.T) {
	d, err := ParseRehearseSummary(readSummary(t))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "latest.json")
	if err := (&Report{Deployed: &d}).WriteJSON(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Deployed struct {
			Measured  bool  `json:"measured"`
			Floor     int64 `json:"floor_init_median_ns"`
			Functions []struct {
				Init  int64   `json:"init_median_ns"`
				Ratio float64 `json:"init_ratio_to_floor"`
			} `json:"functions"`
		} `json:"deployed_init"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	if !got.Deployed.Measured || got.Deployed.Floor != int64(d.Floor) || len(got.Deployed.Functions) != len(d.Rows) {
		t.Fatalf("latest.json deployed_init = %+v, want measured, floor %d, %d functions", got.Deployed, d.Floor, len(d.Rows))
	}
	for i, f := range got.Deployed.Functions {
		if f.Init != int64(d.Rows[i].Init) || f.Ratio != d.Rows[i].InitRatio {
			t.Errorf("latest.json function %d = %+v, want init %d ratio %v", i, f, d.Rows[i].Init, d.Rows[i].InitRatio)
		}
	}
}

// TestParseRehearseSummarySkipsWorkers: the rehearsal also lists the workers it ran once on an
// event (no "bff", no median init); the section keeps the BFF rows only.
func TestParseRehearseSummarySkipsWorkers(t *testing.T) {
	raw := `{"ok": true, "floor_median_init_ms": 2, "functions": [
		{"name": "bffsuite-dev-web", "bff": "web", "first_init_ms": 9, "median_init_ms": 8},
		{"name": "bffsuite-dev-order-events", "first_init_ms": 7}]}`
	got, err := ParseRehearseSummary([]byte(raw))
	if err != nil {
		t.Fatalf("ParseRehearseSummary error %v, want nil", err)
	}
	if len(got.Rows) != 1 || got.Rows[0].Name != "bffsuite-dev-web" {
		t.Errorf("rows = %+v, want only bffsuite-dev-web", got.Rows)
	}
}
