package embedded_test

import (
	"testing"

	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/readmodeltest"
	"bffsuite.dev/shared/store/embedded"
)

func TestReadModelsConformance(t *testing.T) {
	readmodeltest.Run(t, func(*testing.T) readmodels.Backend { return embedded.NewReadModels() })
}
