package localidp

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxTokenRequestBytes caps a token endpoint request body.
const maxTokenRequestBytes = 4 << 10

// Handler serves, under Path():
//
//	GET  {path}/.well-known/openid-configuration   the discovery document (DiscoveryHandler)
//	GET  {path}/.well-known/jwks.json              the signing keys
//	POST {path}/oauth2/token                       OAuth2 client_credentials for the configured partners
//
// The BFFs mount the three handlers one by one (shared/platform); this mux is for tests and tools.
func (p *IdP) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+p.Path()+"/.well-known/openid-configuration", p.DiscoveryHandler())
	mux.Handle("GET "+p.Path()+"/.well-known/jwks.json", p.JWKSHandler())
	mux.Handle("POST "+p.Path()+"/oauth2/token", p.TokenHandler())
	return mux
}

// Discovery is the OpenID Provider metadata (OpenID Connect Discovery 1.0, RFC 8414) of the
// local IdP: what it really serves, at the URLs it serves them. It has no authorization or
// userinfo endpoint (users sign in through the BFFs' own APIs), so the only grant is
// client_credentials and response_types_supported is empty.
type Discovery struct {
	Issuer                            string   `json:"issuer"`
	JWKSURI                           string   `json:"jwks_uri"`
	TokenEndpoint                     string   `json:"token_endpoint"`
	TokenEndpointAuthMethodsSupported []string `json:"token_endpoint_auth_methods_supported"`
	GrantTypesSupported               []string `json:"grant_types_supported"`
	ScopesSupported                   []string `json:"scopes_supported"`
	ResponseTypesSupported            []string `json:"response_types_supported"`
	SubjectTypesSupported             []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported  []string `json:"id_token_signing_alg_values_supported"`
	ClaimsSupported                   []string `json:"claims_supported"`
}

// Discovery returns the discovery document: issuer, jwks_uri and token_endpoint all under the
// issuer URL, scopes the union of the partners' scopes and the user tokens' scope.
func (p *IdP) Discovery() Discovery {
	scopes := []string{"aws.cognito.signin.user.admin"}
	for _, pt := range p.partners {
		for _, s := range pt.Scopes {
			if !slices.Contains(scopes, s) {
				scopes = append(scopes, s)
			}
		}
	}
	slices.Sort(scopes)
	return Discovery{
		Issuer:                            p.cfg.Issuer,
		JWKSURI:                           p.cfg.Issuer + "/.well-known/jwks.json",
		TokenEndpoint:                     p.cfg.Issuer + "/oauth2/token",
		TokenEndpointAuthMethodsSupported: []string{"client_secret_basic"},
		GrantTypesSupported:               []string{"client_credentials"},
		ScopesSupported:                   scopes,
		ResponseTypesSupported:            []string{},
		SubjectTypesSupported:             []string{"public"},
		IDTokenSigningAlgValuesSupported:  []string{"RS256"},
		ClaimsSupported: []string{"sub", "iss", "aud", "exp", "iat", "auth_time", "jti", "token_use", "client_id", "scope",
			"username", "cognito:username", "cognito:groups", "email", "email_verified", "origin_jti", "event_id"},
	}
}

// DiscoveryHandler serves Discovery as JSON.
func (p *IdP) DiscoveryHandler() http.Handler {
	doc, err := json.Marshal(p.Discovery())
	if err != nil {
		panic(fmt.Sprintf("local idp: discovery document: %v", err)) // plain strings only: cannot happen
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "public, max-age=300")
		_, _ = w.Write(doc)
	})
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
// Cognito's endpoint does. Failed client authentication is throttled per client_id (known or
// not) and source address, and per source address (attempts.go): 429 with Retry-After and
// {"error":"too_many_requests"}.
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
		src, now := sourceOf(r), p.now()
		if wait := p.clients.wait(now, id, src); wait > 0 {
			secs := max(1, int((wait+time.Second-1)/time.Second))
			w.Header().Set("Retry-After", strconv.Itoa(secs))
			oauthError(w, http.StatusTooManyRequests, "too_many_requests")
			return
		}
		pt, known := p.partners[id]
		want := pt.ClientSecret
		if !known {
			want = unknownUserPassword
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(secret)) != 1 || !ok || !known {
			p.clients.failed(now, id, src)
			w.Header().Set("WWW-Authenticate", `Basic realm="local-idp"`)
			oauthError(w, http.StatusUnauthorized, "invalid_client")
			return
		}
		p.clients.succeeded(id, src)
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

// sourceOf is the IP address of the request's peer (the whole RemoteAddr if it has no port).
func sourceOf(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}
