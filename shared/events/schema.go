package events

import (
	"bytes"
	_ "embed" // the JSON Schema ships with the package
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// SchemaJSON is the JSON Schema (draft 2020-12) of the envelope, schema/order-event.schema.json.
//
//go:embed schema/order-event.schema.json
var SchemaJSON []byte

var (
	schemaOnce sync.Once
	schema     *jsonschema.Schema
	schemaErr  error
)

// Validate checks one event's JSON against SchemaJSON (formats asserted). Tests of producers
// and consumers use it the way the OpenAPI tests check responses.
func Validate(eventJSON []byte) error {
	schemaOnce.Do(func() {
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(SchemaJSON))
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
		return fmt.Errorf("events: order event schema: %w", schemaErr)
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(eventJSON))
	if err != nil {
		return fmt.Errorf("events: not JSON: %w", err)
	}
	return schema.Validate(inst)
}

// ValidateEvent marshals e and validates it.
func ValidateEvent(e Event) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	return Validate(b)
}
