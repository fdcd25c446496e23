package app

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
)

// OpenAPIDocument is the partner API's OpenAPI 3.1 document as written (scope prefix
// "partner-api", no deprecations); GET /v1/openapi.json serves it adjusted to the configuration.
//
//go:embed openapi.json
var OpenAPIDocument []byte

// defaultScopePrefix is the resource server identifier openapi.json is written with.
const defaultScopePrefix = "partner-api"

// ginToOpenAPI turns /v1/orders/:id into /v1/orders/{id}.
func ginToOpenAPI(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

// buildDocument returns the served document: scopes under the configured prefix and the
// configured deprecations flagged (deprecated: true and an x-sunset date).
func buildDocument(scopePrefix string, depr map[string]Deprecation) ([]byte, error) {
	raw := OpenAPIDocument
	if scopePrefix != defaultScopePrefix {
		raw = bytes.ReplaceAll(raw, []byte(`"`+defaultScopePrefix+`/`), []byte(`"`+scopePrefix+`/`))
	}
	if len(depr) == 0 {
		return raw, nil
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse openapi.json: %w", err)
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, d := range depr {
		item, _ := paths[d.Path].(map[string]any)
		op, ok := item[strings.ToLower(d.Method)].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("BFF_PARTNER_DEPRECATIONS: %s %s is not a documented operation", d.Method, d.Path)
		}
		op["deprecated"] = true
		op["x-sunset"] = d.Sunset.Format("2006-01-02")
	}
	return json.MarshalIndent(doc, "", "  ")
}
