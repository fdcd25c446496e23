package tfcheck

// This file is the wiring between the Terraform checks and the Go code they must agree with.
// It is the only file to touch when the Go side moves.

import (
	"testing"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/server"
)

// configSources returns, per BFF, the environment variables its config struct reads, and
// whether the source is the BFF's complete config (then the reverse check, "the Lambda sets no
// variable the config ignores", runs too).
//
// WIRE (lead): once bffsuite.dev/bff-web/app.Config (and mobile, partner) exist, add
//
//	require bffsuite.dev/bff-web v0.0.0 // and bff-mobile, bff-partner
//	replace bffsuite.dev/bff-web => ../../bff-web
//
// to terraform/deploy/go.mod and return config.Vars(webapp.Config{}) etc. with complete=true.
// Until then the shared platform structs every BFF embeds stand in (complete=false).
func configSources(t *testing.T) (vars map[string][]config.Var, complete bool) {
	t.Helper()
	type interimWeb struct {
		Server   server.Config
		Auth     auth.Config
		Identity identity.Config
	}
	type interimMobile struct {
		Server   server.Config
		Auth     auth.Config
		Identity identity.Config
	}
	type interimPartner struct {
		Server server.Config
		Auth   auth.Config
	}
	return map[string][]config.Var{
		"web":     config.Vars(interimWeb{}),
		"mobile":  config.Vars(interimMobile{}),
		"partner": config.Vars(interimPartner{}),
	}, false
}

// goTables returns the Go table definitions (shared/store/dynamo), converted to Table, and
// false while that package does not exist yet.
//
// WIRE: shared/store/dynamo is being written; convert its table definitions here.
func goTables(t *testing.T) (map[string]Table, bool) {
	t.Helper()
	return nil, false
}
