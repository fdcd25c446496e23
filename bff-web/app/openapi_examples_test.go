package app

import (
	"testing"

	"bffsuite.dev/shared/openapi"
)

// TestOpenAPIExamples: every operation of openapi.json has an example, every JSON request body
// and 2XX response one, and each validates against its schema.
func TestOpenAPIExamples(t *testing.T) {
	if err := openapi.CheckExamples(OpenAPIDocument); err != nil {
		t.Errorf("CheckExamples(openapi.json) = %v, want nil", err)
	}
}

// TestOpenAPIRequiredMembers: the document requires what the handlers always send, so a
// response that drops one fails the conformance checks of every other test.
func TestOpenAPIRequiredMembers(t *testing.T) {
	user := &sessionUser{ID: "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a01", Email: "demo@example.com", Name: "Alice Martin"}
	tests := []struct {
		name, method, path string
		status             int
		body               any
		valid              bool
	}{
		{"signed-in session", "GET", "/auth/session", 200, sessionResponse{Authenticated: true, User: user, CSRFToken: "t", ExpiresAt: "2026-12-03T07:00:00Z"}, true},
		{"signed-out session", "GET", "/auth/session", 200, sessionResponse{}, true},
		{"signed in without CSRF token", "POST", "/auth/login", 200, sessionResponse{Authenticated: true, User: user, ExpiresAt: "2026-12-03T07:00:00Z"}, false},
		{"signed in without user", "GET", "/auth/session", 200, sessionResponse{Authenticated: true, CSRFToken: "t", ExpiresAt: "2026-12-03T07:00:00Z"}, false},
		{"signed out with a user", "GET", "/auth/session", 200, sessionResponse{User: user}, false},
		{"signed-out home with a greeting", "GET", "/api/home", 200, homeResponse{Locale: "en-US", Categories: []webCategory{}, Featured: []webProductCard{}, Popular: []webProductCard{}, Unavailable: []string{},
			Greeting: &homeGreeting{Name: "Alice", Message: "Welcome back", Tier: "gold"}}, false},
		{"signed-out home", "GET", "/api/home", 200, homeResponse{Locale: "en-US", Categories: []webCategory{}, Featured: []webProductCard{}, Popular: []webProductCard{}, Unavailable: []string{}}, true},
		{"home without popular", "GET", "/api/home", 200, homeResponse{Locale: "en-US", Categories: []webCategory{}, Featured: []webProductCard{}, Unavailable: []string{}}, false},
		{"signed-out home with a member summary", "GET", "/api/home", 200, homeResponse{Locale: "en-US", Categories: []webCategory{}, Featured: []webProductCard{}, Popular: []webProductCard{}, Unavailable: []string{},
			Member: &homeMember{Tier: "gold", TierLabel: "Gold member", LifetimeValue: webPrice{Amount: 1, Currency: "EUR", Formatted: "€0.01"}}}, false},
		{"signed-in home with a member summary", "GET", "/api/home", 200, homeResponse{Locale: "en-US", SignedIn: true, Categories: []webCategory{}, Featured: []webProductCard{}, Popular: []webProductCard{}, Unavailable: []string{},
			Member: &homeMember{OrderCount: 2, Tier: "gold", TierLabel: "Gold member", LifetimeValue: webPrice{Amount: 250000, Currency: "EUR", Formatted: "€2,500.00"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := doc(t).ValidateValue(tt.method, tt.path, tt.status, tt.body)
			if (err == nil) != tt.valid {
				t.Errorf("ValidateValue(%+v) = %v, want valid=%v", tt.body, err, tt.valid)
			}
		})
	}
}
