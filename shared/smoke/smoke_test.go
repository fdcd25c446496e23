package smoke

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestStepErrors checks that a failed step names the journey, the step, the status and the
// problem code (RFC 9457 code, or API Gateway's message), against a peer answering errors.
func TestStepErrors(t *testing.T) {
	tests := []struct {
		name, body string
		status     int
		want       []string
	}{
		{"problem", `{"type":"urn:x","title":"Unauthorized","status":401,"code":"unauthorized","detail":"No session."}`, 401,
			[]string{`mobile journey, step "login" failed`, "status 401", "(code unauthorized)", "No session."}},
		{"gateway", `{"message":"Forbidden"}`, 403, []string{"status 403", "(code Forbidden)", "answered by the gateway"}},
		{"not JSON", `<html>oops</html>`, 502, []string{"status 502", "<html>oops</html>"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = w.Write([]byte(tt.body))
			}))
			defer srv.Close()
			_, err := Mobile(context.Background(), MobileOptions{BaseURL: srv.URL, Username: "u", Password: "p"})
			var se *StepError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *StepError", err)
			}
			if se.Status != tt.status || se.Step != "login" {
				t.Errorf("step %q status %d, want login %d", se.Step, se.Status, tt.status)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	_, err := Partner(context.Background(), PartnerOptions{BaseURL: "http://127.0.0.1:1", Token: func(context.Context) (string, error) { return "", errors.New("no such client") }})
	if err == nil || !strings.Contains(err.Error(), `step "token"`) || !strings.Contains(err.Error(), "no such client") {
		t.Errorf("token hook failure = %v, want the token step with its cause", err)
	}
}
