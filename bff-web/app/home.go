package app

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/readmodels"
	"github.com/gin-gonic/gin"
)

type homeGreeting struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Tier    string `json:"tier"`
}

// homeMember is the signed-in customer's standing, from the order summary read model.
type homeMember struct {
	OrderCount    int64    `json:"order_count"`
	LifetimeValue webPrice `json:"lifetime_value"`
	Tier          string   `json:"tier"`
	TierLabel     string   `json:"tier_label"`
}

type homeResponse struct {
	Locale     string           `json:"locale"`
	SignedIn   bool             `json:"signed_in"`
	Categories []webCategory    `json:"categories"`
	Featured   []webProductCard `json:"featured"`
	// Popular is "Popular now": the products most ordered in the read model's window.
	Popular      []webProductCard  `json:"popular"`
	Greeting     *homeGreeting     `json:"greeting,omitempty"`
	Member       *homeMember       `json:"member,omitempty"`
	RecentOrders []webOrderSummary `json:"recent_orders,omitzero"`
	Partial      bool              `json:"partial"`
	Unavailable  []string          `json:"unavailable"`
}

// home is the landing screen: category navigation, featured products and "Popular now" for
// everyone, and for a signed-in customer a greeting, their member summary and the latest
// orders. Popular now and the personal sections are optional: if they fail or run out of their
// budget the page still renders, with them named in "unavailable", and the response is not
// cacheable. The summary and the popularity are read models (shared/readmodels), not computed here.
func (h *App) home(c *gin.Context) {
	ctx := c.Request.Context()
	m := h.mapper(c)
	ws := current(c)
	var (
		cats     []catalog.Category
		featured catalog.SearchResult
		cu       customers.Customer
		recent   orders.Page
		popular  []catalog.Product
		summary  readmodels.Summary
	)
	parts := []aggregate.Part{
		aggregate.Required("categories", func(ctx context.Context) (err error) {
			cats, err = h.listCategories(ctx)
			return err
		}),
		aggregate.Required("featured", func(ctx context.Context) (err error) {
			featured, err = h.featuredProducts(ctx)
			return err
		}),
		aggregate.Optional(partPopular, func(ctx context.Context) (err error) {
			popular, err = h.popularProducts(ctx)
			return err
		}).WithTimeout(h.cfg.Web.RecentOrdersTimeout),
	}
	if ws != nil {
		parts = append(parts,
			aggregate.Optional(partGreeting, func(ctx context.Context) (err error) {
				cu, err = h.customers.GetCustomer(ctx, ws.Sub)
				return err
			}).WithTimeout(h.cfg.Web.RecentOrdersTimeout),
			aggregate.Optional(partRecentOrders, func(ctx context.Context) (err error) {
				recent, err = h.orders.ListOrdersByCustomer(ctx, ws.Sub, "", homeRecentOrders)
				return err
			}).WithTimeout(h.cfg.Web.RecentOrdersTimeout),
			aggregate.Optional(partMember, func(ctx context.Context) (err error) {
				summary, err = h.readModels.Summary(ctx, ws.Sub)
				return err
			}).WithTimeout(h.cfg.Web.RecentOrdersTimeout),
		)
	}
	res, err := aggregate.Run(ctx, parts...)
	if err != nil {
		problem.Abort(c, fmt.Errorf("home: %w", err))
		return
	}
	out := homeResponse{
		Locale: m.locale, SignedIn: ws != nil,
		Categories: m.categoryTree(cats), Featured: m.cards(featured.Items), Popular: m.cards(popular),
		Partial: res.Partial(), Unavailable: res.FailedNames(),
	}
	if ws != nil {
		if !res.Failed(partGreeting) {
			name := cu.Name
			if name == "" {
				name = strings.Split(ws.Email, "@")[0]
			}
			out.Greeting = &homeGreeting{Name: name, Message: "Welcome back, " + name + "!", Tier: cu.Tier}
		}
		if !res.Failed(partRecentOrders) {
			out.RecentOrders = m.orderSummaries(recent.Items)
		}
		if !res.Failed(partMember) {
			out.Member = m.member(summary)
		}
	}
	policy := httpcache.Private
	if ws == nil && !out.Partial {
		policy = h.public.Vary("Cookie")
	}
	httpcache.JSON(c, http.StatusOK, policy, out)
}

// popularProducts is "Popular now": the read model's most ordered products, as catalog
// products in popularity order (products gone from the catalog are left out).
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
