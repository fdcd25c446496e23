package main

import (
	"testing"

	"bffsuite.dev/shared/testenv"
)

// TestLambdaBootstrapIsLean: the shipped bootstrap links no local-only package (local IdP,
// embedded data, seed data, fault injector) and refuses the embedded backend at start.
func TestLambdaBootstrapIsLean(t *testing.T) {
	testenv.RequireLeanBootstrap(t, ".")
}
