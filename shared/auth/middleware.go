package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/metrics"
	"github.com/awslabs/aws-lambda-go-api-proxy/core"
	"github.com/gin-gonic/gin"
)

// BearerToken extracts the token of an "Authorization: Bearer <token>" header (scheme
// case-insensitive). It returns ErrMissingToken when there is no bearer credential and
// ErrInvalidToken when the header is malformed or repeated.
func BearerToken(r *http.Request) (string, error) {
	vals := r.Header.Values("Authorization")
	if len(vals) == 0 {
		return "", &Error{Kind: ErrMissingToken}
	}
	if len(vals) > 1 {
		return "", invalid("more than one Authorization header")
	}
	scheme, tok, ok := strings.Cut(strings.TrimSpace(vals[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return "", &Error{Kind: ErrMissingToken, Reason: "authorization scheme is not Bearer"}
	}
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return "", invalid("empty bearer token")
	}
	return tok, nil
}

// Require returns Gin middleware that verifies the request's bearer token (or, when the
// verifier trusts it, the claims of an API Gateway authorizer) against a and stores the
// Principal in the request context (PrincipalFrom). It never writes a response: on failure it
// calls c.Error with an error wrapping one of this package's sentinels and aborts; the error
// middleware maps it with Status (problem+json, WWW-Authenticate).
func Require(v *Verifier, a Access) gin.HandlerFunc {
	return func(c *gin.Context) {
		ctx := c.Request.Context()
		var (
			p   *Principal
			err error
		)
		if ap, ok, aerr := v.fromAuthorizer(ctx, a); ok || aerr != nil {
			p, err = ap, aerr
		} else {
			var tok string
			if tok, err = BearerToken(c.Request); err == nil {
				p, err = v.Verify(ctx, tok, a)
			}
		}
		if err != nil {
			fail(c, err)
			return
		}
		c.Request = c.Request.WithContext(WithPrincipal(ctx, p))
		c.Next()
	}
}

// RequireScope returns middleware for a route behind Require that additionally needs all of
// scopes (403 insufficient_scope otherwise).
func RequireScope(scopes ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := PrincipalFrom(c)
		if !ok {
			fail(c, &Error{Kind: ErrMissingToken, Reason: "RequireScope without Require"})
			return
		}
		if err := authorize(p, Access{Scopes: scopes}); err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

// RequireGroup returns middleware for a route behind Require that needs the principal in at
// least one of groups (403 otherwise).
func RequireGroup(groups ...string) gin.HandlerFunc {
	return func(c *gin.Context) {
		p, ok := PrincipalFrom(c)
		if !ok {
			fail(c, &Error{Kind: ErrMissingToken, Reason: "RequireGroup without Require"})
			return
		}
		if err := authorize(p, Access{Groups: groups}); err != nil {
			fail(c, err)
			return
		}
		c.Next()
	}
}

func fail(c *gin.Context, err error) {
	metrics.From(c.Request.Context()).Count(metrics.AuthFailures, metrics.D("Reason", FailureReason(err)))
	_ = c.Error(asProblem(err))
	c.Abort()
}

// FailureReason is the low-cardinality reason of an auth error for metrics: missing_token,
// invalid_token, keys_unavailable, insufficient_scope, forbidden or other.
func FailureReason(err error) string {
	switch {
	case errors.Is(err, ErrMissingToken):
		return "missing_token"
	case errors.Is(err, ErrKeysUnavailable):
		return "keys_unavailable"
	case errors.Is(err, ErrInvalidToken):
		return "invalid_token"
	case errors.Is(err, ErrInsufficientScope):
		return "insufficient_scope"
	case errors.Is(err, ErrForbidden):
		return "forbidden"
	}
	return "other"
}

// fromAuthorizer reads the claims an API Gateway authorizer verified (HTTP API JWT authorizer,
// or REST API Cognito authorizer) when the verifier trusts them. ok is false when trust is off
// or the request carries no authorizer claims. The claims are still checked: issuer, token_use,
// client, expiry, scopes and groups.
func (v *Verifier) fromAuthorizer(ctx context.Context, a Access) (p *Principal, ok bool, err error) {
	if !v.trustAuthorizer {
		return nil, false, nil
	}
	var claims map[string]string
	if rc, found := core.GetAPIGatewayV2ContextFromContext(ctx); found && rc.Authorizer != nil && rc.Authorizer.JWT != nil {
		claims = rc.Authorizer.JWT.Claims
	} else if rc, found := core.GetAPIGatewayContextFromContext(ctx); found {
		if m, isMap := rc.Authorizer["claims"].(map[string]any); isMap {
			claims = make(map[string]string, len(m))
			for k, val := range m {
				claims[k] = fmt.Sprint(val)
			}
		}
	}
	if len(claims) == 0 {
		return nil, false, nil
	}
	cl, err := claimsFromAuthorizer(claims)
	if err != nil {
		return nil, true, err
	}
	p, err = v.check(cl, a)
	if err != nil {
		return nil, true, err
	}
	p.ViaAuthorizer = true
	if err := authorize(p, a); err != nil {
		return nil, true, err
	}
	return p, true, nil
}

// claimsFromAuthorizer converts authorizer claims (all strings) into claims. Groups arrive as
// "[a b]" (HTTP API), "a,b" (REST API) or a JSON array.
func claimsFromAuthorizer(m map[string]string) (*claims, error) {
	c := &claims{
		Iss: m["iss"], Sub: m["sub"], TokenUse: m["token_use"], ClientID: m["client_id"],
		Scope: m["scope"], Username: m["username"], CognitoUsername: m["cognito:username"],
		Email: m["email"], EmailVerified: m["email_verified"], Jti: m["jti"],
	}
	if aud := m["aud"]; aud != "" {
		c.Aud = audience{aud}
	}
	for name, dst := range map[string]**numericDate{"exp": &c.Exp, "iat": &c.Iat, "nbf": &c.Nbf, "auth_time": &c.AuthTime} {
		s, ok := m[name]
		if !ok || s == "" {
			continue
		}
		d, err := parseAuthorizerTime(s)
		if err != nil {
			return nil, invalid("authorizer claim " + name + " is not a date")
		}
		*dst = &d
	}
	c.Groups = parseGroups(m["cognito:groups"])
	return c, nil
}

// parseAuthorizerTime accepts epoch seconds and the RFC 1123-like form REST authorizers use
// ("Mon Jan 02 15:04:05 UTC 2006").
func parseAuthorizerTime(s string) (numericDate, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return numericDate(n), nil
	}
	t, err := time.Parse("Mon Jan 02 15:04:05 MST 2006", s)
	if err != nil {
		return 0, err
	}
	return numericDate(t.Unix()), nil
}

func parseGroups(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var l []string
	if strings.HasPrefix(s, "[\"") && json.Unmarshal([]byte(s), &l) == nil {
		return l
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	l = strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
	return slices.DeleteFunc(l, func(g string) bool { return g == "" })
}
