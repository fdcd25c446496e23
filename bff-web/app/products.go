package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

type gridFacetValue struct {
	Value    string `json:"value"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected"`
}

type gridPriceBand struct {
	Min      int64  `json:"min"`
	Max      *int64 `json:"max,omitempty"`
	Label    string `json:"label"`
	Count    int    `json:"count"`
	Selected bool   `json:"selected"`
}

type gridFacets struct {
	Categories []gridFacetValue `json:"categories"`
	Brands     []gridFacetValue `json:"brands"`
	PriceBands []gridPriceBand  `json:"price_bands"`
}

type gridQuery struct {
	Category string `json:"category,omitempty"`
	Brand    string `json:"brand,omitempty"`
	Q        string `json:"q,omitempty"`
	Sort     string `json:"sort"`
	MinPrice *int64 `json:"min_price,omitempty"`
	MaxPrice *int64 `json:"max_price,omitempty"`
	InStock  bool   `json:"in_stock"`
}

type gridResponse struct {
	Locale     string           `json:"locale"`
	Query      gridQuery        `json:"query"`
	Items      []webProductCard `json:"items"`
	Total      int              `json:"total"`
	Page       int              `json:"page"`
	PageSize   int              `json:"page_size"`
	TotalPages int              `json:"total_pages"`
	Facets     gridFacets       `json:"facets"`
}

var sorts = []string{catalog.SortRelevance, catalog.SortPriceAsc, catalog.SortPriceDesc, catalog.SortName, catalog.SortNewest, catalog.SortRating}

// parseGridQuery validates the query string of the product grid, naming every bad field.
func parseGridQuery(c *gin.Context) (gridQuery, int, int, error) {
	v := &domain.ValidationError{}
	q := gridQuery{Category: c.Query("category"), Brand: c.Query("brand"), Q: strings.TrimSpace(c.Query("q")), Sort: c.DefaultQuery("sort", catalog.SortRelevance)}
	if len(q.Category) > catalog.MaxIDLength {
		v.Add("category", "too_long", fmt.Sprintf("must be at most %d characters", catalog.MaxIDLength))
	}
	if len(q.Brand) > catalog.MaxTextLength {
		v.Add("brand", "too_long", fmt.Sprintf("must be at most %d characters", catalog.MaxTextLength))
	}
	if len(q.Q) > catalog.MaxTextLength {
		v.Add("q", "too_long", fmt.Sprintf("must be at most %d characters", catalog.MaxTextLength))
	}
	valid := false
	for _, s := range sorts {
		valid = valid || s == q.Sort
	}
	if !valid {
		v.Add("sort", "invalid_value", "must be one of "+strings.Join(sorts, ", "))
	}
	const maxMoney = 1 << 40
	if _, ok := c.GetQuery("min_price"); ok {
		n := queryInt(c, v, "min_price", -1, 0, maxMoney)
		if n >= 0 {
			q.MinPrice = &n
		}
	}
	if _, ok := c.GetQuery("max_price"); ok {
		n := queryInt(c, v, "max_price", -1, 0, maxMoney)
		if n >= 0 {
			q.MaxPrice = &n
		}
	}
	if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
		v.Add("max_price", "out_of_range", "must not be below min_price")
	}
	switch c.DefaultQuery("in_stock", "false") {
	case "true", "1":
		q.InStock = true
	case "false", "0":
	default:
		v.Add("in_stock", "invalid_value", "must be true or false")
	}
	page := queryInt(c, v, "page", 1, 1, maxPage)
	size := queryInt(c, v, "page_size", defaultPageSize, 1, catalog.MaxLimit)
	return q, int(page), int(size), v.Err()
}

// products is the page-numbered product grid with total count and facets.
func (h *App) products(c *gin.Context) {
	q, page, size, err := parseGridQuery(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	m := h.mapper(c)
	var (
		res  catalog.SearchResult
		cats []catalog.Category
	)
	_, err = aggregate.Run(ctx,
		aggregate.Required("search", func(ctx context.Context) (err error) {
			res, err = h.catalog.SearchPage(ctx, catalog.Query{
				Category: q.Category, Brand: q.Brand, Text: q.Q, MinPrice: q.MinPrice, MaxPrice: q.MaxPrice,
				InStock: q.InStock, Sort: q.Sort,
			}, page, size)
			return err
		}),
		aggregate.Required("categories", func(ctx context.Context) (err error) {
			cats, err = h.listCategories(ctx)
			return err
		}),
	)
	if err != nil {
		problem.Abort(c, fmt.Errorf("product grid: %w", err))
		return
	}
	names := map[string]string{}
	for _, ct := range cats {
		names[ct.ID] = ct.Name
	}
	out := gridResponse{
		Locale: m.locale, Query: q, Items: m.cards(res.Items), Total: res.Total, Page: res.Page, PageSize: res.PageSize,
		TotalPages: (res.Total + res.PageSize - 1) / max(res.PageSize, 1),
		Facets:     gridFacets{Categories: []gridFacetValue{}, Brands: []gridFacetValue{}, PriceBands: []gridPriceBand{}},
	}
	for _, f := range res.Facets.Categories {
		label := names[f.Value]
		if label == "" {
			label = f.Value
		}
		out.Facets.Categories = append(out.Facets.Categories, gridFacetValue{Value: f.Value, Label: label, Count: f.Count, Selected: f.Value == q.Category})
	}
	for _, f := range res.Facets.Brands {
		out.Facets.Brands = append(out.Facets.Brands, gridFacetValue{Value: f.Value, Label: f.Value, Count: f.Count, Selected: f.Value == q.Brand})
	}
	currency := "EUR"
	if len(res.Items) > 0 {
		currency = res.Items[0].Price.Currency
	}
	for _, b := range res.Facets.PriceBands {
		band := gridPriceBand{Min: b.Min, Count: b.Count}
		if b.Max > 0 {
			mx := b.Max
			band.Max = &mx
			band.Label = money.Format(b.Min, currency, m.locale) + " – " + money.Format(b.Max, currency, m.locale)
		} else {
			band.Label = money.Format(b.Min, currency, m.locale) + "+"
		}
		band.Selected = q.MinPrice != nil && *q.MinPrice == b.Min && ((band.Max == nil && q.MaxPrice == nil) || (band.Max != nil && q.MaxPrice != nil && *q.MaxPrice == *band.Max))
		out.Facets.PriceBands = append(out.Facets.PriceBands, band)
	}
	httpcache.JSON(c, http.StatusOK, h.public, out)
}

// product is the detail page: the product (required), breadcrumbs and related products
// (optional; a partial page is not cached).
func (h *App) product(c *gin.Context) {
	slug := c.Param("slug")
	if len(slug) > catalog.MaxIDLength || strings.TrimSpace(slug) == "" {
		problem.Abort(c, &domain.ValidationError{Fields: []domain.FieldError{{Field: "slug", Code: "invalid_value", Message: "is not a product slug"}}})
		return
	}
	ctx := c.Request.Context()
	m := h.mapper(c)
	var (
		p    catalog.Product
		cats []catalog.Category
	)
	res1, err := aggregate.Run(ctx,
		aggregate.Required("product", func(ctx context.Context) (err error) {
			p, err = h.catalog.GetProductBySlug(ctx, slug)
			return err
		}),
		aggregate.Optional(partBreadcrumbs, func(ctx context.Context) (err error) {
			cats, err = h.listCategories(ctx)
			return err
		}),
	)
	if err != nil {
		problem.Abort(c, fmt.Errorf("product %s: %w", slug, err))
		return
	}
	var related catalog.SearchResult
	res2, err := aggregate.Run(ctx, aggregate.Optional(partRelated, func(ctx context.Context) (err error) {
		related, err = h.catalog.SearchPage(ctx, catalog.Query{Category: p.Category, InStock: true, Sort: catalog.SortRating}, 1, relatedCount+1)
		return err
	}))
	if err != nil {
		problem.Abort(c, fmt.Errorf("product %s related: %w", slug, err))
		return
	}
	var rel []catalog.Product
	for _, r := range related.Items {
		if r.ID != p.ID && len(rel) < relatedCount {
			rel = append(rel, r)
		}
	}
	out := m.detail(p, cats, rel)
	out.Unavailable = append(res1.FailedNames(), res2.FailedNames()...)
	out.Partial = len(out.Unavailable) > 0
	policy := h.public
	if out.Partial {
		policy = httpcache.Private
	}
	httpcache.JSON(c, http.StatusOK, policy, out)
}
