package openapi_test

import (
	"strings"
	"testing"

	"bffsuite.dev/shared/openapi"
)

func TestCheckExamples(t *testing.T) {
	const head = `{"openapi":"3.1.0","components":{"schemas":{"Item":{"type":"object","required":["id","at"],"additionalProperties":false,
		"properties":{"id":{"type":"string"},"at":{"type":"string","format":"date-time"}}}},
		"examples":{"item":{"value":{"id":"a","at":"2026-01-01T00:00:00Z"}}},
		"responses":{"Problem":{"description":"problem","content":{"application/problem+json":{"schema":{"type":"object","required":["code"]},"example":{"code":"not_found"}}}}}},"paths":`
	item := `"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Item"},%s}}`
	ok := `"example":{"id":"a","at":"2026-01-01T00:00:00Z"}`
	with := func(s string) string { return strings.Replace(item, "%s", s, 1) }
	tests := []struct {
		name, paths, want string // want "" = valid
	}{
		{"valid example", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(ok) + `}}}}}`, ""},
		{"valid examples via $ref", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(`"examples":{"one":{"$ref":"#/components/examples/item"}}`) + `}}}}}`, ""},
		{"missing required member", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(`"example":{"id":"a"}`) + `}}}}}`, "GET /a: response 200 application/json: example does not match"},
		{"wrong format", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(`"example":{"id":"a","at":"yesterday"}`) + `}}}}}`, "does not match the schema"},
		{"unknown member", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(`"examples":{"bad":{"value":{"id":"a","at":"2026-01-01T00:00:00Z","x":1}}}`) + `}}}}}`, "examples/bad does not match"},
		{"2XX without example", `{"/a":{"get":{"responses":{"200":{"description":"x",` + with(`"x-none":true`) + `},"404":{"$ref":"#/components/responses/Problem"}}}}}`, "GET /a: response 200 application/json: no example"},
		{"request body without example", `{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object"}}}},"responses":{"204":{"description":"x"}}}}}`, "POST /a: request body application/json: no example"},
		{"bad request body example", `{"/a":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["q"]},"example":{}}}},"responses":{"204":{"description":"x"}}}}}`, "request body application/json: example does not match"},
		{"operation without any example", `{"/a":{"delete":{"responses":{"204":{"description":"x"}}}}}`, "DELETE /a: no example at all"},
		{"204 with an error example", `{"/a":{"delete":{"responses":{"204":{"description":"x"},"404":{"$ref":"#/components/responses/Problem"}}}}}`, ""},
		{"bad parameter example", `{"/a/{id}":{"parameters":[{"name":"id","in":"path","required":true,"schema":{"type":"integer"},"example":"abc"}],"get":{"responses":{"200":{"description":"x",` + with(ok) + `}}}}}`, "parameter id: example does not match"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := openapi.CheckExamples([]byte(head + tt.paths + "}"))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("CheckExamples = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("CheckExamples = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}
