package statebackend

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"

	"bffsuite.dev/shared/testenv"
)

func motoS3(t *testing.T) *s3.Client {
	t.Helper()
	m := testenv.StartMoto(t)
	return s3.NewFromConfig(m.AWSConfig(), func(o *s3.Options) { o.UsePathStyle = true })
}

func changedSteps(r Report) []string {
	var out []string
	for _, s := range r.Steps {
		if s.Changed {
			out = append(out, s.Name)
		}
	}
	return out
}

// TestEnsureCreatesThenNoOp: a first run on moto creates and configures the bucket (every step
// changed), a second run changes nothing, and the bucket really has the settings.
func TestEnsureCreatesThenNoOp(t *testing.T) {
	ctx := context.Background()
	c := motoS3(t)
	sp := Spec{Bucket: "bffsuite-tfstate-123456789012-us-east-1", Region: "us-east-1"}

	first, err := Ensure(ctx, c, sp)
	if err != nil {
		t.Fatalf("first Ensure: %v", err)
	}
	if got, want := strings.Join(changedSteps(first), ","), "bucket,versioning,default encryption,public access block,TLS-only policy"; got != want {
		t.Errorf("first run changed %q, want %q\n%s", got, want, first)
	}
	second, err := Ensure(ctx, c, sp)
	if err != nil {
		t.Fatalf("second Ensure: %v", err)
	}
	if second.Changed() {
		t.Errorf("second run changed %v, want nothing\n%s", changedSteps(second), second)
	}

	v, err := c.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: &sp.Bucket})
	if err != nil || v.Status != s3types.BucketVersioningStatusEnabled {
		t.Errorf("versioning = %v (%v), want Enabled", v.Status, err)
	}
	p, err := c.GetPublicAccessBlock(ctx, &s3.GetPublicAccessBlockInput{Bucket: &sp.Bucket})
	if err != nil || !allBlocked(p.PublicAccessBlockConfiguration) {
		t.Errorf("public access block = %+v (%v), want all four on", p, err)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &sp.Bucket})
	if err != nil {
		t.Fatalf("GetBucketPolicy: %v", err)
	}
	if !strings.Contains(aws.ToString(pol.Policy), `"aws:SecureTransport":"false"`) {
		t.Errorf("policy = %s, want the aws:SecureTransport=false deny", aws.ToString(pol.Policy))
	}
	// moto evaluates bucket policies: the statement really denies object access over plain HTTP
	// (this client talks http:// to moto).
	_, err = c.PutObject(ctx, &s3.PutObjectInput{Bucket: &sp.Bucket, Key: aws.String("x"), Body: strings.NewReader("x")})
	if !isStatus(err, 403) {
		t.Errorf("PutObject over plain HTTP = %v, want 403 from the TLS-only policy", err)
	}
}

// TestEnsurePlainHTTP: for an emulator over http://, everything but the TLS-only statement is
// set, and the bucket stays usable.
func TestEnsurePlainHTTP(t *testing.T) {
	ctx := context.Background()
	c := motoS3(t)
	sp := Spec{Bucket: "state-plain", Region: "us-east-1", PlainHTTP: true}
	r, err := Ensure(ctx, c, sp)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Join(changedSteps(r), ","), "bucket,versioning,default encryption,public access block"; got != want {
		t.Errorf("changed %q, want %q", got, want)
	}
	if !strings.Contains(r.String(), "skipped: the endpoint is plain HTTP") {
		t.Errorf("report does not say the policy was skipped:\n%s", r)
	}
	if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: &sp.Bucket, Key: aws.String("x"), Body: strings.NewReader("x")}); err != nil {
		t.Errorf("PutObject: %v, want the bucket usable", err)
	}
}

// TestEnsureRepairsDrift: suspended versioning, a partial public access block and a policy with
// another statement are corrected; the other statement is kept.
func TestEnsureRepairsDrift(t *testing.T) {
	ctx := context.Background()
	c := motoS3(t)
	b := "state-drift"
	if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &b}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: &b,
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusSuspended}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutPublicAccessBlock(ctx, &s3.PutPublicAccessBlockInput{Bucket: &b,
		PublicAccessBlockConfiguration: &s3types.PublicAccessBlockConfiguration{BlockPublicAcls: aws.Bool(true)}}); err != nil {
		t.Fatal(err)
	}
	other := `{"Version":"2012-10-17","Statement":[{"Sid":"ReadForCI","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:role/ci"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::state-drift/*"}]}`
	if _, err := c.PutBucketPolicy(ctx, &s3.PutBucketPolicyInput{Bucket: &b, Policy: &other}); err != nil {
		t.Fatal(err)
	}
	r, err := Ensure(ctx, c, Spec{Bucket: b, Region: "us-east-1", KMSKeyID: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"})
	if err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if got, want := strings.Join(changedSteps(r), ","), "versioning,default encryption,public access block,TLS-only policy"; got != want {
		t.Errorf("changed %q, want %q\n%s", got, want, r)
	}
	pol, err := c.GetBucketPolicy(ctx, &s3.GetBucketPolicyInput{Bucket: &b})
	if err != nil {
		t.Fatal(err)
	}
	var doc policyDoc
	if err := json.Unmarshal([]byte(aws.ToString(pol.Policy)), &doc); err != nil {
		t.Fatal(err)
	}
	var sids []string
	for _, s := range doc.Statement {
		sids = append(sids, s["Sid"].(string))
	}
	if got, want := strings.Join(sids, ","), "ReadForCI,"+DenyInsecureTransportSid; got != want {
		t.Errorf("policy statements = %s, want %s", got, want)
	}
	enc, err := c.GetBucketEncryption(ctx, &s3.GetBucketEncryptionInput{Bucket: &b})
	if err != nil {
		t.Fatal(err)
	}
	d := enc.ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault
	if d.SSEAlgorithm != s3types.ServerSideEncryptionAwsKms || !strings.HasSuffix(aws.ToString(d.KMSMasterKeyID), "1234567890ab") {
		t.Errorf("encryption = %s %s, want aws:kms with the key", d.SSEAlgorithm, aws.ToString(d.KMSMasterKeyID))
	}
	if again, err := Ensure(ctx, c, Spec{Bucket: b, Region: "us-east-1", KMSKeyID: aws.ToString(d.KMSMasterKeyID)}); err != nil || again.Changed() {
		t.Errorf("second Ensure changed %v (%v), want nothing", changedSteps(again), err)
	}
}

func TestWithTLSOnly(t *testing.T) {
	tests := []struct {
		name, policy string
		changed      bool
		wantSids     string
	}{
		{name: "no policy", policy: "", changed: true, wantSids: DenyInsecureTransportSid},
		{name: "other statement kept", policy: `{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}`,
			changed: true, wantSids: "A," + DenyInsecureTransportSid},
		{name: "weakened statement replaced", policy: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*","Action":"s3:PutObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			changed: true, wantSids: DenyInsecureTransportSid},
		{name: "already there (as S3 returns it)", policy: `{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":{"AWS":"*"},"Action":"s3:*","Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}`,
			changed: false, wantSids: DenyInsecureTransportSid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, changed, err := WithTLSOnly(tt.policy, "b")
			if err != nil {
				t.Fatal(err)
			}
			if changed != tt.changed {
				t.Errorf("changed = %v, want %v", changed, tt.changed)
			}
			var doc policyDoc
			if err := json.Unmarshal([]byte(got), &doc); err != nil {
				t.Fatal(err)
			}
			var sids []string
			for _, s := range doc.Statement {
				sids = append(sids, s["Sid"].(string))
			}
			if strings.Join(sids, ",") != tt.wantSids {
				t.Errorf("sids = %v, want %s", sids, tt.wantSids)
			}
		})
	}
	if _, _, err := WithTLSOnly("{not json", "b"); err == nil {
		t.Error("WithTLSOnly(invalid JSON) = nil error, want one")
	}
}

func TestValidBucket(t *testing.T) {
	for name, ok := range map[string]bool{
		"bffsuite-tfstate-123456789012-eu-central-1": true, "ab": false, "Upper": false, "a..b": false,
		"192.168.1.1": false, "-start": false, "end-": false, "xn--bucket": false,
	} {
		if err := ValidBucket(name); (err == nil) != ok {
			t.Errorf("ValidBucket(%q) = %v, want ok=%v", name, err, ok)
		}
	}
}

func TestBackendHCL(t *testing.T) {
	b := Backend{Bucket: "bkt", Key: Key("prod"), Region: "eu-central-1"}.HCL("test")
	for _, want := range []string{`bucket       = "bkt"`, `key          = "bffsuite/prod/terraform.tfstate"`, `region       = "eu-central-1"`, "encrypt      = true", "use_lockfile = true"} {
		if !strings.Contains(b, want) {
			t.Errorf("HCL lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(b, "endpoints") || strings.Contains(b, "skip_") {
		t.Errorf("HCL for AWS has emulator settings:\n%s", b)
	}
	e := Backend{Bucket: "bkt", Key: Key("dev"), Region: "us-east-1", Endpoint: "http://127.0.0.1:5000"}.HCL("test")
	if !strings.Contains(e, `endpoints                   = { s3 = "http://127.0.0.1:5000" }`) || !strings.Contains(e, "use_path_style              = true") {
		t.Errorf("HCL for an emulator lacks the endpoint settings:\n%s", e)
	}
}
