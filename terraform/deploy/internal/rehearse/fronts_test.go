package rehearse

import (
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
)

func TestFunctionOfURI(t *testing.T) {
	tests := []struct {
		uri, want string
		ok        bool
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-web/invocations", "bffsuite-dev-web", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-web:live/invocations", "bffsuite-dev-web", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-partner", "bffsuite-dev-partner", true},
		{"https://example.com/backend", "", false},
	}
	for _, tt := range tests {
		got, ok := FunctionOfURI(tt.uri)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FunctionOfURI(%q) = %q, %v; want %q, %v", tt.uri, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUserPoolJWKS(t *testing.T) {
	got, err := UserPoolJWKS("http://127.0.0.1:5000/", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
	if want := "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := UserPoolJWKS("http://127.0.0.1:5000", "https://issuer.example.com/"); err == nil {
		t.Error("a non-Cognito issuer: got no error, want one")
	}
}

// TestFunctionEnvPointsJWKSAtEmulator: the function verifies tokens with the pool's keys, which
// the emulator serves; the deployed value (the real Cognito host) is rewritten and reported.
func TestFunctionEnvPointsJWKSAtEmulator(t *testing.T) {
	d := Deployed{Name: "f", Runtime: "provided.al2023", Environment: map[string]string{
		"BFF_COGNITO_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/.well-known/jwks.json",
		"BFF_COGNITO_ISSUER":   "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
	}}
	env, added := FunctionEnv(d, aws.Credentials{}, "http://127.0.0.1:5000")
	if !contains(env, "BFF_COGNITO_JWKS_URL=http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json") {
		t.Errorf("env lacks the emulator's JWKS URL: %v", env)
	}
	if !contains(env, "BFF_COGNITO_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc") {
		t.Errorf("the issuer must stay as deployed: %v", env)
	}
	if !strings.Contains(strings.Join(added, ","), "BFF_COGNITO_JWKS_URL") {
		t.Errorf("added = %v, want the JWKS rewrite named", added)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
