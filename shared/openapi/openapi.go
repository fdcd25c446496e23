// Package openapi checks a BFF against its OpenAPI 3.1 document in tests: every Gin route is
// documented and every documented operation is served (CheckRoutes), and real responses
// validate against the schema of their operation, status and media type (ValidateResponse).
// OpenAPI 3.1 schemas are JSON Schema 2020-12; they are compiled with
// github.com/santhosh-tekuri/jsonschema/v6 when the document is loaded, so a broken schema
// or a dangling $ref fails Load, not a later test.
//
// Typical use in a BFF's tests:
//
//	doc, err := openapi.Load(app.OpenAPIDocument)
//	if err := doc.CheckRoutes(engine.Routes(), "/local-idp/"); err != nil { t.Error(err) }
//	if err := doc.ValidateResponse("GET", "/api/products/abc", 200, res.Header.Get("Content-Type"), body); err != nil { t.Error(err) }
//
// The package is test support: a BFF embeds and serves its document itself, and does not
// import this package from its runtime path (it pulls in the schema compiler).
package openapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// docURL is the resource name the document is registered under in the schema compiler.
const docURL = "urn:bffsuite:openapi"

var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Operation is one documented method and path.
type Operation struct {
	Method      string // upper case, e.g. GET
	Path        string // OpenAPI template, e.g. /api/products/{slug}
	OperationID string
	// Responses maps a status key ("200", "4XX", "default") to media type → compiled schema
	// (nil when the media type has no schema).
	responses map[string]map[string]*jsonschema.Schema
	segments  []string
}

// GinPath returns the Gin form of the path: {name} becomes :name.
func (o Operation) GinPath() string { return toGin(o.Path) }

// Statuses lists the documented status keys, sorted.
func (o Operation) Statuses() []string {
	out := make([]string, 0, len(o.responses))
	for k := range o.responses {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Doc is a loaded OpenAPI 3.1 document.
type Doc struct {
	Title   string
	Version string
	ops     []Operation
}

// Load parses an OpenAPI 3.1 JSON document and compiles every response schema.
func Load(doc []byte) (*Doc, error) {
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("openapi: parse document: %w", err)
	}
	m, ok := root.(map[string]any)
	if !ok {
		return nil, errors.New("openapi: document is not a JSON object")
	}
	if v, _ := m["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		return nil, fmt.Errorf("openapi: version %q: want 3.1.x", v)
	}
	d := &Doc{}
	if info, ok := m["info"].(map[string]any); ok {
		d.Title, _ = info["title"].(string)
		d.Version, _ = info["version"].(string)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, root); err != nil {
		return nil, fmt.Errorf("openapi: add document: %w", err)
	}
	paths, ok := m["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		return nil, errors.New("openapi: document has no paths")
	}
	var errs []error
	for p, item := range paths {
		pi, ok := item.(map[string]any)
		if !ok {
			errs = append(errs, fmt.Errorf("path %s: not an object", p))
			continue
		}
		if !strings.HasPrefix(p, "/") {
			errs = append(errs, fmt.Errorf("path %s: must start with /", p))
		}
		for _, meth := range methods {
			opv, ok := pi[meth]
			if !ok {
				continue
			}
			op, ok := opv.(map[string]any)
			if !ok {
				errs = append(errs, fmt.Errorf("%s %s: operation is not an object", strings.ToUpper(meth), p))
				continue
			}
			o, err := compileOperation(c, m, p, meth, op)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			d.ops = append(d.ops, o)
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("openapi: %w", errors.Join(errs...))
	}
	sort.Slice(d.ops, func(i, j int) bool {
		if d.ops[i].Path != d.ops[j].Path {
			return d.ops[i].Path < d.ops[j].Path
		}
		return d.ops[i].Method < d.ops[j].Method
	})
	return d, nil
}

func compileOperation(c *jsonschema.Compiler, root map[string]any, path, meth string, op map[string]any) (Operation, error) {
	o := Operation{Method: strings.ToUpper(meth), Path: path, responses: map[string]map[string]*jsonschema.Schema{}, segments: split(path)}
	o.OperationID, _ = op["operationId"].(string)
	where := o.Method + " " + path
	resps, ok := op["responses"].(map[string]any)
	if !ok || len(resps) == 0 {
		return o, fmt.Errorf("%s: no responses", where)
	}
	for status, rv := range resps {
		if !validStatusKey(status) {
			return o, fmt.Errorf("%s: response key %q is not a status, NXX or default", where, status)
		}
		ptr := "/paths/" + escape(path) + "/" + meth + "/responses/" + escape(status)
		resp, _ := rv.(map[string]any)
		// A response may be a $ref to #/components/responses/...
		for i := 0; resp != nil && i < 8; i++ {
			ref, ok := resp["$ref"].(string)
			if !ok {
				break
			}
			if !strings.HasPrefix(ref, "#/") {
				return o, fmt.Errorf("%s %s: only local response $refs are supported (got %s)", where, status, ref)
			}
			target, err := lookup(root, ref[1:])
			if err != nil {
				return o, fmt.Errorf("%s %s: %w", where, status, err)
			}
			resp, _ = target.(map[string]any)
			ptr = ref[1:]
		}
		if resp == nil {
			return o, fmt.Errorf("%s %s: response is not an object", where, status)
		}
		media := map[string]*jsonschema.Schema{}
		if content, ok := resp["content"].(map[string]any); ok {
			for mt, mv := range content {
				mo, _ := mv.(map[string]any)
				if mo == nil || mo["schema"] == nil {
					media[strings.ToLower(mt)] = nil
					continue
				}
				s, err := c.Compile(docURL + "#" + ptr + "/content/" + escape(mt) + "/schema")
				if err != nil {
					return o, fmt.Errorf("%s %s %s: compile schema: %w", where, status, mt, err)
				}
				media[strings.ToLower(mt)] = s
			}
		}
		o.responses[strings.ToUpper(status)] = media
	}
	return o, nil
}

func validStatusKey(k string) bool {
	if k == "default" {
		return true
	}
	if len(k) != 3 || k[0] < '1' || k[0] > '5' {
		return false
	}
	if strings.ToUpper(k[1:]) == "XX" {
		return true
	}
	_, err := strconv.Atoi(k)
	return err == nil
}

func lookup(root any, ptr string) (any, error) {
	cur := root
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %s: not found", ptr)
		}
		if cur, ok = m[tok]; !ok {
			return nil, fmt.Errorf("$ref %s: not found", ptr)
		}
	}
	return cur, nil
}

// escape encodes a JSON pointer token.
func escape(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// Operations lists the documented operations, sorted by path then method.
func (d *Doc) Operations() []Operation { return append([]Operation(nil), d.ops...) }

// CheckRoutes compares the Gin routes with the document: every route must be documented and
// every documented operation served. Routes whose path starts with one of ignore (e.g. the
// local IdP's "/local-idp/", mounted only in local mode) need not be documented. Gin's
// :param and *param are matched to OpenAPI's {param}; parameter names must agree too.
func (d *Doc) CheckRoutes(routes []gin.RouteInfo, ignore ...string) error {
	served := map[string]bool{}
	var errs []error
	for _, r := range routes {
		skip := false
		for _, p := range ignore {
			if strings.HasPrefix(r.Path, p) {
				skip = true
			}
		}
		if skip {
			continue
		}
		key := r.Method + " " + toOpenAPI(r.Path)
		served[key] = true
	}
	documented := map[string]bool{}
	for _, o := range d.ops {
		key := o.Method + " " + o.Path
		documented[key] = true
		if !served[key] {
			errs = append(errs, fmt.Errorf("%s is documented but not served", key))
		}
	}
	keys := make([]string, 0, len(served))
	for k := range served {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !documented[k] {
			errs = append(errs, fmt.Errorf("%s is served but not documented", k))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("openapi: routes and document differ: %w", errors.Join(errs...))
	}
	return nil
}

// Find returns the operation that documents method and a concrete request path (or a
// template). Literal segments win over parameters, as in routers.
func (d *Doc) Find(method, path string) (Operation, bool) {
	method = strings.ToUpper(method)
	if i := strings.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	segs := split(path)
	best, bestScore := -1, -1
	for i, o := range d.ops {
		if o.Method != method || len(o.segments) != len(segs) {
			continue
		}
		score, ok := 0, true
		for j, s := range o.segments {
			switch {
			case s == segs[j]:
				score++
			case isParam(s) && segs[j] != "":
			default:
				ok = false
			}
			if !ok {
				break
			}
		}
		if ok && score > bestScore {
			best, bestScore = i, score
		}
	}
	if best < 0 {
		return Operation{}, false
	}
	return d.ops[best], true
}

// ValidateResponse checks a response to method path (concrete or template) against the
// document: the status must be documented (exactly, as NXX, or by default), the media type
// of contentType must be listed for it, and a JSON body must validate against its schema.
// A 304 or 204, or a response documented without content, must have an empty body.
func (d *Doc) ValidateResponse(method, path string, status int, contentType string, body []byte) error {
	o, ok := d.Find(method, path)
	if !ok {
		return fmt.Errorf("openapi: %s %s is not documented", method, path)
	}
	where := fmt.Sprintf("%s %s → %d", o.Method, o.Path, status)
	media, ok := o.responses[strconv.Itoa(status)]
	if !ok {
		media, ok = o.responses[strconv.Itoa(status/100)+"XX"]
	}
	if !ok {
		media, ok = o.responses["DEFAULT"]
	}
	if !ok {
		return fmt.Errorf("openapi: %s: status not documented (documented: %s)", where, strings.Join(o.Statuses(), ", "))
	}
	if len(media) == 0 {
		if len(bytes.TrimSpace(body)) > 0 {
			return fmt.Errorf("openapi: %s: documented without content, got a %d-byte body", where, len(body))
		}
		return nil
	}
	mt := ""
	if contentType != "" {
		parsed, _, err := mime.ParseMediaType(contentType)
		if err != nil {
			return fmt.Errorf("openapi: %s: content type %q: %w", where, contentType, err)
		}
		mt = strings.ToLower(parsed)
	}
	schema, ok := media[mt]
	if !ok {
		listed := make([]string, 0, len(media))
		for k := range media {
			listed = append(listed, k)
		}
		sort.Strings(listed)
		return fmt.Errorf("openapi: %s: content type %q not documented (documented: %s)", where, mt, strings.Join(listed, ", "))
	}
	if schema == nil {
		return nil
	}
	if !(mt == "application/json" || strings.HasSuffix(mt, "+json")) {
		return nil
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("openapi: %s: body is not JSON: %w", where, err)
	}
	if err := schema.Validate(v); err != nil {
		return fmt.Errorf("openapi: %s: body does not match the schema: %w", where, err)
	}
	return nil
}

// ValidateHTTP is ValidateResponse for a recorded response to req.
func (d *Doc) ValidateHTTP(req *http.Request, status int, header http.Header, body []byte) error {
	return d.ValidateResponse(req.Method, req.URL.Path, status, header.Get("Content-Type"), body)
}

// ValidateValue encodes v (e.g. a struct a handler would send) and validates it like a response
// body; for unit tests of view models.
func (d *Doc) ValidateValue(method, path string, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("openapi: marshal: %w", err)
	}
	return d.ValidateResponse(method, path, status, "application/json", b)
}

func split(path string) []string {
	return strings.Split(strings.Trim(path, "/"), "/")
}

func isParam(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

func toGin(path string) string {
	segs := split(path)
	for i, s := range segs {
		if isParam(s) {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return "/" + strings.Join(segs, "/")
}

func toOpenAPI(path string) string {
	if path == "/" {
		return path
	}
	segs := split(path)
	for i, s := range segs {
		if len(s) > 1 && (s[0] == ':' || s[0] == '*') {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	out := "/" + strings.Join(segs, "/")
	if strings.HasSuffix(path, "/") && out != "/" {
		out += "/"
	}
	return out
}
