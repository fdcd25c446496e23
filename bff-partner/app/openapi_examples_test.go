package app_test

import (
	"testing"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/openapi"
)

// TestOpenAPIExamples: every operation of openapi.json has an example, every JSON request body
// and 2XX response one, and each validates against its schema.
func TestOpenAPIExamples(t *testing.T) {
	if err := openapi.CheckExamples(app.OpenAPIDocument); err != nil {
		t.Errorf("CheckExamples(openapi.json) = %v, want nil", err)
	}
}
