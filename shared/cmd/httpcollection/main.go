// Command httpcollection turns the three BFFs' OpenAPI documents into ready request
// collections, docs/requests/{web,mobile,partner}.http, in the .http format of the VS Code
// REST Client (file variables, "###" separators, "# @name" requests and
// {{name.response.body.$.member}} references). Each file signs in first (web: session cookies
// and the CSRF token; mobile: a bearer token; partner: a client-credentials token from the
// local IdP), then sends every documented operation with its documented example, in an order
// in which the requests succeed against a fresh `make run`.
//
//	go run ./shared/cmd/httpcollection          # rewrite docs/requests/*.http
//	go run ./shared/cmd/httpcollection -check   # fail if they are not up to date
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"bffsuite.dev/shared/workspace"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "httpcollection:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("httpcollection", flag.ContinueOnError)
	root := fs.String("root", "", "repository root (default: found from the working directory)")
	check := fs.Bool("check", false, "only check that docs/requests/*.http are up to date")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		r, err := workspace.Root()
		if err != nil {
			return fmt.Errorf("%w: run from the repository or pass -root", err)
		}
		*root = r
	}
	files, err := generateAll(*root)
	if err != nil {
		return err
	}
	var stale []string
	for _, name := range sortedKeys(files) {
		path := filepath.Join(*root, outDir, name)
		if *check {
			if old, err := os.ReadFile(path); err != nil || !bytes.Equal(old, files[name]) {
				stale = append(stale, filepath.Join(outDir, name))
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, files[name], 0o644); err != nil {
			return err
		}
		fmt.Fprintln(out, "wrote", filepath.Join(outDir, name))
	}
	if len(stale) > 0 {
		return fmt.Errorf("%s not up to date with the OpenAPI documents: run go run ./shared/cmd/httpcollection", strings.Join(stale, ", "))
	}
	return nil
}

// outDir is where the collections live, relative to the repository root.
const outDir = "docs/requests"

// target is one BFF: its document, the host variable of its file and how a client signs in.
// The sign-in is not in the documents (the partner token endpoint is the IdP's, and the demo
// credentials are data of `make run`), so it is written here.
type target struct {
	File, Doc, Title string
	HostVar, Host    string
	// Login is the first request of the file, named "login".
	Login login
	// Schemes maps a security scheme to the header it needs ("" when the client sends it on
	// its own, like cookies); {{login...}} references point at the login response.
	Schemes map[string]string
	// Captured members of the login response replace request-body members of the same name
	// (mobile: refresh_token in refresh and logout).
	Captured []string
}

type login struct {
	OperationID string // documented operation used to sign in, or ""
	Comment     []string
	Method, URL string
	Headers     []string
	Body        string
}

var targets = []target{
	{
		File: "web.http", Doc: "bff-web/app/openapi.json", Title: "bff-web", HostVar: "web", Host: "http://127.0.0.1:8081",
		Login: login{OperationID: "login", Comment: []string{
			"Sign in as the demo user: the response sets the HttpOnly session cookies (the client keeps",
			"them) and carries the CSRF token that state-changing requests echo in X-CSRF-Token.",
		}},
		Schemes: map[string]string{"session": "", "csrf": "X-CSRF-Token: {{login.response.body.$.csrf_token}}"},
	},
	{
		File: "mobile.http", Doc: "bff-mobile/app/openapi.json", Title: "bff-mobile", HostVar: "mobile", Host: "http://127.0.0.1:8082",
		Login: login{OperationID: "login", Comment: []string{
			"Sign in as the demo user: the access token of the response is the bearer token of the",
			"requests below, its refresh token is what refresh and logout take.",
		}},
		Schemes:  map[string]string{"bearer": "Authorization: Bearer {{login.response.body.$.access_token}}"},
		Captured: []string{"refresh_token"},
	},
	{
		File: "partner.http", Doc: "bff-partner/app/openapi.json", Title: "bff-partner", HostVar: "partner", Host: "http://127.0.0.1:8083",
		Login: login{
			Comment: []string{
				"Client-credentials token of the demo partner from the local IdP (served by bff-partner under",
				"make run): HTTP Basic demo-partner:demo-partner-secret.",
			},
			Method: "POST", URL: "{{partner}}/oauth2/token",
			Headers: []string{
				"Authorization: Basic ZGVtby1wYXJ0bmVyOmRlbW8tcGFydG5lci1zZWNyZXQ=",
				"Content-Type: application/x-www-form-urlencoded",
			},
			Body: "grant_type=client_credentials",
		},
		Schemes: map[string]string{"partnerOAuth": "Authorization: Bearer {{login.response.body.$.access_token}}"},
	},
}

func generateAll(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	var errs []error
	for _, t := range targets {
		doc, err := os.ReadFile(filepath.Join(root, t.Doc))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		b, err := generate(t, doc)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", t.Doc, err))
			continue
		}
		files[t.File] = b
	}
	return files, errors.Join(errs...)
}

// op is one documented operation as the generator needs it.
type op struct {
	ID, Method, Path, Summary string
	Expect                    string // the first documented 2XX status
	Security                  []map[string]any
	Params                    []map[string]any
	Body                      json.RawMessage // request body example as written, nil without one
	HasBody                   bool
	ResponseExample           map[string]any
	Accept                    string // media type of the expected response, "" without content
	order                     int
}

func generate(t target, raw []byte) ([]byte, error) {
	var doc map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	keys, err := pathKeys(raw)
	if err != nil {
		return nil, fmt.Errorf("parse: %w", err)
	}
	ops, err := operations(doc, raw, keys)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	w("# %s requests, generated from %s by `go run ./shared/cmd/httpcollection`: do not edit.\n", t.Title, t.Doc)
	w("# Start the suite with `make run`, then send the requests from the top (VS Code REST Client:\n")
	w("# \"Send Request\"); the first one signs in, later ones use its response. Each request notes the\n")
	w("# status it gets on a fresh `make run`. Other ports: change @%s.\n\n", t.HostVar)
	w("@%s = %s\n", t.HostVar, t.Host)

	var login *op
	if t.Login.OperationID != "" {
		for i := range ops {
			if ops[i].ID == t.Login.OperationID {
				login = &ops[i]
			}
		}
		if login == nil {
			return nil, fmt.Errorf("login operation %s is not documented", t.Login.OperationID)
		}
	}
	w("\n###\n")
	for _, c := range t.Login.Comment {
		w("# %s\n", c)
	}
	if login != nil {
		if err := writeRequest(&b, t, *login, "login", nil); err != nil {
			return nil, err
		}
	} else {
		w("# expect 200\n# @name login\n%s %s\n", t.Login.Method, t.Login.URL)
		for _, h := range t.Login.Headers {
			w("%s\n", h)
		}
		w("\n%s\n", t.Login.Body)
	}

	creators := map[string]string{} // collection path → operationId of its POST 201 (or 202: accepted, e.g. checkout)
	for _, o := range ops {
		if o.Method == "POST" && (o.Expect == "201" || o.Expect == "202") {
			creators[o.Path] = o.ID
		}
	}
	ordered := orderOps(ops, creators, t.Login.OperationID)
	for _, o := range ordered {
		w("\n###\n")
		if err := writeRequest(&b, t, o, o.ID, creators); err != nil {
			return nil, err
		}
	}
	return []byte(b.String()), nil
}

// operations lists the documented operations in document order.
func operations(doc map[string]any, raw []byte, keys []string) ([]op, error) {
	comps := obj(doc, "components")
	var ops []op
	paths := obj(doc, "paths")
	for i, p := range keys {
		item := obj(paths, p)
		for _, meth := range []string{"get", "put", "post", "patch", "delete"} {
			o := obj(item, meth)
			if o == nil {
				continue
			}
			x := op{ID: str(o, "operationId"), Method: strings.ToUpper(meth), Path: p, Summary: str(o, "summary"), order: i}
			if x.ID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", x.Method, p)
			}
			sec, ok := o["security"].([]any)
			if !ok {
				sec, _ = doc["security"].([]any)
			}
			for _, s := range sec {
				x.Security = append(x.Security, asObj(s))
			}
			for _, pv := range append(list(item["parameters"]), list(o["parameters"])...) {
				pm := asObj(pv)
				if r := str(pm, "$ref"); r != "" {
					pm = obj(obj(comps, "parameters"), strings.TrimPrefix(r, "#/components/parameters/"))
				}
				x.Params = append(x.Params, pm)
			}
			if rb := obj(o, "requestBody"); rb != nil {
				mt := obj(obj(rb, "content"), "application/json")
				x.HasBody = mt != nil
				if _, ok := mt["example"]; ok {
					// As written: the document's member order reads better than Go's sorted keys.
					x.Body = rawAt(raw, "paths", p, meth, "requestBody", "content", "application/json", "example")
				}
			}
			resps := obj(o, "responses")
			for _, code := range sortedKeys(resps) {
				if strings.HasPrefix(code, "2") && len(code) == 3 && code[1] != 'X' {
					x.Expect = code
					r := obj(resps, code)
					if types := sortedKeys(obj(r, "content")); len(types) > 0 {
						x.Accept = types[0]
					}
					if ex, ok := obj(obj(r, "content"), "application/json")["example"].(map[string]any); ok {
						x.ResponseExample = ex
					}
					break
				}
			}
			if x.Expect == "" {
				return nil, fmt.Errorf("%s %s documents no 2XX status", x.Method, p)
			}
			ops = append(ops, x)
		}
	}
	return ops, nil
}

// orderOps puts the requests in an order that works top to bottom: the login is first (and
// not repeated); an operation on a created resource (/orders/{id}) follows the POST that
// creates it, reads before changes; signing out comes last.
func orderOps(ops []op, creators map[string]string, loginID string) []op {
	rank := func(o op) (int, int) {
		switch {
		case strings.Contains(strings.ToLower(o.ID), "logout"):
			return 3, 0
		case createdBy(o.Path, creators) != "":
			if o.Method == "GET" {
				return 2, 0
			}
			return 2, 1
		}
		return 1, 0
	}
	var out []op
	for _, o := range ops {
		if o.ID != loginID {
			out = append(out, o)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		ri, si := rank(out[i])
		rj, sj := rank(out[j])
		if ri != rj {
			return ri < rj
		}
		return si < sj
	})
	return out
}

// createdBy returns the creating operation of a path whose last parameter names a created
// resource: /v1/orders/{id} and /v1/orders/{id}/cancel are created by POST /v1/orders.
func createdBy(path string, creators map[string]string) string {
	segs := strings.Split(path, "/")
	for i := len(segs) - 1; i > 0; i-- {
		if strings.HasPrefix(segs[i], "{") {
			if id, ok := creators[strings.Join(segs[:i], "/")]; ok {
				return id
			}
		}
	}
	return ""
}

func writeRequest(b *strings.Builder, t target, o op, name string, creators map[string]string) error {
	w := func(format string, args ...any) { fmt.Fprintf(b, format, args...) }
	if name != "login" {
		w("# %s %s: %s\n", o.Method, o.Path, o.Summary)
	}
	w("# expect %s\n# @name %s\n", o.Expect, name)
	path := o.Path
	var query []string
	var headers []string
	for _, p := range o.Params {
		pname, in := str(p, "name"), str(p, "in")
		ex, hasEx := p["example"]
		switch in {
		case "path":
			val := ""
			if v, ok := p["x-collection-value"].(string); ok {
				// The document names the value (a reference to an earlier response), e.g. an
				// id that only a list returns: {{listWebhookDeliveries.response.body.$.items.0.id}}.
				val = v
			} else if creator := createdBy(o.Path, creators); creator != "" && strings.HasSuffix(strings.SplitN(o.Path, "{"+pname+"}", 2)[0], "/") {
				val = "{{" + creator + ".response.body.$." + pname + "}}"
			} else if hasEx {
				val = url.PathEscape(fmt.Sprint(ex))
			} else if v, ok := o.ResponseExample[pname]; ok {
				val = url.PathEscape(fmt.Sprint(v))
			} else {
				return fmt.Errorf("%s: no value for path parameter %s (give it an example)", o.ID, pname)
			}
			path = strings.ReplaceAll(path, "{"+pname+"}", val)
		case "query":
			if hasEx {
				// Commas stay readable: skus=A,B is what the documents describe.
				query = append(query, url.QueryEscape(pname)+"="+strings.ReplaceAll(url.QueryEscape(fmt.Sprint(ex)), "%2C", ","))
			} else if req, _ := p["required"].(bool); req {
				return fmt.Errorf("%s: required query parameter %s has no example", o.ID, pname)
			}
		case "header":
			switch {
			case strings.EqualFold(pname, "Idempotency-Key"):
				headers = append(headers, pname+": {{$guid}}")
			case schemeHeader(t, pname):
				// sent by its security scheme below
			case hasEx:
				headers = append(headers, pname+": "+fmt.Sprint(ex))
			}
		}
	}
	target := "{{" + t.HostVar + "}}" + path
	if len(query) > 0 {
		target += "?" + strings.Join(query, "&")
	}
	w("%s %s\n", o.Method, target)
	if o.Accept != "" {
		w("Accept: %s\n", o.Accept)
	}
	// The first security alternative with credentials (an operation open to both signed-out
	// and signed-in callers is sent signed in).
	for _, req := range o.Security {
		if len(req) == 0 {
			continue
		}
		for _, scheme := range sortedKeys(req) {
			h, ok := t.Schemes[scheme]
			if !ok {
				return fmt.Errorf("%s: security scheme %s has no header in the generator", o.ID, scheme)
			}
			if h != "" {
				headers = append(headers, h)
			}
		}
		break
	}
	for _, h := range headers {
		w("%s\n", h)
	}
	if o.HasBody {
		if o.Body == nil {
			return fmt.Errorf("%s: request body has no example", o.ID)
		}
		var js bytes.Buffer
		if err := json.Indent(&js, o.Body, "", "  "); err != nil {
			return fmt.Errorf("%s: request body example: %w", o.ID, err)
		}
		body := js.String()
		for _, c := range t.Captured {
			member := regexp.MustCompile(`("` + regexp.QuoteMeta(c) + `":\s*)"(?:[^"\\]|\\.)*"`)
			body = member.ReplaceAllString(body, `${1}"{{login.response.body.$.`+c+`}}"`)
		}
		w("Content-Type: application/json\n\n%s\n", body)
	}
	return nil
}

// schemeHeader reports whether a security scheme of t sends header name.
func schemeHeader(t target, name string) bool {
	for _, h := range t.Schemes {
		if k, _, ok := strings.Cut(h, ":"); ok && strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

// pathKeys returns the keys of the document's paths object in document order (a Go map
// loses it; the document's order is the one its authors meant).
func pathKeys(raw []byte) ([]string, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(top["paths"]))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("paths is not an object")
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, _ := tok.(string)
		keys = append(keys, key)
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

// rawAt returns the JSON text at the object member path of raw, or nil.
func rawAt(raw []byte, path ...string) json.RawMessage {
	cur := json.RawMessage(raw)
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

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
