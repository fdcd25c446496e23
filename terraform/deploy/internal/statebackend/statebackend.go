// Package statebackend creates or verifies, idempotently, the S3 bucket that holds an env's
// Terraform/OpenTofu state (versioning on, default encryption, all public access blocked, TLS
// only) and renders the env's partial backend configuration (backend.hcl) for
// `init -backend-config=backend.hcl`. bffdeploy init-state and the rehearsal (on moto) use it.
package statebackend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
)

// DenyInsecureTransportSid is the Sid of the bucket policy statement that denies every request
// not made over TLS (aws:SecureTransport = false).
const DenyInsecureTransportSid = "DenyInsecureTransport"

// Key is the state object key of env inside the bucket.
func Key(env string) string { return "bffsuite/" + env + "/terraform.tfstate" }

// DefaultBucket is the bucket name used when none is given: bucket names are global, so the
// account ID and region make it unique and say whose it is.
func DefaultBucket(account, region string) string {
	return "bffsuite-tfstate-" + account + "-" + region
}

var bucketPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// ValidBucket checks S3's bucket naming rules (the ones that matter for a new bucket).
func ValidBucket(name string) error {
	if !bucketPattern.MatchString(name) || strings.Contains(name, "..") || strings.HasPrefix(name, "xn--") ||
		strings.HasSuffix(name, "-s3alias") || regexp.MustCompile(`^\d+\.\d+\.\d+\.\d+$`).MatchString(name) {
		return fmt.Errorf("bucket name %q: 3-63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit", name)
	}
	return nil
}

// Spec is the bucket wanted.
type Spec struct {
	Bucket, Region string
	// KMSKeyID, when set, makes the default encryption SSE-KMS with this key (ARN or alias
	// ARN); empty means SSE-S3 (AES256).
	KMSKeyID string
	// Account, when set, is passed as ExpectedBucketOwner: a bucket of that name owned by
	// another account is refused instead of being written to.
	Account string
	// PlainHTTP leaves out the TLS-only policy statement: only for an emulator reached over
	// http:// (moto enforces the statement, so it would deny every request of the backend).
	PlainHTTP bool
}

// Step is one setting checked on the bucket.
type Step struct {
	Name    string
	Changed bool
	Detail  string
}

// Report lists what Ensure checked and changed.
type Report struct{ Steps []Step }

// Changed says whether anything was created or changed.
func (r Report) Changed() bool {
	return slices.ContainsFunc(r.Steps, func(s Step) bool { return s.Changed })
}

// String renders one line per step.
func (r Report) String() string {
	var b strings.Builder
	for _, s := range r.Steps {
		state := "ok (unchanged)"
		if s.Changed {
			state = "set"
		}
		fmt.Fprintf(&b, "  %-24s %s", s.Name, state)
		if s.Detail != "" {
			fmt.Fprintf(&b, ": %s", s.Detail)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// ErrNotOwned means the bucket exists but belongs to someone else (or the caller may not see it).
var ErrNotOwned = errors.New("the state bucket exists but is not accessible to this account")

// Ensure creates the bucket when missing and brings versioning, default encryption, the public
// access block and the TLS-only policy statement to the wanted state, changing only what
// differs (a second run changes nothing). Other statements of an existing policy are kept.
func Ensure(ctx context.Context, c *s3.Client, sp Spec) (Report, error) {
	if err := ValidBucket(sp.Bucket); err != nil {
		return Report{}, err
	}
	var rep Report
	add := func(name string, changed bool, detail string) {
		rep.Steps = append(rep.Steps, Step{Name: name, Changed: changed, Detail: detail})
	}
	owner := func() *string {
		if sp.Account == "" {
			return nil
		}
		return aws.String(sp.Account)
	}

	// Bucket.
	_, err := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner()})
	switch {
	case err == nil:
		add("bucket", false, sp.Bucket)
	case isCode(err, "NotFound", "NoSuchBucket") || isStatus(err, 404):
		in := &s3.CreateBucketInput{Bucket: &sp.Bucket, ObjectOwnership: s3types.ObjectOwnershipBucketOwnerEnforced}
		if sp.Region != "" && sp.Region != "us-east-1" {
			in.CreateBucketConfiguration = &s3types.CreateBucketConfiguration{LocationConstraint: s3types.BucketLocationConstraint(sp.Region)}
		}
		if _, err := c.CreateBucket(ctx, in); err != nil && !isCode(err, "BucketAlreadyOwnedByYou") {
			return rep, fmt.Errorf("s3 CreateBucket %s: %w", sp.Bucket, err)
		}
		add("bucket", true, "created "+sp.Bucket+" in "+sp.Region)
	case isStatus(err, 403):
		return rep, fmt.Errorf("%w: s3 HeadBucket %s answered 403 (another account's bucket, or no s3:ListBucket): choose another name with -bucket", ErrNotOwned, sp.Bucket)
	default:
		return rep, fmt.Errorf("s3 HeadBucket %s: %w", sp.Bucket, err)
	}

	// Versioning: every state write is a version, so a bad apply can be rolled back.
	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner()})
	if err != nil {
		return rep, fmt.Errorf("s3 GetBucketVersioning: %w", err)
	}
	if v.Status == s3types.BucketVersioningStatusEnabled {
		add("versioning", false, "Enabled")
	} else {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
			Bucket: &sp.Bucket, ExpectedBucketOwner: owner(),
			VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
		}); err != nil {
			return rep, fmt.Errorf("s3 PutBucketVersioning: %w", err)
		}
		add("versioning", true, fmt.Sprintf("Enabled (was %q)", v.Status))
	}

	// Default encryption.
	wantAlg := s3types.ServerSideEncryptionAes256
	if sp.KMSKeyID != "" {
		wantAlg = s3types.ServerSideEncryptionAwsKms
	}
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner()})
	if err != nil && !isCode(err, "ServerSideEncryptionConfigurationNotFoundError") {
		return rep, fmt.Errorf("s3 GetBucketEncryption: %w", err)
	}
	have := ""
	if enc != nil && enc.ServerSideEncryptionConfiguration != nil {
		for _, r := range enc.ServerSideEncryptionConfiguration.Rules {
			if d := r.ApplyServerSideEncryptionByDefault; d != nil {
				have = string(d.SSEAlgorithm)
				if d.SSEAlgorithm == wantAlg && (sp.KMSKeyID == "" || aws.ToString(d.KMSMasterKeyID) == sp.KMSKeyID) {
					have = "ok"
				}
			}
		}
	}
	if have == "ok" {
		add("default encryption", false, string(wantAlg))
	} else {
		d := &s3types.ServerSideEncryptionByDefault{SSEAlgorithm: wantAlg}
		if sp.KMSKeyID != "" {
			d.KMSMasterKeyID = aws.String(sp.KMSKeyID)
		}
		if _, err := c.PutBucketEncryption(ctx, &s3.PutBucketEncryptionInput{
			Bucket: &sp.Bucket, ExpectedBucketOwner: owner(),
			ServerSideEncryptionConfiguration: &s3types.ServerSideEncryptionConfiguration{Rules: []s3types.ServerSideEncryptionRule{{
				ApplyServerSideEncryptionByDefault: d, BucketKeyEnabled: aws.Bool(sp.KMSKeyID != ""),
			}}},
		}); err != nil {
			return rep, fmt.Errorf("s3 PutBucketEncryption: %w", err)
		}
		add("default encryption", true, fmt.Sprintf("%s (was %q)", wantAlg, have))
	}

	// Public access block: all four on.
	pab, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner()})
	if err != nil && !isCode(err, "NoSuchPublicAccessBlockConfiguration") {
		return rep, fmt.Errorf("s3 GetPublicAccessBlock: %w", err)
	}
	if pab != nil && allBlocked(pab.PublicAccessBlockConfiguration) {
		add("public access block", false, "all four on")
	} else {
		t := aws.Bool(true)
		if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{
			Bucket: &sp.Bucket, ExpectedBucketOwner: owner(),
			PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{
				BlockPublicAcls: t, BlockPublicPolicy: t, IgnorePublicAcls: t, RestrictPublicBuckets: t,
			},
		}); err != nil {
			return rep, fmt.Errorf("s3 PutPublicAccessBlock: %w", err)
		}
		add("public access block", true, "all four on")
	}

	// Bucket policy: deny non-TLS requests; other statements are kept.
	if sp.PlainHTTP {
		add("TLS-only policy", false, "skipped: the endpoint is plain HTTP (an emulator), where it would deny every request")
		return rep, nil
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner()})
	if err != nil && !isCode(err, "NoSuchBucketPolicy") {
		return rep, fmt.Errorf("s3 GetBucketPolicy: %w", err)
	}
	current := ""
	if pol != nil {
		current = aws.ToString(pol.Policy)
	}
	merged, changed, err := WithTLSOnly(current, sp.Bucket)
	if err != nil {
		return rep, err
	}
	if !changed {
		add("TLS-only policy", false, DenyInsecureTransportSid)
	} else {
		if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &sp.Bucket, ExpectedBucketOwner: owner(), Policy: aws.String(merged)}); err != nil {
			return rep, fmt.Errorf("s3 PutBucketPolicy: %w", err)
		}
		add("TLS-only policy", true, DenyInsecureTransportSid+" (aws:SecureTransport = false denied)")
	}
	return rep, nil
}

func allBlocked(c *s3types.PublicAccessBlockConfiguration) bool {
	return c != nil && aws.ToBool(c.BlockPublicAcls) && aws.ToBool(c.BlockPublicPolicy) &&
		aws.ToBool(c.IgnorePublicAcls) && aws.ToBool(c.RestrictPublicBuckets)
}

type policyDoc struct {
	Version   string           `json:"Version"`
	ID        string           `json:"Id,omitempty"`
	Statement []map[string]any `json:"Statement"`
}

// TLSOnlyStatement is the statement denying every S3 action on the bucket and its objects
// over plain HTTP.
func TLSOnlyStatement(bucket string) map[string]any {
	return map[string]any{
		"Sid":       DenyInsecureTransportSid,
		"Effect":    "Deny",
		"Principal": "*",
		"Action":    "s3:*",
		"Resource":  []any{"arn:aws:s3:::" + bucket, "arn:aws:s3:::" + bucket + "/*"},
		"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
	}
}

// WithTLSOnly returns policy with the TLS-only statement (policy "" means none yet) and
// whether it had to be added or corrected. Other statements are kept as they are.
func WithTLSOnly(policy, bucket string) (string, bool, error) {
	doc := policyDoc{Version: "2012-10-17"}
	if strings.TrimSpace(policy) != "" {
		if err := json.Unmarshal([]byte(policy), &doc); err != nil {
			return "", false, fmt.Errorf("the bucket's current policy is not JSON: %w", err)
		}
	}
	want := TLSOnlyStatement(bucket)
	wantJS, _ := json.Marshal(want)
	kept := doc.Statement[:0]
	for _, st := range doc.Statement {
		if st["Sid"] == DenyInsecureTransportSid {
			if js, _ := json.Marshal(normalize(st)); string(js) == string(wantJS) {
				return policy, false, nil
			}
			continue // a different statement under our Sid: replaced below
		}
		kept = append(kept, st)
	}
	doc.Statement = append(kept, want)
	b, err := json.Marshal(doc)
	if err != nil {
		return "", false, err
	}
	return string(b), true, nil
}

// normalize makes a statement read back from S3 comparable with TLSOnlyStatement: S3 may return
// a single-element Resource list as a string and order keys differently (json.Marshal sorts).
func normalize(st map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range st {
		out[k] = v
	}
	if r, ok := out["Resource"].(string); ok {
		out["Resource"] = []any{r}
	}
	if p, ok := out["Principal"].(map[string]any); ok && len(p) == 1 && p["AWS"] == "*" {
		out["Principal"] = "*"
	}
	return out
}

// Backend is the content of an env's partial S3 backend configuration.
type Backend struct {
	Bucket, Key, Region string
	KMSKeyID            string
	// Endpoint, for an emulator (moto) only: adds endpoints.s3, path-style addressing and
	// skips the AWS-only checks. Never set for a real account.
	Endpoint string
}

// HCL renders b as a backend.hcl for `init -backend-config=backend.hcl`.
func (b Backend) HCL(by string) string {
	var s strings.Builder
	fmt.Fprintf(&s, "# S3 backend of this env, written by %s.\n", by)
	s.WriteString("# Used as: tofu init -backend-config=backend.hcl (bffdeploy passes it when this file exists).\n")
	s.WriteString("# use_lockfile (S3 conditional writes) needs OpenTofu/Terraform >= 1.10.\n")
	fmt.Fprintf(&s, "bucket       = %q\n", b.Bucket)
	fmt.Fprintf(&s, "key          = %q\n", b.Key)
	fmt.Fprintf(&s, "region       = %q\n", b.Region)
	s.WriteString("encrypt      = true\n")
	s.WriteString("use_lockfile = true\n")
	if b.KMSKeyID != "" {
		fmt.Fprintf(&s, "kms_key_id   = %q\n", b.KMSKeyID)
	}
	if b.Endpoint != "" {
		s.WriteString("\n# An emulator's endpoint (not AWS): path-style addressing, no AWS-only checks.\n")
		fmt.Fprintf(&s, "endpoints                   = { s3 = %q }\n", b.Endpoint)
		s.WriteString("use_path_style              = true\n")
		s.WriteString("skip_credentials_validation = true\n")
		s.WriteString("skip_requesting_account_id  = true\n")
		s.WriteString("skip_metadata_api_check     = true\n")
		s.WriteString("skip_region_validation      = true\n")
	}
	return s.String()
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && slices.Contains(codes, ae.ErrorCode())
}

func isStatus(err error, status int) bool {
	var re interface{ HTTPStatusCode() int }
	return errors.As(err, &re) && re.HTTPStatusCode() == status
}
