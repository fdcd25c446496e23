package app

import (
	"errors"
	"fmt"
	"net/http"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

type orderList struct {
	Locale     string            `json:"locale"`
	Items      []webOrderSummary `json:"items"`
	NextCursor string            `json:"next_cursor,omitempty"`
}

func (h *App) listOrders(c *gin.Context) {
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
	Lines []orderLineInput `json:"lines"`
	// ShippingAddress, when absent, is the profile's default address.
	ShippingAddress *addressInput `json:"shipping_address"`
	// PaymentToken is the card processor's token of the card to pay with (required).
	PaymentToken string `json:"payment_token"`
}

func (h *App) placeOrder(c *gin.Context) {
	ws := current(c)
	var in placeOrderRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	var addr customers.Address
	if in.ShippingAddress != nil {
		addr = in.ShippingAddress.domain()
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
	po := orders.PlaceOrderInput{CustomerID: ws.Sub, Channel: orders.ChannelWeb, ShippingAddress: addr,
		PaymentMethod: orders.PaymentCard, PaymentToken: in.PaymentToken}
	if in.Lines != nil {
		po.Lines = make([]orders.LineInput, len(in.Lines))
		for i, l := range in.Lines {
			po.Lines[i] = l.domain()
		}
	}
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
	// Checkout runs as a saga (payment, stock, confirmation): answer at once, the order is
	// pending; GET Location shows it become confirmed or cancelled. Starting twice (a
	// replayed request) runs it once.
	if err := checkout.Begin(ctx, h.checkout, h.orders, o); err != nil {
		problem.Abort(c, fmt.Errorf("start checkout of %s: %w", o.ID, err))
		return
	}
	m := h.mapper(c)
	c.Header("Location", "/api/orders/"+o.ID)
	httpcache.JSON(c, http.StatusAccepted, httpcache.Private, m.order(o))
}

// ownOrder returns the order id if it belongs to the signed-in customer; anyone else's
// order is not found, so its existence is not revealed.
func (h *App) ownOrder(c *gin.Context) (orders.Order, error) {
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

func (h *App) getOrder(c *gin.Context) {
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// PrivateCached: an ETag, so polling for the checkout's outcome gets 304 until it changes.
	httpcache.JSON(c, http.StatusOK, httpcache.PrivateCached(0), h.mapper(c).order(o))
}

func (h *App) cancelOrder(c *gin.Context) {
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
	// A card order's payment is released too: voided, or refunded once captured.
	if err := checkout.AfterCancel(c.Request.Context(), h.payments, o); err != nil {
		problem.Abort(c, err)
		return
	}
	httpcache.JSON(c, http.StatusOK, httpcache.Private, h.mapper(c).order(o))
}
