package auth

import (
	"context"
	"slices"
	"time"

	"bffsuite.dev/shared/logging"
	"github.com/gin-gonic/gin"
)

// TokenUse is the token_use claim Cognito sets: "access" for API calls, "id" for identity.
type TokenUse string

const (
	// UseAccess: access tokens, the only kind accepted for API calls by default.
	UseAccess TokenUse = "access"
	// UseID: ID tokens, accepted only where an ID token is meant.
	UseID TokenUse = "id"
)

// Principal is the verified caller: a user (signed in through an app client) or a partner
// machine client (client_credentials: Machine is true, Subject equals ClientID, no Username).
type Principal struct {
	Subject       string
	Username      string
	ClientID      string
	TokenUse      TokenUse
	Machine       bool
	Scopes        []string
	Groups        []string
	Email         string
	EmailVerified bool
	TokenID       string // jti
	Issuer        string
	IssuedAt      time.Time
	ExpiresAt     time.Time
	AuthTime      time.Time
	// ViaAuthorizer is true when the claims came from a trusted API Gateway authorizer.
	ViaAuthorizer bool
}

// HasScope reports whether the principal was granted scope.
func (p *Principal) HasScope(scope string) bool { return slices.Contains(p.Scopes, scope) }

// InGroup reports whether the principal is in the Cognito group g.
func (p *Principal) InGroup(g string) bool { return slices.Contains(p.Groups, g) }

// missingScopes returns the scopes of want that p lacks.
func (p *Principal) missingScopes(want []string) []string {
	var miss []string
	for _, s := range want {
		if !p.HasScope(s) {
			miss = append(miss, s)
		}
	}
	return miss
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p. It also adds principal_id (the user's sub, or the
// partner's client id) and principal_type (user or machine) to the request's log fields, so
// every later log line of the request names the caller (never a token or an email).
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	if f := logging.FieldsFrom(ctx); f != nil && p != nil {
		if p.Machine {
			f.Set("principal_id", p.ClientID)
			f.Set("principal_type", "machine")
		} else {
			f.Set("principal_id", p.Subject)
			f.Set("principal_type", "user")
		}
	}
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal the middleware verified. It accepts a *gin.Context or
// any context derived from the request's context.
func PrincipalFrom(ctx context.Context) (*Principal, bool) {
	if gc, ok := ctx.(*gin.Context); ok {
		if gc.Request == nil {
			return nil, false
		}
		ctx = gc.Request.Context()
	}
	p, ok := ctx.Value(principalKey{}).(*Principal)
	return p, ok && p != nil
}
