// Package awsconf loads the process's AWS configuration (the default chain: the Lambda role and
// region in AWS) once, on first use, for every SDK client of the process: the SSM read of
// shared/secrets, the DynamoDB client of shared/store and the Cognito client of shared/identity.
// Loading it costs about 0.3 ms of a cold start (and 4-6 ms wherever AWS_CA_BUNDLE is set, as the
// bundle is parsed on every load); before this package it was loaded up to three times.
//
// Callers that need another region or credentials copy the returned value and change the copy;
// the shared value is never modified.
//
// Local builds load the SDK's whole default chain (shared config files, profiles, SSO, STS web
// identity, IMDS: chain.go). Lambda builds (tag bff.lambda) read what the Lambda runtime sets,
// AWS_REGION and the execution role's AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN (lambda.go): that leaves the SDK's config package and the STS, SSO, SSO-OIDC
// and sign-in clients of its credential chain out of the bootstrap, with their package inits.
package awsconf

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
)

var (
	mu     sync.Mutex
	loaded *aws.Config
	loads  int // how many times the chain was loaded (tests)
)

// Load returns the default AWS configuration, loading it on the first call. A failed load is
// not remembered: the next call tries again.
func Load(ctx context.Context) (aws.Config, error) {
	mu.Lock()
	defer mu.Unlock()
	if loaded != nil {
		return loaded.Copy(), nil
	}
	cfg, err := load(ctx)
	if err != nil {
		return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
	}
	loads++
	loaded = &cfg
	return cfg.Copy(), nil
}

// Loads reports how many times the configuration chain has been loaded in this process.
func Loads() int {
	mu.Lock()
	defer mu.Unlock()
	return loads
}
