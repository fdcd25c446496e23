package app

import (
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/httpcache"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

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

func (h *App) login(c *gin.Context) {
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
	sendJSON(c, http.StatusOK, httpcache.Private, t)
}

func (h *App) refresh(c *gin.Context) {
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
	sendJSON(c, http.StatusOK, httpcache.Private, t)
}

func (h *App) logout(c *gin.Context) {
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

func (h *App) signup(c *gin.Context) {
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
	sendJSON(c, http.StatusCreated, httpcache.Private, SignupResult{Confirmed: res.Confirmed, CodeDestination: res.CodeDestination})
}

func (h *App) confirm(c *gin.Context) {
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
