package main

import (
	"fmt"
	"time"

	"bffsuite.dev/bench/internal/report"
)

// findings states, from the figures, what passed and what falls far from its floor. The
// explanations of the far ones (from profiles) are in bench/README.md "Findings explained".
func findings(r *report.Report) []string {
	var out []string
	for _, c := range r.ColdStart {
		if c.Floor {
			continue
		}
		out = append(out, fmt.Sprintf("Cold start %s: init %.1f ms = %.2f× the floor (%s), bootstrap %.1f MB (%s).",
			c.Name, float64(c.Init)/1e6, c.InitRatio, verdict(c.InitPass, "≤ 2× and < 15 ms"), float64(c.Arm64Bytes)/1e6, verdict(c.SizePass, "< 15 MB")))
	}
	if d := r.Deployed; d != nil {
		if !d.Measured {
			out = append(out, "Init as deployed (make rehearse): not measured: "+d.Note)
		}
		for _, f := range d.Rows {
			out = append(out, fmt.Sprintf("Init as deployed %s (its env and role, secrets from SSM, moto IAM on): %.1f ms = %.2f× the floor measured in the same rehearsal; %.2f× with its secrets in the environment instead of SSM.",
				f.Name, float64(f.Init)/1e6, f.InitRatio, f.NoSSMRatio))
		}
	}
	var direct float64
	for _, g := range r.LambdaPath {
		if g.Name == "BenchmarkGinDirect" {
			direct = g.NsPerOp
		}
	}
	for _, g := range r.LambdaPath {
		if g.Name != "BenchmarkGinDirect" {
			out = append(out, fmt.Sprintf("%s: %.1f µs and %d allocs per request, %.1f× Gin called directly (the API Gateway event translation adds %.1f µs).",
				g.Name, g.NsPerOp/1000, g.Allocs, g.VsDirect, (g.NsPerOp-direct)/1000))
		}
	}
	for _, w := range r.Warm {
		tag := "close to"
		if w.P50Ratio > 3 {
			tag = "**far from**"
		}
		out = append(out, fmt.Sprintf("%s: p50 %.2f ms vs floor %.2f ms (%.1f×), %s the bare-Gin floor; %.0f vs %.0f req/s on %d cores; %d errors in %d requests.",
			w.Endpoint, ms(w.BFF.P50), ms(w.Floor.P50), w.P50Ratio, tag, w.BFF.RPS, w.Floor.RPS, r.Machine.NProc, w.BFF.Errors, w.BFF.Requests))
	}
	for _, a := range r.Aggregation {
		if a.Ratio < 0.9 {
			out = append(out, fmt.Sprintf("Aggregation %s with `%s`: p50 %.1f ms is below the slowest injected call: most requests did not wait for it: the part it delays is served from a cache in the BFF and pays the injected latency only on a miss (bff-web caches categories and featured products, bff-web/app/app.go listCategories and featuredProducts).", a.Endpoint, a.Faults, ms(a.Result.P50)))
		}
		if a.Ratio > 1.5 {
			out = append(out, fmt.Sprintf("**Aggregation** %s with `%s`: p50 %.1f ms is %.2f× the slowest call: calls are not all in parallel.", a.Endpoint, a.Faults, ms(a.Result.P50), a.Ratio))
		}
	}
	for _, p := range r.Payloads {
		how := fmt.Sprintf("served gzipped to clients that accept it (%d B)", p.Served)
		if p.ServedEnc == "" {
			how = fmt.Sprintf("served uncompressed even to clients that accept gzip (%d B)", p.Served)
		}
		out = append(out, fmt.Sprintf("Payload %s: %d B raw, %d B gzipped (%.0f%%), %s.", p.Endpoint, p.Raw, p.Gzip, 100*float64(p.Gzip)/float64(max(p.Raw, 1)), how))
	}
	worst := 0.0
	for _, a := range r.Aggregation {
		worst = max(worst, a.Ratio)
	}
	if len(r.Aggregation) > 0 && worst <= 1.5 {
		out = append(out, fmt.Sprintf("Aggregation: every fan-out page stays within %.2f× of its slowest call in all rotations: the calls run in parallel.", worst))
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func verdict(ok bool, what string) string {
	if ok {
		return "pass, " + what
	}
	return "**FAIL**, target " + what
}
