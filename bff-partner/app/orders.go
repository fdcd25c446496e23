package app

import (
	"bffsuite.dev/shared/checkout"
	"errors"
	"fmt"
	"net/http"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// orderNamespace separates derived order ids from other derived ids.
const orderNamespace = "bff-partner/orders"

func (h *App) placeOrder(c *gin.Context) {
	var in OrderInput
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	pt := partnerOf(c)
	scope, key, _ := idempotency.KeyFrom(c)
	// The id derives from the partner and the Idempotency-Key: a retry after a crash between
	// "placed" and "response stored" meets the existing order instead of creating another.
	id := idempotency.DeriveID("ord_", orderNamespace, scope, key)
	ctx := c.Request.Context()
	o, err := h.deps.Orders.PlaceOrder(ctx, toPlaceOrderInput(in, pt.ID, id))
	if errors.Is(err, domain.ErrConflict) {
		existing, gerr := h.deps.Orders.GetOrder(ctx, id)
		switch {
		case gerr == nil && existing.PartnerID == pt.ID && sameLines(existing, in):
			o, err = existing, nil
		case gerr == nil:
			err = problem.New(http.StatusUnprocessableEntity, idempotency.CodeKeyReused,
				"This Idempotency-Key was already used with a different request; use a new key for a new operation.")
		}
	}
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// On account: stock was reserved with the order (the contract stays 201 / 409); the
	// checkout saga skips payment and confirms it.
	if h.deps.Checkout != nil {
		if err := checkout.Begin(ctx, h.deps.Checkout, h.deps.Orders, o); err != nil {
			problem.Abort(c, err)
			return
		}
	}
	c.Header("Location", "/v1/orders/"+o.ID)
	c.JSON(http.StatusCreated, toPartnerOrder(o))
}

// ownOrder reads an order of the calling partner; another partner's order is a 404 exactly
// like a missing one.
func (h *App) ownOrder(c *gin.Context) (orders.Order, error) {
	o, err := h.deps.Orders.GetOrder(c.Request.Context(), c.Param("id"))
	if err != nil {
		if _, ok := domain.AsValidation(err); ok {
			return orders.Order{}, fmt.Errorf("order %q: %w", c.Param("id"), domain.ErrNotFound)
		}
		return orders.Order{}, err
	}
	if o.PartnerID == "" || o.PartnerID != partnerOf(c).ID {
		return orders.Order{}, fmt.Errorf("order %s of another tenant: %w", o.ID, domain.ErrNotFound)
	}
	return o, nil
}

func (h *App) getOrder(c *gin.Context) {
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerOrder(o))
}

func (h *App) cancelOrder(c *gin.Context) {
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// CancelOrder is idempotent: a cancelled order (also one a concurrent request just
	// cancelled) is answered unchanged, and its stock is restored once.
	if o, err = h.deps.Orders.CancelOrder(c.Request.Context(), o.ID); err != nil {
		problem.Abort(c, err)
		return
	}
	c.JSON(http.StatusOK, toPartnerOrder(o))
}

func (h *App) listOrders(c *gin.Context) {
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, orders.MaxLimit)
	var status orders.Status
	if s, ok := c.GetQuery("status"); ok {
		st, valid := parseStatus(s)
		if !valid {
			v.Add("status", "invalid", "must be one of pending, confirmed, shipped, delivered, cancelled")
		}
		status = st
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	page, err := h.deps.Orders.ListOrdersByPartner(c.Request.Context(), partnerOf(c).ID, status, c.Query("cursor"), limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := OrderPage{Items: make([]Order, 0, len(page.Items)), NextCursor: page.NextCursor, HasMore: page.NextCursor != ""}
	for _, o := range page.Items {
		out.Items = append(out.Items, toPartnerOrder(o))
	}
	c.JSON(http.StatusOK, out)
}
