//go:build !bff.lambda

package platform

import (
	"fmt"
	"log/slog"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/identity/localidp"
	"github.com/gin-gonic/gin"
)

// The embedded identity provider of local runs. Lambda builds (tag bff.lambda) use lambda.go
// instead and link none of it.

// LocalIdPConfig is the local IdP's configuration (BFF_LOCAL_IDP_*).
type LocalIdPConfig = localidp.Config

// LocalIdP is the embedded identity provider.
type LocalIdP = localidp.IdP

// openLocalIdP starts the local IdP and its verifier (the users' app client and every partner).
func openLocalIdP(cfg LocalIdPConfig, logger *slog.Logger) (*LocalIdP, *auth.Verifier, error) {
	idp, err := localidp.New(cfg, logger)
	if err != nil {
		return nil, nil, fmt.Errorf("start local identity provider: %w", err)
	}
	clientIDs := append([]string{idp.ClientID()}, idp.PartnerIDs()...)
	v, err := idp.NewVerifier(clientIDs...)
	if err != nil {
		return nil, nil, fmt.Errorf("local token verifier: %w", err)
	}
	return idp, v, nil
}

func localProvider(idp *LocalIdP) identity.Provider { return idp }

func localClientID(idp *LocalIdP) string { return idp.ClientID() }

func localIdPJSONExempt(idp *LocalIdP, tokenEndpoint bool) []string {
	out := []string{idp.Path() + "/oauth2/token"}
	if tokenEndpoint {
		out = append(out, "/oauth2/token")
	}
	return out
}

// mountLocalIdP serves the IdP under the issuer's path, as its discovery document says (every
// BFF shares the issuer, key and partners, so whichever process the issuer URL points at
// answers the same), and optionally its token endpoint at /oauth2/token.
func mountLocalIdP(r *gin.Engine, idp *LocalIdP, tokenEndpoint bool) {
	r.GET(idp.Path()+"/.well-known/openid-configuration", gin.WrapH(idp.DiscoveryHandler()))
	r.GET(idp.Path()+"/.well-known/jwks.json", gin.WrapH(idp.JWKSHandler()))
	r.POST(idp.Path()+"/oauth2/token", gin.WrapH(idp.TokenHandler()))
	if tokenEndpoint {
		r.POST("/oauth2/token", gin.WrapH(idp.TokenHandler()))
	}
}
