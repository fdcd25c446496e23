package auth

import (
	"errors"
	"net/http"
	"strings"

	"bffsuite.dev/shared/problem"
)

// Sentinel errors. Every error the verifier and middleware return wraps exactly one of them;
// callers test with errors.Is and map them with Status.
var (
	// ErrMissingToken: the request carries no bearer token (401, WWW-Authenticate: Bearer).
	ErrMissingToken = errors.New("missing bearer token")
	// ErrInvalidToken: the token is malformed, badly signed, expired, of the wrong issuer, use
	// or client (401, Bearer error="invalid_token").
	ErrInvalidToken = errors.New("invalid token")
	// ErrInsufficientScope: a valid token lacks a scope the route requires (403, Bearer
	// error="insufficient_scope").
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrForbidden: a valid token whose principal is not allowed here (e.g. not in a required
	// group) (403).
	ErrForbidden = errors.New("forbidden")
	// ErrKeysUnavailable: the JWKS could not be fetched in time for an unknown kid. Reported to
	// clients as an invalid token (401) so an attacker learns nothing; logged with this cause.
	ErrKeysUnavailable = errors.New("signing keys unavailable")
)

// Error carries the sentinel (Kind), an internal reason for the log (never shown to clients,
// never contains the token) and, for ErrInsufficientScope, the scopes that were required.
type Error struct {
	Kind   error
	Reason string
	Scopes []string
}

func (e *Error) Error() string {
	if e.Reason == "" {
		return e.Kind.Error()
	}
	return e.Kind.Error() + ": " + e.Reason
}

func (e *Error) Unwrap() error { return e.Kind }

func invalid(reason string) error { return &Error{Kind: ErrInvalidToken, Reason: reason} }

// Response is what the HTTP layer sends for an auth error: status, a stable code, a short
// title that helps no attacker, and the WWW-Authenticate header.
type Response struct {
	Status int
	Code   string
	Title  string
	Header http.Header
}

// Status maps an auth error to its HTTP response. ok is false when err is not an auth error.
func Status(err error) (r Response, ok bool) {
	h := http.Header{}
	switch {
	case errors.Is(err, ErrMissingToken):
		h.Set("WWW-Authenticate", "Bearer")
		return Response{http.StatusUnauthorized, "unauthenticated", "Authentication required", h}, true
	case errors.Is(err, ErrInvalidToken), errors.Is(err, ErrKeysUnavailable):
		h.Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return Response{http.StatusUnauthorized, "invalid_token", "Invalid token", h}, true
	case errors.Is(err, ErrInsufficientScope):
		v := `Bearer error="insufficient_scope"`
		var ae *Error
		if errors.As(err, &ae) && len(ae.Scopes) > 0 {
			v += `, scope="` + strings.Join(ae.Scopes, " ") + `"`
		}
		h.Set("WWW-Authenticate", v)
		return Response{http.StatusForbidden, "insufficient_scope", "Insufficient scope", h}, true
	case errors.Is(err, ErrForbidden):
		return Response{http.StatusForbidden, "forbidden", "Forbidden", h}, true
	}
	return Response{}, false
}

// Problem returns the problem error the HTTP layer sends for an auth error (nil when err is
// not one): status, code, header; the cause is kept for the log only.
func Problem(err error) *problem.Error {
	r, ok := Status(err)
	if !ok {
		return nil
	}
	return &problem.Error{Status: r.Status, Code: r.Code, Title: r.Title, Header: r.Header, Err: err}
}

func asProblem(err error) error {
	if pe := Problem(err); pe != nil {
		return pe
	}
	return err
}
