//go:build bff.lambda

package platform

import (
	"errors"
	"log/slog"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
	"github.com/gin-gonic/gin"
)

// Lambda builds (tag bff.lambda) have no local IdP: Platform.LocalIdP is always nil there, and
// a configuration without a Cognito user pool is refused at cold start.

// LocalIdPConfig is empty in Lambda builds: BFF_LOCAL_IDP_* are not read.
type LocalIdPConfig struct{}

// LocalIdP has no value in Lambda builds.
type LocalIdP struct{}

func openLocalIdP(LocalIdPConfig, *slog.Logger) (*LocalIdP, *auth.Verifier, error) {
	return nil, nil, errors.New("BFF_COGNITO_USER_POOL_ID: required (Lambda builds have no embedded identity provider)")
}

// The functions below are reached only with a non-nil LocalIdP, which Lambda builds never have.

func localProvider(*LocalIdP) identity.Provider { return nil }

func localClientID(*LocalIdP) string { return "" }

func localIdPJSONExempt(*LocalIdP, bool) []string { return nil }

func mountLocalIdP(*gin.Engine, *LocalIdP, bool) {}
