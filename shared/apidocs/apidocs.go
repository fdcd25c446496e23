// Package apidocs renders the offline reference page of a BFF's OpenAPI 3.1 document and
// serves it at /docs: plain HTML and inline CSS, no scripts, no external assets, so it works
// without a network and under a strict Content-Security-Policy. All three BFFs serve it.
//
// The page lists the authentication schemes, every operation (parameters, request body,
// responses, the security it needs and its examples) and every schema. Handler renders it on
// the first request, not at cold start (about 1 ms of every Lambda's init otherwise).
package apidocs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"

	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// ContentSecurityPolicy is the policy of the page: the API's "default-src 'none'" plus its
// inline styles.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"

// Handler serves the reference page of doc. The page is rendered once, on the first request;
// a document that does not render answers 500 problem+json (tests render every document).
func Handler(doc []byte) gin.HandlerFunc {
	page := sync.OnceValues(func() ([]byte, error) { return Render(doc) })
	return func(c *gin.Context) {
		c.Header("Content-Security-Policy", ContentSecurityPolicy)
		b, err := page()
		if err != nil {
			problem.Abort(c, fmt.Errorf("render /docs: %w", err))
			return
		}
		c.Header("Cache-Control", "public, max-age=300")
		c.Data(http.StatusOK, "text/html; charset=utf-8", b)
	}
}

type param struct {
	Name, In, Type, Description, Example string
	Required                             bool
}
type response struct{ Status, Description, Schema, Example string }
type operation struct {
	ID, Method, Path, Summary, Description, Sunset string
	Security                                       []string // alternatives, each "a + b"; empty: none needed
	Deprecated                                     bool
	Params                                         []param
	RequestSchema, RequestExample                  string
	Responses                                      []response
}
type property struct {
	Name, Type, Description string
	Required                bool
}
type schema struct {
	Name, Description, Type string
	Enum                    []string
	Props                   []property
	Variants                []schema // oneOf / anyOf members with properties
}
type scheme struct {
	Name, Kind, Description, TokenURL string
	Scopes                            [][2]string
}
type page struct {
	Title, Version string
	Intro          []string
	Schemes        []scheme
	Operations     []operation
	Schemas        []schema
}

// Render renders the reference page of an OpenAPI 3.1 JSON document.
func Render(doc []byte) ([]byte, error) {
	var d map[string]any
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("parse document: %w", err)
	}
	if _, ok := d["paths"].(map[string]any); !ok {
		return nil, fmt.Errorf("parse document: no paths")
	}
	comps := obj(d, "components")
	resolve := func(v map[string]any, kind string) map[string]any {
		if r := str(v, "$ref"); r != "" {
			return obj(obj(comps, kind), strings.TrimPrefix(r, "#/components/"+kind+"/"))
		}
		return v
	}
	info := obj(d, "info")
	pg := page{Title: str(info, "title"), Version: str(info, "version")}
	for _, p := range strings.Split(str(info, "description"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			pg.Intro = append(pg.Intro, p)
		}
	}
	schemes := obj(comps, "securitySchemes")
	for _, name := range sortedKeys(schemes) {
		pg.Schemes = append(pg.Schemes, describeScheme(name, obj(schemes, name)))
	}
	rootSecurity, hasRootSecurity := d["security"].([]any)
	paths := obj(d, "paths")
	var rawPaths map[string]json.RawMessage // examples as written, in their member order
	_ = json.Unmarshal(rawAt(doc, "paths"), &rawPaths)
	for _, p := range sortedKeys(paths) {
		item, itemRaw := obj(paths, p), rawPaths[p]
		for _, meth := range []string{"get", "put", "post", "patch", "delete"} {
			op := obj(item, meth)
			if op == nil {
				continue
			}
			o := operation{ID: str(op, "operationId"), Method: strings.ToUpper(meth), Path: p, Summary: str(op, "summary"),
				Description: str(op, "description"), Sunset: str(op, "x-sunset")}
			o.Deprecated, _ = op["deprecated"].(bool)
			sec, ok := op["security"].([]any)
			if !ok && hasRootSecurity {
				sec = rootSecurity
			}
			o.Security = describeSecurity(sec)
			params := append(list(item["parameters"]), list(op["parameters"])...)
			for _, pv := range params {
				pp := resolve(asObj(pv), "parameters")
				req, _ := pp["required"].(bool)
				o.Params = append(o.Params, param{Name: str(pp, "name"), In: str(pp, "in"), Type: typeName(obj(pp, "schema")),
					Description: str(pp, "description"), Required: req, Example: exampleOf(pp, nil)})
			}
			if rb := resolve(obj(op, "requestBody"), "requestBodies"); rb != nil {
				mt := obj(obj(rb, "content"), "application/json")
				o.RequestSchema = typeName(obj(mt, "schema"))
				o.RequestExample = exampleOf(mt, itemRaw, meth, "requestBody", "content", "application/json")
			}
			resps := obj(op, "responses")
			for _, code := range sortedKeys(resps) {
				rr := resolve(obj(resps, code), "responses")
				r := response{Status: code, Description: str(rr, "description")}
				content := obj(rr, "content")
				for _, ct := range sortedKeys(content) {
					r.Schema = typeName(obj(obj(content, ct), "schema"))
					if strings.HasPrefix(code, "2") && r.Example == "" {
						r.Example = exampleOf(obj(content, ct), itemRaw, meth, "responses", code, "content", ct)
					}
				}
				o.Responses = append(o.Responses, r)
			}
			pg.Operations = append(pg.Operations, o)
		}
	}
	schemas := obj(comps, "schemas")
	for _, name := range sortedKeys(schemas) {
		pg.Schemas = append(pg.Schemas, describeSchema(name, obj(schemas, name)))
	}
	return renderPage(pg), nil
}

func describeScheme(name string, s map[string]any) scheme {
	sc := scheme{Name: name, Description: str(s, "description")}
	switch str(s, "type") {
	case "oauth2":
		sc.Kind = "OAuth 2.0"
		if cc := obj(obj(s, "flows"), "clientCredentials"); cc != nil {
			sc.Kind = "OAuth 2.0 client credentials"
			sc.TokenURL = str(cc, "tokenUrl")
			scopes := obj(cc, "scopes")
			for _, k := range sortedKeys(scopes) {
				sc.Scopes = append(sc.Scopes, [2]string{k, str(scopes, k)})
			}
		}
	case "apiKey":
		switch str(s, "in") {
		case "cookie":
			sc.Kind = "cookie " + str(s, "name")
		case "header":
			sc.Kind = "header " + str(s, "name")
		default:
			sc.Kind = "API key in " + str(s, "in") + " " + str(s, "name")
		}
	case "http":
		sc.Kind = "HTTP " + str(s, "scheme")
		if str(s, "scheme") == "bearer" {
			sc.Kind = "Authorization: Bearer"
			if f := str(s, "bearerFormat"); f != "" {
				sc.Kind += " (" + f + ")"
			}
		}
	default:
		sc.Kind = str(s, "type")
	}
	return sc
}

// describeSecurity turns a security requirement list into alternatives, e.g.
// ["none", "csrf + session"] or ["partnerOAuth scope partner-api/orders.write"].
func describeSecurity(sec []any) []string {
	var out []string
	for _, rv := range sec {
		req := asObj(rv)
		if len(req) == 0 {
			out = append(out, "none")
			continue
		}
		var parts []string
		for _, name := range sortedKeys(req) {
			part := name
			var scopes []string
			for _, s := range list(req[name]) {
				scopes = append(scopes, fmt.Sprint(s))
			}
			if len(scopes) > 0 {
				part += " scope " + strings.Join(scopes, " ")
			}
			parts = append(parts, part)
		}
		out = append(out, strings.Join(parts, " + "))
	}
	return out
}

func describeSchema(name string, sc map[string]any) schema {
	ds := schema{Name: name, Description: str(sc, "description"), Type: str(sc, "type")}
	for _, e := range list(sc["enum"]) {
		ds.Enum = append(ds.Enum, fmt.Sprint(e))
	}
	req := map[string]bool{}
	for _, r := range list(sc["required"]) {
		req[fmt.Sprint(r)] = true
	}
	props := obj(sc, "properties")
	for _, pn := range sortedKeys(props) {
		pv := asObj(props[pn])
		desc := str(pv, "description")
		if en := list(pv["enum"]); len(en) > 0 {
			var vals []string
			for _, e := range en {
				vals = append(vals, fmt.Sprint(e))
			}
			desc = strings.TrimSpace(desc + " One of: " + strings.Join(vals, ", ") + ".")
		}
		if c, ok := pv["const"]; ok {
			desc = strings.TrimSpace(desc + " Always " + fmt.Sprint(c) + ".")
		}
		ds.Props = append(ds.Props, property{Name: pn, Type: typeName(pv), Description: desc, Required: req[pn]})
	}
	for _, k := range []string{"oneOf", "anyOf"} {
		for i, v := range list(sc[k]) {
			vs := asObj(v)
			if obj(vs, "properties") == nil {
				continue
			}
			title := str(vs, "title")
			if title == "" {
				title = fmt.Sprintf("variant %d", i+1)
			}
			ds.Variants = append(ds.Variants, describeSchema(title, vs))
		}
	}
	return ds
}

// exampleOf returns the example of a parameter or media type object m, indented JSON (a
// string example as it is), or "". When m sits at path in doc (not behind a $ref), the example
// is taken as written there, keeping its member order.
func exampleOf(m map[string]any, doc json.RawMessage, path ...string) string {
	key := []string{"example"}
	v, ok := m["example"]
	if !ok {
		exs := obj(m, "examples")
		keys := sortedKeys(exs)
		if len(keys) == 0 {
			return ""
		}
		if v, ok = obj(exs, keys[0])["value"]; !ok {
			return ""
		}
		key = []string{"examples", keys[0], "value"}
	}
	if s, ok := v.(string); ok {
		return s
	}
	if raw := rawAt(doc, append(path, key...)...); raw != nil {
		var b bytes.Buffer
		if json.Indent(&b, raw, "", "  ") == nil {
			return b.String()
		}
	}
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return ""
	}
	return string(b)
}

// rawAt returns the JSON text at the member path of doc, or nil.
func rawAt(doc json.RawMessage, path ...string) json.RawMessage {
	if doc == nil {
		return nil
	}
	cur := doc
	for _, key := range path {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(cur, &m); err != nil {
			return nil
		}
		var ok bool
		if cur, ok = m[key]; !ok {
			return nil
		}
	}
	return cur
}

func asObj(v any) map[string]any { m, _ := v.(map[string]any); return m }
func obj(v map[string]any, k string) map[string]any {
	m, _ := v[k].(map[string]any)
	return m
}
func str(v map[string]any, k string) string { s, _ := v[k].(string); return s }
func list(v any) []any                      { s, _ := v.([]any); return s }

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
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		if l := list(sc[k]); len(l) > 0 {
			var names []string
			for _, v := range l {
				names = append(names, typeName(asObj(v)))
			}
			if k == "allOf" {
				return names[0]
			}
			return strings.Join(names, " or ")
		}
	}
	t, _ := sc["type"].(string)
	switch t {
	case "array":
		return "array of " + typeName(obj(sc, "items"))
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
