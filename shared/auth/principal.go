package auth

import (
	"context"
	"slices"
	"time"

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

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
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
