// Package schema is the JSON Schema of the order event envelope (order-event.schema.json),
// kept apart from package events so the Lambda bootstraps that produce or consume events do
// not link a JSON Schema validator they never run.
package schema

import (
	"bytes"
	_ "embed" // the JSON Schema ships with the package
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"bffsuite.dev/shared/events"
)

// JSON is the JSON Schema (draft 2020-12) of the envelope.
//
//go:embed order-event.schema.json
var JSON []byte

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// Validate checks one event's JSON against JSON (formats asserted). Tests of producers
// and consumers use it the way the OpenAPI tests check responses.
func Validate(eventJSON []byte) error {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(JSON))
		if err != nil {
			schemaErr = err
			return
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		const url = "https://bffsuite.dev/schemas/order-event.schema.json"
		if schemaErr = c.AddResource(url, doc); schemaErr == nil {
			schema, schemaErr = c.Compile(url)
		}
	})
	if schemaErr != nil {
		return fmt.Errorf("order event schema: %w", schemaErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(eventJSON))
	if err != nil {
		return fmt.Errorf("not JSON: %w", err)
	}
	return schema.Validate(inst)
}

// ValidateEvent marshals e and validates it.
func ValidateEvent(e events.Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return Validate(b)
}
