//go:build bff.lambda

package app

import (
	"errors"

	"bffsuite.dev/shared/partners"
)

// memoryPartners: Lambda builds (buildtags.LambdaTag) hold no in-memory registry and no seed
// data; the registry is the DynamoDB table BFF_TABLE_PARTNERS.
func memoryPartners([]partners.Partner, bool) (partners.Backend, error) {
	return nil, errors.New("BFF_TABLE_PARTNERS: Lambda builds read the partner registry from DynamoDB (BFF_DATA_BACKEND=dynamodb); the in-memory registry and its seed are for local builds")
}
