package app

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// ProductList is one page of products.
type ProductList struct {
	Items      []Product `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func (h *App) catalogPolicy() httpcache.Policy {
	return httpcache.PrivateCached(h.catalogMaxAge).Vary("X-Device-Pixel-Ratio")
}

func (h *App) listProducts(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
	q := catalog.Query{Category: strings.TrimSpace(c.Query("category")), Text: strings.TrimSpace(c.Query("q"))}
	if len(q.Category) > catalog.MaxIDLength || !utf8.ValidString(q.Category) || strings.ContainsAny(q.Category, "#\x00") {
		v.Add("category", "invalid", "is not a category id")
	}
	if len(q.Text) > maxQueryText || !utf8.ValidString(q.Text) {
		v.Add("q", "invalid", fmt.Sprintf("must be text of at most %d bytes", maxQueryText))
	}
	limit := queryInt(c, v, "limit", defaultLimit, 1, maxLimit)
	fs, err := parseFields(c.Query("fields"), productFields)
	if err != nil {
		ve, _ := domain.AsValidation(err)
		v.Fields = append(v.Fields, ve.Fields...)
	}
	dpr := dprOf(c, v)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	// Keyset pages in name order: the catalog's signed cursor holds the last product's
	// (name, id), so products added while an app pages never repeat or hide others.
	q.Sort, q.Cursor, q.Limit = catalog.SortName, c.Query("cursor"), limit
	page, err := h.catalog.SearchProducts(c.Request.Context(), q)
	if err != nil {
		problem.Abort(c, cursorProblem(err))
		return
	}
	out := ProductList{Items: make([]Product, len(page.Items)), NextCursor: page.NextCursor}
	for i, p := range page.Items {
		out.Items[i] = toProduct(p, fs, dpr, loc)
	}
	sendJSON(c, http.StatusOK, h.catalogPolicy(), out)
}

func (h *App) getProduct(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
	fs, err := parseFields(c.Query("fields"), detailFields)
	if err != nil {
		ve, _ := domain.AsValidation(err)
		v.Fields = append(v.Fields, ve.Fields...)
	}
	dpr := dprOf(c, v)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	p, err := h.catalog.GetProduct(c.Request.Context(), c.Param("id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, h.catalogPolicy(), toProductDetail(p, fs, dpr, loc))
}
