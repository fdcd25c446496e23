package localidp

import (
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// maxTokenRequestBytes caps a token endpoint request body.
const maxTokenRequestBytes = 4 << 10

// Handler serves, under Path():
//
//	GET  {path}/.well-known/jwks.json   the signing keys
//	POST {path}/oauth2/token            OAuth2 client_credentials for the configured partners
//
// Mount it in local mode, e.g. r.Any(idp.Path()+"/*rest", gin.WrapH(idp.Handler())).
func (p *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+p.Path()+"/.well-known/jwks.json", p.JWKSHandler())
	mux.Handle("POST "+p.Path()+"/oauth2/token", p.TokenHandler())
	return mux
}

// JWKSHandler serves the JWKS document.
func (p *IdP) JWKSHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(p.jwks)
	})
}

// tokenResponse is the RFC 6749 section 5.1 success body, as Cognito's /oauth2/token sends it.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

// TokenHandler is the OAuth2 token endpoint for grant_type=client_credentials with HTTP Basic
// client authentication (client_secret_basic) and an optional space-separated scope. Errors
// follow RFC 6749 section 5.2 ({"error": "..."}), which OAuth2 client libraries expect, as
// Cognito's endpoint does.
func (p *IdP) TokenHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, maxTokenRequestBytes)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(strings.ToLower(ct), "application/x-www-form-urlencoded") {
			oauthError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		if err := r.ParseForm(); err != nil {
			oauthError(w, http.StatusBadRequest, "invalid_request")
			return
		}
		id, secret, ok := r.BasicAuth()
		if ok {
			// RFC 6749 2.3.1: client_id and secret are form-urlencoded inside Basic.
			if uid, err := url.QueryUnescape(id); err == nil {
				id = uid
			}
			if us, err := url.QueryUnescape(secret); err == nil {
				secret = us
			}
		}
		pt, known := p.partners[id]
		if !ok || !known || subtle.ConstantTimeCompare([]byte(pt.ClientSecret), []byte(secret)) != 1 {
			w.Header().Set("WWW-Authenticate", `Basic realm="local-idp"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
			if gt == "" {
				oauthError(w, http.StatusBadRequest, "invalid_request")
			} else {
				oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
			}
			return
		}
		scopes := pt.Scopes
		if s := r.PostForm.Get("scope"); s != "" {
			scopes = strings.Fields(s)
			for _, sc := range scopes {
				if !slices.Contains(pt.Scopes, sc) {
					oauthError(w, http.StatusBadRequest, "invalid_scope")
					return
				}
			}
		}
		tok, err := p.clientCredentials(pt, scopes)
		if err != nil {
			oauthError(w, http.StatusInternalServerError, "server_error")
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		_ = json.NewEncoder(w).Encode(tokenResponse{AccessToken: tok, ExpiresIn: int(p.cfg.AccessTokenTTL.Seconds()), TokenType: "Bearer"})
	})
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(`{"error":"` + code + `"}`))
}
