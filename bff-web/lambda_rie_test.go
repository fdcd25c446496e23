package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
)

// TestLambdaSessionUnderRIE runs the real bff-web bootstrap under the Lambda Runtime Interface
// Emulator against cognito-local: sign up, confirm and log in through API Gateway HTTP API
// (payload 2.0) events, then call an authenticated screen and a CSRF-protected edit with the
// cookies the login set. It proves the cookies survive the Lambda path: two Set-Cookie on one
// response (the v2 "cookies" list), several cookies on one request, real Cognito token sizes.
func TestLambdaSessionUnderRIE(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	cl := testenv.StartCognito(t)
	rie := testenv.StartRIE(t, testenv.BuildLocalBootstrap(t, "."), map[string]string{
		"BFF_COGNITO_USER_POOL_ID":  cl.UserPoolID,
		"BFF_COGNITO_ISSUER":        cl.Issuer,
		"BFF_COGNITO_JWKS_URL":      cl.JWKSURL,
		"BFF_COGNITO_CLIENT_IDS":    cl.ClientID,
		"BFF_COGNITO_APP_CLIENT_ID": cl.ClientID,
		"BFF_COGNITO_ENDPOINT":      cl.Endpoint,
		"BFF_SESSION_KEYS":          "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
		"BFF_CORS_ORIGINS":          "https://shop.example.com",
		"BFF_LOG_LEVEL":             "warn",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	const email, password = "rie.user@example.com", "Str0ng!Passw0rd"

	call := func(method, path, body string, cookies []string, headers map[string]string) v2Response {
		t.Helper()
		ev := v2Event(t, method, path, body, cookies, headers)
		raw, err := rie.Invoke(ctx, ev)
		if err != nil {
			t.Fatalf("Invoke %s %s: %v", method, path, err)
		}
		var res v2Response
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		return res
	}
	origin := map[string]string{"origin": "https://shop.example.com", "content-type": "application/json"}

	if res := call("POST", "/auth/signup", `{"email":"`+email+`","password":"`+password+`"}`, nil, origin); res.StatusCode != http.StatusCreated {
		t.Fatalf("signup = %d %s", res.StatusCode, res.Body)
	}
	code := cl.LastCode(t, "")
	if res := call("POST", "/auth/confirm", `{"email":"`+email+`","code":"`+code+`"}`, nil, origin); res.StatusCode != http.StatusNoContent {
		t.Fatalf("confirm = %d %s", res.StatusCode, res.Body)
	}
	login := call("POST", "/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, nil, origin)
	if login.StatusCode != http.StatusOK {
		t.Fatalf("login = %d %s", login.StatusCode, login.Body)
	}
	if strings.Contains(login.Body, "eyJ") {
		t.Errorf("login body carries a JWT: %s", login.Body)
	}
	var sess struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal([]byte(login.Body), &sess)
	if len(login.Cookies) != 2 {
		t.Fatalf("login cookies = %d %v, want 2 Set-Cookie (session and refresh)", len(login.Cookies), login.Cookies)
	}
	var jar []string
	for _, c := range login.Cookies {
		for _, attr := range []string{"HttpOnly", "Secure", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(c, attr) {
				t.Errorf("Set-Cookie %.40s… lacks %s", c, attr)
			}
		}
		if len(c) > 4096 {
			t.Errorf("Set-Cookie %.40s… is %d bytes, over the 4096 browsers keep", c, len(c))
		}
		t.Logf("cookie %s: %d bytes", strings.SplitN(c, "=", 2)[0], len(c))
		jar = append(jar, strings.SplitN(c, ";", 2)[0])
	}
	jar = append(jar, "theme=dark") // an unrelated cookie of the site rides along

	acc := call("GET", "/api/account", "", jar, nil)
	if acc.StatusCode != http.StatusOK || !strings.Contains(acc.Body, email) {
		t.Fatalf("GET /api/account with the cookies = %d %s, want 200 with the profile", acc.StatusCode, acc.Body)
	}
	if acc.Headers["cache-control"] != "private, no-store" && acc.Headers["Cache-Control"] != "private, no-store" {
		t.Errorf("account headers = %v, want Cache-Control: private, no-store", acc.Headers)
	}
	edit := map[string]string{"origin": "https://shop.example.com", "content-type": "application/json", "x-csrf-token": sess.CSRFToken}
	if res := call("PATCH", "/api/account", `{"name":"Rie User"}`, jar, edit); res.StatusCode != http.StatusOK || !strings.Contains(res.Body, "Rie User") {
		t.Errorf("PATCH /api/account = %d %s, want 200", res.StatusCode, res.Body)
	}
	delete(edit, "x-csrf-token")
	if res := call("PATCH", "/api/account", `{"name":"Evil"}`, jar, edit); res.StatusCode != http.StatusForbidden {
		t.Errorf("PATCH /api/account without CSRF token = %d %s, want 403", res.StatusCode, res.Body)
	}
	if res := call("GET", "/api/account", "", jar[:1], nil); res.StatusCode != http.StatusUnauthorized || len(res.Cookies) != 2 {
		t.Errorf("GET /api/account with only the session cookie = %d cookies %v, want 401 deleting both", res.StatusCode, res.Cookies)
	}
	// The same through a REST API (payload 1.0): two Set-Cookie in multiValueHeaders, and the
	// cookies back in one Cookie header.
	v1 := func(method, path, body string, headers map[string]string) v1Response {
		t.Helper()
		raw, err := rie.Invoke(ctx, v1Event(t, method, path, body, headers))
		if err != nil {
			t.Fatalf("Invoke v1 %s %s: %v", method, path, err)
		}
		var res v1Response
		if err := json.Unmarshal(raw, &res); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		return res
	}
	login1 := v1("POST", "/auth/login", `{"email":"`+email+`","password":"`+password+`"}`, map[string]string{"Origin": "https://shop.example.com"})
	setCookies := login1.MultiValueHeaders["Set-Cookie"]
	if login1.StatusCode != http.StatusOK || len(setCookies) != 2 {
		t.Fatalf("v1 login = %d Set-Cookie %d (%v), want 200 and 2", login1.StatusCode, len(setCookies), login1.MultiValueHeaders)
	}
	var pairs []string
	for _, c := range setCookies {
		pairs = append(pairs, strings.SplitN(c, ";", 2)[0])
	}
	acc1 := v1("GET", "/api/account", "", map[string]string{"Cookie": strings.Join(pairs, "; ") + "; theme=dark"})
	if acc1.StatusCode != http.StatusOK || !strings.Contains(acc1.Body, email) {
		t.Errorf("v1 GET /api/account = %d %s, want 200 with the profile", acc1.StatusCode, acc1.Body)
	}

	if d, ok := rie.InitDuration(); ok {
		t.Logf("cold start (Init Duration): %v", d)
	}
}

type v2Response struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers"`
	Cookies    []string          `json:"cookies"`
	Body       string            `json:"body"`
}

type v1Response struct {
	StatusCode        int                 `json:"statusCode"`
	MultiValueHeaders map[string][]string `json:"multiValueHeaders"`
	Body              string              `json:"body"`
}

// v1Event derives an API Gateway REST API (payload 1.0) event from the aws-lambda-go sample.
func v1Event(t *testing.T, method, path, body string, headers map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/events/apigw-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["path"], ev["httpMethod"], ev["resource"] = path, method, "/{proxy+}"
	ev["queryStringParameters"], ev["multiValueQueryStringParameters"], ev["pathParameters"] = nil, nil, nil
	rc := ev["requestContext"].(map[string]any)
	rc["path"], rc["httpMethod"] = "/prod"+path, method
	delete(rc, "authorizer")
	hdr := ev["headers"].(map[string]any)
	mv := ev["multiValueHeaders"].(map[string]any)
	for k, v := range headers {
		hdr[k] = v
		mv[k] = []string{v}
	}
	if body != "" {
		ev["body"] = body
	} else {
		ev["body"] = nil
	}
	b, _ := json.Marshal(ev)
	return b
}

// v2Event derives an HTTP API payload 2.0 event from the aws-lambda-go sample.
func v2Event(t *testing.T, method, path, body string, cookies []string, headers map[string]string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/events/apigw-v2-request-no-authorizer.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev["rawPath"] = path
	rc := ev["requestContext"].(map[string]any)
	h := rc["http"].(map[string]any)
	h["method"], h["path"] = method, path
	hdr := ev["headers"].(map[string]any)
	delete(hdr, "content-length")
	for k, v := range headers {
		hdr[k] = v
	}
	if cookies != nil {
		ev["cookies"] = cookies
	}
	if body != "" {
		ev["body"] = body
	}
	b, _ := json.Marshal(ev)
	return b
}
