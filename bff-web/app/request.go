package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/mail"
	"strconv"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// decodeJSON reads the request body strictly into v: one JSON object, no unknown fields.
// Errors are client errors (400) that name the field when JSON says which.
func decodeJSON(c *gin.Context, v any) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return err
		}
		return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return problem.New(http.StatusBadRequest, problem.CodeBadRequest, "The request needs a JSON body.")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: te.Field, Code: "invalid_type", Message: "must be a " + jsonKind(te.Type.Kind().String())}}}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &domain.ValidationError{Fields: []domain.FieldError{{Field: name, Code: "unknown_field", Message: "is not a field of this request"}}}
		case errors.As(err, &se):
			return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, fmt.Sprintf("The body is not valid JSON (at byte %d).", se.Offset))
		}
		return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "The body is not a JSON object of the expected shape.")
	}
	if dec.More() {
		return problem.New(http.StatusBadRequest, problem.CodeBadRequest, "The body must hold exactly one JSON object.")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "int", "int64", "int32", "uint", "uint64", "float64":
		return "number"
	case "bool":
		return "boolean"
	case "slice":
		return "list"
	case "struct", "map", "ptr":
		return "object"
	}
	return k
}

func requireEmail(v *domain.ValidationError, field, s string) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "required", "is required")
	case len(s) > 254:
		v.Add(field, "too_long", "must be at most 254 characters")
	default:
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || a.Name != "" {
			v.Add(field, "invalid_email", "must be an email address")
		}
	}
}

func requireString(v *domain.ValidationError, field, s string, max int) {
	switch {
	case strings.TrimSpace(s) == "":
		v.Add(field, "required", "is required")
	case len(s) > max:
		v.Add(field, "too_long", "must be at most "+strconv.Itoa(max)+" characters")
	}
}

// queryInt reads an optional integer query parameter within [min, max].
func queryInt(c *gin.Context, v *domain.ValidationError, name string, def, min, max int64) int64 {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		return def
	}
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil {
		v.Add(name, "invalid_number", "must be a whole number")
		return def
	}
	if n < min || n > max {
		v.Add(name, "out_of_range", fmt.Sprintf("must be between %d and %d", min, max))
		return def
	}
	return n
}
