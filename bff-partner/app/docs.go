package app

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"slices"
	"sort"
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

// ---- the /docs page: plain HTML rendered once at start, no scripts, no external assets ----

type docParam struct {
	Name, In, Type, Description string
	Required                    bool
}
type docResponse struct{ Status, Description, Schema string }
type docOperation struct {
	ID, Method, Path, Summary, Description, Scope, RequestSchema, Sunset string
	Deprecated                                                           bool
	Params                                                               []docParam
	Responses                                                            []docResponse
}
type docProperty struct {
	Name, Type, Description string
	Required                bool
}
type docSchema struct {
	Name, Description, Type string
	Enum                    []string
	Props                   []docProperty
}
type docPage struct {
	Title, Version string
	Intro          []string
	TokenURL       string
	Scopes         [][2]string
	Operations     []docOperation
	Schemas        []docSchema
}

// RenderDocs renders the reference page of an OpenAPI document: every operation with its
// scope, parameters, request body and responses, and every schema.
func RenderDocs(doc []byte) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	m := func(v any, k string) map[string]any { x, _ := v.(map[string]any)[k].(map[string]any); return x }
	s := func(v any, k string) string {
		mm, _ := v.(map[string]any)
		x, _ := mm[k].(string)
		return x
	}
	comps := m(d, "components")
	resolve := func(v map[string]any, kind string) map[string]any {
		if r := s(v, "$ref"); r != "" {
			return m(m(comps, kind), strings.TrimPrefix(r, "#/components/"+kind+"/"))
		}
		return v
	}
	info := m(d, "info")
	page := docPage{Title: s(info, "title"), Version: s(info, "version")}
	page.Intro = strings.Split(s(info, "description"), "\n\n")
	if cc := m(m(m(m(comps, "securitySchemes"), "partnerOAuth"), "flows"), "clientCredentials"); cc != nil {
		page.TokenURL = s(cc, "tokenUrl")
		sc := m(cc, "scopes")
		for _, k := range sortedKeys(sc) {
			page.Scopes = append(page.Scopes, [2]string{k, sc[k].(string)})
		}
	}
	paths := m(d, "paths")
	for _, p := range sortedKeys(paths) {
		for _, meth := range []string{"get", "post", "put", "patch", "delete"} {
			op := m(paths[p], meth)
			if op == nil {
				continue
			}
			o := docOperation{ID: s(op, "operationId"), Method: strings.ToUpper(meth), Path: p, Summary: s(op, "summary"),
				Description: s(op, "description"), Sunset: s(op, "x-sunset")}
			o.Deprecated, _ = op["deprecated"].(bool)
			if sec, ok := op["security"].([]any); ok && len(sec) > 0 {
				for _, sc := range sec[0].(map[string]any) {
					for _, x := range sc.([]any) {
						o.Scope = x.(string)
					}
				}
			}
			params, _ := op["parameters"].([]any)
			for _, pv := range params {
				pp := resolve(pv.(map[string]any), "parameters")
				req, _ := pp["required"].(bool)
				o.Params = append(o.Params, docParam{Name: s(pp, "name"), In: s(pp, "in"), Type: typeName(m(pp, "schema")),
					Description: s(pp, "description"), Required: req})
			}
			if rb := m(op, "requestBody"); rb != nil {
				o.RequestSchema = typeName(m(m(m(rb, "content"), "application/json"), "schema"))
			}
			resps := m(op, "responses")
			for _, code := range sortedKeys(resps) {
				rr := resolve(resps[code].(map[string]any), "responses")
				schema := ""
				for _, ct := range sortedKeys(m(rr, "content")) {
					schema = typeName(m(m(m(rr, "content"), ct), "schema"))
				}
				o.Responses = append(o.Responses, docResponse{Status: code, Description: s(rr, "description"), Schema: schema})
			}
			page.Operations = append(page.Operations, o)
		}
	}
	schemas := m(comps, "schemas")
	for _, name := range sortedKeys(schemas) {
		sc := schemas[name].(map[string]any)
		ds := docSchema{Name: name, Description: s(sc, "description"), Type: s(sc, "type")}
		for _, e := range asSlice(sc["enum"]) {
			ds.Enum = append(ds.Enum, fmt.Sprint(e))
		}
		req := map[string]bool{}
		for _, r := range asSlice(sc["required"]) {
			req[fmt.Sprint(r)] = true
		}
		props := m(sc, "properties")
		for _, pn := range sortedKeys(props) {
			pv := props[pn].(map[string]any)
			desc := s(pv, "description")
			if en := asSlice(pv["enum"]); len(en) > 0 {
				var vals []string
				for _, e := range en {
					vals = append(vals, fmt.Sprint(e))
				}
				desc = strings.TrimSpace(desc + " One of: " + strings.Join(vals, ", ") + ".")
			}
			ds.Props = append(ds.Props, docProperty{Name: pn, Type: typeName(pv), Description: desc, Required: req[pn]})
		}
		page.Schemas = append(page.Schemas, ds)
	}
	return renderPage(page), nil
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// typeName describes a schema briefly: a component name, "array of X", or its type.
func typeName(sc map[string]any) string {
	if sc == nil {
		return ""
	}
	if r, ok := sc["$ref"].(string); ok {
		return r[strings.LastIndex(r, "/")+1:]
	}
	t, _ := sc["type"].(string)
	switch t {
	case "array":
		it, _ := sc["items"].(map[string]any)
		return "array of " + typeName(it)
	case "object":
		if ap, ok := sc["additionalProperties"].(map[string]any); ok {
			return "map of " + typeName(ap)
		}
	}
	if f, ok := sc["format"].(string); ok {
		return t + " (" + f + ")"
	}
	return t
}

// The page is written with plain string building and html.EscapeString rather than
// html/template: text/template's reflection makes the linker keep every exported method of
// every reachable type, which cost the partner Lambda binary about 5 MB (20.1 MB → 15.1 MB, linux/arm64).

const docsStyle = `<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#1d2430}
h1,h2,h3{line-height:1.2} h2{margin-top:2.5rem;border-bottom:1px solid #ccd} code{font:13px ui-monospace,monospace;background:#f2f3f6;padding:0 .25em}
.op{border:1px solid #dde;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#0a6b3d}.post{color:#8a4b00}.deprecated{color:#a00;font-weight:700}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eee;text-align:left;padding:.2rem .4rem;vertical-align:top}
nav ul{columns:2}
</style>`

// renderPage writes the reference page of page.
func renderPage(page docPage) []byte {
	var b strings.Builder
	e := html.EscapeString
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	isSchema := func(name string) bool {
		return slices.ContainsFunc(page.Schemas, func(s docSchema) bool { return s.Name == name })
	}
	typeLink := func(t string) string {
		if name := strings.TrimPrefix(t, "array of "); isSchema(name) {
			return `<a href="#schema-` + e(name) + `">` + e(t) + `</a>`
		}
		return e(t)
	}
	required := func(r bool) string {
		if r {
			return " (required)"
		}
		return ""
	}
	w("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
		"<title>", e(page.Title), " ", e(page.Version), " reference</title>\n", docsStyle, "\n</head>\n<body>\n",
		"<h1>", e(page.Title), " <small>v", e(page.Version), "</small></h1>\n")
	for _, p := range page.Intro {
		w("<p>", e(p), "</p>")
	}
	w("\n<h2 id=\"auth\">Authentication</h2>\n<p>OAuth 2.0 client credentials: <code>POST ", e(page.TokenURL),
		"</code> with HTTP Basic <code>client_id:client_secret</code> and <code>grant_type=client_credentials</code>. Scopes:</p>\n",
		"<table><tr><th>Scope</th><th>Grants</th></tr>")
	for _, sc := range page.Scopes {
		w("<tr><td><code>", e(sc[0]), "</code></td><td>", e(sc[1]), "</td></tr>")
	}
	w("</table>\n<nav><h2>Operations</h2><ul>")
	for _, o := range page.Operations {
		w(`<li><a href="#op-`, e(o.ID), `"><span class="method `, e(strings.ToLower(o.Method)), `">`, e(o.Method), "</span> ", e(o.Path), "</a>")
		if o.Deprecated {
			w(` <span class="deprecated">deprecated</span>`)
		}
		w("</li>")
	}
	w("</ul></nav>\n")
	for _, o := range page.Operations {
		w(`<section class="op" id="op-`, e(o.ID), `" data-operation="`, e(o.ID), "\">\n",
			`<h3><span class="method `, e(strings.ToLower(o.Method)), `">`, e(o.Method), "</span> <code>", e(o.Path), "</code> ", e(o.Summary), "</h3>\n")
		if o.Deprecated {
			w(`<p class="deprecated">Deprecated`)
			if o.Sunset != "" {
				w(": stops working after ", e(o.Sunset))
			}
			w(". Responses carry Deprecation and Sunset headers.</p>\n")
		}
		if o.Description != "" {
			w("<p>", e(o.Description), "</p>\n")
		}
		w("<p>Operation ID <code>", e(o.ID), "</code>")
		if o.Scope != "" {
			w("; scope <code>", e(o.Scope), "</code>")
		} else {
			w("; no token needed")
		}
		w(".</p>\n")
		if len(o.Params) > 0 {
			w("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>\n")
			for _, p := range o.Params {
				w("<tr><td><code>", e(p.Name), "</code>", required(p.Required), "</td><td>", e(p.In), "</td><td>", e(p.Type), "</td><td>", e(p.Description), "</td></tr>")
			}
			w("</table>\n")
		}
		if o.RequestSchema != "" {
			w(`<p>Request body: <a href="#schema-`, e(o.RequestSchema), `">`, e(o.RequestSchema), "</a> (application/json)</p>\n")
		}
		w("<table><tr><th>Status</th><th>Body</th><th>Meaning</th></tr>\n")
		for _, r := range o.Responses {
			w("<tr><td>", e(r.Status), "</td><td>", typeLink(r.Schema), "</td><td>", e(r.Description), "</td></tr>")
		}
		w("</table>\n</section>\n")
	}
	w("<h2 id=\"schemas\">Schemas</h2>\n")
	for _, sc := range page.Schemas {
		w(`<section id="schema-`, e(sc.Name), `"><h3>`, e(sc.Name), "</h3>")
		if sc.Description != "" {
			w("<p>", e(sc.Description), "</p>")
		}
		if len(sc.Enum) > 0 {
			w("\n<p>", e(sc.Type), ", one of: ")
			for i, v := range sc.Enum {
				if i > 0 {
					w(", ")
				}
				w("<code>", e(v), "</code>")
			}
			w("</p>")
		}
		if len(sc.Props) > 0 {
			w("\n<table><tr><th>Member</th><th>Type</th><th>Description</th></tr>\n")
			for _, p := range sc.Props {
				w("<tr><td><code>", e(p.Name), "</code>", required(p.Required), "</td><td>", typeLink(p.Type), "</td><td>", e(p.Description), "</td></tr>")
			}
			w("</table>")
		}
		w("\n</section>\n")
	}
	w("</body>\n</html>\n")
	return []byte(b.String())
}
