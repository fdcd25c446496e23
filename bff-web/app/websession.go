package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/session"
	"github.com/gin-gonic/gin"
)

// Browser sessions (the token handler pattern of "OAuth 2.0 for Browser-Based Applications"):
// the tokens never reach JavaScript. They live in two sealed, HttpOnly cookies: the session
// cookie (access token and what we know of the user) and the refresh cookie (refresh token),
// split because Cognito's tokens together come close to the 4 KB a browser keeps per cookie.
// Both carry the same random session id, so one session's refresh cookie cannot be paired
// with another's session cookie. The CSRF token is sealed in the session too and handed to the
// app in the login and /auth/session bodies; the app echoes it in X-CSRF-Token.

const (
	cookieSession = "bff_session"
	cookieRefresh = "bff_refresh"
	headerCSRF    = "X-CSRF-Token"
)

// webSession is the sealed content of the session cookie.
type webSession struct {
	ID        string    `json:"sid"`
	Sub       string    `json:"sub"`
	Username  string    `json:"usr"`
	Email     string    `json:"eml,omitempty"`
	Name      string    `json:"nam,omitempty"`
	Access    string    `json:"at"`
	AccessExp time.Time `json:"ax"`
	CheckedAt time.Time `json:"chk"`
	CSRF      string    `json:"csrf"`
	Created   time.Time `json:"crt"`
}

// refreshCookie is the sealed content of the refresh cookie.
type refreshCookie struct {
	ID      string `json:"sid"`
	Refresh string `json:"rt"`
}

// Problem codes of the session layer.
const (
	codeUnauthenticated = "unauthenticated"
	codeSessionInvalid  = "session_invalid"
	codeCSRF            = "csrf_failed"
	codeOrigin          = "origin_not_allowed"
)

type sessions struct {
	keys     *session.Keyring
	cookies  session.Cookies
	cfg      SessionConfig
	verifier *auth.Verifier
	idp      identity.Provider
	origins  map[string]bool
	log      *slog.Logger
	now      func() time.Time
	// revoked holds the sessions ended by logout, checked on every request: a copy of a
	// logged-out session's cookies stops working at once on every instance. Revocations
	// made elsewhere (global sign-out, disabled user) are caught by the revalidation.
	revoked revocation.Store
}

// current returns the request's session (after withSession), or nil.
func current(c *gin.Context) *webSession {
	s, _ := c.Get("web.session")
	ws, _ := s.(*webSession)
	return ws
}

func randomToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Sprintf("crypto/rand: %v", err))
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// checkOrigin refuses state-changing requests whose Origin (or, without one, Referer) is
// not an allowlisted origin or this API's own. Requests with neither (not from a browser
// page) pass here; cookie-authenticated ones still need the CSRF token.
func (s *sessions) checkOrigin(c *gin.Context) error {
	if !unsafeMethod(c.Request.Method) {
		return nil
	}
	origin := c.GetHeader("Origin")
	if origin == "" {
		ref := c.GetHeader("Referer")
		if ref == "" {
			return nil
		}
		u, err := url.Parse(ref)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return problem.New(http.StatusForbidden, codeOrigin, "The request's origin may not change state here.")
		}
		origin = u.Scheme + "://" + u.Host
	}
	if s.origins[origin] {
		return nil
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, c.Request.Host) {
		return nil // same origin
	}
	return problem.New(http.StatusForbidden, codeOrigin, "The request's origin may not change state here.")
}

// originGuard is middleware for routes that change state without a session (sign-up, login…).
func (s *sessions) originGuard(c *gin.Context) {
	if err := s.checkOrigin(c); err != nil {
		problem.Abort(c, err)
		return
	}
	c.Next()
}

// errNoSession: no session cookie at all.
var errNoSession = errors.New("no session cookie")

// load opens the cookies of r. Errors: errNoSession, or a session.Err* / id mismatch.
func (s *sessions) load(c *gin.Context) (*webSession, *refreshCookie, error) {
	raw := s.cookies.Read(c.Request, cookieSession)
	rawRefresh := s.cookies.Read(c.Request, cookieRefresh)
	if raw == "" && rawRefresh == "" {
		return nil, nil, errNoSession
	}
	now := s.now()
	var ws webSession
	if err := s.keys.OpenJSON(cookieSession, raw, now, &ws); err != nil {
		return nil, nil, fmt.Errorf("session cookie: %w", err)
	}
	var rc refreshCookie
	if err := s.keys.OpenJSON(cookieRefresh, rawRefresh, now, &rc); err != nil {
		return nil, nil, fmt.Errorf("refresh cookie: %w", err)
	}
	if ws.ID == "" || subtle.ConstantTimeCompare([]byte(ws.ID), []byte(rc.ID)) != 1 {
		return nil, nil, fmt.Errorf("cookies of different sessions: %w", session.ErrInvalid)
	}
	return &ws, &rc, nil
}

// errLoggedOut: the cookies belong to a session that was logged out.
var errLoggedOut = errors.New("session was logged out")

// checkRevoked returns errLoggedOut when ws was logged out, or the store's error (wrapping
// domain.ErrUnavailable) when that cannot be told.
func (s *sessions) checkRevoked(ctx context.Context, ws *webSession) error {
	revoked, err := s.revoked.Revoked(ctx, ws.ID)
	if err != nil {
		return fmt.Errorf("check session revocation: %w", err)
	}
	if revoked {
		return fmt.Errorf("session cookie: %w", errLoggedOut)
	}
	return nil
}

// revoke records that ws has ended, until its cookies expire anyway.
func (s *sessions) revoke(ctx context.Context, ws *webSession) error {
	if err := s.revoked.Revoke(ctx, ws.ID, ws.Created.Add(s.cfg.TTL)); err != nil {
		return fmt.Errorf("record logout: %w", err)
	}
	return nil
}

// write seals the session (and, when rc is not nil, the refresh cookie) into Set-Cookie headers.
func (s *sessions) write(c *gin.Context, ws *webSession, rc *refreshCookie) error {
	expires := ws.Created.Add(s.cfg.TTL)
	maxAge := expires.Sub(s.now())
	if maxAge < time.Second {
		return fmt.Errorf("write session: %w", session.ErrExpired)
	}
	sv, err := s.keys.SealJSON(cookieSession, ws, expires)
	if err != nil {
		return err
	}
	h := c.Writer.Header()
	if err := s.cookies.Set(h, cookieSession, sv, maxAge, true); err != nil {
		return fmt.Errorf("write session cookie: %w", err)
	}
	if rc != nil {
		rv, err := s.keys.SealJSON(cookieRefresh, rc, expires)
		if err != nil {
			return err
		}
		if err := s.cookies.Set(h, cookieRefresh, rv, maxAge, true); err != nil {
			return fmt.Errorf("write refresh cookie: %w", err)
		}
	}
	return nil
}

func (s *sessions) clear(c *gin.Context) {
	h := c.Writer.Header()
	s.cookies.Clear(h, cookieSession)
	s.cookies.Clear(h, cookieRefresh)
}

// unauthorized answers 401 and deletes the cookies, so the browser stops sending them.
func (s *sessions) unauthorized(c *gin.Context, code, detail string, cause error) {
	s.clear(c)
	problem.Abort(c, problem.Wrap(cause, http.StatusUnauthorized, code, detail))
}

// start creates a session from the tokens of a sign-in and sets its cookies.
func (s *sessions) start(ctx context.Context, c *gin.Context, t *identity.Tokens) (*webSession, error) {
	pr, err := s.verifier.Verify(ctx, t.AccessToken, auth.Access{UsersOnly: true})
	if err != nil {
		return nil, fmt.Errorf("verify access token of sign-in: %w", err)
	}
	ws := &webSession{
		ID: randomToken(), Sub: pr.Subject, Username: pr.Username, Access: t.AccessToken,
		AccessExp: pr.ExpiresAt, CheckedAt: s.now(), CSRF: randomToken(), Created: s.now(),
	}
	if t.IDToken != "" {
		idp, err := s.verifier.Verify(ctx, t.IDToken, auth.Access{Use: auth.UseID, UsersOnly: true})
		if err != nil {
			return nil, fmt.Errorf("verify id token of sign-in: %w", err)
		}
		if idp.Subject != pr.Subject {
			return nil, fmt.Errorf("id token of sign-in: subject differs from the access token: %w", auth.ErrInvalidToken)
		}
		ws.Email = idp.Email
	}
	if err := s.write(c, ws, &refreshCookie{ID: ws.ID, Refresh: t.RefreshToken}); err != nil {
		return nil, err
	}
	return ws, nil
}

// withSession is middleware that requires (required) or accepts (optional) a session. It
// checks CSRF on unsafe methods, refreshes an expiring access token with the refresh token,
// revalidates the session with the identity provider every cfg.Revalidate, verifies the
// access token, and puts the session and principal into the request context. A refreshed
// session is sealed again (Set-Cookie) on the same response.
func (s *sessions) withSession(required bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := s.checkOrigin(c); err != nil {
			problem.Abort(c, err)
			return
		}
		ws, rc, err := s.load(c)
		switch {
		case errors.Is(err, errNoSession):
			if required {
				problem.Abort(c, problem.New(http.StatusUnauthorized, codeUnauthenticated, "Sign in to continue."))
				return
			}
			c.Next()
			return
		case err != nil:
			if required || unsafeMethod(c.Request.Method) {
				s.unauthorized(c, codeSessionInvalid, "The session is invalid or has expired; sign in again.", err)
				return
			}
			s.clear(c) // an optional session that does not open: continue signed out
			c.Next()
			return
		}
		if err := s.checkRevoked(c.Request.Context(), ws); errors.Is(err, errLoggedOut) {
			if required || unsafeMethod(c.Request.Method) {
				s.unauthorized(c, codeSessionInvalid, "The session has ended; sign in again.", err)
				return
			}
			s.clear(c)
			c.Next()
			return
		} else if err != nil {
			problem.Abort(c, err) // fail closed: 503 while revocations cannot be read
			return
		}
		if unsafeMethod(c.Request.Method) {
			got := c.GetHeader(headerCSRF)
			if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(ws.CSRF)) != 1 {
				problem.Abort(c, problem.New(http.StatusForbidden, codeCSRF, "The CSRF token is missing or wrong."))
				return
			}
		}
		ctx := c.Request.Context()
		now := s.now()
		changed := false
		switch {
		case !now.Before(ws.AccessExp.Add(-s.cfg.RefreshMargin)):
			t, err := s.idp.Refresh(ctx, ws.Username, rc.Refresh)
			if err != nil {
				s.identityFailure(c, "refresh", err)
				return
			}
			ws.Access, ws.CheckedAt, changed = t.AccessToken, now, true
			if t.RefreshToken != "" { // rotation on
				rc.Refresh = t.RefreshToken
			} else {
				rc = nil
			}
		case now.Sub(ws.CheckedAt) >= s.cfg.Revalidate:
			if _, err := s.idp.GetUser(ctx, ws.Access); err != nil {
				s.identityFailure(c, "revalidate", err)
				return
			}
			ws.CheckedAt, changed, rc = now, true, nil
		default:
			rc = nil
		}
		pr, err := s.verifier.Verify(ctx, ws.Access, auth.Access{UsersOnly: true})
		if err != nil || pr.Subject != ws.Sub {
			s.unauthorized(c, codeSessionInvalid, "The session is invalid or has expired; sign in again.", fmt.Errorf("verify session access token: %w", err))
			return
		}
		if changed {
			ws.AccessExp = pr.ExpiresAt
			if err := s.write(c, ws, rc); err != nil {
				s.unauthorized(c, codeSessionInvalid, "The session has expired; sign in again.", err)
				return
			}
		}
		pr.Email = ws.Email
		c.Set("web.session", ws)
		c.Request = c.Request.WithContext(auth.WithPrincipal(ctx, pr))
		c.Next()
	}
}

// identityFailure maps a failed refresh or revalidation: a revoked or expired session is
// 401 with the cookies deleted; a provider outage is the provider's problem (502/429…),
// keeping the cookies so the next request can succeed.
func (s *sessions) identityFailure(c *gin.Context, what string, err error) {
	if errors.Is(err, identity.ErrTokenRevoked) || errors.Is(err, identity.ErrInvalidCredentials) || errors.Is(err, identity.ErrInvalidInput) {
		s.unauthorized(c, codeSessionInvalid, "The session has ended; sign in again.", fmt.Errorf("session %s: %w", what, err))
		return
	}
	problem.Abort(c, identity.Problem(fmt.Errorf("session %s: %w", what, err)))
}
