package main

// The bulk imports section (issue 20): the import worker's processor over an inventory file
// against DynamoDB Local, next to a floor that writes the same rows with BatchWriteItem and
// no validation, each in its own process (bench/cmd/importbench) so each peak RSS is its own.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"path/filepath"

	"bffsuite.dev/bench/internal/report"
	"bffsuite.dev/shared/testenv"
)

// importRows is the size of the benchmark file (about 25 bytes a row; the floor takes about 20 s of DynamoDB Local).
const importRows = 50_000

type importResult struct {
	Mode          string  `json:"mode"`
	Rows          int     `json:"rows"`
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"`
}

// importsSection measures the imports section and appends it to r; a failure is logged and
// leaves the section out, like the other optional sections.
func importsSection(ctx context.Context, r *report.Report, root, work string) {
	logf("bulk imports: %d rows through the import worker's processor and through BatchWriteItem (DynamoDB Local)", importRows)
	sec, err := measureImports(ctx, root, work)
	if err != nil {
		logf("  bulk imports not measured: %v", err)
		return
	}
	r.Sections = append(r.Sections, sec)
}

// measureImports builds importbench, starts a DynamoDB Local and runs the floor, then the import.
func measureImports(ctx context.Context, root, work string) (report.Section, error) {
	bin := filepath.Join(work, "importbench")
	build := exec.CommandContext(ctx, "go", "build", "-trimpath", "-o", bin, "./bench/cmd/importbench")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		return report.Section{}, fmt.Errorf("build importbench: %w\n%s", err, out)
	}
	ddb, err := testenv.StartDynamoDBLocal(ctx)
	if err != nil {
		return report.Section{}, fmt.Errorf("imports section: %w", err)
	}
	defer ddb.Stop()
	var res [2]importResult
	for i, mode := range []string{"floor", "import"} {
		var stderr bytes.Buffer
		cmd := exec.CommandContext(ctx, bin, "-mode", mode, "-endpoint", ddb.Endpoint, "-rows", fmt.Sprint(importRows))
		cmd.Stderr = &stderr
		if b, err := cmd.Output(); err != nil {
			return report.Section{}, fmt.Errorf("importbench -mode %s: %w\n%s", mode, err, stderr.Bytes())
		} else if err := json.Unmarshal(b, &res[i]); err != nil {
			return report.Section{}, fmt.Errorf("importbench -mode %s: %w (%s)", mode, err, b)
		}
	}
	return formatImports(res[1], res[0]), nil
}

// formatImports renders the section: the import next to its floor.
func formatImports(imp, floor importResult) report.Section {
	mib := func(b int64) float64 { return float64(b) / (1 << 20) }
	ratio := 0.0
	if floor.RowsPerSecond > 0 {
		ratio = imp.RowsPerSecond / floor.RowsPerSecond
	}
	body := fmt.Sprintf("An inventory CSV of %d rows on 200 SKUs through the import worker's processor (streaming, validation, SKU lookups, "+
		"conditional stock writes with the stale-import guard, a checkpoint per 5,000-row batch; the last row of a SKU in a batch wins, "+
		"so it writes one item per SKU per batch) against DynamoDB Local, next to the floor: BatchWriteItem of the same rows, one item per row, "+
		"no validation and no condition, 16 calls in flight. Each runs in its own process; peak RSS is its VmHWM. "+
		"The worker's 128 MB target is checked on 1 million rows (50 MB) in workers/cmd/import-worker TestBigInventoryImport.\n\n"+
		"| | rows | seconds | rows/s | ÷ floor | peak RSS |\n|---|---:|---:|---:|---:|---:|\n"+
		"| import worker | %d | %.1f | %.0f | %.2f× | %.1f MiB |\n"+
		"| floor (BatchWriteItem, no validation) | %d | %.1f | %.0f | 1.00× | %.1f MiB |\n",
		imp.Rows, imp.Rows, imp.Seconds, imp.RowsPerSecond, ratio, mib(imp.PeakRSSBytes),
		floor.Rows, floor.Seconds, floor.RowsPerSecond, mib(floor.PeakRSSBytes))
	return report.Section{Name: "imports", Markdown: "\n## 7. Bulk imports (rows/s and peak memory)\n\n" + body,
		Data: map[string]importResult{"import": imp, "floor": floor}}
}
