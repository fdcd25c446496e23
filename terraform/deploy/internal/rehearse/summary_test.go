package rehearse

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestWriteSummary(t *testing.T) {
	rep := &Report{
		Floor: 2 * time.Millisecond,
		Steps: []Step{
			{Name: "tofu plan", Took: time.Second}, // -until plan only; superseded by the second plan
			{Name: "tofu apply", Took: 70 * time.Second},
			{Name: "second tofu plan (no changes)", Took: 5 * time.Second},
			{Name: "tofu destroy", Took: 40 * time.Second},
		},
		Functions: []Function{{
			Deployed: Deployed{BFF: "web", Name: "bffsuite-dev-web", Architecture: "x86_64", Runtime: "provided.al2023", MemoryMB: 512},
			Init:     30 * time.Millisecond, InitMedian: 10 * time.Millisecond, InitNoSSM: 5 * time.Millisecond,
		}, {
			Deployed: Deployed{BFF: "partner", Name: "bffsuite-dev-partner", MemoryMB: 256},
			Init:     9 * time.Millisecond, // failed before the cold starts: no median
		}},
	}
	tests := []struct {
		name    string
		err     error
		wantOK  bool
		wantErr string
	}{
		{"passed", nil, true, ""},
		{"failed", errors.New("run bffsuite-dev-partner under RIE: boom"), false, "run bffsuite-dev-partner under RIE: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "summary.json")
			if err := WriteSummary(path, rep, tt.err); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var got Summary
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if got.OK != tt.wantOK || got.Error != tt.wantErr {
				t.Errorf("ok, error = %v, %q, want %v, %q", got.OK, got.Error, tt.wantOK, tt.wantErr)
			}
			if got.FloorMedianMS != 2 || got.ApplyMS != 70000 || got.PlanMS != 5000 || got.DestroyMS != 40000 || len(got.Steps) != 4 {
				t.Errorf("floor %v, apply %v, plan %v, destroy %v, %d steps, want 2, 70000, 5000, 40000, 4", got.FloorMedianMS, got.ApplyMS, got.PlanMS, got.DestroyMS, len(got.Steps))
			}
			want := []SummaryFunction{
				{Name: "bffsuite-dev-web", BFF: "web", Architecture: "x86_64", Runtime: "provided.al2023", MemoryMB: 512,
					FirstInitMS: 30, MedianInitMS: 10, FloorMS: 2, Ratio: 5, NoSSMMedianMS: 5, RatioNoSSM: 2.5},
				{Name: "bffsuite-dev-partner", BFF: "partner", MemoryMB: 256, FirstInitMS: 9, FloorMS: 2},
			}
			if len(got.Functions) != len(want) {
				t.Fatalf("%d functions, want %d", len(got.Functions), len(want))
			}
			for i := range want {
				if got.Functions[i] != want[i] {
					t.Errorf("function %d = %+v, want %+v", i, got.Functions[i], want[i])
				}
			}
		})
	}
}
