package secrets

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

func TestSSMRequest(t *testing.T) {
	var got *http.Request
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_, _ = io.WriteString(w, `{"InvalidParameters":["/p/MISSING"],"Parameters":[{"ARN":"arn:aws:ssm:eu-west-1:123456789012:parameter/p/BFF_SESSION_KEYS","DataType":"text","LastModifiedDate":1.7e9,"Name":"/p/BFF_SESSION_KEYS","Type":"SecureString","Value":"k1,k0","Version":3}]}`)
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_SSM", srv.URL)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", "session-token")}
	values, err := SSM(cfg)(context.Background(), []string{"/p/BFF_SESSION_KEYS", "/p/MISSING"})
	if err != nil {
		t.Fatalf("SSM() = %v", err)
	}
	if values["/p/BFF_SESSION_KEYS"] != "k1,k0" || len(values) != 1 {
		t.Errorf("SSM() values = %v, want only the existing parameter", values)
	}
	if got.Header.Get("X-Amz-Target") != "AmazonSSM.GetParameters" || got.Header.Get("Content-Type") != "application/x-amz-json-1.1" {
		t.Errorf("headers = %v, want the GetParameters target and JSON 1.1", got.Header)
	}
	auth := got.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/eu-west-1/ssm/aws4_request") || got.Header.Get("X-Amz-Security-Token") != "session-token" {
		t.Errorf("Authorization = %q (token %q), want a SigV4 signature for ssm in eu-west-1", auth, got.Header.Get("X-Amz-Security-Token"))
	}
	var sent struct {
		Names          []string
		WithDecryption bool
	}
	if err := json.Unmarshal(body, &sent); err != nil || !sent.WithDecryption || len(sent.Names) != 2 {
		t.Errorf("body = %s, want both names WithDecryption", body)
	}
}

func TestDecodeGetParametersErrors(t *testing.T) {
	tests := []struct {
		status int
		body   string
		want   string
	}{
		{400, `{"__type":"com.amazon.coral.service#AccessDeniedException","message":"not authorized to perform ssm:GetParameters"}`, "AccessDeniedException"},
		{400, `{"__type":"ThrottlingException","message":"Rate exceeded"}`, "ThrottlingException"},
		{500, `garbage`, "Internal Server Error"},
		{200, `not json`, "decode response"},
	}
	for _, tt := range tests {
		if _, err := decodeGetParameters(tt.status, []byte(tt.body)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("decodeGetParameters(%d, %s) = %v, want an error with %q", tt.status, tt.body, err, tt.want)
		}
	}
}
