package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"bffsuite.dev/deploy/internal/statebackend"
)

// s3Root writes a root with an empty `backend "s3" {}` and one terraform_data resource (init
// needs no provider), with a region variable like the env roots.
func s3Root(t *testing.T, name string) string {
	t.Helper()
	root := filepath.Join(t.TempDir(), name)
	tf := `terraform {
  required_version = ">= 1.10"
  backend "s3" {}
}

variable "region" {
  type    = string
  default = "us-east-1"
}

variable "allowed_account_ids" {
  type    = list(string)
  default = []
}

resource "terraform_data" "marker" {
  input = "state in s3"
}
`
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(tf), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

func motoS3Client(t *testing.T) *s3.Client {
	t.Helper()
	return s3.NewFromConfig(aws.Config{
		Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(os.Getenv("AWS_ENDPOINT_URL")),
	}, func(o *s3.Options) { o.UsePathStyle = true })
}

// TestInitState: init-state on moto creates the bucket and writes backend.hcl; a second run
// changes nothing (bucket steps unchanged, file unchanged); a differing file is refused
// without -force; plan of a partial-backend root without backend.hcl is refused before init.
func TestInitState(t *testing.T) {
	motoCaller(t)
	ctx := context.Background()
	root := s3Root(t, "dev")
	hclPath := filepath.Join(root, "backend.hcl")

	// Without backend.hcl, plan stops before init with the command to run.
	if tofu := requireTofu(t); tofu != "" {
		quietCLIConfig(t)
		args := []string{"plan", "-env", "dev", "-root", root, "-tf-bin", tofu}
		r := run(t, ctx, "", args...)
		r.want(t, args, ExitUsage, "has no backend.hcl", "bffdeploy init-state -env dev")
		if strings.Contains(r.stderr, "==> init") {
			t.Errorf("plan ran init without backend.hcl:\n%s", r.stderr)
		}
	}

	args := []string{"init-state", "-env", "dev", "-root", root}
	r := run(t, ctx, "", args...)
	r.want(t, args, ExitOK, "AWS caller: account 123456789012", "bucket                   set: created bffsuite-tfstate-123456789012-us-east-1",
		"versioning               set", "TLS-only policy          ok (unchanged): skipped: the endpoint is plain HTTP", "wrote "+hclPath)
	b, err := os.ReadFile(hclPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`bucket       = "bffsuite-tfstate-123456789012-us-east-1"`, `key          = "bffsuite/dev/terraform.tfstate"`,
		`region       = "us-east-1"`, "encrypt      = true", "use_lockfile = true", `endpoints                   = { s3 = "` + os.Getenv("AWS_ENDPOINT_URL") + `" }`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("backend.hcl lacks %q:\n%s", want, b)
		}
	}

	r = run(t, ctx, "", args...)
	r.want(t, args, ExitOK, "bucket                   ok (unchanged)", "versioning               ok (unchanged)",
		"public access block      ok (unchanged)", "TLS-only policy          ok (unchanged)", hclPath+" unchanged")
	if strings.Contains(r.stderr, " set") {
		t.Errorf("second init-state changed something:\n%s", r.stderr)
	}

	// -print shows the file and writes nothing; another bucket is refused without -force.
	other := append(args, "-bucket", "other-state-bucket")
	r = run(t, ctx, "", append(other, "-print")...)
	r.want(t, other, ExitOK, `bucket       = "other-state-bucket"`)
	r = run(t, ctx, "", other...)
	r.want(t, other, ExitRefused, "exists with other settings", "-force")
	if b2, _ := os.ReadFile(hclPath); string(b2) != string(b) {
		t.Errorf("refused init-state changed backend.hcl:\n%s", b2)
	}
	r = run(t, ctx, "", append(other, "-force")...)
	r.want(t, other, ExitOK, "wrote "+hclPath)
}

// TestInitStateThenApply: the real thing end to end on moto: init-state, then bffdeploy apply
// of a root with `backend "s3" {}` (init -backend-config=backend.hcl, use_lockfile) writes the
// state object at bffsuite/dev/terraform.tfstate, versioned; a second plan sees no changes.
func TestInitStateThenApply(t *testing.T) {
	tofu := requireTofu(t)
	quietCLIConfig(t)
	motoCaller(t)
	ctx := context.Background()
	root := s3Root(t, "dev")
	common := []string{"-env", "dev", "-root", root}
	run(t, ctx, "", append([]string{"init-state"}, common...)...).want(t, common, ExitOK, "wrote ")

	args := append([]string{"apply", "-yes", "-tf-bin", tofu}, common...)
	run(t, ctx, "", args...).want(t, args, ExitOK, "==> init -backend-config=backend.hcl done", "Applied ",
		"terraform_data.marker: creating...\n", "terraform_data.marker: creating... done in 0s", "Apply complete! Resources: 1 added, 0 changed, 0 destroyed.")
	args = append([]string{"plan", "-tf-bin", tofu}, common...)
	run(t, ctx, "", args...).want(t, args, ExitOK, "No changes.")

	c := motoS3Client(t)
	bucket := statebackend.DefaultBucket("123456789012", "us-east-1")
	obj, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: aws.String(statebackend.Key("dev"))})
	if err != nil {
		t.Fatalf("state object: %v", err)
	}
	defer obj.Body.Close()
	vs, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: aws.String(statebackend.Key("dev"))})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(vs.Versions); n < 1 {
		t.Errorf("state object versions = %d, want at least 1 (versioning on)", n)
	}
	// use_lockfile: each run wrote and deleted KEY.tflock (a delete marker in a versioned bucket).
	locks, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: &bucket, Prefix: aws.String(statebackend.Key("dev") + ".tflock")})
	if err != nil {
		t.Fatal(err)
	}
	if len(locks.DeleteMarkers) == 0 {
		t.Errorf("no %s.tflock delete markers: the S3 lock file was not used", statebackend.Key("dev"))
	}
	if _, err := os.Stat(filepath.Join(root, "terraform.tfstate")); err == nil {
		t.Errorf("a local terraform.tfstate was written in %s: want the state in S3 only", root)
	}
}
