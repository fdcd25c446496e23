package main

import (
	"context"

	"bffsuite.dev/bench/internal/checkoutbench"
	"bffsuite.dev/bench/internal/report"
)

// checkoutSamples is how many orders of each kind the checkout section measures.
const checkoutSamples = 500

// checkoutHTTPSamples is how many checkouts the section sends through bff-mobile.
const checkoutHTTPSamples = 300

// checkoutSection adds the checkout latency section (section 6): POST → confirmed through the
// checkout saga in process, next to the synchronous order.
func checkoutSection(ctx context.Context, r *report.Report) {
	logf("checkout latency: %d orders through the saga (in process) and %d synchronous orders", checkoutSamples, checkoutSamples)
	res, err := checkoutbench.Run(ctx, checkoutSamples)
	if err != nil {
		logf("  checkout latency not measured: %v", err)
		return
	}
	logf("  saga p50 %s p99 %s; synchronous order p50 %s (%.1f×)", res.Saga.P50, res.Saga.P99, res.Floor.P50, res.Ratio)
	if answer, confirmed, err := checkoutbench.RunHTTP(ctx, checkoutHTTPSamples); err != nil {
		logf("  checkout over HTTP not measured: %v", err)
	} else {
		res.HTTPAnswer, res.HTTPConfirmed = &answer, &confirmed
		logf("  bff-mobile POST answer p50 %s; POST → confirmed p50 %s p99 %s", answer.P50, confirmed.P50, confirmed.P99)
	}
	r.Sections = append(r.Sections, report.Section{Name: "checkout", Data: res, Markdown: res.Markdown(6)})
}
