//go:build !bff.lambda

package app

import (
	"fmt"

	"bffsuite.dev/shared/partners"
	"bffsuite.dev/shared/store/embedded"
	"bffsuite.dev/shared/store/seed"
)

// memoryPartners is the in-memory registry of local builds: the static registry recs when
// static, else the local demo partner of the seed data.
func memoryPartners(recs []partners.Partner, static bool) (partners.Backend, error) {
	if !static {
		recs = seed.Partners()
	}
	b, err := embedded.NewPartners(recs)
	if err != nil {
		return nil, fmt.Errorf("partner registry: %w", err)
	}
	return b, nil
}
