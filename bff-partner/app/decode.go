package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// decodeJSON reads the request body into dst strictly: one JSON object, no unknown members,
// right types; then checks the fields the contract requires. Problems name the field.
func decodeJSON(c *gin.Context, dst *OrderInput) error {
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return err // 413 over the body limit
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(dst)
	if err == nil && dec.More() {
		err = errors.New("trailing data after the JSON object")
	}
	if err != nil {
		var typeErr *json.UnmarshalTypeError
		v := &domain.ValidationError{}
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			v.Add(typeErr.Field, "invalid_type", "must be of type "+typeErr.Type.String())
			return v
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			v.Add(name, "unknown_field", "is not a member of this request")
			return v
		}
		return problem.Wrap(err, http.StatusBadRequest, problem.CodeBadRequest, "The body is not a valid JSON object.")
	}
	v := &domain.ValidationError{}
	for i, l := range dst.Lines {
		if l.SKU == "" {
			v.Add(fmt.Sprintf("lines[%d].sku", i), "required", "must not be empty")
		}
	}
	return v.Err()
}
