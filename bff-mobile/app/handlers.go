package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"bffsuite.dev/shared/aggregate"
	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/idempotency"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// The narrow views of the domain clients the handlers use.
type (
	catalogClient interface {
		SearchProducts(ctx context.Context, q catalog.Query) (catalog.Page, error)
		GetProduct(ctx context.Context, id string) (catalog.Product, error)
		ListCategories(ctx context.Context) ([]catalog.Category, error)
	}
	customerClient interface {
		EnsureCustomer(ctx context.Context, sub, email, name string) (customers.Customer, error)
		UpdateProfile(ctx context.Context, sub string, u customers.ProfileUpdate) (customers.Customer, error)
	}
	orderClient interface {
		PlaceOrder(ctx context.Context, in orders.PlaceOrderInput) (orders.Order, error)
		GetOrder(ctx context.Context, id string) (orders.Order, error)
		CancelOrder(ctx context.Context, id string) (orders.Order, error)
		ListOrdersByCustomer(ctx context.Context, customerID, cur string, limit int) (orders.Page, error)
	}
)

type handlers struct {
	catalog       catalogClient
	customers     customerClient
	orders        orderClient
	identity      identity.Provider
	devices       devices.Store
	catalogMaxAge time.Duration
	partTimeout   time.Duration
	logger        *slog.Logger
}

// Page limits of the mobile lists.
const (
	defaultLimit = 20
	maxLimit     = 50
	maxQueryText = 200
)

// ---- auth ----

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

type refreshRequest struct {
	RefreshToken string `json:"refresh_token"`
	Username     string `json:"username,omitempty"`
}

type logoutRequest struct {
	RefreshToken string `json:"refresh_token"`
}

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name,omitempty"`
}

type confirmRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

// SignupResult tells the app whether a confirmation code was sent, and where.
type SignupResult struct {
	Confirmed       bool   `json:"confirmed"`
	CodeDestination string `json:"code_destination,omitempty"`
}

func required(v *domain.ValidationError, field, val string, maxLen int) {
	switch {
	case strings.TrimSpace(val) == "":
		v.Add(field, "required", "must not be empty")
	case len(val) > maxLen || !utf8.ValidString(val):
		v.Add(field, "invalid", fmt.Sprintf("must be text of at most %d bytes", maxLen))
	}
}

// identityFailed maps an identity error once: provider errors become their problem, our own
// validation errors pass through.
func identityFailed(c *gin.Context, err error) {
	if _, ok := domain.AsValidation(err); ok {
		problem.Abort(c, err)
		return
	}
	problem.Abort(c, identity.Problem(err))
}

func (h *handlers) login(c *gin.Context) {
	var in loginRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	required(v, "username", in.Username, 256)
	required(v, "password", in.Password, 256)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	t, err := h.identity.SignIn(identity.WithSourceAddress(c.Request.Context(), c.ClientIP()), strings.TrimSpace(in.Username), in.Password)
	if err != nil {
		identityFailed(c, err)
		return
	}
	sendJSON(c, http.StatusOK, cachePolicy{noStore: true}, t)
}

func (h *handlers) refresh(c *gin.Context) {
	var in refreshRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	required(v, "refresh_token", in.RefreshToken, 8192)
	if len(in.Username) > 256 {
		v.Add("username", "invalid", "at most 256 bytes")
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	t, err := h.identity.Refresh(c.Request.Context(), in.Username, in.RefreshToken)
	if err != nil {
		identityFailed(c, err)
		return
	}
	sendJSON(c, http.StatusOK, cachePolicy{noStore: true}, t)
}

func (h *handlers) logout(c *gin.Context) {
	var in logoutRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	required(v, "refresh_token", in.RefreshToken, 8192)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.identity.RevokeToken(c.Request.Context(), in.RefreshToken); err != nil {
		identityFailed(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) signup(c *gin.Context) {
	var in signupRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	required(v, "email", in.Email, 256)
	if in.Email != "" && !strings.Contains(in.Email, "@") {
		v.Add("email", "invalid", "must be an email address")
	}
	required(v, "password", in.Password, 256)
	if len(in.Name) > 200 || !utf8.ValidString(in.Name) {
		v.Add("name", "invalid", "must be text of at most 200 bytes")
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	email := strings.TrimSpace(in.Email)
	su := identity.SignUpInput{Username: email, Password: in.Password, Email: email}
	if n := strings.TrimSpace(in.Name); n != "" {
		su.Attributes = map[string]string{"name": n}
	}
	res, err := h.identity.SignUp(c.Request.Context(), su)
	if err != nil {
		identityFailed(c, err)
		return
	}
	sendJSON(c, http.StatusCreated, cachePolicy{noStore: true}, SignupResult{Confirmed: res.Confirmed, CodeDestination: res.CodeDestination})
}

func (h *handlers) confirm(c *gin.Context) {
	var in confirmRequest
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	required(v, "email", in.Email, 256)
	required(v, "code", in.Code, 64)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.identity.ConfirmSignUp(c.Request.Context(), strings.TrimSpace(in.Email), strings.TrimSpace(in.Code)); err != nil {
		identityFailed(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// ---- catalog ----

// ProductList is one page of products.
type ProductList struct {
	Items      []Product `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"`
}

func (h *handlers) catalogPolicy() cachePolicy {
	return cachePolicy{maxAge: h.catalogMaxAge, vary: []string{"X-Device-Pixel-Ratio"}}
}

func (h *handlers) listProducts(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
	q := catalog.Query{Category: strings.TrimSpace(c.Query("category")), Text: strings.TrimSpace(c.Query("q"))}
	if len(q.Category) > catalog.MaxIDLength || !utf8.ValidString(q.Category) || strings.ContainsAny(q.Category, "#\x00") {
		v.Add("category", "invalid", "is not a category id")
	}
	if len(q.Text) > maxQueryText || !utf8.ValidString(q.Text) {
		v.Add("q", "invalid", fmt.Sprintf("must be text of at most %d bytes", maxQueryText))
	}
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
	// Keyset pages in name order: the catalog's signed cursor holds the last product's
	// (name, id), so products added while an app pages never repeat or hide others.
	q.Sort, q.Cursor, q.Limit = catalog.SortName, c.Query("cursor"), limit
	page, err := h.catalog.SearchProducts(c.Request.Context(), q)
	if err != nil {
		problem.Abort(c, cursorProblem(err))
		return
	}
	out := ProductList{Items: make([]Product, len(page.Items)), NextCursor: page.NextCursor}
	for i, p := range page.Items {
		out.Items[i] = toProduct(p, fs, dpr, loc)
	}
	sendJSON(c, http.StatusOK, h.catalogPolicy(), out)
}

func (h *handlers) getProduct(c *gin.Context) {
	loc := localeOf(c)
	v := &domain.ValidationError{}
	fs, err := parseFields(c.Query("fields"), detailFields)
	if err != nil {
		ve, _ := domain.AsValidation(err)
		v.Fields = append(v.Fields, ve.Fields...)
	}
	dpr := dprOf(c, v)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	p, err := h.catalog.GetProduct(c.Request.Context(), c.Param("id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, h.catalogPolicy(), toProductDetail(p, fs, dpr, loc))
}

// ---- feed ----

// Feed is the home screen in one call.
type Feed struct {
	Categories   []Category     `json:"categories,omitempty"`
	Featured     []Product      `json:"featured"`
	ActiveOrders []OrderSummary `json:"active_orders,omitempty"`
	// Partial names the optional parts that failed; the app shows the rest.
	Partial []string `json:"partial,omitempty"`
}

const activeOrdersScan = 20

func (h *handlers) feed(c *gin.Context) {
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
	)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := Feed{Featured: make([]Product, len(featured.Items))}
	for i, p := range featured.Items {
		out.Featured[i] = toProduct(p, fs, dpr, loc)
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
	pol := cachePolicy{vary: []string{"Authorization", "X-Device-Pixel-Ratio"}}
	if res.Partial() {
		out.Partial = res.FailedNames()
		pol.noStore = true
		for _, f := range res.Failures {
			h.logger.LogAttrs(c.Request.Context(), slog.LevelWarn, "feed part failed",
				slog.String("part", f.Name), slog.Bool("timed_out", f.TimedOut), slog.String("error", f.Err.Error()))
		}
	}
	sendJSON(c, http.StatusOK, pol, out)
}

// ---- me ----

func (h *handlers) ensureCustomer(c *gin.Context) (customers.Customer, error) {
	p, _ := auth.PrincipalFrom(c)
	email := p.Email
	if email == "" && strings.Contains(p.Username, "@") {
		email = p.Username // pools whose username is the email
	}
	if customers.Validate(customers.Customer{Email: email}) != nil {
		email = "" // not an address the profile accepts; the user can set one with PATCH
	}
	return h.customers.EnsureCustomer(c.Request.Context(), p.Subject, email, "")
}

func (h *handlers) getMe(c *gin.Context) {
	cu, err := h.ensureCustomer(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, personal, toMe(cu))
}

type mePatch struct {
	Name       *string    `json:"name"`
	Email      *string    `json:"email"`
	Language   *string    `json:"language"`
	Currency   *string    `json:"currency"`
	Newsletter *bool      `json:"newsletter"`
	Addresses  *[]Address `json:"addresses"`
}

// meField maps the domain's field paths to the members of PATCH /v1/me.
func meField(f string) string {
	return strings.TrimPrefix(f, "preferences.")
}

func (h *handlers) patchMe(c *gin.Context) {
	var in mePatch
	if err := decodeBody(c, &in, false); err != nil {
		problem.Abort(c, err)
		return
	}
	cu, err := h.ensureCustomer(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	u := customers.ProfileUpdate{Name: in.Name, Email: in.Email}
	if in.Addresses != nil {
		as := make([]customers.Address, len(*in.Addresses))
		for i, a := range *in.Addresses {
			as[i] = customers.Address(a)
		}
		u.Addresses = &as
	}
	if in.Language != nil || in.Currency != nil || in.Newsletter != nil {
		prefs := cu.Preferences
		if in.Language != nil {
			prefs.Language = *in.Language
		}
		if in.Currency != nil {
			prefs.Currency = *in.Currency
		}
		if in.Newsletter != nil {
			prefs.Newsletter = *in.Newsletter
		}
		u.Preferences = &prefs
	}
	cu, err = h.customers.UpdateProfile(c.Request.Context(), cu.ID, u)
	if err != nil {
		if ve, ok := domain.AsValidation(err); ok {
			for i := range ve.Fields {
				ve.Fields[i].Field = meField(ve.Fields[i].Field)
			}
		}
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, personal, toMe(cu))
}

// ---- orders ----

// OrderList is one page of the user's orders, newest first.
type OrderList struct {
	Items      []OrderSummary `json:"items"`
	NextCursor string         `json:"next_cursor,omitempty"`
}

func (h *handlers) listOrders(c *gin.Context) {
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
func (h *handlers) ownOrder(c *gin.Context) (orders.Order, error) {
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

func (h *handlers) getOrder(c *gin.Context) {
	loc := localeOf(c)
	o, err := h.ownOrder(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	sendJSON(c, http.StatusOK, personal, toOrderDetail(o, loc))
}

func (h *handlers) cancelOrder(c *gin.Context) {
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
	sendJSON(c, http.StatusOK, personal, toOrderDetail(o, loc))
}

type orderLineRequest struct {
	ProductID string `json:"product_id,omitempty"`
	SKU       string `json:"sku,omitempty"`
	Quantity  int64  `json:"quantity"`
}

type placeOrderRequest struct {
	Lines []orderLineRequest `json:"lines"`
	// ShippingAddress defaults to the customer's default (or only) address.
	ShippingAddress *Address `json:"shipping_address,omitempty"`
}

func (h *handlers) placeOrder(c *gin.Context) {
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
	po := orders.PlaceOrderInput{CustomerID: cu.ID, Channel: orders.ChannelMobile, Lines: make([]orders.LineInput, len(in.Lines))}
	for i, l := range in.Lines {
		po.Lines[i] = orders.LineInput(l)
	}
	switch {
	case in.ShippingAddress != nil:
		po.ShippingAddress = customers.Address(*in.ShippingAddress)
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
	c.Header("Location", "/v1/orders/"+o.ID)
	sendJSON(c, http.StatusCreated, personal, toOrderDetail(o, loc))
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

// ---- devices ----

type deviceRequest struct {
	Platform   string `json:"platform,omitempty"`
	AppVersion string `json:"app_version,omitempty"`
}

func (h *handlers) putDevice(c *gin.Context) {
	var in deviceRequest
	if err := decodeBody(c, &in, true); err != nil {
		problem.Abort(c, err)
		return
	}
	if in.Platform == "" {
		in.Platform = strings.ToLower(strings.TrimSpace(c.GetHeader(HeaderPlatform)))
	}
	if in.AppVersion == "" {
		in.AppVersion = strings.TrimSpace(c.GetHeader(HeaderAppVersion))
	}
	v := &domain.ValidationError{}
	devices.ValidateToken(v, c.Param("token"))
	switch in.Platform {
	case devices.PlatformIOS, devices.PlatformAndroid:
	case "":
		v.Add("platform", "required", "send platform (ios or android) or the X-Platform header")
	default:
		v.Add("platform", "invalid", "must be ios or android")
	}
	if in.AppVersion != "" {
		if _, err := ParseVersion(in.AppVersion); err != nil {
			v.Add("app_version", "invalid", "must be a semantic version such as 2.3.1")
		}
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	created, err := h.devices.Put(c.Request.Context(), devices.Device{
		Token: c.Param("token"), CustomerID: subject(c), Platform: in.Platform, AppVersion: in.AppVersion, UpdatedAt: time.Now().UTC(),
	})
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if created {
		c.Status(http.StatusCreated)
		c.Writer.WriteHeaderNow()
		return
	}
	c.Status(http.StatusNoContent)
}

func (h *handlers) deleteDevice(c *gin.Context) {
	v := &domain.ValidationError{}
	devices.ValidateToken(v, c.Param("token"))
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.devices.Delete(c.Request.Context(), subject(c), c.Param("token")); err != nil {
		problem.Abort(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

// localeOf negotiates the locale of display strings (price_text, total_text…) from
// Accept-Language, as bff-web does, and marks the response as varying with it.
func localeOf(c *gin.Context) string {
	loc := money.NegotiateLocale(c.GetHeader("Accept-Language"))
	c.Header("Content-Language", loc)
	c.Writer.Header().Add("Vary", "Accept-Language")
	return loc
}
