// Package secrets loads a BFF's configuration with its secrets resolved from AWS Systems
// Manager Parameter Store. In AWS, Terraform puts no secret in the plain Lambda environment:
// it sets BFF_SECRETS_SSM_PREFIX (e.g. /bffsuite/prod/web/) and lets the function read only
// the SecureString parameters <prefix><NAME> of its own secret variables (fields tagged
// `secret:"true"`). Load fetches those that the environment does not already set, in one
// GetParameters call per 10 names, at cold start, then loads the config as config.Load does.
// Without the prefix (local runs, tests) it is exactly config.Load.
package secrets

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"bffsuite.dev/shared/config"
	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

// PrefixVar names the environment variable holding the SSM path prefix.
const PrefixVar = "BFF_SECRETS_SSM_PREFIX"

// Getter is the part of the SSM client Load uses.
type Getter interface {
	GetParameters(ctx context.Context, in *ssm.GetParametersInput, opts ...func(*ssm.Options)) (*ssm.GetParametersOutput, error)
}

// Load fills dst from the environment, resolving secret variables from SSM when
// BFF_SECRETS_SSM_PREFIX is set. It builds the SSM client from the default AWS configuration.
func Load(ctx context.Context, dst any) error {
	prefix := os.Getenv(PrefixVar)
	if prefix == "" {
		return config.Load(dst)
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return fmt.Errorf("%s: load AWS configuration for SSM: %w", PrefixVar, err)
	}
	return LoadWith(ctx, ssm.NewFromConfig(awsCfg), prefix, os.LookupEnv, dst)
}

// LoadWith is Load with an explicit SSM client, prefix and environment.
func LoadWith(ctx context.Context, api Getter, prefix string, env config.LookupFunc, dst any) error {
	if !strings.HasPrefix(prefix, "/") || !strings.HasSuffix(prefix, "/") {
		return fmt.Errorf("%s: %q must start and end with /", PrefixVar, prefix)
	}
	var names []string
	for _, v := range config.Vars(dst) {
		if !v.Secret || slices.Contains(names, v.Name) {
			continue
		}
		if val, ok := env(v.Name); ok && val != "" {
			continue // an explicit value (tests, local runs) wins
		}
		names = append(names, v.Name)
	}
	values := map[string]string{}
	for start := 0; start < len(names); start += 10 {
		batch := names[start:min(start+10, len(names))]
		full := make([]string, len(batch))
		for i, n := range batch {
			full[i] = prefix + n
		}
		out, err := api.GetParameters(ctx, &ssm.GetParametersInput{Names: full, WithDecryption: aws.Bool(true)})
		if err != nil {
			return fmt.Errorf("%s: read secrets %s from SSM: %w", PrefixVar, strings.Join(batch, ", "), err)
		}
		for _, p := range out.Parameters {
			values[strings.TrimPrefix(aws.ToString(p.Name), prefix)] = aws.ToString(p.Value)
		}
		// Missing parameters (out.InvalidParameters) stay unset: the config's own validation
		// then names the variable if it is required.
	}
	return config.LoadFrom(func(name string) (string, bool) {
		if v, ok := env(name); ok && v != "" {
			return v, true
		}
		v, ok := values[name]
		return v, ok
	}, dst)
}
