package main

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

func markdown(r *Result) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# Soak report\n\n")
	w("`go run ./bench/cmd/soak %s` on %s (%s cores, %s), %s in all.\n\n", flagsOf(r), r.Date, r.Machine["nproc"], r.Machine["cpu"], r.Duration.Round(time.Second))
	if len(r.Problems) == 0 {
		w("**Result: every check passed.**\n\n")
	} else {
		w("**Result: %d check(s) failed.**\n\n", len(r.Problems))
		for _, p := range r.Problems {
			w("- %s\n", p)
		}
		w("\n")
	}
	w("## Checks\n\n")
	var unexpected int
	for _, n := range r.Ledger.Unexpected5xx {
		unexpected += n
	}
	var noCorr, transport int
	for _, n := range r.Ledger.NoCorrelation {
		noCorr += n
	}
	for _, n := range r.Ledger.TransportErrors {
		transport += n
	}
	w("| check | result |\n|---|---|\n")
	w("| requests | %d |\n", r.Ledger.Requests)
	w("| 5xx that were injected (502 `dependency_unavailable` on the embedded stack) | %d |\n", r.Ledger.Injected5xx)
	w("| other 5xx | %d |\n", unexpected)
	w("| requests without a response | %d |\n", transport)
	w("| responses without X-Correlation-Id | %d |\n", noCorr)
	w("| idempotent replays answering the first order | %d of %d |\n", r.Ledger.Replays-r.Ledger.ReplayMismatch, r.Ledger.Replays)
	targets := make([]string, 0, len(r.Orders))
	for t := range r.Orders {
		targets = append(targets, t)
	}
	sort.Strings(targets)
	for _, t := range targets {
		w("| %s orders answered 201 or 202 (checkout saga), each listed exactly once | %d |\n", t, r.Orders[t])
	}
	stacks := make([]string, 0, len(r.Stock))
	for s := range r.Stock {
		stacks = append(stacks, s)
	}
	sort.Strings(stacks)
	for _, s := range stacks {
		w("| %s stock = seed − ordered + cancelled, never below zero | %s |\n", s, r.Stock[s])
	}
	w("| growth bound (warm-up sample → end) | RSS ≤ %.1f× + %d MiB, threads +%d, open files +%d |\n\n", r.Growth.RSSFactor, r.Growth.RSSSlackKiB>>10, r.Growth.Threads, r.Growth.FDs)

	w("## Processes (from /proc)\n\n| BFF | first sample | warm-up sample | end | threads (first → end) | open files (first → end) |\n|---|---:|---:|---:|---|---|\n")
	names := make([]string, 0, len(r.Samples))
	for n := range r.Samples {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		s := r.Samples[n]
		if len(s) == 0 {
			continue
		}
		first, end := s[0], s[len(s)-1]
		mid := s[min(len(s)-1, len(s)/5)]
		w("| %s | %.1f MiB | %.1f MiB | %.1f MiB | %d → %d | %d → %d |\n", n, float64(first.RSSKiB)/1024, float64(mid.RSSKiB)/1024, float64(end.RSSKiB)/1024, first.Threads, end.Threads, first.FDs, end.FDs)
	}
	w("\n## Statuses\n\n| BFF | statuses | operations |\n|---|---|---|\n")
	for _, n := range names {
		w("| %s | %s | %s |\n", n, counts(r.Statuses[n]), opsOf(r.Operations[n]))
	}
	w("\n## Notes\n\n")
	for _, n := range r.Notes {
		w("- %s\n", n)
	}
	return b.String()
}

func flagsOf(r *Result) string {
	return fmt.Sprintf("-duration %v -backends %v", r.Options["duration"], r.Options["backends"])
}

func counts(m map[int]int) string {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d×%d", k, m[k]))
	}
	return strings.Join(parts, " ")
}

func opsOf(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}
