package app

import (
	"context"
	"log/slog"
	"net/http"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// Feed is the home screen in one call.
type Feed struct {
	Categories []Category `json:"categories,omitempty"`
	Featured   []Product  `json:"featured"`
	// Popular is "Popular now": the products most ordered recently (popularity read model).
	Popular      []Product      `json:"popular,omitempty"`
	ActiveOrders []OrderSummary `json:"active_orders,omitempty"`
	// Partial names the optional parts that failed; the app shows the rest.
	Partial []string `json:"partial,omitempty"`
}

const (
	activeOrdersScan = 20
	popularCount     = 6
)

func (h *App) feed(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
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
	sub := subject(c)
	var (
		featured catalog.Page
		cats     []catalog.Category
		recent   orders.Page
		popular  []catalog.Product
	)
	res, err := aggregate.Run(c.Request.Context(),
		aggregate.Required("featured", func(ctx context.Context) (err error) {
			featured, err = h.catalog.SearchProducts(ctx, catalog.Query{Sort: catalog.SortRating, InStock: true, Limit: limit})
			return err
		}),
		aggregate.Optional("categories", func(ctx context.Context) (err error) {
			cats, err = h.catalog.ListCategories(ctx)
			return err
		}).WithTimeout(h.partTimeout),
		aggregate.Optional("orders", func(ctx context.Context) (err error) {
			recent, err = h.orders.ListOrdersByCustomer(ctx, sub, "", activeOrdersScan)
			return err
		}).WithTimeout(h.partTimeout),
		aggregate.Optional("popular", func(ctx context.Context) (err error) {
			popular, err = h.popularProducts(ctx)
			return err
		}).WithTimeout(h.partTimeout),
	)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := Feed{Featured: make([]Product, len(featured.Items))}
	for i, p := range featured.Items {
		out.Featured[i] = toProduct(p, fs, dpr, loc)
	}
	for _, p := range popular {
		out.Popular = append(out.Popular, toProduct(p, fs, dpr, loc))
	}
	for _, cat := range cats {
		if cat.ParentID == "" {
			out.Categories = append(out.Categories, toCategory(cat))
		}
	}
	for _, o := range recent.Items {
		switch o.Status {
		case orders.StatusPending, orders.StatusConfirmed, orders.StatusShipped:
			out.ActiveOrders = append(out.ActiveOrders, toOrderSummary(o, loc))
		}
	}
	pol := httpcache.PrivateCached(0).Vary("Authorization", "X-Device-Pixel-Ratio")
	if res.Partial() {
		out.Partial = res.FailedNames()
		pol = httpcache.Private.Vary("Authorization", "X-Device-Pixel-Ratio")
		for _, f := range res.Failures {
			h.logger.LogAttrs(c.Request.Context(), slog.LevelWarn, "feed part failed",
				slog.String("part", f.Name), slog.Bool("timed_out", f.TimedOut), slog.String("error", f.Err.Error()))
		}
	}
	sendJSON(c, http.StatusOK, pol, out)
}

// popularProducts is "Popular now": the popularity read model's top products as catalog
// products, in popularity order (products gone from the catalog are left out).
func (h *App) popularProducts(ctx context.Context) ([]catalog.Product, error) {
	top, err := h.readModels.Popular(ctx, popularCount)
	if err != nil || len(top) == 0 {
		return nil, err
	}
	ids := make([]string, len(top))
	for i, u := range top {
		ids[i] = u.ProductID
	}
	found, _, err := h.catalog.BatchGetProducts(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]catalog.Product, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	out := make([]catalog.Product, 0, len(ids))
	for _, id := range ids {
		if p, ok := byID[id]; ok {
			out = append(out, p)
		}
	}
	return out, nil
}
