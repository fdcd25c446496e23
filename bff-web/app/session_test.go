package app

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/session"
)

const demoPassword = "Demo-Passw0rd!"

// TestSessionLifecycle walks a browser session over HTTP: sign up → confirm → login → an
// authenticated screen → access token expiry → transparent refresh → logout → the cookies
// (the browser's, and a copy an attacker kept) no longer work.
func TestSessionLifecycle(t *testing.T) {
	a := newTestApp(t, map[string]string{
		"BFF_LOCAL_IDP_ACCESS_TTL":   "1m",
		"BFF_SESSION_REFRESH_MARGIN": "0s",
		"BFF_SESSION_REVALIDATE":     "0s",
	})
	b := a.browser(t)
	const email, password = "new.user@example.com", "Str0ng!Passw0rd"

	res := b.do("POST", "/auth/signup", signupRequest{Email: email, Password: password, Name: "New User"})
	if res.status != http.StatusCreated {
		t.Fatalf("POST /auth/signup = %d %s, want 201", res.status, res.body)
	}
	if res := b.do("POST", "/auth/login", credentials{email, password}); res.status != http.StatusForbidden && res.status != http.StatusUnauthorized {
		t.Fatalf("POST /auth/login before confirmation = %d %s, want 401/403", res.status, res.body)
	}
	if res := b.do("POST", "/auth/confirm", confirmRequest{Email: email, Code: "123456"}); res.status != http.StatusNoContent {
		t.Fatalf("POST /auth/confirm = %d %s, want 204", res.status, res.body)
	}

	s := b.login(email, password)
	if !s.Authenticated || s.User == nil || s.User.Email != email || s.CSRFToken == "" {
		t.Fatalf("login = %+v, want the user and a CSRF token", s)
	}
	if s.User.Name != "New User" {
		t.Errorf("login user name = %q, want the name given at sign-up %q", s.User.Name, "New User")
	}
	if res := b.do("GET", "/auth/session", nil); !strings.Contains(string(res.body), email) {
		t.Errorf("GET /auth/session = %s, want the user", res.body)
	}
	for _, name := range []string{"__Host-" + cookieSession, "__Host-" + cookieRefresh} {
		if b.jar[name] == "" {
			t.Fatalf("cookies after login = %v, want %s", keys(b.jar), name)
		}
	}
	if strings.Contains(string(res.body), "eyJ") {
		t.Errorf("a response body holds a JWT: %s", res.body)
	}

	res = b.do("GET", "/api/account", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/account = %d %s, want 200", res.status, res.body)
	}
	var acc accountResponse
	res.json(t, &acc)
	if acc.Profile.Email != email {
		t.Errorf("account email = %q, want %q", acc.Profile.Email, email)
	}

	// Let the access token expire (on the BFF's clock): the next call refreshes it and
	// reseals the session.
	var ws webSession
	kr, _ := session.ParseKeys(testKey)
	if err := kr.OpenJSON(cookieSession, b.jar["__Host-"+cookieSession], time.Now(), &ws); err != nil {
		t.Fatalf("open session cookie: %v", err)
	}
	oldCookies := map[string]string{}
	for k, v := range b.jar {
		oldCookies[k] = v
	}
	a.advanceClock(ws.AccessExp.Add(time.Second))
	res = b.do("GET", "/api/account", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET /api/account after expiry = %d %s, want 200 (transparent refresh)", res.status, res.body)
	}
	if b.jar["__Host-"+cookieSession] == oldCookies["__Host-"+cookieSession] {
		t.Fatalf("session cookie after expiry unchanged, want a refreshed session")
	}
	var refreshed webSession
	if err := kr.OpenJSON(cookieSession, b.jar["__Host-"+cookieSession], time.Now(), &refreshed); err != nil {
		t.Fatalf("open refreshed cookie: %v", err)
	}
	if refreshed.Access == ws.Access || !refreshed.CheckedAt.After(ws.CheckedAt) || refreshed.ID != ws.ID || refreshed.CSRF != ws.CSRF {
		t.Errorf("refreshed session = exp %v, same sid %v, same csrf %v, want a new token, same session", refreshed.AccessExp, refreshed.ID == ws.ID, refreshed.CSRF == ws.CSRF)
	}

	res = b.do("POST", "/auth/logout", nil)
	if res.status != http.StatusNoContent {
		t.Fatalf("POST /auth/logout = %d %s, want 204", res.status, res.body)
	}
	if len(b.jar) != 0 {
		t.Errorf("cookies after logout = %v, want none", keys(b.jar))
	}
	if res := b.do("GET", "/api/account", nil); res.status != http.StatusUnauthorized || res.problem(t).Code != codeUnauthenticated {
		t.Errorf("GET /api/account after logout = %d %s, want 401 unauthenticated", res.status, res.body)
	}
	if res := b.do("GET", "/auth/session", nil); !strings.Contains(string(res.body), `"authenticated":false`) {
		t.Errorf("GET /auth/session after logout = %s, want authenticated false", res.body)
	}
	// A copy of the cookies kept from before logout is dead too: the refresh token was revoked.
	b.jar = oldCookies
	if res := b.do("GET", "/api/account", nil); res.status != http.StatusUnauthorized || res.problem(t).Code != codeSessionInvalid {
		t.Errorf("GET /api/account with cookies from before logout = %d %s, want 401 session_invalid", res.status, res.body)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestCSRF(t *testing.T) {
	a := newTestApp(t, nil)
	patch := map[string]any{"name": "Demo Person"}
	tests := []struct {
		name              string
		method, path      string
		body              any
		csrf, origin, ref string
		wantStatus        int
		wantCode          string
	}{
		{"no token", "PATCH", "/api/account", patch, "-", siteOrigin, "", 403, codeCSRF},
		{"wrong token", "PATCH", "/api/account", patch, "wrong", siteOrigin, "", 403, codeCSRF},
		{"foreign origin", "PATCH", "/api/account", patch, "", "https://evil.example", "", 403, codeOrigin},
		{"null origin", "PATCH", "/api/account", patch, "", "null", "", 403, codeOrigin},
		{"foreign referer", "PATCH", "/api/account", patch, "", "-", "https://evil.example/page", 403, codeOrigin},
		{"order without token", "POST", "/api/orders", map[string]any{"lines": []any{}}, "-", siteOrigin, "", 403, codeCSRF},
		{"cancel without token", "POST", "/api/orders/ord_x/cancel", nil, "-", siteOrigin, "", 403, codeCSRF},
		{"logout without token", "POST", "/auth/logout", nil, "-", siteOrigin, "", 403, codeCSRF},
		{"logout wrong token", "POST", "/auth/logout", nil, "wrong", siteOrigin, "", 403, codeCSRF},
		{"login from foreign origin", "POST", "/auth/login", credentials{localidp.DemoUser, demoPassword}, "", "https://evil.example", "", 403, codeOrigin},
		{"signup from foreign origin", "POST", "/auth/signup", signupRequest{Email: "x@example.com", Password: "Str0ng!Passw0rd"}, "", "https://evil.example", "", 403, codeOrigin},
		{"good token, allowed origin", "PATCH", "/api/account", patch, "", siteOrigin, "", 200, ""},
		{"good token, same origin", "PATCH", "/api/account", patch, "", "http://example.com", "", 200, ""},
		{"good token, no origin (not a browser)", "PATCH", "/api/account", patch, "", "-", "", 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser(t)
			b.login(localidp.DemoUser, demoPassword)
			switch tt.csrf {
			case "-":
				b.csrf = ""
			case "":
			default:
				b.csrf = tt.csrf
			}
			b.origin = tt.origin
			if tt.origin == "-" {
				b.origin = ""
			}
			res := b.do(tt.method, tt.path, tt.body, "Referer", tt.ref)
			if res.status != tt.wantStatus {
				t.Fatalf("%s %s = %d %s, want %d", tt.method, tt.path, res.status, res.body, tt.wantStatus)
			}
			if tt.wantCode != "" {
				if p := res.problem(t); p.Code != tt.wantCode {
					t.Errorf("%s %s code = %q, want %q", tt.method, tt.path, p.Code, tt.wantCode)
				}
			}
		})
	}
}

// TestBadSessionCookies: every cookie that does not open is 401 with the cookies deleted, never 500.
func TestBadSessionCookies(t *testing.T) {
	a := newTestApp(t, nil)
	good := a.browser(t)
	good.login(localidp.DemoUser, demoPassword)
	other := a.browser(t)
	other.login(localidp.DemoUser, demoPassword)
	sName, rName := "__Host-"+cookieSession, "__Host-"+cookieRefresh
	kr, _ := session.ParseKeys(testKey)
	var ws webSession
	if err := kr.OpenJSON(cookieSession, good.jar[sName], time.Now(), &ws); err != nil {
		t.Fatal(err)
	}
	foreign, _ := session.NewKeyring(session.GenerateKey())
	foreignSealed, _ := foreign.SealJSON(cookieSession, ws, time.Now().Add(time.Hour))
	expired, _ := kr.SealJSON(cookieSession, ws, time.Now().Add(-time.Second))
	tampered := []byte(good.jar[sName])
	tampered[40] ^= 1
	wrongName, _ := kr.SealJSON(cookieRefresh, ws, time.Now().Add(time.Hour))
	forgedAccess := ws
	forgedAccess.Access = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."
	forged, _ := kr.SealJSON(cookieSession, forgedAccess, time.Now().Add(time.Hour))

	tests := []struct {
		name     string
		session  string
		refresh  string
		wantCode string
	}{
		{"tampered", string(tampered), good.jar[rName], codeSessionInvalid},
		{"expired", expired, good.jar[rName], codeSessionInvalid},
		{"foreign key", foreignSealed, good.jar[rName], codeSessionInvalid},
		{"sealed for the other cookie", wrongName, good.jar[rName], codeSessionInvalid},
		{"refresh cookie of another session", good.jar[sName], other.jar[rName], codeSessionInvalid},
		{"missing refresh cookie", good.jar[sName], "", codeSessionInvalid},
		{"garbage", "not-a-session", "x", codeSessionInvalid},
		{"forged access token inside a valid seal", forged, good.jar[rName], codeSessionInvalid},
		{"no cookies", "", "", codeUnauthenticated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser(t)
			if tt.session != "" {
				b.jar[sName] = tt.session
			}
			if tt.refresh != "" {
				b.jar[rName] = tt.refresh
			}
			res := b.do("GET", "/api/account", nil)
			if res.status != http.StatusUnauthorized {
				t.Fatalf("GET /api/account = %d %s, want 401", res.status, res.body)
			}
			if p := res.problem(t); p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if tt.wantCode == codeSessionInvalid && len(b.jar) != 0 {
				t.Errorf("cookies after 401 = %v, want deleted", keys(b.jar))
			}
		})
	}
	t.Run("optional session on home", func(t *testing.T) {
		b := a.browser(t)
		b.jar[sName], b.jar[rName] = string(tampered), good.jar[rName]
		res := b.do("GET", "/api/home", nil)
		var h homeResponse
		res.json(t, &h)
		if res.status != http.StatusOK || h.SignedIn || len(b.jar) != 0 {
			t.Errorf("GET /api/home with a tampered cookie = %d signed_in=%v cookies=%v, want 200 signed out, cookies deleted", res.status, h.SignedIn, keys(b.jar))
		}
	})
	t.Run("good session still works", func(t *testing.T) {
		if res := good.do("GET", "/api/account", nil); res.status != http.StatusOK {
			t.Errorf("GET /api/account = %d %s, want 200", res.status, res.body)
		}
	})
}

func TestLoginErrors(t *testing.T) {
	a := newTestApp(t, nil)
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantCode   string
		wantField  string
	}{
		{"wrong password", credentials{localidp.DemoUser, "Wrong-Passw0rd!"}, 401, "", ""},
		{"unknown user", credentials{"nobody@example.com", demoPassword}, 401, "", ""},
		{"missing password", map[string]any{"email": localidp.DemoUser}, 400, "validation_failed", "password"},
		{"unknown field", map[string]any{"email": localidp.DemoUser, "password": "x", "remember": true}, 400, "validation_failed", "remember"},
		{"wrong type", map[string]any{"email": 5, "password": "x"}, 400, "validation_failed", "email"},
		{"not json", "{", 400, "bad_request", ""},
		{"empty", "", 400, "bad_request", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser(t)
			res := b.do("POST", "/auth/login", tt.body)
			if res.status != tt.wantStatus {
				t.Fatalf("POST /auth/login = %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			p := res.problem(t)
			if tt.wantCode != "" && p.Code != tt.wantCode {
				t.Errorf("code = %q, want %q", p.Code, tt.wantCode)
			}
			if tt.wantField != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField) {
				t.Errorf("errors = %+v, want field %s", p.Errors, tt.wantField)
			}
			if len(b.jar) != 0 {
				t.Errorf("cookies after failed login = %v, want none", keys(b.jar))
			}
		})
	}
}

// TestKeyRotation: a process with the keys "new,old" opens sessions sealed with old and seals
// with new; a process with only the new key refuses the old sessions (401, never 500).
func TestKeyRotation(t *testing.T) {
	old := newTestApp(t, nil)
	b := old.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	newKey := session.EncodeKey(session.GenerateKey())

	rotated := newTestApp(t, map[string]string{"BFF_SESSION_KEYS": newKey + "," + testKey, "BFF_SESSION_REVALIDATE": "0s"})
	b.app = rotated
	sealedOld := b.jar["__Host-"+cookieSession]
	if res := b.do("GET", "/api/account", nil); res.status != http.StatusOK {
		t.Fatalf("GET /api/account with an old-key session on new,old = %d %s, want 200", res.status, res.body)
	}
	resealed := b.jar["__Host-"+cookieSession]
	if resealed == sealedOld {
		t.Fatalf("session not resealed after revalidation")
	}
	newOnly, _ := session.ParseKeys(newKey)
	var ws webSession
	if err := newOnly.OpenJSON(cookieSession, resealed, time.Now(), &ws); err != nil {
		t.Errorf("resealed session does not open with the new key alone: %v", err)
	}

	only := newTestApp(t, map[string]string{"BFF_SESSION_KEYS": newKey})
	stale := old.browser(t)
	stale.login(localidp.DemoUser, demoPassword)
	stale.app = only
	if res := stale.do("GET", "/api/account", nil); res.status != http.StatusUnauthorized {
		t.Errorf("GET /api/account with an old-key session after the old key was dropped = %d, want 401", res.status)
	}
}

func TestAccountPatch(t *testing.T) {
	a := newTestApp(t, nil)
	b := a.browser(t)
	b.login(localidp.DemoUser, demoPassword)
	tests := []struct {
		name       string
		body       any
		wantStatus int
		wantField  string
	}{
		{"nothing to change", map[string]any{}, 400, ""},
		{"email is not editable", map[string]any{"email": "x@example.com"}, 400, "email"},
		{"bad address", map[string]any{"addresses": []any{map[string]any{"name": "A", "line1": "B", "city": "C", "postal_code": "1", "country": "Germany"}}}, 400, "addresses[0].country"},
		{"newsletter as text", map[string]any{"preferences": map[string]any{"newsletter": "yes"}}, 400, "preferences.newsletter"},
		{"name and preferences", map[string]any{"name": "Alice M.", "preferences": map[string]any{"newsletter": true, "language": "fr"}}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := b.do("PATCH", "/api/account", tt.body)
			if res.status != tt.wantStatus {
				t.Fatalf("PATCH /api/account = %d %s, want %d", res.status, res.body, tt.wantStatus)
			}
			if tt.wantStatus != 200 {
				p := res.problem(t)
				if tt.wantField != "" && (len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField) {
					t.Errorf("errors = %+v, want field %s", p.Errors, tt.wantField)
				}
				return
			}
			var out accountPatchResponse
			res.json(t, &out)
			if out.Profile.Name != "Alice M." || !out.Profile.Newsletter || out.Profile.Language != "fr" {
				t.Errorf("patched profile = %+v", out.Profile)
			}
		})
	}
}

// TestPreflight: the SPA's origin may send the CSRF header with credentials; others may not.
func TestPreflight(t *testing.T) {
	a := newTestApp(t, nil)
	tests := []struct {
		origin     string
		wantStatus int
	}{
		{siteOrigin, http.StatusNoContent},
		{"https://evil.example", http.StatusForbidden},
	}
	for _, tt := range tests {
		req := httptest.NewRequest("OPTIONS", "/api/account", nil)
		req.Header.Set("Origin", tt.origin)
		req.Header.Set("Access-Control-Request-Method", "PATCH")
		req.Header.Set("Access-Control-Request-Headers", "content-type,x-csrf-token")
		rec := httptest.NewRecorder()
		a.engine.ServeHTTP(rec, req)
		if rec.Code != tt.wantStatus {
			t.Errorf("preflight from %s = %d, want %d", tt.origin, rec.Code, tt.wantStatus)
		}
		if tt.wantStatus == http.StatusNoContent {
			h := rec.Header()
			if h.Get("Access-Control-Allow-Origin") != siteOrigin || h.Get("Access-Control-Allow-Credentials") != "true" ||
				!strings.Contains(strings.ToLower(h.Get("Access-Control-Allow-Headers")), "x-csrf-token") {
				t.Errorf("preflight headers = %v, want origin, credentials and X-CSRF-Token allowed", h)
			}
		}
	}
}
