// Package secrets loads a BFF's configuration with its secrets resolved from AWS Systems
// Manager Parameter Store. In AWS, Terraform puts no secret in the plain Lambda environment:
// it sets BFF_SECRETS_SSM_PREFIX (e.g. /bffsuite/prod/web/) and lets the function read only
// the SecureString parameters <prefix><NAME> of its own secret variables (fields tagged
// `secret:"true"`). Load fetches those that the environment does not already set, in one
// GetParameters call per 10 names, at cold start, then loads the config as config.Load does.
// Without the prefix (local runs, tests) it is exactly config.Load.
//
// The call is SSM's GetParameters action signed with the SDK's SigV4 signer and the SDK's
// credential chain (ssm.go), not the generated SSM client: that client's package init and
// schemas cost about 1.5 ms of every cold start and 0.6 MB of every Lambda binary for one call.
package secrets

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/config"
)

// PrefixVar names the environment variable holding the SSM path prefix.
const PrefixVar = "BFF_SECRETS_SSM_PREFIX"

// GetFunc fetches SSM parameters by full name (at most 10), decrypted, and returns the values
// found by name; names that do not exist are left out.
type GetFunc func(ctx context.Context, names []string) (map[string]string, error)

// Load fills dst from the environment, resolving secret variables from SSM when
// BFF_SECRETS_SSM_PREFIX is set, with the default AWS configuration (the Lambda role).
func Load(ctx context.Context, dst any) error {
	prefix := os.Getenv(PrefixVar)
	if prefix == "" {
		return config.Load(dst)
	}
	awsCfg, err := awsconf.Load(ctx) // loaded once per process, shared with the other SDK clients
	if err != nil {
		return fmt.Errorf("%s: load AWS configuration for SSM: %w", PrefixVar, err)
	}
	return LoadWith(ctx, SSM(awsCfg), prefix, os.LookupEnv, dst)
}

// LoadWith is Load with an explicit parameter source, prefix and environment.
func LoadWith(ctx context.Context, get GetFunc, prefix string, env config.LookupFunc, dst any) error {
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
		found, err := get(ctx, full)
		if err != nil {
			return fmt.Errorf("%s: read secrets %s from SSM: %w", PrefixVar, strings.Join(batch, ", "), err)
		}
		for name, v := range found {
			values[strings.TrimPrefix(name, prefix)] = v
		}
		// Missing parameters stay unset: the config's own validation then names the variable
		// if it is required.
	}
	return config.LoadFrom(func(name string) (string, bool) {
		if v, ok := env(name); ok && v != "" {
			return v, true
		}
		v, ok := values[name]
		return v, ok
	}, dst)
}
