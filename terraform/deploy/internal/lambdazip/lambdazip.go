// Package lambdazip cross-compiles the BFFs for the Lambda provided.al2023 runtime on arm64 and
// packs each into a reproducible zip: same source, same Go, same bytes, so an unchanged BFF
// never shows up as a Lambda code change in a plan.
package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"bffsuite.dev/shared/buildtags"
)

// Target is one Lambda function's main package.
type Target struct {
	// Name is the function name and the zip's base name (dist/<Name>.zip).
	Name string
	// Pkg is the main package, relative to Builder.Dir (e.g. ./bff-web).
	Pkg string
}

// BFFs are the three BFF main packages, relative to the repository root (go.work there).
var BFFs = []Target{
	{Name: "bff-web", Pkg: "./bff-web"},
	{Name: "bff-mobile", Pkg: "./bff-mobile"},
	{Name: "bff-partner", Pkg: "./bff-partner"},
}

// Workers are the event-side functions (workers/cmd/<name>), one zip each like the BFFs. Each
// feature appends its own entries.
var Workers = []Target{
	// Order events (issue 18): the orders stream producer and the read-model projector.
	{Name: "order-events", Pkg: "./workers/cmd/order-events"},
	{Name: "projector", Pkg: "./workers/cmd/projector"},
	{Name: "checkout-tasks", Pkg: "./workers/cmd/checkout-tasks"}, // issue 19: the checkout saga's Task states
	{Name: "import-worker", Pkg: "./workers/cmd/import-worker"},   // partner bulk imports (shared/imports)
	// Partner webhooks and mobile push (issue 18).
	{Name: "webhook-fanout", Pkg: "./workers/cmd/webhook-fanout"},
	{Name: "webhook-sender", Pkg: "./workers/cmd/webhook-sender"},
	{Name: "push", Pkg: "./workers/cmd/push"},
}

// All is every function this repository ships: the BFFs, then the workers.
func All() []Target {
	out := make([]Target, 0, len(BFFs)+len(Workers))
	out = append(out, BFFs...)
	return append(out, Workers...)
}

// Artifact describes a written zip.
type Artifact struct {
	Name string
	Path string
	Size int64
	// SHA256 is the hex digest of the zip; CodeSHA256 the base64 digest, as Lambda reports
	// CodeSha256 and Terraform's filebase64sha256 computes it.
	SHA256, CodeSHA256 string
}

// Builder builds targets with the go command.
type Builder struct {
	// Dir is where `go build` runs (the repository root, so go.work applies).
	Dir string
	// OutDir receives <name>.zip.
	OutDir string
	// GoBin is the go command (default "go").
	GoBin string
	// Arch is the GOARCH of the bootstrap: "arm64" (default, what the functions run on) or
	// "amd64" (the local rehearsal runs the zips under the Lambda emulator on an amd64 host).
	Arch string
}

// LambdaArchitecture maps a GOARCH to the Lambda architecture name (arm64, x86_64).
func LambdaArchitecture(goarch string) (string, error) {
	switch goarch {
	case "", "arm64":
		return "arm64", nil
	case "amd64":
		return "x86_64", nil
	}
	return "", fmt.Errorf("architecture %q: Lambda runs arm64 or amd64 (x86_64)", goarch)
}

// zipTime is the fixed modification time of every entry (the zip epoch, 1980-01-01).
var zipTime = time.Date(1980, time.January, 1, 0, 0, 0, 0, time.UTC)

// BuildArgs are the go build arguments for target t writing the executable to out.
// The tags are buildtags.Lambda; -buildvcs=false keeps commit hashes out of the
// binary; -trimpath keeps paths out.
func BuildArgs(t Target, out string) []string {
	return []string{"build", "-tags", buildtags.Lambda, "-trimpath", "-buildvcs=false",
		"-ldflags", "-s -w", "-o", out, t.Pkg}
}

// BuildEnv is the environment for a static linux/arm64 build, on top of base.
func BuildEnv(base []string) []string { return BuildEnvArch(base, "arm64") }

// BuildEnvArch is the environment for a static linux/goarch build, on top of base.
func BuildEnvArch(base []string, goarch string) []string {
	env := make([]string, 0, len(base)+3)
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "CGO_ENABLED", "GOOS", "GOARCH":
			continue
		}
		env = append(env, kv)
	}
	return append(env, "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+goarch)
}

// Build compiles t and writes OutDir/<t.Name>.zip atomically (a failed build leaves any
// previous zip as it was).
func (b Builder) Build(ctx context.Context, t Target) (Artifact, error) {
	arch := b.Arch
	if arch == "" {
		arch = "arm64"
	}
	if _, err := LambdaArchitecture(arch); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t.Name, err)
	}
	tmp, err := os.MkdirTemp("", "bffdeploy-build-")
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t.Name, err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bootstrap")
	goBin := b.GoBin
	if goBin == "" {
		goBin = "go"
	}
	cmd := exec.CommandContext(ctx, goBin, BuildArgs(t, bin)...)
	cmd.Dir = b.Dir
	cmd.Env = BuildEnvArch(os.Environ(), arch)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	cmd.Stdout = &stderr
	if err := cmd.Run(); err != nil {
		return Artifact{}, fmt.Errorf("build %s (go %s in %s): %w\n%s", t.Name, strings.Join(BuildArgs(t, "bootstrap"), " "),
			b.Dir, err, strings.TrimSpace(stderr.String()))
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t.Name, err)
	}
	if err := os.MkdirAll(b.OutDir, 0o755); err != nil {
		return Artifact{}, fmt.Errorf("build %s: %w", t.Name, err)
	}
	var zbuf bytes.Buffer
	if err := WriteZip(&zbuf, []File{{Name: "bootstrap", Mode: 0o755, Data: data}}); err != nil {
		return Artifact{}, fmt.Errorf("zip %s: %w", t.Name, err)
	}
	path := filepath.Join(b.OutDir, t.Name+".zip")
	if err := writeAtomic(path, zbuf.Bytes()); err != nil {
		return Artifact{}, fmt.Errorf("write %s: %w", path, err)
	}
	sum := sha256.Sum256(zbuf.Bytes())
	return Artifact{
		Name:       t.Name,
		Path:       path,
		Size:       int64(zbuf.Len()),
		SHA256:     hex.EncodeToString(sum[:]),
		CodeSHA256: base64.StdEncoding.EncodeToString(sum[:]),
	}, nil
}

// writeAtomic writes data to a temporary file beside path and renames it into place.
func writeAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// File is one zip entry.
type File struct {
	Name string
	Mode os.FileMode
	Data []byte
}

// WriteZip writes a deterministic zip: entries sorted by name, fixed timestamps, Unix modes,
// deflate compression, no extra fields beyond what the fixed header implies.
func WriteZip(w io.Writer, files []File) error {
	sorted := append([]File(nil), files...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Name < sorted[j].Name })
	zw := zip.NewWriter(w)
	for i, f := range sorted {
		if i > 0 && sorted[i-1].Name == f.Name {
			return fmt.Errorf("duplicate zip entry %q", f.Name)
		}
		h := &zip.FileHeader{Name: f.Name, Method: zip.Deflate}
		// Set the DOS date/time fields directly: Modified would add a time-zone-dependent extra field.
		//lint:ignore SA1019 the deprecated DOS fields are the point: Modified adds an extra field
		h.ModifiedDate = uint16((zipTime.Year()-1980)<<9 | int(zipTime.Month())<<5 | zipTime.Day())
		//lint:ignore SA1019 as above
		h.ModifiedTime = 0
		h.SetMode(f.Mode)
		fw, err := zw.CreateHeader(h)
		if err != nil {
			return fmt.Errorf("zip entry %s: %w", f.Name, err)
		}
		if _, err := fw.Write(f.Data); err != nil {
			return fmt.Errorf("zip entry %s: %w", f.Name, err)
		}
	}
	return zw.Close()
}
