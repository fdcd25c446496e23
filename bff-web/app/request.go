package app

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/jsonbody"
	"github.com/gin-gonic/gin"
)

// decodeJSON reads the request body strictly into v (shared/jsonbody): field errors name the
// member; an empty or malformed body is a 400 bad_request problem.
func decodeJSON(c *gin.Context, v any) error {
	return jsonbody.Problem(jsonbody.Decode(c.Request, v))
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
