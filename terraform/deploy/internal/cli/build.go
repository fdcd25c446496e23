package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"bffsuite.dev/deploy/internal/lambdazip"
)

func (a *App) build(ctx context.Context, args []string) error {
	fs := a.newFlagSet("build")
	only := fs.String("only", "", "comma-separated BFFs to build (default all: "+targetNames(lambdazip.All())+")")
	out := fs.String("out", "", "output directory (default REPO/dist)")
	arch := fs.String("arch", "arm64", "GOARCH of the bootstraps: arm64 (what the functions run on) or amd64 (make rehearse on an amd64 host; set lambda_architecture = \"x86_64\")")
	if err := parse(fs, args); err != nil {
		return err
	}
	dir, err := a.workDir()
	if err != nil {
		return err
	}
	repo, err := repoRoot(dir)
	if err != nil {
		return usageError{err}
	}
	targets, err := selectTargets(lambdazip.All(), *only)
	if err != nil {
		return err
	}
	outDir := *out
	if outDir == "" {
		outDir = filepath.Join(repo, "dist")
	} else if !filepath.IsAbs(outDir) {
		outDir = filepath.Join(dir, outDir)
	}
	if _, err := lambdazip.LambdaArchitecture(*arch); err != nil {
		return usageError{err}
	}
	b := lambdazip.Builder{Dir: repo, OutDir: outDir, Arch: *arch}
	for _, t := range targets {
		start := time.Now()
		fmt.Fprintf(a.Stderr, "==> build %s (linux/%s)\n", t.Name, *arch)
		art, err := b.Build(ctx, t)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.Stderr, "==> build %s done in %s\n", t.Name, time.Since(start).Round(100*time.Millisecond))
		fmt.Fprintf(a.Stdout, "%-12s %s  %s  sha256 %s  CodeSha256 %s\n", art.Name, art.Path, humanSize(art.Size), art.SHA256, art.CodeSHA256)
	}
	return nil
}

// selectTargets picks the targets named in only (comma-separated), or all when only is empty.
func selectTargets(all []lambdazip.Target, only string) ([]lambdazip.Target, error) {
	if strings.TrimSpace(only) == "" {
		return all, nil
	}
	var out []lambdazip.Target
	for _, name := range strings.Split(only, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(t lambdazip.Target) bool { return t.Name == name })
		if i < 0 {
			return nil, usagef("-only: unknown BFF %q (have %s)", name, targetNames(all))
		}
		if !slices.Contains(out, all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

func targetNames(ts []lambdazip.Target) string {
	names := make([]string, len(ts))
	for i, t := range ts {
		names[i] = t.Name
	}
	return strings.Join(names, ",")
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}
