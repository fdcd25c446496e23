package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/zclconf/go-cty/cty"

	"bffsuite.dev/deploy/internal/awscreds"
	"bffsuite.dev/deploy/internal/rootvars"
	"bffsuite.dev/deploy/internal/statebackend"
	"bffsuite.dev/deploy/internal/tfrun"
)

// initState creates or verifies the env's S3 state bucket and writes ROOT/backend.hcl.
func (a *App) initState(ctx context.Context, args []string) error {
	fs := a.newFlagSet("init-state")
	env := fs.String("env", "", "environment name (dev, prod, ...); required")
	rootFlag := fs.String("root", "", "root module directory (default terraform/envs/ENV); backend.hcl is written there")
	bucket := fs.String("bucket", "", "state bucket (default bffsuite-tfstate-ACCOUNT-REGION)")
	region := fs.String("region", "", "bucket region (default: the root's region variable, else the AWS config's)")
	kmsKey := fs.String("kms-key", "", "KMS key ARN for SSE-KMS default encryption and the backend's kms_key_id (default SSE-S3)")
	endpoint := fs.String("endpoint", "", "S3 endpoint of an emulator (default $AWS_ENDPOINT_URL_S3, then $AWS_ENDPOINT_URL; never for AWS)")
	printOnly := fs.Bool("print", false, "print backend.hcl instead of writing it")
	force := fs.Bool("force", false, "overwrite a backend.hcl that differs")
	accounts := fs.String("account", "", "AWS account ID(s) the caller must belong to (default: the root's allowed_account_ids)")
	if err := parse(fs, args); err != nil {
		return err
	}
	f := tfFlags{env: *env, root: *rootFlag, accounts: *accounts}
	dir, err := a.workDir()
	if err != nil {
		return err
	}
	cfg, err := f.resolve(dir)
	if err != nil {
		return err
	}
	vars, err := rootvars.Read(cfg.Root, nil)
	if err != nil {
		return fmt.Errorf("read the root's variables: %w", err)
	}
	if why, err := rootProtection(cfg, vars); err != nil {
		return err
	} else if why != "" {
		cfg.Protected = true
	}
	s := &session{cfg: cfg, vars: vars}
	want, from, err := s.wantAccounts(&f)
	if err != nil {
		return err
	}
	caller, err := awscreds.Identify(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.Stderr, "AWS credentials from %s\nAWS caller: account %s, %s\n", caller.Source, caller.Account, caller.ARN)
	if err := checkAccount(cfg, caller.Account, want, from); err != nil {
		return err
	}

	reg := *region
	if reg == "" {
		if v, ok := vars["region"]; ok && !v.IsNull() && v.Type() == cty.String {
			reg = v.AsString()
		}
	}
	if reg == "" {
		reg = caller.Region
	}
	if reg == "" {
		return usagef("no region: pass -region (the root has no region variable and the AWS config none)")
	}
	name := *bucket
	if name == "" {
		name = statebackend.DefaultBucket(caller.Account, reg)
	}
	if err := statebackend.ValidBucket(name); err != nil {
		return usagef("-bucket: %v", err)
	}
	ep := *endpoint
	if ep == "" {
		ep = os.Getenv("AWS_ENDPOINT_URL_S3")
	}
	if ep == "" {
		ep = os.Getenv("AWS_ENDPOINT_URL")
	}

	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	awsCfg, err := config.LoadDefaultConfig(ctx, config.WithRegion(reg))
	if err != nil {
		return fmt.Errorf("load AWS config: %w", err)
	}
	client := s3.NewFromConfig(awsCfg, func(o *s3.Options) {
		if ep != "" {
			o.BaseEndpoint = &ep
			o.UsePathStyle = true
		}
	})
	fmt.Fprintf(a.Stderr, "state bucket %s (region %s)\n", name, reg)
	rep, err := statebackend.Ensure(ctx, client, statebackend.Spec{Bucket: name, Region: reg, KMSKeyID: *kmsKey, Account: caller.Account,
		PlainHTTP: strings.HasPrefix(ep, "http://")})
	fmt.Fprint(a.Stderr, rep.String())
	if err != nil {
		return err
	}

	hcl := statebackend.Backend{Bucket: name, Key: statebackend.Key(cfg.Env), Region: reg, KMSKeyID: *kmsKey, Endpoint: ep}.
		HCL("bffdeploy init-state -env " + cfg.Env)
	if *printOnly {
		_, err := fmt.Fprint(a.Stdout, hcl)
		return err
	}
	path := filepath.Join(cfg.Root, tfrun.BackendConfigFile)
	old, err := os.ReadFile(path)
	switch {
	case err == nil && string(old) == hcl:
		fmt.Fprintf(a.Stdout, "%s unchanged\n", path)
		return nil
	case err == nil && !*force:
		return fmt.Errorf("%w: %s exists with other settings; compare with `bffdeploy init-state -env %s -print` and rerun with -force to replace it (then `tofu init -migrate-state`)",
			errRefused, path, cfg.Env)
	case err != nil && !os.IsNotExist(err):
		return err
	}
	if err := writeFileAtomic(path, []byte(hcl)); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	fmt.Fprintf(a.Stdout, "wrote %s\nnext: bffdeploy plan -env %s (init passes -backend-config=%s; existing local state: `tofu init -backend-config=%s -migrate-state` in %s)\n",
		path, cfg.Env, tfrun.BackendConfigFile, tfrun.BackendConfigFile, cfg.Root)
	return nil
}

// checkBackendConfig refuses, before init, a root with an empty `backend "s3" {}` and no
// backend.hcl: init would fail with "bucket: required field is not set".
func checkBackendConfig(c tfConfig) error {
	partial, err := tfrun.PartialS3Backend(c.Root)
	if err != nil || !partial {
		return err
	}
	if isFile(filepath.Join(c.Root, tfrun.BackendConfigFile)) {
		return nil
	}
	return usagef("%s declares `backend \"s3\" {}` but has no %s: create the state bucket and the file with `bffdeploy init-state -env %s`",
		c.Root, tfrun.BackendConfigFile, c.Env)
}
