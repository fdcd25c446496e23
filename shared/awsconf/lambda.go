//go:build bff.lambda

package awsconf

import (
	"context"
	"errors"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// load reads the region and the execution role's credentials that the Lambda runtime puts in
// the environment (they last as long as the execution environment).
func load(context.Context) (aws.Config, error) {
	return fromEnv(os.Getenv)
}

// fromEnv builds the configuration from the Lambda runtime's variables. Like the SDK's chain,
// it does not fail when they are missing: a call that needs credentials then fails naming them
// (and a client without a region fails on its first call), while a local DynamoDB endpoint
// with static credentials (store.NewDynamoDBClient) still works.
func fromEnv(getenv func(string) string) (aws.Config, error) {
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	cfg := aws.Config{Region: region, Credentials: missingCredentials{}}
	// AWS_ENDPOINT_URL points every client at one endpoint, as the SDK's own loader does (the
	// Lambda runtime never sets it; make rehearse sets it to the local AWS). The per-service
	// AWS_ENDPOINT_URL_<SERVICE> variables are the SDK loader's and are not read here.
	if e := getenv("AWS_ENDPOINT_URL"); e != "" && getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") != "true" {
		cfg.BaseEndpoint = aws.String(e)
	}
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		cfg.Credentials = aws.NewCredentialsCache(credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN")))
	}
	return cfg, nil
}

// missingCredentials answers every retrieval with an error naming the variables.
type missingCredentials struct{}

func (missingCredentials) Retrieve(context.Context) (aws.Credentials, error) {
	return aws.Credentials{}, errors.New("AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: not set (the Lambda runtime sets the execution role's credentials; Lambda builds read no other credential source)")
}
