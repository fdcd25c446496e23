package app

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

type signupRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
	Name     string `json:"name"`
}

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type confirmRequest struct {
	Email string `json:"email"`
	Code  string `json:"code"`
}

type forgotRequest struct {
	Email string `json:"email"`
}

type resetRequest struct {
	Email    string `json:"email"`
	Code     string `json:"code"`
	Password string `json:"password"`
}

type signupResponse struct {
	Confirmed       bool   `json:"confirmed"`
	CodeDestination string `json:"code_destination,omitempty"`
}

type sessionUser struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// sessionResponse is who is signed in; never any token. The CSRF token is for the app to
// echo in X-CSRF-Token: it is no credential on its own.
type sessionResponse struct {
	Authenticated bool         `json:"authenticated"`
	User          *sessionUser `json:"user,omitempty"`
	CSRFToken     string       `json:"csrf_token,omitempty"`
	ExpiresAt     string       `json:"expires_at,omitempty"`
}

func normEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

func (h *App) signup(c *gin.Context) {
	var in signupRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	requireEmail(v, "email", strings.TrimSpace(in.Email))
	requireString(v, "password", in.Password, 256)
	if len(in.Name) > 200 {
		v.Add("name", "too_long", "must be at most 200 characters")
	}
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	attrs := map[string]string{}
	if n := strings.TrimSpace(in.Name); n != "" {
		attrs["name"] = n
	}
	email := normEmail(in.Email)
	res, err := h.idp.SignUp(c.Request.Context(), identity.SignUpInput{Username: email, Password: in.Password, Email: email, Attributes: attrs})
	if err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("sign up: %w", err)))
		return
	}
	noStore(c)
	c.JSON(http.StatusCreated, signupResponse{Confirmed: res.Confirmed, CodeDestination: res.CodeDestination})
}

func (h *App) confirm(c *gin.Context) {
	var in confirmRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	requireEmail(v, "email", strings.TrimSpace(in.Email))
	requireString(v, "code", in.Code, 64)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.idp.ConfirmSignUp(c.Request.Context(), normEmail(in.Email), strings.TrimSpace(in.Code)); err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("confirm sign-up: %w", err)))
		return
	}
	noStore(c)
	c.Status(http.StatusNoContent)
}

func (h *App) login(c *gin.Context) {
	var in credentials
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	requireString(v, "email", in.Email, 254)
	requireString(v, "password", in.Password, 256)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	ctx := c.Request.Context()
	t, err := h.idp.SignIn(identity.WithSourceAddress(ctx, c.ClientIP()), normEmail(in.Email), in.Password)
	if err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("sign in: %w", err)))
		return
	}
	ws, err := h.sess.start(ctx, c, t)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	// First sign-in creates the customer profile with the name given at sign-up (a user pool
	// attribute, read once here); the profile's name is the one that counts from then on.
	name := ""
	if _, err := h.customers.GetCustomer(ctx, ws.Sub); errors.Is(err, domain.ErrNotFound) {
		if u, err := h.idp.GetUser(ctx, t.AccessToken); err == nil {
			name = strings.TrimSpace(u.Attributes["name"])
		}
	}
	cu, err := h.customers.EnsureCustomer(ctx, ws.Sub, ws.Email, name)
	if err != nil {
		h.sess.clear(c)
		problem.Abort(c, fmt.Errorf("ensure customer %s: %w", ws.Sub, err))
		return
	}
	noStore(c)
	c.JSON(http.StatusOK, h.sessionBody(ws, cu.Name))
}

func (h *App) sessionBody(ws *webSession, name string) sessionResponse {
	return sessionResponse{
		Authenticated: true, User: &sessionUser{ID: ws.Sub, Email: ws.Email, Name: name},
		CSRFToken: ws.CSRF, ExpiresAt: isoTime(ws.Created.Add(h.cfg.Session.TTL)),
	}
}

func (h *App) whoami(c *gin.Context) {
	noStore(c)
	ws := current(c)
	if ws == nil {
		c.JSON(http.StatusOK, sessionResponse{Authenticated: false})
		return
	}
	name := ""
	if cu, err := h.customers.GetCustomer(c.Request.Context(), ws.Sub); err == nil {
		name = cu.Name
	} else if !errors.Is(err, domain.ErrNotFound) {
		problem.Abort(c, fmt.Errorf("get customer %s: %w", ws.Sub, err))
		return
	}
	c.JSON(http.StatusOK, h.sessionBody(ws, name))
}

// logout revokes the refresh token (and with it the access tokens issued from it) and
// deletes the cookies. Without a (valid) session it only deletes the cookies.
func (h *App) logout(c *gin.Context) {
	noStore(c)
	if err := h.sess.checkOrigin(c); err != nil {
		problem.Abort(c, err)
		return
	}
	ws, rc, err := h.sess.load(c)
	if err == nil {
		err = h.sess.checkRevoked(c.Request.Context(), ws)
	}
	if err != nil && !errors.Is(err, domain.ErrUnavailable) { // no session, or one already ended
		h.sess.clear(c)
		c.Status(http.StatusNoContent)
		return
	} else if err != nil {
		problem.Abort(c, err)
		return
	}
	got := c.GetHeader(headerCSRF)
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ws.CSRF)) != 1 {
		problem.Abort(c, problem.New(http.StatusForbidden, codeCSRF, "The CSRF token is missing or wrong."))
		return
	}
	// Recorded first: from here on no instance accepts a copy of these cookies, even while
	// their access token is valid and before the next revalidation.
	if err := h.sess.revoke(c.Request.Context(), ws); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.idp.RevokeToken(c.Request.Context(), rc.Refresh); err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("logout: revoke refresh token: %w", err)))
		return
	}
	h.sess.clear(c)
	c.Status(http.StatusNoContent)
}

func (h *App) forgot(c *gin.Context) {
	var in forgotRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	requireEmail(v, "email", strings.TrimSpace(in.Email))
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.idp.ForgotPassword(c.Request.Context(), normEmail(in.Email)); err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("forgot password: %w", err)))
		return
	}
	noStore(c)
	c.Status(http.StatusAccepted)
}

func (h *App) reset(c *gin.Context) {
	var in resetRequest
	if err := decodeJSON(c, &in); err != nil {
		problem.Abort(c, err)
		return
	}
	v := &domain.ValidationError{}
	requireEmail(v, "email", strings.TrimSpace(in.Email))
	requireString(v, "code", in.Code, 64)
	requireString(v, "password", in.Password, 256)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if err := h.idp.ConfirmForgotPassword(c.Request.Context(), normEmail(in.Email), strings.TrimSpace(in.Code), in.Password); err != nil {
		problem.Abort(c, identity.Problem(fmt.Errorf("reset password: %w", err)))
		return
	}
	noStore(c)
	c.Status(http.StatusNoContent)
}

func noStore(c *gin.Context) { c.Header("Cache-Control", "private, no-store") }
