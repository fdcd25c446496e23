package app

import (
	"fmt"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/jsonbody"
	"github.com/gin-gonic/gin"
)

// decodeJSON reads the request body into dst strictly: one JSON object, no unknown members,
// right types; then checks the fields the contract requires. Problems name the field.
func decodeJSON(c *gin.Context, dst *OrderInput) error {
	if err := jsonbody.Decode(c.Request, dst); err != nil {
		return jsonbody.Problem(err)
	}
	v := &domain.ValidationError{}
	for i, l := range dst.Lines {
		if l.SKU == "" {
			v.Add(fmt.Sprintf("lines[%d].sku", i), "required", "must not be empty")
		}
	}
	return v.Err()
}
