package tfcheck

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"

	"github.com/zclconf/go-cty/cty"
)

// Route is one API Gateway route of the suite: its route key ("GET /v1/orders/{id}"), whether
// it is public and, for protected routes, the OAuth scope names it requires (partner: short
// names; mobile: full scope strings).
type Route struct {
	Key    string
	Public bool
	Scopes []string
}

// PartnerRoutes evaluates local.partner_routes (a literal) of the suite module.
func (s *Suite) PartnerRoutes() (map[string]Route, error) {
	expr, ok := s.Suite.Local("partner_routes")
	if !ok {
		return nil, fmt.Errorf("%s: no local.partner_routes", s.Suite.Dir)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("local.partner_routes must be a literal: %w", diags)
	}
	out := map[string]Route{}
	for key, rv := range v.AsValueMap() {
		r := Route{Key: key}
		if p := attr(rv, "public"); p.IsKnown() && !p.IsNull() {
			r.Public = p.True()
		}
		if sc := attr(rv, "scopes"); sc.IsKnown() && !sc.IsNull() {
			for _, s := range sc.AsValueSlice() {
				r.Scopes = append(r.Scopes, s.AsString())
			}
		}
		sort.Strings(r.Scopes)
		out[key] = r
	}
	return out, nil
}

// MobileRoutes evaluates local.mobile_routes (a literal) of the suite module; Public is
// !authorized, Scopes the route's authorization scopes (sorted).
func (s *Suite) MobileRoutes() (map[string]Route, error) {
	expr, ok := s.Suite.Local("mobile_routes")
	if !ok {
		return nil, fmt.Errorf("%s: no local.mobile_routes", s.Suite.Dir)
	}
	v, diags := expr.Value(nil)
	if diags.HasErrors() {
		return nil, fmt.Errorf("local.mobile_routes must be a literal: %w", diags)
	}
	out := map[string]Route{}
	for key, rv := range v.AsValueMap() {
		a := attr(rv, "authorized")
		if !a.IsKnown() || a.IsNull() {
			return nil, fmt.Errorf("mobile route %s: authorized must be a literal bool", key)
		}
		r := Route{Key: key, Public: a.False()}
		if sv := attr(rv, "scopes"); !sv.IsNull() && sv.IsKnown() {
			for it := sv.ElementIterator(); it.Next(); {
				_, e := it.Element()
				if e.Type() != cty.String || e.IsNull() {
					return nil, fmt.Errorf("mobile route %s: scopes must be literal strings", key)
				}
				r.Scopes = append(r.Scopes, e.AsString())
			}
			sort.Strings(r.Scopes)
		}
		out[key] = r
	}
	return out, nil
}

// Operation is one operation of an OpenAPI document.
type Operation struct {
	Key    string // "GET /v1/orders/{id}"
	Public bool   // security: [] (no requirement)
	Scopes []string
}

// OpenAPIOperations reads the operations of an OpenAPI 3 document with their effective
// security (the operation's own, else the document's).
func OpenAPIOperations(path string) ([]Operation, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read OpenAPI document: %w", err)
	}
	type requirement map[string][]string
	var doc struct {
		Security []requirement                         `json:"security"`
		Paths    map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("parse OpenAPI document %s: %w", path, err)
	}
	methods := map[string]bool{"get": true, "put": true, "post": true, "delete": true, "patch": true, "head": true, "options": true}
	var out []Operation
	for p, item := range doc.Paths {
		for m, rawOp := range item {
			if !methods[m] {
				continue
			}
			var op struct {
				Security *[]requirement `json:"security"`
			}
			if err := json.Unmarshal(rawOp, &op); err != nil {
				return nil, fmt.Errorf("parse %s %s in %s: %w", m, p, path, err)
			}
			sec := doc.Security
			if op.Security != nil {
				sec = *op.Security
			}
			o := Operation{Key: strings.ToUpper(m) + " " + p, Public: len(sec) == 0}
			for _, req := range sec {
				for _, scopes := range req {
					o.Scopes = append(o.Scopes, scopes...)
				}
			}
			sort.Strings(o.Scopes)
			out = append(out, o)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// MatchRoute returns the HTTP API route that serves the operation key: the exact route, else
// the longest greedy "{proxy+}" route of the same method (or ANY), else "$default".
func MatchRoute(routes map[string]Route, key string) (Route, bool) {
	if r, ok := routes[key]; ok {
		return r, true
	}
	method, path, _ := strings.Cut(key, " ")
	best, bestLen := Route{}, -1
	for k, r := range routes {
		m, p, ok := strings.Cut(k, " ")
		if !ok || (m != method && m != "ANY") {
			continue
		}
		prefix, greedy := strings.CutSuffix(p, "{proxy+}")
		if greedy && strings.HasPrefix(path, prefix) && len(path) > len(prefix) && len(prefix) > bestLen {
			best, bestLen = r, len(prefix)
		}
	}
	if bestLen >= 0 {
		return best, true
	}
	r, ok := routes["$default"]
	return r, ok
}
