package lambdazip

import (
	"archive/zip"
	"bytes"
	"context"
	"debug/elf"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
)

func TestBuildArgs(t *testing.T) {
	tests := []struct {
		target Target
		out    string
		want   []string
	}{
		{BFFs[0], "/tmp/x/bootstrap", []string{"build", "-tags", "lambda.norpc,nomsgpack,bff.lambda", "-trimpath", "-buildvcs=false",
			"-ldflags", "-s -w", "-o", "/tmp/x/bootstrap", "./bff-web"}},
		{Target{Name: "hello", Pkg: "./testdata/hello"}, "b", []string{"build", "-tags", "lambda.norpc,nomsgpack,bff.lambda", "-trimpath",
			"-buildvcs=false", "-ldflags", "-s -w", "-o", "b", "./testdata/hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.target.Name, func(t *testing.T) {
			if got := BuildArgs(tt.target, tt.out); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("BuildArgs(%v, %q) = %q, want %q", tt.target, tt.out, got, tt.want)
			}
		})
	}
}

func TestBuildEnv(t *testing.T) {
	base := []string{"PATH=/usr/bin", "GOOS=darwin", "CGO_ENABLED=1", "GOARCH=amd64", "GOFLAGS=-mod=mod"}
	got := BuildEnv(base)
	want := []string{"PATH=/usr/bin", "GOFLAGS=-mod=mod", "CGO_ENABLED=0", "GOOS=linux", "GOARCH=arm64"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("BuildEnv(%q) = %q, want %q", base, got, want)
	}
}

func TestBuildEnvArch(t *testing.T) {
	base := []string{"GOARCH=arm64"}
	if got, want := BuildEnvArch(base, "amd64"), []string{"CGO_ENABLED=0", "GOOS=linux", "GOARCH=amd64"}; !reflect.DeepEqual(got, want) {
		t.Errorf("BuildEnvArch(%q, amd64) = %q, want %q", base, got, want)
	}
}

func TestLambdaArchitecture(t *testing.T) {
	tests := []struct {
		goarch, want string
		wantErr      bool
	}{
		{goarch: "", want: "arm64"},
		{goarch: "arm64", want: "arm64"},
		{goarch: "amd64", want: "x86_64"},
		{goarch: "386", wantErr: true},
	}
	for _, tt := range tests {
		got, err := LambdaArchitecture(tt.goarch)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("LambdaArchitecture(%q) = %q, %v, want %q (error %v)", tt.goarch, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestBFFs(t *testing.T) {
	var names []string
	for _, b := range BFFs {
		names = append(names, b.Name)
		if b.Pkg != "./"+b.Name {
			t.Errorf("BFF %s: Pkg = %q, want %q", b.Name, b.Pkg, "./"+b.Name)
		}
	}
	if want := []string{"bff-web", "bff-mobile", "bff-partner"}; !slices.Equal(names, want) {
		t.Errorf("BFFs = %q, want %q", names, want)
	}
}

func TestWriteZip(t *testing.T) {
	files := []File{
		{Name: "z.txt", Mode: 0o644, Data: []byte("last")},
		{Name: "bootstrap", Mode: 0o755, Data: bytes.Repeat([]byte("binary"), 1000)},
	}
	var a, b bytes.Buffer
	if err := WriteZip(&a, files); err != nil {
		t.Fatal(err)
	}
	slices.Reverse(files)
	if err := WriteZip(&b, files); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Errorf("WriteZip gives different bytes for the same files in another order")
	}
	zr, err := zip.NewReader(bytes.NewReader(a.Bytes()), int64(a.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	if want := []string{"bootstrap", "z.txt"}; !slices.Equal(names, want) {
		t.Errorf("WriteZip entries = %q, want %q", names, want)
	}
	if err := WriteZip(io.Discard, []File{{Name: "a"}, {Name: "a"}}); err == nil {
		t.Errorf("WriteZip(duplicate names) = nil, want error")
	}
}

// TestBuildReproducible cross-compiles testdata/hello twice into two directories and expects
// byte-identical zips holding one static linux/arm64 executable named bootstrap, mode 0755.
func TestBuildReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-compiles; skipped with -short")
	}
	target := Target{Name: "hello", Pkg: "./testdata/hello"}
	var arts []Artifact
	for i := range 2 {
		b := Builder{Dir: ".", OutDir: filepath.Join(t.TempDir(), "dist", string(rune('a'+i)))}
		a, err := b.Build(context.Background(), target)
		if err != nil {
			t.Fatalf("Build(%v) = %v", target, err)
		}
		arts = append(arts, a)
	}
	first, err := os.ReadFile(arts[0].Path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := os.ReadFile(arts[1].Path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(first, second) {
		t.Fatalf("Build twice: zips differ (%s vs %s)", arts[0].SHA256, arts[1].SHA256)
	}
	if arts[0].SHA256 != arts[1].SHA256 || arts[0].Size != int64(len(first)) {
		t.Errorf("Build artifacts = %+v and %+v, want equal digests and Size %d", arts[0], arts[1], len(first))
	}
	zr, err := zip.NewReader(bytes.NewReader(first), int64(len(first)))
	if err != nil {
		t.Fatal(err)
	}
	if len(zr.File) != 1 || zr.File[0].Name != "bootstrap" {
		t.Fatalf("zip entries = %d (first %q), want exactly bootstrap", len(zr.File), zr.File[0].Name)
	}
	f := zr.File[0]
	if got := f.Mode(); got != 0o755 {
		t.Errorf("bootstrap mode = %v, want 0755", got)
	}
	if got := f.Modified.Year(); got != 1980 {
		t.Errorf("bootstrap modified year = %d, want 1980", got)
	}
	rc, err := f.Open()
	if err != nil {
		t.Fatal(err)
	}
	exe, err := io.ReadAll(rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	ef, err := elf.NewFile(bytes.NewReader(exe))
	if err != nil {
		t.Fatalf("bootstrap is not ELF: %v", err)
	}
	if ef.Machine != elf.EM_AARCH64 {
		t.Errorf("bootstrap machine = %v, want EM_AARCH64", ef.Machine)
	}
	for _, p := range ef.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("bootstrap has an ELF interpreter: not statically linked (CGO_ENABLED=0)")
		}
	}
}

func TestBuildFailureKeepsOldZip(t *testing.T) {
	out := t.TempDir()
	old := []byte("previous zip")
	path := filepath.Join(out, "missing.zip")
	if err := os.WriteFile(path, old, 0o644); err != nil {
		t.Fatal(err)
	}
	b := Builder{Dir: ".", OutDir: out}
	_, err := b.Build(context.Background(), Target{Name: "missing", Pkg: "./testdata/does-not-exist"})
	if err == nil {
		t.Fatalf("Build(missing package) = nil, want error")
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("after failed Build the old zip = %q, want %q", got, old)
	}
}

// BenchmarkWriteZip packs an 8 MiB pseudo-binary (about a BFF's size) as bootstrap.
func BenchmarkWriteZip(b *testing.B) {
	data := make([]byte, 8<<20)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if err := WriteZip(io.Discard, []File{{Name: "bootstrap", Mode: 0o755, Data: data}}); err != nil {
			b.Fatal(err)
		}
	}
}
