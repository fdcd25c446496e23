package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

type accountResponse struct {
	Locale       string            `json:"locale"`
	Profile      webProfile        `json:"profile"`
	Addresses    []webAddress      `json:"addresses"`
	RecentOrders []webOrderSummary `json:"recent_orders"`
	Partial      bool              `json:"partial"`
	Unavailable  []string          `json:"unavailable"`
}

// customerOf returns the signed-in customer's profile, creating it if it does not exist yet
// (a session that predates the profile store, or a profile deleted since).
func (h *handlers) customerOf(ctx context.Context, ws *webSession) (customers.Customer, error) {
	cu, err := h.customers.GetCustomer(ctx, ws.Sub)
	if errors.Is(err, domain.ErrNotFound) {
		return h.customers.EnsureCustomer(ctx, ws.Sub, ws.Email, "")
	}
	return cu, err
}

// account is the account screen: profile and addresses (required), recent orders (optional).
func (h *handlers) account(c *gin.Context) {
	ws := current(c)
	m := h.mapper(c)
	var (
		cu     customers.Customer
		recent orders.Page
	)
	res, err := aggregate.Run(c.Request.Context(),
		aggregate.Required("profile", func(ctx context.Context) (err error) {
			cu, err = h.customerOf(ctx, ws)
			return err
		}),
		aggregate.Optional(partRecentOrders, func(ctx context.Context) (err error) {
			recent, err = h.orders.ListOrdersByCustomer(ctx, ws.Sub, "", accountRecentSize)
			return err
		}).WithTimeout(h.cfg.Web.RecentOrdersTimeout),
	)
	if err != nil {
		problem.Abort(c, fmt.Errorf("account: %w", err))
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, accountResponse{
		Locale: m.locale, Profile: profile(cu), Addresses: addresses(cu.Addresses),
		RecentOrders: m.orderSummaries(recent.Items), Partial: res.Partial(), Unavailable: res.FailedNames(),
	})
}

type preferencesPatch struct {
	Language   *string   `json:"language"`
	Currency   *string   `json:"currency"`
	Newsletter *bool     `json:"newsletter"`
	Categories *[]string `json:"favourite_categories"`
}

type accountPatch struct {
	Name        *string              `json:"name"`
	Addresses   *[]customers.Address `json:"addresses"`
	Preferences *preferencesPatch    `json:"preferences"`
}

type accountPatchResponse struct {
	Profile   webProfile   `json:"profile"`
	Addresses []webAddress `json:"addresses"`
}

// updateAccount edits the profile: name, addresses and preferences (the email belongs to the
// identity provider and is not editable here). Nil fields stay as they are.
func (h *handlers) updateAccount(c *gin.Context) {
	ws := current(c)
	var in accountPatch
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	if in.Name == nil && in.Addresses == nil && in.Preferences == nil {
		problem.Abort(c, problem.New(http.StatusBadRequest, problem.CodeBadRequest, "The request changes nothing: give name, addresses or preferences."))
		return
	}
	ctx := c.Request.Context()
	cu, err := h.customerOf(ctx, ws)
	if err != nil {
		problem.Abort(c, fmt.Errorf("update account %s: %w", ws.Sub, err))
		return
	}
	u := customers.ProfileUpdate{Name: in.Name, Addresses: in.Addresses}
	if in.Name != nil {
		trimmed := strings.TrimSpace(*in.Name)
		u.Name = &trimmed
	}
	if p := in.Preferences; p != nil {
		prefs := cu.Preferences
		if p.Language != nil {
			prefs.Language = *p.Language
		}
		if p.Currency != nil {
			prefs.Currency = *p.Currency
		}
		if p.Newsletter != nil {
			prefs.Newsletter = *p.Newsletter
		}
		if p.Categories != nil {
			prefs.Categories = *p.Categories
		}
		u.Preferences = &prefs
	}
	cu, err = h.customers.UpdateProfile(ctx, ws.Sub, u)
	if err != nil {
		problem.Abort(c, fmt.Errorf("update account %s: %w", ws.Sub, err))
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, accountPatchResponse{Profile: profile(cu), Addresses: addresses(cu.Addresses)})
}

type orderList struct {
	Locale     string            `json:"locale"`
	Items      []webOrderSummary `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func (h *handlers) listOrders(c *gin.Context) {
	ws := current(c)
	v := &domain.ValidationError{}
	limit := queryInt(c, v, "limit", orders.DefaultLimit, 1, orders.MaxLimit)
	cur := c.Query("cursor")
	if len(cur) > 1024 {
		v.Add("cursor", "too_long", "is not a cursor of this list")
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	m := h.mapper(c)
	page, err := h.orders.ListOrdersByCustomer(c.Request.Context(), ws.Sub, cur, int(limit))
	if err != nil {
		problem.Abort(c, fmt.Errorf("list orders of %s: %w", ws.Sub, err))
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, orderList{Locale: m.locale, Items: m.orderSummaries(page.Items), NextCursor: page.NextCursor})
}

type placeOrderRequest struct {
	Lines []orders.LineInput `json:"lines"`
	// ShippingAddress, when absent, is the profile's default address.
	ShippingAddress *customers.Address `json:"shipping_address"`
}

func (h *handlers) placeOrder(c *gin.Context) {
	ws := current(c)
	var in placeOrderRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	var addr customers.Address
	if in.ShippingAddress != nil {
		addr = *in.ShippingAddress
	} else {
		cu, err := h.customerOf(ctx, ws)
		if err != nil {
			problem.Abort(c, fmt.Errorf("place order for %s: %w", ws.Sub, err))
			return
		}
		found := false
		for _, a := range cu.Addresses {
			if a.Default || !found {
				addr, found = a, true
			}
		}
		if !found {
			problem.Abort(c, &domain.ValidationError{Fields: []domain.FieldError{{Field: "shipping_address", Code: "required", Message: "is required: the profile has no address"}}})
			return
		}
	}
	po := orders.PlaceOrderInput{CustomerID: ws.Sub, Channel: orders.ChannelWeb, Lines: in.Lines, ShippingAddress: addr}
	scope, key, keyed := idempotency.KeyFrom(ctx)
	if keyed {
		// The order id follows from the key, so a retry after a crash between creating the
		// order and storing the response finds the order instead of placing a second one.
		po.OrderID = idempotency.DeriveID("ord_", "bff-web.orders", scope, key)
	}
	o, err := h.orders.PlaceOrder(ctx, po)
	if err != nil && keyed && errors.Is(err, domain.ErrConflict) {
		if prev, gerr := h.orders.GetOrder(ctx, po.OrderID); gerr == nil && prev.CustomerID == ws.Sub {
			o, err = prev, nil
		}
	}
	if err != nil {
		problem.Abort(c, fmt.Errorf("place order for %s: %w", ws.Sub, err))
		return
	}
	m := h.mapper(c)
	c.Header("Location", "/api/orders/"+o.ID)
	httpcache.JSON(c, http.StatusCreated, httpcache.Private, m.order(o))
}

// ownOrder returns the order id if it belongs to the signed-in customer; anyone else's
// order is not found, so its existence is not revealed.
func (h *handlers) ownOrder(c *gin.Context) (orders.Order, error) {
	ws := current(c)
	id := c.Param("id")
	if len(id) > 64 {
		return orders.Order{}, fmt.Errorf("order id too long: %w", domain.ErrNotFound)
	}
	o, err := h.orders.GetOrder(c.Request.Context(), id)
	if err != nil {
		return orders.Order{}, fmt.Errorf("get order %s: %w", id, err)
	}
	if o.CustomerID != ws.Sub || o.Channel == orders.ChannelPartner {
		return orders.Order{}, fmt.Errorf("order %s belongs to another customer: %w", id, domain.ErrNotFound)
	}
	return o, nil
}

func (h *handlers) getOrder(c *gin.Context) {
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, h.mapper(c).order(o))
}

func (h *handlers) cancelOrder(c *gin.Context) {
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	o, err = h.orders.CancelOrder(c.Request.Context(), o.ID)
	if err != nil {
		problem.Abort(c, fmt.Errorf("cancel order %s: %w", c.Param("id"), err))
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, h.mapper(c).order(o))
}
