// Package awscreds checks, before Terraform talks to AWS, that the SDK's default credential chain
// (environment, shared config/credentials files and profiles, SSO, web identity, container and
// instance roles) yields credentials, so a missing login fails fast with a clear message.
package awscreds

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// ErrNoCredentials means the default credential chain found nothing usable.
var ErrNoCredentials = errors.New("no AWS credentials")

// Check loads the default config and retrieves credentials (within 15 s). It returns the
// region (may be empty) and a source description fit for logs (never key material).
func Check(ctx context.Context) (region, source string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return "", "", fmt.Errorf("%w: load AWS config (AWS_PROFILE, AWS_CONFIG_FILE): %w", ErrNoCredentials, err)
	}
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return "", "", fmt.Errorf("%w: the AWS SDK credential chain found none (set AWS_PROFILE or "+
			"AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or run `aws sso login`; "+
			"pass -no-aws-check only for roots that do not use AWS): %w", ErrNoCredentials, err)
	}
	if !creds.HasKeys() {
		return "", "", fmt.Errorf("%w: the credential chain returned empty keys (source %s)", ErrNoCredentials, creds.Source)
	}
	return cfg.Region, creds.Source, nil
}

// Caller is who the credentials belong to.
type Caller struct {
	Account, ARN, Region, Source string
}

// Identify checks the credentials like Check and asks STS who they belong to
// (GetCallerIdentity, which needs no permission). AWS_ENDPOINT_URL(_STS) is honoured.
func Identify(ctx context.Context) (Caller, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	region, source, err := Check(ctx)
	if err != nil {
		return Caller{}, err
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return Caller{}, fmt.Errorf("load AWS config: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1" // STS answers GetCallerIdentity in every region
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Caller{}, fmt.Errorf("sts GetCallerIdentity (are the credentials valid?): %w", err)
	}
	return Caller{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), Region: region, Source: source}, nil
}
