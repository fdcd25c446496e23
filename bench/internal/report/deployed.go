package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// DeployedInit is the section "Init as deployed (make rehearse)": each function of
// terraform/envs/dev as the rehearsal applied it to moto, started under the Lambda RIE with its
// deployed environment and its role's credentials (moto IAM on, secrets fetched from SSM), next
// to the bare aws-lambda-go floor measured in the same rehearsal.
type DeployedInit struct {
	// Measured is false when the rehearsal did not run; Note says why.
	Measured bool          `json:"measured"`
	Note     string        `json:"note,omitempty"`
	HostArch string        `json:"host_arch,omitempty"`
	Floor    time.Duration `json:"floor_init_median_ns"`
	Rows     []DeployedRow `json:"functions"`
	Apply    time.Duration `json:"tofu_apply_ns"`
	Plan     time.Duration `json:"tofu_second_plan_ns"`
	Destroy  time.Duration `json:"tofu_destroy_ns"`
}

// DeployedRow is one deployed function's init next to the floor.
type DeployedRow struct {
	Name         string        `json:"name"`
	BFF          string        `json:"bff"`
	Architecture string        `json:"arch"`
	Runtime      string        `json:"runtime"`
	MemoryMB     int           `json:"memory_mb"`
	FirstInit    time.Duration `json:"first_init_ns"`
	Init         time.Duration `json:"init_median_ns"`
	InitRatio    float64       `json:"init_ratio_to_floor"`
	InitNoSSM    time.Duration `json:"init_median_without_ssm_ns"`
	NoSSMRatio   float64       `json:"init_without_ssm_ratio_to_floor"`
}

// rehearseSummary is the JSON `rehearse -summary FILE` writes (terraform/deploy/internal/
// rehearse.Summary; milliseconds).
type rehearseSummary struct {
	OK        bool    `json:"ok"`
	Error     string  `json:"error"`
	HostArch  string  `json:"host_arch"`
	FloorMS   float64 `json:"floor_median_init_ms"`
	ApplyMS   float64 `json:"apply_ms"`
	PlanMS    float64 `json:"plan_ms"`
	DestroyMS float64 `json:"destroy_ms"`
	Functions []struct {
		Name         string  `json:"name"`
		BFF          string  `json:"bff"`
		Arch         string  `json:"arch"`
		Runtime      string  `json:"runtime"`
		MemoryMB     int     `json:"memory_mb"`
		FirstInitMS  float64 `json:"first_init_ms"`
		MedianInitMS float64 `json:"median_init_ms"`
		NoSSMMS      float64 `json:"median_init_without_ssm_ms"`
	} `json:"functions"`
}

func fromMS(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

// ParseRehearseSummary reads a rehearsal summary. A failed rehearsal, a missing floor or a
// function without a median init is an error: the section never shows half a measurement.
func ParseRehearseSummary(b []byte) (DeployedInit, error) {
	var s rehearseSummary
	if err := json.Unmarshal(b, &s); err != nil {
		return DeployedInit{}, fmt.Errorf("rehearsal summary: %w", err)
	}
	if !s.OK {
		msg := s.Error
		if msg == "" {
			msg = "ok is false"
		}
		return DeployedInit{}, fmt.Errorf("rehearsal failed: %s", msg)
	}
	if s.FloorMS <= 0 {
		return DeployedInit{}, errors.New("rehearsal summary: no floor init measured")
	}
	if len(s.Functions) == 0 {
		return DeployedInit{}, errors.New("rehearsal summary: no functions")
	}
	d := DeployedInit{Measured: true, HostArch: s.HostArch, Floor: fromMS(s.FloorMS),
		Apply: fromMS(s.ApplyMS), Plan: fromMS(s.PlanMS), Destroy: fromMS(s.DestroyMS)}
	for _, f := range s.Functions {
		if f.BFF == "" {
			// A worker (workers/cmd/<name>): the rehearsal runs it once on an event, it has no
			// cold-start median; the section is about the BFFs' init.
			continue
		}
		if f.MedianInitMS <= 0 {
			return DeployedInit{}, fmt.Errorf("rehearsal summary: %s has no median init", f.Name)
		}
		row := DeployedRow{Name: f.Name, BFF: f.BFF, Architecture: f.Arch, Runtime: f.Runtime, MemoryMB: f.MemoryMB,
			FirstInit: fromMS(f.FirstInitMS), Init: fromMS(f.MedianInitMS), InitNoSSM: fromMS(f.NoSSMMS)}
		row.InitRatio = Ratio(float64(row.Init), float64(d.Floor))
		row.NoSSMRatio = Ratio(float64(row.InitNoSSM), float64(d.Floor))
		d.Rows = append(d.Rows, row)
	}
	return d, nil
}

// markdown renders the section (a note when it was not measured).
func (d *DeployedInit) markdown() string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("\n### Init as deployed (make rehearse)\n\n")
	if !d.Measured {
		w("Not measured in this run: %s\n", d.Note)
		return b.String()
	}
	w("`terraform/envs/dev` applied by `tofu apply` (real hashicorp/aws provider) to moto; each function read back from the emulator and its zip's `bootstrap` started under the Lambda RIE with exactly its deployed environment, its role's credentials (STS AssumeRole) and moto's IAM enforcement on, secrets fetched from SSM at init. ")
	w("Median of 5 cold starts (one `GET /healthz` each); the floor is the bare aws-lambda-go handler built with the same flags, started the same way in the same rehearsal. ")
	w("*Without SSM* is a diagnostic: the same function with its secrets in the environment instead. Built for and run on this machine (%s); the rehearsal sets the env's `lambda_architecture` to match.\n\n", d.HostArch)
	w("| function | arch | runtime | memory | first init | init (median) | floor (median) | init ÷ floor | init without SSM | without SSM ÷ floor |\n")
	w("|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range d.Rows {
		noSSM, noSSMRatio := "-", "-"
		if r.InitNoSSM > 0 {
			noSSM, noSSMRatio = ms(r.InitNoSSM), fmt.Sprintf("%.2f×", r.NoSSMRatio)
		}
		w("| %s | %s | %s | %d MB | %s | %s | %s | %.2f× | %s | %s |\n", r.Name, r.Architecture, r.Runtime, r.MemoryMB,
			firstInit(r.FirstInit), ms(r.Init), ms(d.Floor), r.InitRatio, noSSM, noSSMRatio)
	}
	w("\nRehearsal steps: `tofu apply` %s, second `tofu plan` (must be empty) %s, `tofu destroy` %s.\n",
		d.Apply.Round(10*time.Millisecond), d.Plan.Round(10*time.Millisecond), d.Destroy.Round(10*time.Millisecond))
	return b.String()
}

// firstInit renders the first cold start's init, which the emulator may not have reported.
func firstInit(d time.Duration) string {
	if d <= 0 {
		return "not reported"
	}
	return ms(d)
}
