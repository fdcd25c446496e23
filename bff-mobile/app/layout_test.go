package app

import (
	"testing"

	"bffsuite.dev/shared/testenv"
)

// TestRoutesLiveInRoutesGo keeps routes.go the single route table of this BFF: a route
// registered in any other file of the package fails, so every handler is found from routes.go
// in one step.
func TestRoutesLiveInRoutesGo(t *testing.T) { testenv.RequireRoutesInRoutesGo(t, ".") }
