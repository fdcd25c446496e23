package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func (h *App) listProducts(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, catalog.MaxLimit)
	var since time.Time
	if s, ok := c.GetQuery("updated_since"); ok {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			v.Add("updated_since", "invalid", "must be an RFC 3339 timestamp such as 2026-01-05T09:00:00Z")
		}
		since = t
	}
	cur := c.Query("cursor")
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	page, err := h.deps.Catalog.ChangedSince(c.Request.Context(), since, cur, limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := ProductPage{Items: make([]Product, 0, len(page.Items)), NextCursor: page.NextCursor, HasMore: page.HasMore}
	for _, p := range page.Items {
		out.Items = append(out.Items, toPartnerProduct(p))
	}
	c.JSON(http.StatusOK, out)
}

func (h *App) getProduct(c *gin.Context) {
	p, err := h.deps.Catalog.GetProductBySKU(c.Request.Context(), c.Param("sku"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerProduct(p))
}

func (h *App) inventory(c *gin.Context) {
	v := &domain.ValidationError{}
	var skus []string
	seen := map[string]bool{}
	for _, s := range strings.Split(c.Query("skus"), ",") {
		if s = strings.TrimSpace(s); s != "" && !seen[s] {
			seen[s] = true
			skus = append(skus, s)
		}
	}
	switch {
	case len(skus) == 0:
		v.Add("skus", "required", "list 1 to 100 comma-separated SKUs")
	case len(skus) > MaxInventorySKUs:
		v.Add("skus", "too_many", fmt.Sprintf("at most %d SKUs per call", MaxInventorySKUs))
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	found, missing, err := h.productsBySKU(c.Request.Context(), skus)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := Inventory{Items: make([]InventoryItem, 0, len(found)), Missing: missing}
	if out.Missing == nil {
		out.Missing = []string{}
	}
	for _, p := range found {
		out.Items = append(out.Items, toInventoryItem(p))
	}
	c.JSON(http.StatusOK, out)
}

// productsBySKU looks SKUs up in parallel (bounded), returning found products in request
// order and the SKUs that do not exist. Invalid SKUs are a validation error naming them.
func (h *App) productsBySKU(ctx context.Context, skus []string) ([]catalog.Product, []string, error) {
	type res struct {
		p   catalog.Product
		err error
	}
	out := make([]res, len(skus))
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i, s := range skus {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p, err := h.deps.Catalog.GetProductBySKU(ctx, s)
			out[i] = res{p, err}
		})
	}
	wg.Wait()
	var found []catalog.Product
	var missing []string
	v := &domain.ValidationError{}
	for i, r := range out {
		switch {
		case r.err == nil:
			found = append(found, r.p)
		case errors.Is(r.err, domain.ErrNotFound):
			missing = append(missing, skus[i])
		default:
			if _, ok := domain.AsValidation(r.err); ok {
				v.Add(fmt.Sprintf("skus[%d]", i), "invalid", "is not a valid SKU")
				continue
			}
			return nil, nil, fmt.Errorf("inventory of %s: %w", skus[i], r.err)
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	return found, missing, nil
}
