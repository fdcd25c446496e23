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
func (h *App) customerOf(ctx context.Context, ws *webSession) (customers.Customer, error) {
	cu, err := h.customers.GetCustomer(ctx, ws.Sub)
	if errors.Is(err, domain.ErrNotFound) {
		return h.customers.EnsureCustomer(ctx, ws.Sub, ws.Email, "")
	}
	return cu, err
}

// account is the account screen: profile and addresses (required), recent orders (optional).
func (h *App) account(c *gin.Context) {
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
	Name        *string           `json:"name"`
	Addresses   *[]addressInput   `json:"addresses"`
	Preferences *preferencesPatch `json:"preferences"`
}

type accountPatchResponse struct {
	Profile   webProfile   `json:"profile"`
	Addresses []webAddress `json:"addresses"`
}

// updateAccount edits the profile: name, addresses and preferences (the email belongs to the
// identity provider and is not editable here). Nil fields stay as they are.
func (h *App) updateAccount(c *gin.Context) {
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
	u := customers.ProfileUpdate{Name: in.Name}
	if in.Addresses != nil {
		as := make([]customers.Address, len(*in.Addresses))
		for i, a := range *in.Addresses {
			as[i] = a.domain()
		}
		u.Addresses = &as
	}
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
