package rehearse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"bffsuite.dev/deploy/internal/statebackend"
	"bffsuite.dev/deploy/internal/tfrun"
)

// motoAccount is the account moto answers for every caller.
const motoAccount = "123456789012"

// StateBackend does on moto what `bffdeploy init-state -env dev` does on AWS: it creates the
// state bucket (versioning, default encryption, public access block; the TLS-only policy is
// left out because moto enforces it and is reached over http://) and writes root/backend.hcl,
// so the rehearsal's envs/dev runs on the S3 backend with use_lockfile like a real env.
func StateBackend(ctx context.Context, endpoint, root string) (string, error) {
	c := s3.NewFromConfig(aws.Config{
		Region: Region, Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		BaseEndpoint: aws.String(endpoint),
	}, func(o *s3.Options) { o.UsePathStyle = true })
	bucket := statebackend.DefaultBucket(motoAccount, Region)
	rep, err := statebackend.Ensure(ctx, c, statebackend.Spec{Bucket: bucket, Region: Region, PlainHTTP: strings.HasPrefix(endpoint, "http://")})
	if err != nil {
		return "", fmt.Errorf("state bucket on moto: %w\n%s", err, rep)
	}
	hcl := statebackend.Backend{Bucket: bucket, Key: statebackend.Key("dev"), Region: Region, Endpoint: endpoint}.HCL("the rehearsal (moto)")
	if err := os.WriteFile(filepath.Join(root, tfrun.BackendConfigFile), []byte(hcl), 0o644); err != nil {
		return "", err
	}
	return "s3://" + bucket + "/" + statebackend.Key("dev"), nil
}

// backendArgs passes dir/backend.hcl to init when it exists.
func backendArgs(dir string) []string {
	if _, err := os.Stat(filepath.Join(dir, tfrun.BackendConfigFile)); err == nil {
		return []string{"-backend-config=" + tfrun.BackendConfigFile}
	}
	return nil
}

// stateCredentials are the keys the S3 backend uses against moto (the provider has its own in
// the override file).
var stateCredentials = []string{"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_SESSION_TOKEN=", "AWS_PROFILE="}
