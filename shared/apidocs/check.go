package apidocs

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// CheckPage reports what a rendered page (the served HTML, or a browser's DOM of it) lacks
// for doc: every operation by its data-operation marker and path, every security scheme, and
// no script. Tests of each BFF's /docs use it.
func CheckPage(page string, doc []byte) error {
	var d map[string]any
	if err := json.Unmarshal(doc, &d); err != nil {
		return fmt.Errorf("parse document: %w", err)
	}
	var errs []error
	paths := obj(d, "paths")
	n := 0
	for _, p := range sortedKeys(paths) {
		for _, meth := range []string{"get", "put", "post", "patch", "delete"} {
			op := obj(obj(paths, p), meth)
			if op == nil {
				continue
			}
			n++
			id := str(op, "operationId")
			if !strings.Contains(page, `data-operation="`+id+`"`) || !strings.Contains(page, p) {
				errs = append(errs, fmt.Errorf("page lacks operation %s (%s %s)", id, strings.ToUpper(meth), p))
			}
		}
	}
	if n == 0 {
		errs = append(errs, errors.New("document has no operations"))
	}
	for _, name := range sortedKeys(obj(obj(d, "components"), "securitySchemes")) {
		if !strings.Contains(page, `id="scheme-`+name+`"`) {
			errs = append(errs, fmt.Errorf("page lacks security scheme %s", name))
		}
	}
	if !strings.Contains(page, "Authentication") {
		errs = append(errs, errors.New("page lacks the Authentication section"))
	}
	if strings.Contains(page, "<script") {
		errs = append(errs, errors.New("page contains a script; it must work without"))
	}
	return errors.Join(errs...)
}
