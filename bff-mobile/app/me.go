package app

import (
	"net/http"
	"strings"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

func (h *App) ensureCustomer(c *gin.Context) (customers.Customer, error) {
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

// getMe is the profile with the order summary read model (orders_summary); a summary that
// cannot be read is left out (logged), the profile is still served.
func (h *App) getMe(c *gin.Context) {
	cu, err := h.ensureCustomer(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	m := toMe(cu)
	if s, err := h.readModels.Summary(c.Request.Context(), cu.ID); err != nil {
		h.logger.WarnContext(c.Request.Context(), "order summary unavailable", "error", err.Error())
	} else {
		m.OrdersSummary = toOrdersSummary(s, localeOf(c))
	}
	sendJSON(c, http.StatusOK, personal, m)
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

func (h *App) patchMe(c *gin.Context) {
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
			as[i] = fromAddress(a)
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
