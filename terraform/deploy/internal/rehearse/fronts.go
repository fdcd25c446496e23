package rehearse

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	"github.com/aws/aws-sdk-go-v2/service/apigatewayv2"
	v2types "github.com/aws/aws-sdk-go-v2/service/apigatewayv2/types"

	"bffsuite.dev/shared/apigwlocal"
)

// AppliedAPI is one API as the emulator holds it after apply: its shape (routes, stage,
// authorizer, API keys, gateway responses) and the function each route's integration invokes.
// Routes carry no Function yet: Bind sets them.
type AppliedAPI struct {
	// BFF is the BFF of the function the API's integrations invoke (web, mobile, partner).
	BFF string
	// Function is that function's name.
	Function string
	API      apigwlocal.API
}

// Bind returns the API with every route bound to fn (the function's emulators).
func (a AppliedAPI) Bind(fn apigwlocal.Invoker) apigwlocal.API {
	api := a.API
	api.Routes = make([]apigwlocal.Route, len(a.API.Routes))
	for i, r := range a.API.Routes {
		r.Function = fn
		api.Routes[i] = r
	}
	return api
}

// FunctionOfURI returns the function name of a Lambda proxy integration URI
// (arn:aws:apigateway:REGION:lambda:path/2015-03-31/functions/arn:aws:lambda:...:function:NAME/invocations)
// or of a plain function ARN.
func FunctionOfURI(uri string) (string, bool) {
	_, rest, ok := strings.Cut(uri, ":function:")
	if !ok {
		return "", false
	}
	name, _, _ := strings.Cut(rest, "/")
	name, _, _ = strings.Cut(name, ":") // a qualifier
	return name, name != ""
}

// UserPoolJWKS is where the emulator serves the keys of the user pool behind a Cognito issuer
// (https://cognito-idp.REGION.amazonaws.com/POOL): ENDPOINT/POOL/.well-known/jwks.json. On AWS
// the keys are at the issuer itself; here that host is the emulator.
func UserPoolJWKS(endpoint, issuer string) (string, error) {
	i := strings.LastIndex(issuer, "/")
	if !strings.HasPrefix(issuer, "https://cognito-idp.") || i < 0 || i == len(issuer)-1 {
		return "", fmt.Errorf("issuer %q is not a Cognito user pool issuer", issuer)
	}
	return strings.TrimRight(endpoint, "/") + issuer[i:] + "/.well-known/jwks.json", nil
}

// ReadAPIs reads every HTTP API (apigatewayv2) and REST API (apigateway) back from the
// emulator. fnBFF maps function names to BFFs; an API whose integrations invoke a function not
// in it, or more than one function, is an error. JWT and Cognito authorizers get the
// emulator's JWKS location for their issuers (UserPoolJWKS); their issuer, audience and scopes
// are as applied.
func ReadAPIs(ctx context.Context, endpoint string, fnBFF map[string]string) ([]AppliedAPI, error) {
	cfg := adminConfig(endpoint)
	httpAPIs, err := readHTTPAPIs(ctx, apigatewayv2.NewFromConfig(cfg), endpoint, fnBFF)
	if err != nil {
		return nil, err
	}
	restAPIs, err := readRESTAPIs(ctx, apigateway.NewFromConfig(cfg), endpoint, fnBFF)
	if err != nil {
		return nil, err
	}
	out := append(httpAPIs, restAPIs...)
	sort.Slice(out, func(i, j int) bool { return out[i].BFF < out[j].BFF })
	return out, nil
}

// oneFunction records fn as the API's function; a second, different one is an error.
func oneFunction(a *AppliedAPI, api, uri string, fnBFF map[string]string) error {
	fn, ok := FunctionOfURI(uri)
	if !ok {
		return fmt.Errorf("API %s: integration URI %q names no Lambda function", api, uri)
	}
	bff, ok := fnBFF[fn]
	if !ok {
		return fmt.Errorf("API %s: integration invokes %s, which the apply did not create", api, fn)
	}
	if a.Function != "" && a.Function != fn {
		return fmt.Errorf("API %s: integrations invoke %s and %s; the rehearsal binds one function per API", api, a.Function, fn)
	}
	a.Function, a.BFF = fn, bff
	return nil
}

func readHTTPAPIs(ctx context.Context, c *apigatewayv2.Client, endpoint string, fnBFF map[string]string) ([]AppliedAPI, error) {
	apis, err := c.GetApis(ctx, &apigatewayv2.GetApisInput{})
	if err != nil {
		return nil, fmt.Errorf("apigatewayv2 GetApis: %w", err)
	}
	var out []AppliedAPI
	for _, a := range apis.Items {
		if a.ProtocolType != v2types.ProtocolTypeHttp {
			continue
		}
		id, name := aws.ToString(a.ApiId), aws.ToString(a.Name)
		ap := AppliedAPI{API: apigwlocal.API{Kind: apigwlocal.HTTPAPI, ID: id}}
		ints, err := c.GetIntegrations(ctx, &apigatewayv2.GetIntegrationsInput{ApiId: &id})
		if err != nil {
			return nil, fmt.Errorf("apigatewayv2 GetIntegrations %s: %w", name, err)
		}
		integrations := map[string]bool{}
		for _, in := range ints.Items {
			if v := aws.ToString(in.PayloadFormatVersion); v != "2.0" {
				return nil, fmt.Errorf("API %s: integration payload format %q, the BFFs are built for 2.0 behind HTTP APIs", name, v)
			}
			if err := oneFunction(&ap, name, aws.ToString(in.IntegrationUri), fnBFF); err != nil {
				return nil, err
			}
			if t := aws.ToInt32(in.TimeoutInMillis); t > 0 {
				ap.API.Timeout = time.Duration(t) * time.Millisecond
			}
			integrations["integrations/"+aws.ToString(in.IntegrationId)] = true
		}
		// Authorizers one by one, as the routes name them (moto 5.2.1 lacks GetAuthorizers).
		jwt := map[string]*apigwlocal.JWTAuthorizer{}
		authorizer := func(authID string) (*apigwlocal.JWTAuthorizer, error) {
			if au, ok := jwt[authID]; ok {
				return au, nil
			}
			au, err := c.GetAuthorizer(ctx, &apigatewayv2.GetAuthorizerInput{ApiId: &id, AuthorizerId: &authID})
			if err != nil {
				return nil, fmt.Errorf("apigatewayv2 GetAuthorizer %s %s: %w", name, authID, err)
			}
			if au.AuthorizerType != v2types.AuthorizerTypeJwt || au.JwtConfiguration == nil {
				return nil, fmt.Errorf("API %s: authorizer %s of type %s: the rehearsal front applies JWT authorizers only", name, aws.ToString(au.Name), au.AuthorizerType)
			}
			iss := aws.ToString(au.JwtConfiguration.Issuer)
			jwks, err := UserPoolJWKS(endpoint, iss)
			if err != nil {
				return nil, fmt.Errorf("API %s: authorizer %s: %w", name, aws.ToString(au.Name), err)
			}
			src := ""
			if len(au.IdentitySource) > 0 {
				src = au.IdentitySource[0]
			}
			jwt[authID] = &apigwlocal.JWTAuthorizer{Issuer: iss, Audience: au.JwtConfiguration.Audience, IdentitySource: src, JWKSURL: jwks}
			return jwt[authID], nil
		}
		routes, err := c.GetRoutes(ctx, &apigatewayv2.GetRoutesInput{ApiId: &id})
		if err != nil {
			return nil, fmt.Errorf("apigatewayv2 GetRoutes %s: %w", name, err)
		}
		for _, rt := range routes.Items {
			key := aws.ToString(rt.RouteKey)
			if !integrations[aws.ToString(rt.Target)] {
				return nil, fmt.Errorf("API %s: route %q targets %q, not a Lambda integration of the API", name, key, aws.ToString(rt.Target))
			}
			r := apigwlocal.Route{Key: key}
			switch rt.AuthorizationType {
			case v2types.AuthorizationTypeJwt:
				au, err := authorizer(aws.ToString(rt.AuthorizerId))
				if err != nil {
					return nil, fmt.Errorf("route %q: %w", key, err)
				}
				if ap.API.JWT != nil && ap.API.JWT != au {
					return nil, fmt.Errorf("API %s: routes use two JWT authorizers; the front has one per API", name)
				}
				ap.API.JWT, r.Authorized, r.Scopes = au, true, rt.AuthorizationScopes
			case v2types.AuthorizationTypeNone, "":
			default:
				return nil, fmt.Errorf("API %s: route %q has authorization %s; the rehearsal front applies JWT only", name, key, rt.AuthorizationType)
			}
			ap.API.Routes = append(ap.API.Routes, r)
		}
		stages, err := c.GetStages(ctx, &apigatewayv2.GetStagesInput{ApiId: &id})
		if err != nil {
			return nil, fmt.Errorf("apigatewayv2 GetStages %s: %w", name, err)
		}
		if len(stages.Items) != 1 {
			return nil, fmt.Errorf("API %s: %d stages, want one", name, len(stages.Items))
		}
		ap.API.Stage = aws.ToString(stages.Items[0].StageName)
		ap.API.StageInPath = ap.API.Stage != "$default"
		if ap.Function == "" {
			return nil, fmt.Errorf("API %s: no Lambda integration", name)
		}
		out = append(out, ap)
	}
	return out, nil
}

func readRESTAPIs(ctx context.Context, c *apigateway.Client, endpoint string, fnBFF map[string]string) ([]AppliedAPI, error) {
	apis, err := c.GetRestApis(ctx, &apigateway.GetRestApisInput{Limit: aws.Int32(500)})
	if err != nil {
		return nil, fmt.Errorf("apigateway GetRestApis: %w", err)
	}
	var out []AppliedAPI
	for _, a := range apis.Items {
		id, name := aws.ToString(a.Id), aws.ToString(a.Name)
		ap := AppliedAPI{API: apigwlocal.API{Kind: apigwlocal.RESTAPI, ID: id, StageInPath: true, BinaryMediaTypes: a.BinaryMediaTypes}}
		auths, err := c.GetAuthorizers(ctx, &apigateway.GetAuthorizersInput{RestApiId: &id})
		if err != nil {
			return nil, fmt.Errorf("apigateway GetAuthorizers %s: %w", name, err)
		}
		cognito := map[string]*apigwlocal.CognitoAuthorizer{}
		for _, au := range auths.Items {
			if au.Type != "COGNITO_USER_POOLS" {
				return nil, fmt.Errorf("API %s: authorizer %s of type %s: the rehearsal front applies Cognito user pool authorizers only", name, aws.ToString(au.Name), au.Type)
			}
			ca := &apigwlocal.CognitoAuthorizer{IdentitySource: aws.ToString(au.IdentitySource), JWKSURLs: map[string]string{}}
			for _, arn := range au.ProviderARNs {
				iss, err := apigwlocal.UserPoolIssuer(arn)
				if err != nil {
					return nil, fmt.Errorf("API %s: authorizer %s: %w", name, aws.ToString(au.Name), err)
				}
				jwks, err := UserPoolJWKS(endpoint, iss)
				if err != nil {
					return nil, err
				}
				ca.Issuers = append(ca.Issuers, iss)
				ca.JWKSURLs[iss] = jwks
			}
			cognito[aws.ToString(au.Id)] = ca
		}
		res, err := c.GetResources(ctx, &apigateway.GetResourcesInput{RestApiId: &id, Limit: aws.Int32(500)})
		if err != nil {
			return nil, fmt.Errorf("apigateway GetResources %s: %w", name, err)
		}
		for _, rs := range res.Items {
			methods := make([]string, 0, len(rs.ResourceMethods))
			for m := range rs.ResourceMethods {
				methods = append(methods, m)
			}
			sort.Strings(methods)
			for _, m := range methods {
				key := m + " " + aws.ToString(rs.Path)
				meth, err := c.GetMethod(ctx, &apigateway.GetMethodInput{RestApiId: &id, ResourceId: rs.Id, HttpMethod: aws.String(m)})
				if err != nil {
					return nil, fmt.Errorf("apigateway GetMethod %s %s: %w", name, key, err)
				}
				if meth.MethodIntegration == nil || meth.MethodIntegration.Type != "AWS_PROXY" {
					return nil, fmt.Errorf("API %s: method %s has no Lambda proxy integration", name, key)
				}
				if err := oneFunction(&ap, name, aws.ToString(meth.MethodIntegration.Uri), fnBFF); err != nil {
					return nil, err
				}
				if t := meth.MethodIntegration.TimeoutInMillis; t > 0 {
					ap.API.Timeout = time.Duration(t) * time.Millisecond
				}
				r := apigwlocal.Route{Key: key, APIKeyRequired: aws.ToBool(meth.ApiKeyRequired)}
				switch at := aws.ToString(meth.AuthorizationType); at {
				case "COGNITO_USER_POOLS":
					au, ok := cognito[aws.ToString(meth.AuthorizerId)]
					if !ok {
						return nil, fmt.Errorf("API %s: method %s names authorizer %q, which the API does not have", name, key, aws.ToString(meth.AuthorizerId))
					}
					if ap.API.Cognito != nil && ap.API.Cognito != au {
						return nil, fmt.Errorf("API %s: methods use two authorizers; the front has one per API", name)
					}
					ap.API.Cognito, r.Authorized, r.Scopes = au, true, meth.AuthorizationScopes
				case "NONE", "":
				default:
					return nil, fmt.Errorf("API %s: method %s has authorization %s; the rehearsal front applies Cognito user pools only", name, key, at)
				}
				ap.API.Routes = append(ap.API.Routes, r)
			}
		}
		stages, err := c.GetStages(ctx, &apigateway.GetStagesInput{RestApiId: &id})
		if err != nil {
			return nil, fmt.Errorf("apigateway GetStages %s: %w", name, err)
		}
		if len(stages.Item) != 1 {
			return nil, fmt.Errorf("API %s: %d stages, want one", name, len(stages.Item))
		}
		ap.API.Stage = aws.ToString(stages.Item[0].StageName)
		if ap.API.GatewayResponses, err = readGatewayResponses(ctx, c, id, name); err != nil {
			return nil, err
		}
		if ap.API.APIKeys, err = readAPIKeys(ctx, c, id, ap.API.Stage); err != nil {
			return nil, fmt.Errorf("API %s: %w", name, err)
		}
		if ap.Function == "" {
			return nil, fmt.Errorf("API %s: no Lambda integration", name)
		}
		out = append(out, ap)
	}
	return out, nil
}

func readGatewayResponses(ctx context.Context, c *apigateway.Client, id, name string) (map[apigwlocal.ResponseType]apigwlocal.GatewayResponse, error) {
	grs, err := c.GetGatewayResponses(ctx, &apigateway.GetGatewayResponsesInput{RestApiId: &id, Limit: aws.Int32(500)})
	if err != nil {
		return nil, fmt.Errorf("apigateway GetGatewayResponses %s: %w", name, err)
	}
	out := map[apigwlocal.ResponseType]apigwlocal.GatewayResponse{}
	for _, g := range grs.Items {
		resp := apigwlocal.GatewayResponse{Headers: map[string]string{}, Body: g.ResponseTemplates["application/json"]}
		if s := aws.ToString(g.StatusCode); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil {
				return nil, fmt.Errorf("API %s: gateway response %s: status %q", name, g.ResponseType, s)
			}
			resp.Status = n
		}
		for k, v := range g.ResponseParameters {
			if h, ok := strings.CutPrefix(k, "gatewayresponse.header."); ok {
				resp.Headers[h] = v
			}
		}
		out[apigwlocal.ResponseType(g.ResponseType)] = resp
	}
	return out, nil
}

// readAPIKeys returns the enabled API keys (value -> key ID) of the usage plans that include
// the API's stage: the keys API Gateway accepts in x-api-key.
func readAPIKeys(ctx context.Context, c *apigateway.Client, apiID, stage string) (map[string]string, error) {
	plans, err := c.GetUsagePlans(ctx, &apigateway.GetUsagePlansInput{Limit: aws.Int32(500)})
	if err != nil {
		return nil, fmt.Errorf("apigateway GetUsagePlans: %w", err)
	}
	keys := map[string]string{}
	for _, p := range plans.Items {
		onStage := false
		for _, s := range p.ApiStages {
			onStage = onStage || (aws.ToString(s.ApiId) == apiID && aws.ToString(s.Stage) == stage)
		}
		if !onStage {
			continue
		}
		pk, err := c.GetUsagePlanKeys(ctx, &apigateway.GetUsagePlanKeysInput{UsagePlanId: p.Id, Limit: aws.Int32(500)})
		if err != nil {
			return nil, fmt.Errorf("apigateway GetUsagePlanKeys %s: %w", aws.ToString(p.Name), err)
		}
		for _, k := range pk.Items {
			key, err := c.GetApiKey(ctx, &apigateway.GetApiKeyInput{ApiKey: k.Id, IncludeValue: aws.Bool(true)})
			if err != nil {
				return nil, fmt.Errorf("apigateway GetApiKey %s: %w", aws.ToString(k.Id), err)
			}
			if key.Enabled && aws.ToString(key.Value) != "" {
				keys[aws.ToString(key.Value)] = aws.ToString(key.Id)
			}
		}
	}
	return keys, nil
}
