package rehearse

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

// Summary is the machine-readable result of a rehearsal (`rehearse -summary FILE`): each
// deployed function's init as deployed next to the floor measured in the same run, and how
// long the Terraform steps took. bench/cmd/benchreport reads it for `make bench`; the field
// names are its contract. Durations are milliseconds, ratios are function ÷ floor (0 when
// not measured).
type Summary struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	// HostArch is the GOARCH the bootstraps were built for and run on.
	HostArch string `json:"host_arch"`
	// FloorMedianMS is the median init of the bare aws-lambda-go floor (Report.Floor).
	FloorMedianMS float64           `json:"floor_median_init_ms"`
	Functions     []SummaryFunction `json:"functions"`
	// ApplyMS, PlanMS and DestroyMS are the "tofu apply", second "tofu plan" and "tofu
	// destroy" steps (0 when the step did not run).
	ApplyMS   float64       `json:"apply_ms"`
	PlanMS    float64       `json:"plan_ms"`
	DestroyMS float64       `json:"destroy_ms"`
	Steps     []SummaryStep `json:"steps"`
}

// SummaryFunction is one deployed function in a Summary.
type SummaryFunction struct {
	Name         string  `json:"name"`
	BFF          string  `json:"bff"`
	Architecture string  `json:"arch"`
	Runtime      string  `json:"runtime"`
	MemoryMB     int32   `json:"memory_mb"`
	FirstInitMS  float64 `json:"first_init_ms"`
	MedianInitMS float64 `json:"median_init_ms"`
	FloorMS      float64 `json:"floor_median_init_ms"`
	Ratio        float64 `json:"ratio"`
	// NoSSMMedianMS and RatioNoSSM are the diagnostic run with the secrets in the
	// environment instead of SSM.
	NoSSMMedianMS float64 `json:"median_init_without_ssm_ms"`
	RatioNoSSM    float64 `json:"ratio_without_ssm"`
}

// SummaryStep is one timed phase.
type SummaryStep struct {
	Name   string  `json:"name"`
	TookMS float64 `json:"took_ms"`
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ratio(a, b time.Duration) float64 {
	if a <= 0 || b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// NewSummary condenses rep and the rehearsal's error into a Summary.
func NewSummary(rep *Report, runErr error) Summary {
	s := Summary{OK: runErr == nil, HostArch: runtime.GOARCH, Functions: []SummaryFunction{}, Steps: []SummaryStep{}}
	if runErr != nil {
		s.Error = runErr.Error()
	}
	if rep == nil {
		return s
	}
	s.FloorMedianMS = millis(rep.Floor)
	for _, f := range rep.Functions {
		s.Functions = append(s.Functions, SummaryFunction{
			Name: f.Name, BFF: f.BFF, Architecture: f.Architecture, Runtime: f.Runtime, MemoryMB: f.MemoryMB,
			FirstInitMS: millis(f.Init), MedianInitMS: millis(f.InitMedian), FloorMS: millis(rep.Floor),
			Ratio: ratio(f.InitMedian, rep.Floor), NoSSMMedianMS: millis(f.InitNoSSM), RatioNoSSM: ratio(f.InitNoSSM, rep.Floor),
		})
	}
	for _, st := range rep.Steps {
		s.Steps = append(s.Steps, SummaryStep{Name: st.Name, TookMS: millis(st.Took)})
		switch {
		case st.Name == "tofu apply":
			s.ApplyMS = millis(st.Took)
		case strings.Contains(st.Name, "tofu plan"):
			s.PlanMS = millis(st.Took) // the second plan after apply (the last plan step)
		case st.Name == "tofu destroy":
			s.DestroyMS = millis(st.Took)
		}
	}
	return s
}

// WriteSummary writes NewSummary(rep, runErr) to path as indented JSON.
func WriteSummary(path string, rep *Report, runErr error) error {
	b, err := json.MarshalIndent(NewSummary(rep, runErr), "", "  ")
	if err != nil {
		return fmt.Errorf("encode summary: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write summary: %w", err)
	}
	return nil
}
