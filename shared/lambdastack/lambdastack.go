// Package lambdastack runs the suite the way it runs on AWS, on this machine: the three BFFs
// built as Lambda bootstraps (release build tags), each under the Lambda Runtime Interface
// Emulator (shared/rie), behind local API Gateway fronts (shared/apigwlocal) shaped like the
// APIs Terraform creates (terraform/modules/suite: HTTP APIs with payload 2.0 for web and
// mobile, with mobile's JWT authorizer; the partner REST API with payload 1.0, its Cognito
// authorizer with a scope per method, API keys and problem gateway responses). It is
// `make run-lambda`: like `sam local start-api`, without Docker.
//
// The BFFs run on their local defaults (embedded data) but with the configuration of a
// deployed function: BFF_COGNITO_USER_POOL_ID is set, so they verify tokens with the pool's
// issuer and JWKS and call the Cognito API. The local IdP cannot run inside Lambda (it refuses),
// so this process plays the user pool: one local IdP per app client (as `make run` does, on the
// same key file and issuer), served as the Cognito API (localidp.CognitoAPI), its JWKS and an
// OAuth2 token endpoint for partner client credentials.
package lambdastack

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"bffsuite.dev/shared/apigwlocal"
	"bffsuite.dev/shared/buildtags"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/rie"
)

// App clients of the local user pool (the same names `make run` uses).
const (
	WebClientID     = "local-web-client"
	MobileClientID  = "local-mobile-client"
	PortalClientID  = "local-partner-portal"
	ScopePrefix     = "partner-api" // the partner resource server identifier
	DemoPartnerKey  = "local-demo-partner-api-key"
	localUserPoolID = "us-east-1_localpool"
)

// MobileAccessScope is the scope every authorized mobile route requires (as local.mobile_routes
// of terraform/modules/suite does): Cognito puts it in every access token of a user-pool API
// sign-in and in no ID token, so the JWT authorizer refuses ID tokens.
const MobileAccessScope = "aws.cognito.signin.user.admin"

// MobileRoutes mirrors local.mobile_routes of terraform/modules/suite: route key -> authorized
// by the JWT authorizer (audience: the mobile app client) with MobileAccessScope.
var MobileRoutes = map[string]bool{
	"GET /healthz":           false,
	"GET /readyz":            false,
	"GET /openapi.json":      false,
	"GET /docs":              false,
	"POST /v1/auth/{proxy+}": false,
	"$default":               true,
}

// PartnerRoutes mirrors local.partner_routes of terraform/modules/suite: route key -> the scope
// names a token needs (prefixed with ScopePrefix); nil marks a public method. Protected methods
// also require an API key, as partner_rest_routes sets api_key_required.
var PartnerRoutes = map[string][]string{
	"GET /healthz":                nil,
	"GET /readyz":                 nil,
	"GET /docs":                   nil,
	"GET /v1/openapi.json":        nil,
	"GET /v1/products":            {"catalog.read"},
	"GET /v1/products/{sku}":      {"catalog.read"},
	"GET /v1/inventory":           {"inventory.read"},
	"GET /v1/orders":              {"orders.read"},
	"GET /v1/orders/{id}":         {"orders.read"},
	"POST /v1/orders":             {"orders.write"},
	"POST /v1/orders/{id}/cancel": {"orders.write"},
	"POST /v1/imports":            {"imports.write"},
	"GET /v1/imports":             {"imports.read"},
	"GET /v1/imports/{id}":        {"imports.read"},
	// Partner webhooks and the event feed (issue 18)
	"GET /v1/events":                                            {"orders.read"},
	"POST /v1/webhooks":                                         {"webhooks.manage"},
	"GET /v1/webhooks":                                          {"webhooks.manage"},
	"GET /v1/webhooks/{id}":                                     {"webhooks.manage"},
	"DELETE /v1/webhooks/{id}":                                  {"webhooks.manage"},
	"POST /v1/webhooks/{id}/rotate-secret":                      {"webhooks.manage"},
	"GET /v1/webhooks/{id}/deliveries":                          {"webhooks.manage"},
	"POST /v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": {"webhooks.manage"},
}

// partnerProblems mirrors local.gateway_problems of terraform/modules/rest_api.
var partnerProblems = map[apigwlocal.ResponseType]struct {
	status      int
	code, title string
}{
	apigwlocal.ResponseUnauthorized:       {401, "unauthorized", "Missing or invalid access token, or a token without the scope this operation needs"},
	apigwlocal.ResponseAccessDenied:       {403, "forbidden", "The token lacks the scope this operation needs"},
	apigwlocal.ResponseMissingAuthToken:   {404, "not_found", "No such resource"},
	apigwlocal.ResponseInvalidAPIKey:      {403, "invalid_api_key", "Missing or invalid API key"},
	apigwlocal.ResponseRequestTooLarge:    {413, "payload_too_large", "Request body too large"},
	apigwlocal.ResponseIntegrationTimeout: {504, "upstream_timeout", "The request took too long"},
	apigwlocal.ResponseDefault4XX:         {0, "bad_request", "The request was rejected"},
	apigwlocal.ResponseDefault5XX:         {0, "gateway_error", "The gateway failed to handle the request"},
}

// PartnerGatewayResponses returns the REST API's gateway responses as Terraform defines them.
func PartnerGatewayResponses() map[apigwlocal.ResponseType]apigwlocal.GatewayResponse {
	out := map[apigwlocal.ResponseType]apigwlocal.GatewayResponse{}
	for t, p := range partnerProblems {
		status := ""
		if p.status != 0 {
			status = fmt.Sprintf(`,"status":%d`, p.status)
		}
		out[t] = apigwlocal.GatewayResponse{
			Status:  p.status,
			Headers: map[string]string{"Content-Type": "'application/problem+json'", "X-Correlation-ID": "context.requestId"},
			Body: fmt.Sprintf(`{"type":"about:blank","title":%q,"code":%q,"instance":"$context.path","correlation_id":"$context.requestId"%s}`,
				p.title, p.code, status),
		}
	}
	return out
}

// Options configure Start. Zero values mean the `make run` defaults.
type Options struct {
	// Root of the repository (builds run there; .local holds the key and the bootstraps).
	Root string
	// Listen addresses of the three fronts; default 127.0.0.1:8081, :8082, :8083.
	WebAddr, MobileAddr, PartnerAddr string
	// PartnerStage is the REST API stage in the partner URLs; default "live" (Terraform's
	// stage_name default).
	PartnerStage string
	// PoolSize is the number of emulators per function (concurrent requests); default 1.
	// Each emulator is its own execution environment with its own embedded data and
	// idempotency records, as Lambda environments would be without shared tables: with more
	// than one, consecutive requests may see different data. Give the functions a shared
	// backend (Env: BFF_DATA_BACKEND=dynamodb and its tables) before raising it.
	PoolSize int
	// Env is added to every function's environment (after the defaults).
	Env map[string]string
	// Timeout of the fronts' integrations; default 29 s.
	Timeout time.Duration
	// WebOrigins are bff-web's CORS origins (the demo app's origin).
	WebOrigins []string
	// NoBuild uses the bootstraps already in .local/lambda.
	NoBuild bool
	// Output receives the build, emulator and function output; default io.Discard.
	Output io.Writer
	// Logger logs gateway refusals and failed invocations; default a text logger on Output.
	Logger *slog.Logger
}

// Stack is a running suite. Close stops it.
type Stack struct {
	// Base URLs of the APIs (PartnerURL includes the stage).
	WebURL, MobileURL, PartnerURL string
	// PartnerTokenURL is the OAuth2 token endpoint (client credentials) of the local pool.
	PartnerTokenURL string
	// PartnerAPIKey is the demo partner's API key (x-api-key).
	PartnerAPIKey string
	// Issuer of the local user pool's tokens.
	Issuer string

	pools   map[string]*rie.Pool
	servers []*http.Server
	errc    chan error
}

// Start builds the bootstraps (unless NoBuild), starts the emulators and the fronts, and
// returns once every front listens. It does not wait for cold starts: the first request to
// each function pays its init, as on Lambda.
func Start(ctx context.Context, o Options) (*Stack, error) {
	if o.Root == "" {
		return nil, errors.New("lambdastack: Root is required")
	}
	def := func(p *string, v string) {
		if *p == "" {
			*p = v
		}
	}
	def(&o.WebAddr, "127.0.0.1:8081")
	def(&o.MobileAddr, "127.0.0.1:8082")
	def(&o.PartnerAddr, "127.0.0.1:8083")
	def(&o.PartnerStage, "live")
	if o.PoolSize <= 0 {
		o.PoolSize = 1
	}
	if o.Output == nil {
		o.Output = io.Discard
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(o.Output, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	local := filepath.Join(o.Root, ".local")
	binDir := filepath.Join(local, "lambda")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return nil, err
	}
	bffs := []string{"bff-web", "bff-mobile", "bff-partner"}
	if !o.NoBuild {
		args := []string{"build", "-tags", buildtags.LocalLambda, "-trimpath", "-ldflags", "-s -w", "-o", binDir + string(filepath.Separator)}
		for _, b := range bffs {
			args = append(args, "./"+b)
		}
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir, cmd.Stdout, cmd.Stderr = o.Root, o.Output, o.Output
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if err := cmd.Run(); err != nil {
			return nil, fmt.Errorf("lambdastack: build bootstraps: %w", err)
		}
	}

	// Listen first: the issuer and the Cognito endpoint are URLs of the web front.
	lns := map[string]net.Listener{}
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	for name, addr := range map[string]string{"web": o.WebAddr, "mobile": o.MobileAddr, "partner": o.PartnerAddr} {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("lambdastack: %s front on %s: %w", name, addr, err)
		}
		lns[name] = ln
	}
	webBase := "http://" + lns["web"].Addr().String()
	s := &Stack{
		WebURL: webBase, MobileURL: "http://" + lns["mobile"].Addr().String(),
		PartnerURL:      "http://" + lns["partner"].Addr().String() + "/" + o.PartnerStage,
		PartnerTokenURL: "http://" + lns["partner"].Addr().String() + "/oauth2/token",
		PartnerAPIKey:   DemoPartnerKey, Issuer: webBase + "/local-idp",
		pools: map[string]*rie.Pool{}, errc: make(chan error, 3),
	}
	keyFile := filepath.Join(local, "idp-key.pem")
	if _, err := os.Stat(keyFile); err != nil {
		if err := localidp.WriteKeyFile(keyFile); err != nil {
			closeAll()
			return nil, fmt.Errorf("lambdastack: create local IdP key: %w", err)
		}
	}
	idps := map[string]*localidp.IdP{}
	for _, client := range []string{WebClientID, MobileClientID, PortalClientID} {
		p, err := localidp.New(localidp.Config{Issuer: s.Issuer, KeyFile: keyFile, ClientID: client}, o.Logger)
		if err != nil {
			closeAll()
			return nil, fmt.Errorf("lambdastack: local IdP: %w", err)
		}
		idps[client] = p
	}
	jwks := string(idps[WebClientID].JWKS())
	sessionKey, cursorKey := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(sessionKey)
	_, _ = rand.Read(cursorKey)
	common := map[string]string{
		"BFF_COGNITO_USER_POOL_ID":   localUserPoolID,
		"BFF_COGNITO_ISSUER":         s.Issuer,
		"BFF_COGNITO_JWKS":           jwks,
		"BFF_COGNITO_JWKS_URL":       s.Issuer + "/.well-known/jwks.json",
		"BFF_COGNITO_ENDPOINT":       webBase + "/local-idp/cognito",
		"BFF_STRIP_STAGE":            "true",
		"BFF_GATEWAY_TIMEOUT":        "29000ms",
		"BFF_METRICS":                "off",
		"BFF_TRUST_APIGW_AUTHORIZER": "false",
		// One key for every emulator of a function, as the SSM secret is on AWS: a cursor
		// issued by one execution environment must open in another.
		"BFF_CURSOR_KEY": base64.StdEncoding.EncodeToString(cursorKey),
	}
	env := map[string]map[string]string{
		"bff-web": merge(common, map[string]string{
			"BFF_COGNITO_APP_CLIENT_ID": WebClientID, "BFF_COGNITO_CLIENT_IDS": WebClientID,
			"BFF_SESSION_KEYS": base64.StdEncoding.EncodeToString(sessionKey), "BFF_CORS_ORIGINS": strings.Join(o.WebOrigins, ","),
		}),
		"bff-mobile": merge(common, map[string]string{
			"BFF_COGNITO_APP_CLIENT_ID": MobileClientID, "BFF_COGNITO_CLIENT_IDS": MobileClientID,
		}),
		"bff-partner": merge(common, map[string]string{
			// No client allow-list: as on AWS, the partner registry decides (on embedded data the
			// seed's demo partner, shared/store/seed.Partners).
			"BFF_PARTNER_SCOPE_PREFIX": ScopePrefix,
		}),
	}
	for _, b := range bffs {
		env[b] = merge(env[b], o.Env)
		pool, err := rie.Start(ctx, rie.Options{
			Bootstrap: filepath.Join(binDir, b), Env: env[b], FunctionName: b, Size: o.PoolSize,
			MemoryMB: 512, Timeout: 30 * time.Second, Output: &prefixWriter{w: o.Output, prefix: b}})
		if err != nil {
			s.stopPools()
			closeAll()
			return nil, fmt.Errorf("lambdastack: %s: %w", b, err)
		}
		s.pools[b] = pool
	}

	web, err := apigwlocal.New(apigwlocal.API{Kind: apigwlocal.HTTPAPI, ID: "web", Timeout: o.Timeout, Logger: o.Logger,
		Routes: []apigwlocal.Route{{Key: "$default", Function: s.pools["bff-web"]}}})
	if err != nil {
		s.stopPools()
		closeAll()
		return nil, err
	}
	mobile, err := apigwlocal.New(MobileAPI(s.pools["bff-mobile"], s.Issuer, o.Timeout, o.Logger))
	if err != nil {
		s.stopPools()
		closeAll()
		return nil, err
	}
	partner, err := apigwlocal.New(PartnerAPI(s.pools["bff-partner"], o.PartnerStage, s.Issuer, map[string]string{DemoPartnerKey: "local-demo-partner"}, o.Timeout, o.Logger))
	if err != nil {
		s.stopPools()
		closeAll()
		return nil, err
	}
	// The user pool's endpoints live beside the APIs, as Cognito's do beside API Gateway's.
	webMux := http.NewServeMux()
	webMux.Handle("/local-idp/cognito", localidp.CognitoAPI(idps[WebClientID], idps[MobileClientID], idps[PortalClientID]))
	webMux.Handle("/local-idp/cognito/", localidp.CognitoAPI(idps[WebClientID], idps[MobileClientID], idps[PortalClientID]))
	webMux.Handle("GET /local-idp/.well-known/jwks.json", idps[WebClientID].JWKSHandler())
	webMux.HandleFunc("GET /local-idp/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"issuer":%q,"jwks_uri":%q,"token_endpoint":%q}`, s.Issuer, s.Issuer+"/.well-known/jwks.json", s.Issuer+"/oauth2/token")
	})
	webMux.Handle("POST /local-idp/oauth2/token", idps[PortalClientID].TokenHandler())
	webMux.Handle("/", web)
	partnerMux := http.NewServeMux()
	partnerMux.Handle("POST /oauth2/token", idps[PortalClientID].TokenHandler())
	partnerMux.Handle("/", partner)
	for name, h := range map[string]http.Handler{"web": webMux, "mobile": mobile, "partner": partnerMux} {
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
		s.servers = append(s.servers, srv)
		go func(name string, ln net.Listener) {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errc <- fmt.Errorf("%s front: %w", name, err)
			}
		}(name, lns[name])
	}
	return s, nil
}

// MobileAPI describes the mobile HTTP API as Terraform creates it, over fn.
func MobileAPI(fn apigwlocal.Invoker, issuer string, timeout time.Duration, log *slog.Logger) apigwlocal.API {
	api := apigwlocal.API{Kind: apigwlocal.HTTPAPI, ID: "mobile", Timeout: timeout, Logger: log,
		JWT: &apigwlocal.JWTAuthorizer{Issuer: issuer, Audience: []string{MobileClientID}, IdentitySource: "$request.header.Authorization"}}
	for _, key := range sortedKeys(MobileRoutes) {
		r := apigwlocal.Route{Key: key, Function: fn, Authorized: MobileRoutes[key]}
		if r.Authorized {
			r.Scopes = []string{MobileAccessScope}
		}
		api.Routes = append(api.Routes, r)
	}
	return api
}

// PartnerAPI describes the partner REST API as Terraform creates it, over fn: the Cognito
// authorizer of the pool with issuer, scopes per method, API keys (value -> key ID) on every
// protected method, and the problem gateway responses.
func PartnerAPI(fn apigwlocal.Invoker, stage, issuer string, apiKeys map[string]string, timeout time.Duration, log *slog.Logger) apigwlocal.API {
	api := apigwlocal.API{Kind: apigwlocal.RESTAPI, ID: "partner", Stage: stage, StageInPath: true, Timeout: timeout, Logger: log,
		Cognito:          &apigwlocal.CognitoAuthorizer{Issuers: []string{issuer}, IdentitySource: "method.request.header.Authorization"},
		APIKeys:          apiKeys,
		GatewayResponses: PartnerGatewayResponses()}
	for _, key := range sortedKeys(PartnerRoutes) {
		scopes := PartnerRoutes[key]
		r := apigwlocal.Route{Key: key, Function: fn, Authorized: scopes != nil, APIKeyRequired: scopes != nil}
		for _, sc := range scopes {
			r.Scopes = append(r.Scopes, ScopePrefix+"/"+sc)
		}
		api.Routes = append(api.Routes, r)
	}
	return api
}

// Err reports a front that stopped serving.
func (s *Stack) Err() <-chan error { return s.errc }

// InitDurations returns each function's first cold start (of its first emulator that ran).
func (s *Stack) InitDurations() map[string]time.Duration {
	out := map[string]time.Duration{}
	for name, p := range s.pools {
		for _, in := range p.Instances() {
			if d, ok := in.InitDuration(); ok {
				out[name] = d
				break
			}
		}
	}
	return out
}

// Close stops the fronts (in-flight requests get 5 s) and the emulators.
func (s *Stack) Close() {
	var wg sync.WaitGroup
	for _, srv := range s.servers {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = srv.Shutdown(ctx)
		})
	}
	wg.Wait()
	s.stopPools()
}

func (s *Stack) stopPools() {
	for _, p := range s.pools {
		p.Close()
	}
}

func merge(a, b map[string]string) map[string]string {
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// prefixWriter prefixes each line with the function's name.
type prefixWriter struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := strings.IndexByte(string(p.buf), '\n')
		if i < 0 {
			break
		}
		fmt.Fprintf(p.w, "%-12s| %s\n", p.prefix, p.buf[:i])
		p.buf = p.buf[i+1:]
	}
	return len(b), nil
}
