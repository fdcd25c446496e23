package openapi

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// CheckExamples validates the examples of an OpenAPI 3.1 document against their schemas and
// checks that the document has them where a client needs one:
//
//   - every example (`example`, and the `value` of each `examples` entry, local $refs
//     followed) of a parameter, a request body or a response media type must validate against
//     the schema beside it, with formats asserted as in ValidateResponse;
//   - every JSON request body and every 2XX JSON response must carry an example;
//   - every operation must carry at least one example (a 204-only operation then has one on a
//     request body, a parameter or an error response).
//
// All failures are reported together, each naming the operation and where the example sits.
func CheckExamples(doc []byte) error {
	root, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return fmt.Errorf("openapi: parse document: %w", err)
	}
	m, ok := root.(map[string]any)
	if !ok {
		return errors.New("openapi: document is not a JSON object")
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	if err := c.AddResource(docURL, root); err != nil {
		return fmt.Errorf("openapi: add document: %w", err)
	}
	paths, _ := m["paths"].(map[string]any)
	var errs []error
	for _, p := range sortedKeys(paths) {
		item, _ := paths[p].(map[string]any)
		for _, meth := range methods {
			op, ok := item[meth].(map[string]any)
			if !ok {
				continue
			}
			ck := exampleCheck{c: c, root: m, where: strings.ToUpper(meth) + " " + p}
			ck.operation("/paths/"+escape(p), meth, op, item)
			errs = append(errs, ck.errs...)
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("openapi: examples: %w", errors.Join(errs...))
	}
	return nil
}

type exampleCheck struct {
	c     *jsonschema.Compiler
	root  map[string]any
	where string
	seen  int // examples found on the operation
	errs  []error
}

func (k *exampleCheck) fail(format string, args ...any) {
	k.errs = append(k.errs, fmt.Errorf("%s: %s", k.where, fmt.Sprintf(format, args...)))
}

// resolve follows local $refs from obj (found at ptr) and returns the target and its pointer.
func (k *exampleCheck) resolve(obj map[string]any, ptr string) (map[string]any, string, bool) {
	for i := 0; obj != nil && i < 8; i++ {
		ref, ok := obj["$ref"].(string)
		if !ok {
			return obj, ptr, true
		}
		if !strings.HasPrefix(ref, "#/") {
			k.fail("%s: only local $refs are supported (got %s)", ptr, ref)
			return nil, "", false
		}
		target, err := lookup(k.root, ref[1:])
		if err != nil {
			k.fail("%s: %v", ptr, err)
			return nil, "", false
		}
		obj, _ = target.(map[string]any)
		ptr = ref[1:]
	}
	if obj == nil {
		k.fail("%s: not an object", ptr)
		return nil, "", false
	}
	return obj, ptr, true
}

// operation checks the operation meth of the path item at itemPtr, including the path
// item's own parameters.
func (k *exampleCheck) operation(itemPtr, meth string, op, item map[string]any) {
	ptr := itemPtr + "/" + meth
	for _, list := range []struct {
		ptr    string
		params []any
	}{{itemPtr, asList(item["parameters"])}, {ptr, asList(op["parameters"])}} {
		for i, pv := range list.params {
			pp, _ := pv.(map[string]any)
			p, pptr, ok := k.resolve(pp, list.ptr+"/parameters/"+fmt.Sprint(i))
			if !ok {
				continue
			}
			name, _ := p["name"].(string)
			k.examples("parameter "+name, pptr, p, false)
		}
	}
	if rb, ok := op["requestBody"].(map[string]any); ok {
		if body, bptr, ok := k.resolve(rb, ptr+"/requestBody"); ok {
			k.content("request body", bptr, body, true)
		}
	}
	resps, _ := op["responses"].(map[string]any)
	for _, status := range sortedKeys(resps) {
		rv, _ := resps[status].(map[string]any)
		r, rptr, ok := k.resolve(rv, ptr+"/responses/"+escape(status))
		if !ok {
			continue
		}
		k.content("response "+status, rptr, r, strings.HasPrefix(status, "2"))
	}
	if k.seen == 0 {
		k.fail("no example at all (give the request body, a parameter or a response one)")
	}
}

// content checks the examples of each media type of a request body or response; need says a
// JSON media type with a schema must have one.
func (k *exampleCheck) content(what, ptr string, obj map[string]any, need bool) {
	content, _ := obj["content"].(map[string]any)
	for _, mt := range sortedKeys(content) {
		mo, _ := content[mt].(map[string]any)
		if mo == nil {
			continue
		}
		json := mt == "application/json" || strings.HasSuffix(mt, "+json")
		k.examples(what+" "+mt, ptr+"/content/"+escape(mt), mo, need && json && mo["schema"] != nil)
	}
}

// examples validates the example and examples of obj (a parameter or media type object at
// ptr) against obj's schema.
func (k *exampleCheck) examples(what, ptr string, obj map[string]any, need bool) {
	type example struct {
		name  string
		value any
	}
	var found []example
	if v, ok := obj["example"]; ok {
		found = append(found, example{"example", v})
	}
	exs, _ := obj["examples"].(map[string]any)
	for _, name := range sortedKeys(exs) {
		ev, _ := exs[name].(map[string]any)
		e, _, ok := k.resolve(ev, ptr+"/examples/"+escape(name))
		if !ok {
			continue
		}
		v, ok := e["value"]
		if !ok {
			k.fail("%s: example %q has no value (externalValue is not checked)", what, name)
			continue
		}
		found = append(found, example{"examples/" + name, v})
	}
	k.seen += len(found)
	if need && len(found) == 0 {
		k.fail("%s: no example", what)
		return
	}
	if len(found) == 0 || obj["schema"] == nil {
		return
	}
	schema, err := k.c.Compile(docURL + "#" + ptr + "/schema")
	if err != nil {
		k.fail("%s: compile schema: %v", what, err)
		return
	}
	for _, e := range found {
		if err := schema.Validate(e.value); err != nil {
			k.fail("%s: %s does not match the schema: %v", what, e.name, err)
		}
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
