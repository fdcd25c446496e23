// Package jsonbody reads a request body as exactly one strict JSON object, the way every BFF
// accepts input: unknown members and wrong types are field errors (domain.ValidationError with
// codes unknown_field and invalid_type, naming the member), an empty or malformed body is
// ErrEmpty or ErrMalformed, and a body over the limit keeps its *http.MaxBytesError (413).
// Each BFF maps ErrEmpty and ErrMalformed to its own contract (Problem gives the usual 400).
package jsonbody

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
)

var (
	// ErrEmpty: the request has no body (or only white space).
	ErrEmpty = errors.New("empty request body")
	// ErrMalformed: the body is not one JSON object of the expected shape.
	ErrMalformed = errors.New("malformed JSON body")
)

// Decode reads r's body into dst strictly.
func Decode(r *http.Request, dst any) error {
	if r.Body == nil {
		return ErrEmpty
	}
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fmt.Errorf("read request body: %w", err)
		}
		return fmt.Errorf("%w: read: %v", ErrMalformed, err)
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return ErrEmpty
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.More() {
		return fmt.Errorf("%w: data after the JSON object", ErrMalformed)
	}
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field != "":
		v := &domain.ValidationError{}
		v.Add(te.Field, "invalid_type", "must be "+Kind(te.Type))
		return v
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		if len(name) > 64 {
			name = name[:64]
		}
		v := &domain.ValidationError{}
		v.Add(name, "unknown_field", "is not a member of this request")
		return v
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%w: invalid JSON at byte %d", ErrMalformed, se.Offset)
	}
	return fmt.Errorf("%w: %v", ErrMalformed, err)
}

// Kind names a Go type the way a JSON client thinks of it ("a number", "a list").
func Kind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "a boolean"
	case reflect.String:
		return "a string"
	case reflect.Slice, reflect.Array:
		return "a list"
	}
	return "an object"
}

// Problem maps ErrEmpty and ErrMalformed to a 400 bad_request problem and returns every other
// error unchanged.
func Problem(err error) error {
	switch {
	case errors.Is(err, ErrEmpty):
		return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "The request needs a JSON body.")
	case errors.Is(err, ErrMalformed):
		return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "The body is not one JSON object of the expected shape.")
	}
	return err
}
