package app

import (
	"testing"

	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/openapi"
)

// TestOpenAPIExamples: every operation of openapi.json has an example, every JSON request body
// and 2XX response one, and each validates against its schema.
func TestOpenAPIExamples(t *testing.T) {
	if err := openapi.CheckExamples(OpenAPIDocument); err != nil {
		t.Errorf("CheckExamples(openapi.json) = %v, want nil", err)
	}
}

// TestOpenAPIRequiredMembers: a sign-in always returns the ID and refresh tokens (a refresh
// may omit the refresh token when rotation is off).
func TestOpenAPIRequiredMembers(t *testing.T) {
	doc := loadDoc(t)
	full := identity.Tokens{AccessToken: "a", IDToken: "i", RefreshToken: "r", ExpiresIn: 3600, TokenType: "Bearer"}
	noRefresh := full
	noRefresh.RefreshToken = ""
	tests := []struct {
		name, path string
		body       identity.Tokens
		valid      bool
	}{
		{"login with all tokens", "/v1/auth/login", full, true},
		{"login without refresh token", "/v1/auth/login", noRefresh, false},
		{"refresh without refresh token", "/v1/auth/refresh", noRefresh, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := doc.ValidateValue("POST", tt.path, 200, tt.body)
			if (err == nil) != tt.valid {
				t.Errorf("ValidateValue(%s, %+v) = %v, want valid=%v", tt.path, tt.body, err, tt.valid)
			}
		})
	}
}
