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
	"github.com/gin-gonic/gin"
)

type homeGreeting struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Tier    string `json:"tier"`
}

type homeResponse struct {
	Locale       string            `json:"locale"`
	SignedIn     bool              `json:"signed_in"`
	Categories   []webCategory     `json:"categories"`
	Featured     []webProductCard  `json:"featured"`
	Greeting     *homeGreeting     `json:"greeting,omitempty"`
	RecentOrders []webOrderSummary `json:"recent_orders,omitzero"`
	Partial      bool              `json:"partial"`
	Unavailable  []string          `json:"unavailable"`
}

// home is the landing screen: category navigation and featured products for everyone, and
// for a signed-in customer a greeting and the latest orders. The personal sections are
// optional: if they fail or run out of their budget the page still renders, with them named
// in "unavailable", and the response is not cacheable.
func (h *App) home(c *gin.Context) {
	ctx := c.Request.Context()
	m := h.mapper(c)
	ws := current(c)
	var (
		cats     []catalog.Category
		featured catalog.SearchResult
		cu       customers.Customer
		recent   orders.Page
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
		)
	}
	res, err := aggregate.Run(ctx, parts...)
	if err != nil {
		problem.Abort(c, fmt.Errorf("home: %w", err))
		return
	}
	out := homeResponse{
		Locale: m.locale, SignedIn: ws != nil,
		Categories: m.categoryTree(cats), Featured: m.cards(featured.Items),
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
	}
	policy := httpcache.Private
	if ws == nil && !out.Partial {
		policy = h.public.Vary("Cookie")
	}
	httpcache.JSON(c, http.StatusOK, policy, out)
}
