package rehearse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	agtypes "github.com/aws/aws-sdk-go-v2/service/apigateway/types"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"bffsuite.dev/shared/apigwlocal"
)

func TestFunctionOfURI(t *testing.T) {
	tests := []struct {
		uri, want string
		ok        bool
	}{
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-web/invocations", "bffsuite-dev-web", true},
		{"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-web:live/invocations", "bffsuite-dev-web", true},
		{"arn:aws:lambda:us-east-1:123456789012:function:bffsuite-dev-partner", "bffsuite-dev-partner", true},
		{"https://example.com/backend", "", false},
	}
	for _, tt := range tests {
		got, ok := FunctionOfURI(tt.uri)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FunctionOfURI(%q) = %q, %v; want %q, %v", tt.uri, got, ok, tt.want, tt.ok)
		}
	}
}

func TestUserPoolJWKS(t *testing.T) {
	got, err := UserPoolJWKS("http://127.0.0.1:5000/", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc")
	if want := "http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json"; err != nil || got != want {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
	if _, err := UserPoolJWKS("http://127.0.0.1:5000", "https://issuer.example.com/"); err == nil {
		t.Error("a non-Cognito issuer: got no error, want one")
	}
}

// TestFunctionEnvPointsJWKSAtEmulator: the function verifies tokens with the pool's keys, which
// the emulator serves; the deployed value (the real Cognito host) is rewritten and reported.
func TestFunctionEnvPointsJWKSAtEmulator(t *testing.T) {
	d := Deployed{Name: "f", Runtime: "provided.al2023", Environment: map[string]string{
		"BFF_COGNITO_JWKS_URL": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc/.well-known/jwks.json",
		"BFF_COGNITO_ISSUER":   "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc",
	}}
	env, added := FunctionEnv(d, aws.Credentials{}, "http://127.0.0.1:5000")
	if !contains(env, "BFF_COGNITO_JWKS_URL=http://127.0.0.1:5000/us-east-1_abc/.well-known/jwks.json") {
		t.Errorf("env lacks the emulator's JWKS URL: %v", env)
	}
	if !contains(env, "BFF_COGNITO_ISSUER=https://cognito-idp.us-east-1.amazonaws.com/us-east-1_abc") {
		t.Errorf("the issuer must stay as deployed: %v", env)
	}
	if !strings.Contains(strings.Join(added, ","), "BFF_COGNITO_JWKS_URL") {
		t.Errorf("added = %v, want the JWKS rewrite named", added)
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// ReadAPIs reads back from moto what API Gateway was configured with: the HTTP API's routes,
// JWT authorizer (issuer, audience, the pool's keys at the emulator) and per-route scopes; the
// REST API's methods with their Cognito authorizer, scopes and API key requirement, its stage
// and the keys of the usage plans on that stage. An integration invoking a function the apply
// did not create is refused by name.
func TestReadAPIsFromMoto(t *testing.T) {
	o := requireTools(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx, o.Python, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	cfg := adminConfig(m.URL)
	const fnARN = "arn:aws:lambda:us-east-1:123456789012:function:app-web"
	invoke := "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/" + fnARN + "/invocations"
	issuer := "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_pool"
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}

	v2 := apigatewayv2.NewFromConfig(cfg)
	api, err := v2.CreateApi(ctx, &apigatewayv2.CreateApiInput{Name: aws.String("app-web"), ProtocolType: v2types.ProtocolTypeHttp})
	must(err)
	in, err := v2.CreateIntegration(ctx, &apigatewayv2.CreateIntegrationInput{ApiId: api.ApiId, IntegrationType: v2types.IntegrationTypeAwsProxy,
		IntegrationUri: aws.String(invoke), PayloadFormatVersion: aws.String("2.0"), TimeoutInMillis: aws.Int32(29000)})
	must(err)
	au, err := v2.CreateAuthorizer(ctx, &apigatewayv2.CreateAuthorizerInput{ApiId: api.ApiId, Name: aws.String("jwt"), AuthorizerType: v2types.AuthorizerTypeJwt,
		IdentitySource: []string{"$request.header.Authorization"}, JwtConfiguration: &v2types.JWTConfiguration{Issuer: aws.String(issuer), Audience: []string{"client-1"}}})
	must(err)
	target := aws.String("integrations/" + aws.ToString(in.IntegrationId))
	_, err = v2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("GET /healthz"), Target: target})
	must(err)
	_, err = v2.CreateRoute(ctx, &apigatewayv2.CreateRouteInput{ApiId: api.ApiId, RouteKey: aws.String("$default"), Target: target,
		AuthorizationType: v2types.AuthorizationTypeJwt, AuthorizerId: au.AuthorizerId, AuthorizationScopes: []string{"read"}})
	must(err)
	_, err = v2.CreateStage(ctx, &apigatewayv2.CreateStageInput{ApiId: api.ApiId, StageName: aws.String("$default")})
	must(err)

	rc := apigateway.NewFromConfig(cfg)
	rest, err := rc.CreateRestApi(ctx, &apigateway.CreateRestApiInput{Name: aws.String("app-partner")})
	must(err)
	pool := "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_pool"
	cau, err := rc.CreateAuthorizer(ctx, &apigateway.CreateAuthorizerInput{RestApiId: rest.Id, Name: aws.String("cognito"), Type: agtypes.AuthorizerTypeCognitoUserPools,
		ProviderARNs: []string{pool}, IdentitySource: aws.String("method.request.header.Authorization")})
	must(err)
	res, err := rc.CreateResource(ctx, &apigateway.CreateResourceInput{RestApiId: rest.Id, ParentId: rest.RootResourceId, PathPart: aws.String("products")})
	must(err)
	_, err = rc.PutMethod(ctx, &apigateway.PutMethodInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		AuthorizationType: aws.String("COGNITO_USER_POOLS"), AuthorizerId: cau.Id, AuthorizationScopes: []string{"partner/catalog.read"}, ApiKeyRequired: true})
	must(err)
	_, err = rc.PutIntegration(ctx, &apigateway.PutIntegrationInput{RestApiId: rest.Id, ResourceId: res.Id, HttpMethod: aws.String("GET"),
		Type: agtypes.IntegrationTypeAwsProxy, IntegrationHttpMethod: aws.String("POST"), Uri: aws.String(invoke)})
	must(err)
	_, err = rc.CreateDeployment(ctx, &apigateway.CreateDeploymentInput{RestApiId: rest.Id, StageName: aws.String("live")})
	must(err)
	plan, err := rc.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("silver"),
		ApiStages: []agtypes.ApiStage{{ApiId: rest.Id, Stage: aws.String("live")}}})
	must(err)
	key, err := rc.CreateApiKey(ctx, &apigateway.CreateApiKeyInput{Name: aws.String("acme"), Enabled: true, Value: aws.String("acme-key-0123456789abcdef")})
	must(err)
	_, err = rc.CreateUsagePlanKey(ctx, &apigateway.CreateUsagePlanKeyInput{UsagePlanId: plan.Id, KeyId: key.Id, KeyType: aws.String("API_KEY")})
	must(err)

	apis, err := ReadAPIs(ctx, m.URL, map[string]string{"app-web": "web"})
	if err != nil {
		t.Fatal(err)
	}
	if len(apis) != 2 {
		t.Fatalf("got %d APIs, want 2", len(apis))
	}
	byKind := map[apigwlocal.Kind]AppliedAPI{}
	for _, a := range apis {
		byKind[a.API.Kind] = a
	}
	h := byKind[apigwlocal.HTTPAPI]
	if h.Function != "app-web" || h.BFF != "web" || h.API.Stage != "$default" || h.API.StageInPath || h.API.Timeout != 29*time.Second {
		t.Errorf("HTTP API: got function %q bff %q stage %q in path %v timeout %s, want app-web web $default false 29s", h.Function, h.BFF, h.API.Stage, h.API.StageInPath, h.API.Timeout)
	}
	if h.API.JWT == nil || h.API.JWT.Issuer != issuer || strings.Join(h.API.JWT.Audience, ",") != "client-1" || h.API.JWT.JWKSURL != m.URL+"/us-east-1_pool/.well-known/jwks.json" {
		t.Errorf("JWT authorizer: got %+v, want issuer %s, audience client-1, keys at moto", h.API.JWT, issuer)
	}
	routes := map[string]apigwlocal.Route{}
	for _, r := range h.API.Routes {
		routes[r.Key] = r
	}
	if r := routes["$default"]; !r.Authorized || strings.Join(r.Scopes, ",") != "read" {
		t.Errorf("$default: got %+v, want authorized with scope read", r)
	}
	if r, ok := routes["GET /healthz"]; !ok || r.Authorized {
		t.Errorf("GET /healthz: got %+v (found %v), want public", r, ok)
	}
	p := byKind[apigwlocal.RESTAPI]
	if p.API.Stage != "live" || !p.API.StageInPath || len(p.API.Routes) != 1 {
		t.Fatalf("REST API: got stage %q in path %v, %d routes; want live, true, 1", p.API.Stage, p.API.StageInPath, len(p.API.Routes))
	}
	if r := p.API.Routes[0]; r.Key != "GET /products" || !r.Authorized || !r.APIKeyRequired || strings.Join(r.Scopes, ",") != "partner/catalog.read" {
		t.Errorf("REST method: got %+v, want GET /products authorized, API key, scope partner/catalog.read", r)
	}
	if p.API.Cognito == nil || strings.Join(p.API.Cognito.Issuers, ",") != issuer || p.API.Cognito.JWKSURLs[issuer] != m.URL+"/us-east-1_pool/.well-known/jwks.json" {
		t.Errorf("Cognito authorizer: got %+v, want the pool's issuer with keys at moto", p.API.Cognito)
	}
	if got := p.API.APIKeys["acme-key-0123456789abcdef"]; got != aws.ToString(key.Id) {
		t.Errorf("API keys: got %v, want the plan's key %s", p.API.APIKeys, aws.ToString(key.Id))
	}

	_, err = ReadAPIs(ctx, m.URL, map[string]string{"other": "web"})
	if err == nil || !strings.Contains(err.Error(), "app-web, which the apply did not create") {
		t.Errorf("an integration of an unknown function: got %v, want it named", err)
	}
}
