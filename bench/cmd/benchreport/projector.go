package main

import (
	"context"
	"fmt"

	"bffsuite.dev/bench/internal/projectorbench"
	"bffsuite.dev/bench/internal/report"
	"bffsuite.dev/shared/testenv"
)

// projectorThroughput adds the read-model projector's throughput against DynamoDB Local next
// to its floor (bench/internal/projectorbench). Without DynamoDB Local the section says so.
func projectorThroughput(ctx context.Context, r *report.Report) {
	logf("read-model projector throughput against DynamoDB Local (and its floor)")
	d, err := testenv.StartDynamoDBLocal(ctx)
	if err != nil {
		r.Extra = append(r.Extra, fmt.Sprintf("## Read-model projector throughput (DynamoDB Local)\n\nNot measured: %v\n", err))
		return
	}
	defer d.Stop()
	res, err := projectorbench.Run(ctx, d.Client(), "benchreport-", projectorbench.Options{})
	if err != nil {
		r.Extra = append(r.Extra, fmt.Sprintf("## Read-model projector throughput (DynamoDB Local)\n\nNot measured: %v\n", err))
		return
	}
	logf("  projector %.0f events/s, floor %.0f events/s (%.2f×)", res.ProjectorRate(), res.FloorRate(), res.ProjectorRate()/res.FloorRate())
	r.Extra = append(r.Extra, res.Markdown())
}
