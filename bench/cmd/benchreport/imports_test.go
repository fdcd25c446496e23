package main

import (
	"strings"
	"testing"
)

func TestFormatImports(t *testing.T) {
	for _, tc := range []struct {
		name        string
		imp, floor  importResult
		wantRatio   string
		wantPeakImp string
	}{
		{"faster than the floor", importResult{Rows: 1000, Seconds: 1, RowsPerSecond: 1000, PeakRSSBytes: 40 << 20},
			importResult{Rows: 1000, Seconds: 2, RowsPerSecond: 500, PeakRSSBytes: 20 << 20}, "| 2.00× |", "| 40.0 MiB |"},
		{"slower", importResult{Rows: 10, Seconds: 4, RowsPerSecond: 2.5, PeakRSSBytes: 1 << 20},
			importResult{Rows: 10, Seconds: 1, RowsPerSecond: 10, PeakRSSBytes: 1 << 20}, "| 0.25× |", "| 1.0 MiB |"},
		{"no floor", importResult{Rows: 10, Seconds: 1, RowsPerSecond: 10}, importResult{}, "| 0.00× |", "| 0.0 MiB |"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := formatImports(tc.imp, tc.floor)
			row := strings.Split(s.Markdown, "\n| import worker")[1]
			row = row[:strings.Index(row, "\n")]
			if !strings.Contains(row, tc.wantRatio) || !strings.Contains(row, tc.wantPeakImp) {
				t.Errorf("import row %q, want %s and %s", row, tc.wantRatio, tc.wantPeakImp)
			}
		})
	}
}
