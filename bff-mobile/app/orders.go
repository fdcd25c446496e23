package app

import (
	"bffsuite.dev/shared/checkout"
	"errors"
	"fmt"
	"net/http"

	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// OrderList is one page of the user's orders, newest first.
type OrderList struct {
	Items      []OrderSummary `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (h *App) listOrders(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
	limit := queryInt(c, v, "limit", defaultLimit, 1, maxLimit)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	page, err := h.orders.ListOrdersByCustomer(c.Request.Context(), subject(c), c.Query("cursor"), limit)
	if err != nil {
		problem.Abort(c, cursorProblem(err))
		return
	}
	out := OrderList{Items: make([]OrderSummary, len(page.Items)), NextCursor: page.NextCursor}
	for i, o := range page.Items {
		out.Items[i] = toOrderSummary(o, loc)
	}
	sendJSON(c, http.StatusOK, personal, out)
}

// ownOrder returns the order when it belongs to the caller; others' orders do not exist.
func (h *App) ownOrder(c *gin.Context) (orders.Order, error) {
	id := c.Param("id")
	o, err := h.orders.GetOrder(c.Request.Context(), id)
	if err != nil {
		return orders.Order{}, err
	}
	if o.CustomerID != subject(c) {
		return orders.Order{}, fmt.Errorf("order %s of another customer: %w", id, domain.ErrNotFound)
	}
	return o, nil
}

func (h *App) getOrder(c *gin.Context) {
	loc := localeOf(c)
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, personal, toOrderDetail(o, loc))
}

func (h *App) cancelOrder(c *gin.Context) {
	loc := localeOf(c)
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if o, err = h.orders.CancelOrder(c.Request.Context(), o.ID); err != nil {
		problem.Abort(c, err)
		return
	}
	// A card order's payment is released too: voided, or refunded once captured.
	if err := checkout.AfterCancel(c.Request.Context(), h.payments, o); err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, personal, toOrderDetail(o, loc))
}

type orderLineRequest struct {
	ProductID string `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Quantity  int64  `json:"quantity"`
}

func (l orderLineRequest) domain() orders.LineInput {
	return orders.LineInput{ProductID: l.ProductID, SKU: l.SKU, Quantity: l.Quantity}
}

type placeOrderRequest struct {
	Lines []orderLineRequest `json:"lines"`
	// ShippingAddress defaults to the customer's default (or only) address.
	ShippingAddress *Address `json:"shipping_address,omitempty"`
	// PaymentToken is the card processor's token of the card to pay with (required).
	PaymentToken string `json:"payment_token"`
}

func (h *App) placeOrder(c *gin.Context) {
	loc := localeOf(c)
	var in placeOrderRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	cu, err := h.ensureCustomer(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	po := orders.PlaceOrderInput{CustomerID: cu.ID, Channel: orders.ChannelMobile, Lines: make([]orders.LineInput, len(in.Lines)),
		PaymentMethod: orders.PaymentCard, PaymentToken: in.PaymentToken}
	for i, l := range in.Lines {
		po.Lines[i] = l.domain()
	}
	switch {
	case in.ShippingAddress != nil:
		po.ShippingAddress = fromAddress(*in.ShippingAddress)
	default:
		a, ok := defaultAddress(cu.Addresses)
		if !ok {
			v := &domain.ValidationError{}
			v.Add("shipping_address", "required", "send an address, or save one in the profile first")
			problem.Abort(c, v)
			return
		}
		po.ShippingAddress = a
	}
	scope, key, keyed := idempotency.KeyFrom(ctx)
	if keyed {
		// The order id follows from the key, so a retry after a crash between creating the
		// order and storing the response finds the order instead of placing a second one.
		po.OrderID = idempotency.DeriveID("ord_", "bff-mobile.orders", scope, key)
	}
	o, err := h.orders.PlaceOrder(ctx, po)
	if err != nil && keyed && errors.Is(err, domain.ErrConflict) {
		if prev, gerr := h.orders.GetOrder(ctx, po.OrderID); gerr == nil && prev.CustomerID == cu.ID {
			o, err = prev, nil
		}
	}
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// Checkout runs as a saga: answer at once with the order pending; GET Location (with
	// If-None-Match) shows it become confirmed or cancelled with a reason.
	if err := checkout.Begin(ctx, h.checkout, h.orders, o); err != nil {
		problem.Abort(c, err)
		return
	}
	c.Header("Location", "/v1/orders/"+o.ID)
	sendJSON(c, http.StatusAccepted, personal, toOrderDetail(o, loc))
}

func defaultAddress(as []customers.Address) (customers.Address, bool) {
	for _, a := range as {
		if a.Default {
			return a, true
		}
	}
	if len(as) > 0 {
		return as[0], true
	}
	return customers.Address{}, false
}
