package app

import (
	"fmt"
	"strconv"

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

func parseLimit(v *domain.ValidationError, c *gin.Context, max int) int {
	s, ok := c.GetQuery("limit")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > max {
		v.Add("limit", "out_of_range", fmt.Sprintf("must be an integer between 1 and %d", max))
		return 0
	}
	return n
}
