package apigwlocal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/auth"
)

// JWTAuthorizer is an HTTP API JWT authorizer (aws_apigatewayv2_authorizer, authorizer_type
// JWT). API Gateway's rules, from "Controlling access to HTTP APIs with JWT authorizers"
// (docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html), which
// differ from the BFFs' own auth.Verifier (no token_use rule, aud OR client_id):
//   - the token comes from the identity source header, with or without a "Bearer " prefix; no
//     token: 401;
//   - the signature must verify with a key (by kid, RSA) of the issuer's JWKS, found through
//     {issuer}/.well-known/openid-configuration (jwks_uri);
//   - iss must equal Issuer;
//   - aud, when present, must contain one of Audience; only when there is no aud, client_id
//     must be one of Audience (access tokens of Cognito carry client_id, ID tokens aud);
//   - exp must be in the future, nbf and iat (when present) in the past;
//   - with route authorization scopes, the token's scope (or scp) claim must hold at least one
//     of them, else 403 Forbidden;
//   - the claims reach the function in requestContext.authorizer.jwt.claims as strings (arrays
//     as "[a b]") and the token's scopes in requestContext.authorizer.jwt.scopes.
type JWTAuthorizer struct {
	// Issuer as configured (jwt_configuration.issuer).
	Issuer string
	// Audience as configured (jwt_configuration.audience).
	Audience []string
	// IdentitySource is the header carrying the token ("$request.header.Authorization" or
	// just "Authorization"); default Authorization.
	IdentitySource string
	// JWKSURL skips discovery when set.
	JWKSURL string
	// HTTPClient fetches discovery and keys; default a client with a 5 s timeout.
	HTTPClient *http.Client
}

// CognitoAuthorizer is a REST API COGNITO_USER_POOLS authorizer (aws_api_gateway_authorizer).
// API Gateway's rules, from "Integrate a REST API with an Amazon Cognito user pool"
// (docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html)
// and "Control access to REST APIs using Amazon Cognito user pools as an authorizer":
//   - the token is the identity source header's value (a "Bearer " prefix is accepted, as the
//     console's authorizer test does); no token or any failed check: 401 Unauthorized;
//   - it must be signed by one of the pools (provider_arns) and its iss must be that pool's
//     issuer, with exp in the future; the audience is not checked (any app client of the pool);
//   - a method WITHOUT authorization scopes accepts ID tokens only; a method WITH scopes
//     accepts access tokens only, holding at least one of the scopes;
//   - the claims reach the function in requestContext.authorizer.claims as strings: arrays
//     joined with commas, exp and iat as "Mon Jan 02 15:04:05 UTC 2006".
type CognitoAuthorizer struct {
	// Issuers of the user pools: https://cognito-idp.{region}.amazonaws.com/{poolId} (or a local
	// issuer). Keys come from {issuer}/.well-known/jwks.json unless JWKSURLs names another URL.
	Issuers []string
	// JWKSURLs overrides the JWKS location by issuer.
	JWKSURLs map[string]string
	// IdentitySource header ("method.request.header.Authorization" or "Authorization").
	IdentitySource string
	// HTTPClient fetches keys; default a client with a 5 s timeout.
	HTTPClient *http.Client
}

// loopback reports whether a URL's host is this machine: the only keys this front fetches
// without being told where (a real Cognito issuer is never called).
func loopback(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	switch h := u.Hostname(); h {
	case "localhost", "127.0.0.1", "::1":
		return true
	default:
		return strings.HasPrefix(h, "127.")
	}
}

// UserPoolIssuer returns the issuer of a Cognito user pool from its ARN
// (arn:aws:cognito-idp:{region}:{account}:userpool/{poolId}), as the REST API's
// provider_arns name pools: https://cognito-idp.{region}.amazonaws.com/{poolId}.
func UserPoolIssuer(arn string) (string, error) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "cognito-idp" || !strings.HasPrefix(parts[5], "userpool/") {
		return "", fmt.Errorf("apigwlocal: %q is not a user pool ARN", arn)
	}
	pool := strings.TrimPrefix(parts[5], "userpool/")
	if pool == "" || parts[3] == "" {
		return "", fmt.Errorf("apigwlocal: %q is not a user pool ARN", arn)
	}
	return "https://cognito-idp." + parts[3] + ".amazonaws.com/" + pool, nil
}

func headerName(source string) string {
	for _, p := range []string{"$request.header.", "method.request.header."} {
		if s, ok := strings.CutPrefix(source, p); ok {
			return s
		}
	}
	if source == "" {
		return "Authorization"
	}
	return source
}

func bearer(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 7 && strings.EqualFold(v[:7], "bearer ") {
		return strings.TrimSpace(v[7:])
	}
	return v
}

type jwtRules struct {
	cfg    JWTAuthorizer
	header string
	client *http.Client

	mu   sync.Mutex
	keys *auth.KeySet
}

func newJWTRules(c JWTAuthorizer) (*jwtRules, error) {
	if c.Issuer == "" {
		return nil, errors.New("apigwlocal: JWT authorizer: Issuer is required")
	}
	if len(c.Audience) == 0 {
		return nil, errors.New("apigwlocal: JWT authorizer: at least one Audience is required")
	}
	c.Issuer = strings.TrimRight(c.Issuer, "/")
	if c.JWKSURL == "" && !loopback(c.Issuer) {
		return nil, fmt.Errorf("apigwlocal: JWT authorizer: issuer %s is not on this machine; set JWKSURL (the front only fetches keys locally)", c.Issuer)
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &jwtRules{cfg: c, header: headerName(c.IdentitySource), client: client}, nil
}

// keySet returns the issuer's keys, discovering the JWKS URL on first use.
func (j *jwtRules) keySet(ctx context.Context) (*auth.KeySet, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.keys != nil {
		return j.keys, nil
	}
	u := j.cfg.JWKSURL
	if u == "" {
		var err error
		if u, err = discoverJWKS(ctx, j.client, j.cfg.Issuer); err != nil {
			return nil, err
		}
	}
	ks, err := auth.NewKeySet(auth.KeySetOptions{URL: u, HTTPClient: j.client, RefetchInterval: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	j.keys = ks
	return ks, nil
}

// discoverJWKS reads jwks_uri from the issuer's OpenID configuration.
func discoverJWKS(ctx context.Context, c *http.Client, issuer string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		return "", err
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", fmt.Errorf("openid configuration of %s: %w", issuer, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("openid configuration of %s: status %d", issuer, resp.StatusCode)
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&doc); err != nil || doc.JWKSURI == "" {
		return "", fmt.Errorf("openid configuration of %s: no jwks_uri", issuer)
	}
	return doc.JWKSURI, nil
}

type jwtResult struct {
	claims map[string]string
	scopes []string
}

// authorize applies the route's authorizer; it returns "" when the request may pass.
func (g *Gateway) authorize(r *http.Request, rc *reqCtx) ResponseType {
	if g.api.Kind == HTTPAPI {
		res, refusal, err := g.jwt.check(r.Context(), r.Header.Get(g.jwt.header), rc.route.Scopes, g.api.Now())
		if refusal != "" {
			g.log.Info("apigwlocal: JWT authorizer refused", slog.String("route", rc.route.Key), slog.String("reason", errString(err)), slog.String("requestId", rc.id))
			return refusal
		}
		rc.jwt = res
		return ""
	}
	claims, err := g.cog.check(r.Context(), r.Header.Get(g.cog.header), rc.route.Scopes, g.api.Now())
	if err != nil {
		g.log.Info("apigwlocal: Cognito authorizer refused", slog.String("route", rc.route.Key), slog.String("reason", err.Error()), slog.String("requestId", rc.id))
		return ResponseUnauthorized
	}
	rc.claims = claims
	return ""
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func (j *jwtRules) check(ctx context.Context, header string, routeScopes []string, now time.Time) (*jwtResult, ResponseType, error) {
	raw := bearer(header)
	if raw == "" {
		return nil, ResponseUnauthorized, errors.New("no token in " + j.header)
	}
	ks, err := j.keySet(ctx)
	if err != nil {
		return nil, ResponseUnauthorized, err
	}
	c, err := ks.VerifySignature(ctx, raw)
	if err != nil {
		return nil, ResponseUnauthorized, err
	}
	if str(c["iss"]) != j.cfg.Issuer {
		return nil, ResponseUnauthorized, errors.New("iss does not match the issuer")
	}
	if aud, present := c["aud"]; present {
		if !slices.ContainsFunc(strList(aud), func(a string) bool { return slices.Contains(j.cfg.Audience, a) }) {
			return nil, ResponseUnauthorized, errors.New("aud matches no audience")
		}
	} else if !slices.Contains(j.cfg.Audience, str(c["client_id"])) {
		return nil, ResponseUnauthorized, errors.New("no aud, and client_id matches no audience")
	}
	if err := checkTimes(c, now, true); err != nil {
		return nil, ResponseUnauthorized, err
	}
	scopes := tokenScopes(c)
	if len(routeScopes) > 0 && !slices.ContainsFunc(routeScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
		return nil, ResponseAccessDenied, fmt.Errorf("token scopes %v hold none of %v", scopes, routeScopes)
	}
	claims := make(map[string]string, len(c))
	for k, v := range c {
		claims[k] = httpAPIClaim(v)
	}
	return &jwtResult{claims: claims, scopes: scopes}, "", nil
}

// checkTimes: exp in the future (required), nbf and iat (when present, and when checkIat) in
// the past. API Gateway allows no leeway that it documents.
func checkTimes(c map[string]any, now time.Time, nbfIat bool) error {
	exp, ok := num(c["exp"])
	if !ok {
		return errors.New("no exp")
	}
	if now.Unix() >= exp {
		return errors.New("expired")
	}
	if !nbfIat {
		return nil
	}
	if nbf, ok := num(c["nbf"]); ok && now.Unix() < nbf {
		return errors.New("not yet valid (nbf)")
	}
	if iat, ok := num(c["iat"]); ok && now.Unix() < iat {
		return errors.New("issued in the future (iat)")
	}
	return nil
}

func tokenScopes(c map[string]any) []string {
	if s, ok := c["scope"].(string); ok {
		return strings.Fields(s)
	}
	switch v := c["scp"].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		return strList(v)
	}
	return nil
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func strList(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func num(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := n.Int64(); err == nil {
		return i, true
	}
	f, err := n.Float64()
	return int64(f), err == nil
}

// httpAPIClaim renders a claim as the HTTP API JWT authorizer does: strings as they are,
// numbers in decimal, arrays as "[a b]", objects as JSON.
func httpAPIClaim(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = httpAPIClaim(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// restClaim renders a claim as the REST API Cognito authorizer does: arrays joined with
// commas, exp and iat as dates, other numbers in decimal.
func restClaim(name string, v any) string {
	switch t := v.(type) {
	case json.Number:
		if name == "exp" || name == "iat" {
			if n, ok := num(t); ok {
				return time.Unix(n, 0).UTC().Format("Mon Jan 02 15:04:05 UTC 2006")
			}
		}
		return t.String()
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = restClaim("", e)
		}
		return strings.Join(parts, ",")
	}
	return httpAPIClaim(v)
}

type cognitoRules struct {
	cfg    CognitoAuthorizer
	header string
	keys   map[string]*auth.KeySet // by issuer
}

func newCognitoRules(c CognitoAuthorizer) (*cognitoRules, error) {
	if len(c.Issuers) == 0 {
		return nil, errors.New("apigwlocal: Cognito authorizer: at least one user pool issuer is required")
	}
	client := c.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	r := &cognitoRules{cfg: c, header: headerName(c.IdentitySource), keys: map[string]*auth.KeySet{}}
	for _, iss := range c.Issuers {
		iss = strings.TrimRight(iss, "/")
		u := c.JWKSURLs[iss]
		if u == "" {
			if !loopback(iss) {
				return nil, fmt.Errorf("apigwlocal: Cognito authorizer: issuer %s is not on this machine; set JWKSURLs[issuer] (the front only fetches keys locally)", iss)
			}
			u = iss + "/.well-known/jwks.json"
		}
		ks, err := auth.NewKeySet(auth.KeySetOptions{URL: u, HTTPClient: client, RefetchInterval: 10 * time.Second})
		if err != nil {
			return nil, err
		}
		r.keys[iss] = ks
	}
	return r, nil
}

func (c *cognitoRules) check(ctx context.Context, header string, methodScopes []string, now time.Time) (map[string]any, error) {
	raw := bearer(header)
	if raw == "" {
		return nil, errors.New("no token in " + c.header)
	}
	// The unverified iss picks the pool; the signature check with that pool's keys decides.
	iss, err := unverifiedIssuer(raw)
	if err != nil {
		return nil, err
	}
	ks, ok := c.keys[iss]
	if !ok {
		return nil, errors.New("issuer is none of the authorizer's user pools")
	}
	cl, err := ks.VerifySignature(ctx, raw)
	if err != nil {
		return nil, err
	}
	if str(cl["iss"]) != iss {
		return nil, errors.New("iss does not match the pool")
	}
	if err := checkTimes(cl, now, false); err != nil {
		return nil, err
	}
	use := str(cl["token_use"])
	if len(methodScopes) == 0 {
		if use != "id" {
			return nil, fmt.Errorf("token_use %q on a method without scopes (ID token required)", use)
		}
	} else {
		if use != "access" {
			return nil, fmt.Errorf("token_use %q on a method with scopes (access token required)", use)
		}
		scopes := tokenScopes(cl)
		if !slices.ContainsFunc(methodScopes, func(s string) bool { return slices.Contains(scopes, s) }) {
			return nil, fmt.Errorf("token scopes %v hold none of %v", scopes, methodScopes)
		}
	}
	claims := make(map[string]any, len(cl))
	for k, v := range cl {
		claims[k] = restClaim(k, v)
	}
	return claims, nil
}

// unverifiedIssuer reads iss without trusting it (to choose the pool's keys).
func unverifiedIssuer(raw string) (string, error) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return "", errors.New("token is not a compact JWS")
	}
	b, err := base64RawURL(parts[1])
	if err != nil {
		return "", errors.New("payload is not base64url")
	}
	var p struct {
		Iss string `json:"iss"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return "", errors.New("payload is not JSON")
	}
	return strings.TrimRight(p.Iss, "/"), nil
}
