package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/jsonbody"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// Caching of GET responses (shared/httpcache). Every successful GET carries an ETag computed
// from the bytes sent and answers 304 to a matching If-None-Match, so an app that revalidates
// pays a few hundred bytes instead of the payload. Nothing is public: the API sits behind
// bearer tokens, so shared caches must not serve it (httpcache.PrivateCached; partial feeds
// and tokens are httpcache.Private, never stored).

// contentTypeJSON is the media type of every mobile body (no charset parameter: JSON is UTF-8).
const contentTypeJSON = "application/json"

// sendJSON writes v compactly with status. A 200 to GET gets p's Cache-Control and, unless p is
// httpcache.Private, an ETag and 304s; other answers carry only p's Vary.
func sendJSON(c *gin.Context, status int, p httpcache.Policy, v any) {
	body, err := marshal(v)
	if err != nil {
		problem.Abort(c, fmt.Errorf("encode response: %w", err))
		return
	}
	if c.Request.Method != http.MethodGet || status != http.StatusOK {
		httpcache.ApplyVary(c, p)
		c.Data(status, contentTypeJSON, body)
		return
	}
	httpcache.Write(c, status, p, contentTypeJSON, body)
}

// marshal encodes v compactly: no HTML escaping ("&" stays one byte), no trailing newline.
func marshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// personal is the policy of a user's own data: revalidated on every use.
var personal = httpcache.PrivateCached(0).Vary("Authorization")

// decodeBody reads a JSON object strictly into dst (shared/jsonbody): unknown members, wrong
// types, trailing data and an empty body are validation errors naming the field ("body" for the
// body as a whole). An empty body is allowed when optional.
func decodeBody(c *gin.Context, dst any, optional bool) error {
	err := jsonbody.Decode(c.Request, dst)
	v := &domain.ValidationError{}
	switch {
	case errors.Is(err, jsonbody.ErrEmpty):
		if optional {
			return nil
		}
		v.Add("body", "required", "send a JSON object")
		return v
	case errors.Is(err, jsonbody.ErrMalformed):
		v.Add("body", "malformed", "must be one JSON object")
		return v
	}
	return err
}

// queryInt reads an optional integer parameter within [lo, hi].
func queryInt(c *gin.Context, v *domain.ValidationError, name string, def, lo, hi int) int {
	raw, ok := c.GetQuery(name)
	if !ok || raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		v.Add(name, "out_of_range", fmt.Sprintf("must be an integer between %d and %d", lo, hi))
		return def
	}
	return n
}

// dprOf reads the device pixel ratio from dpr= or X-Device-Pixel-Ratio (the parameter wins).
func dprOf(c *gin.Context, v *domain.ValidationError) float64 {
	if raw, ok := c.GetQuery("dpr"); ok {
		d, valid := parseDPR(raw)
		if !valid {
			v.Add("dpr", "out_of_range", fmt.Sprintf("must be a number between 1 and %g", maxDPR))
		}
		return d
	}
	d, valid := parseDPR(strings.TrimSpace(c.GetHeader("X-Device-Pixel-Ratio")))
	if !valid {
		v.Add("X-Device-Pixel-Ratio", "out_of_range", fmt.Sprintf("must be a number between 1 and %g", maxDPR))
	}
	return d
}

// cursorProblem turns an invalid cursor into a 400 naming the cursor parameter.
func cursorProblem(err error) error {
	if !errors.Is(err, domain.ErrInvalidCursor) {
		return err
	}
	pe := problem.Wrap(err, http.StatusBadRequest, problem.CodeInvalidCursor, "The cursor is malformed, expired or belongs to another query.")
	pe.Fields = []domain.FieldError{{Field: "cursor", Code: "invalid", Message: "start again without a cursor"}}
	return pe
}

// localeOf negotiates the locale of display strings (price_text, total_text…) from
// Accept-Language, as bff-web does, and marks the response as varying with it.
func localeOf(c *gin.Context) string {
	loc := money.NegotiateLocale(c.GetHeader("Accept-Language"))
	c.Header("Content-Language", loc)
	c.Writer.Header().Add("Vary", "Accept-Language")
	return loc
}
