package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
)

// TestLambdaRIE runs the real bff-mobile bootstrap under the Lambda Runtime Interface
// Emulator, with Cognito played by cognito-local, and walks the app's first session through
// API Gateway HTTP API (payload 2.0) events: sign up, confirm with the emailed code, sign
// in, then GET /v1/feed with gzip, whose body must come back base64-encoded and gzipped.
func TestLambdaRIE(t *testing.T) {
	testenv.RequireTool(t, "bin/aws-lambda-rie")
	cl := testenv.StartCognito(t)
	bootstrap := testenv.BuildLocalBootstrap(t, ".")
	rie := testenv.StartRIE(t, bootstrap, map[string]string{
		"BFF_COGNITO_USER_POOL_ID":   cl.UserPoolID,
		"BFF_COGNITO_ISSUER":         cl.Issuer,
		"BFF_COGNITO_JWKS_URL":       cl.JWKSURL,
		"BFF_COGNITO_CLIENT_IDS":     cl.ClientID,
		"BFF_COGNITO_APP_CLIENT_ID":  cl.ClientID,
		"BFF_COGNITO_ENDPOINT":       cl.Endpoint,
		"BFF_MOBILE_MIN_VERSION_IOS": "2.0.0",
		"BFF_LOG_LEVEL":              "warn",
	})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	call := func(method, path string, headers map[string]string, body any) lambdaResponse {
		t.Helper()
		raw, err := os.ReadFile(filepath.Join("testdata", "events", "apigw-v2-request.json"))
		if err != nil {
			t.Fatal(err)
		}
		var ev map[string]any
		if err := json.Unmarshal(raw, &ev); err != nil {
			t.Fatal(err)
		}
		p, q, _ := strings.Cut(path, "?")
		ev["rawPath"], ev["rawQueryString"] = p, q
		ev["requestContext"].(map[string]any)["http"].(map[string]any)["method"] = method
		ev["requestContext"].(map[string]any)["http"].(map[string]any)["path"] = p
		h := ev["headers"].(map[string]any)
		delete(h, "content-length")
		h["x-app-version"], h["x-platform"] = "2.1.0", "ios"
		for k, v := range headers {
			h[strings.ToLower(k)] = v
		}
		if body != nil {
			b, _ := json.Marshal(body)
			ev["body"], ev["isBase64Encoded"] = string(b), false
			h["content-type"] = "application/json"
		}
		event, _ := json.Marshal(ev)
		out, err := rie.Invoke(ctx, event)
		if err != nil {
			t.Fatalf("invoke %s %s: %v\n%s", method, path, err, rie.Logs())
		}
		var r lambdaResponse
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("decode lambda response %s: %v", out, err)
		}
		return r
	}

	email := "rie.user@example.com"
	if r := call("POST", "/v1/auth/signup", nil, map[string]string{"email": email, "password": "Str0ng-Passw0rd!"}); r.StatusCode != 201 {
		t.Fatalf("signup = %d %s", r.StatusCode, r.Body)
	}
	code := cl.LastCode(t, "")
	if r := call("POST", "/v1/auth/confirm", nil, map[string]string{"email": email, "code": code}); r.StatusCode != 204 {
		t.Fatalf("confirm = %d %s", r.StatusCode, r.Body)
	}
	r := call("POST", "/v1/auth/login", nil, map[string]string{"username": email, "password": "Str0ng-Passw0rd!"})
	if r.StatusCode != 200 {
		t.Fatalf("login = %d %s", r.StatusCode, r.Body)
	}
	var tk struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if err := json.Unmarshal([]byte(r.Body), &tk); err != nil || tk.AccessToken == "" {
		t.Fatalf("login body %s: %v", r.Body, err)
	}

	feed := call("GET", "/v1/feed?limit=20", map[string]string{"authorization": "Bearer " + tk.AccessToken, "accept-encoding": "gzip"}, nil)
	if feed.StatusCode != 200 {
		t.Fatalf("GET /v1/feed = %d %s", feed.StatusCode, feed.Body)
	}
	if !feed.IsBase64Encoded || feed.Headers["Content-Encoding"] != "gzip" {
		t.Fatalf("feed isBase64Encoded = %v, Content-Encoding %q; want base64 and gzip", feed.IsBase64Encoded, feed.Headers["Content-Encoding"])
	}
	zipped, err := base64.StdEncoding.DecodeString(feed.Body)
	if err != nil {
		t.Fatalf("feed body is not base64: %v", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(zipped))
	if err != nil {
		t.Fatalf("feed body is not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var fd struct {
		Featured []struct {
			ID string `json:"id"`
		} `json:"featured"`
	}
	if err := json.Unmarshal(plain, &fd); err != nil || len(fd.Featured) != 20 {
		t.Fatalf("feed = %s (%v), want 20 featured products", plain, err)
	}
	t.Logf("GET /v1/feed through Lambda: %d bytes JSON, %d bytes gzip, %d bytes base64", len(plain), len(zipped), len(feed.Body))

	tag := feed.Headers["Etag"]
	if tag == "" {
		tag = feed.Headers["ETag"]
	}
	again := call("GET", "/v1/feed?limit=20", map[string]string{"authorization": "Bearer " + tk.AccessToken, "accept-encoding": "gzip", "if-none-match": tag}, nil)
	if again.StatusCode != 304 || again.Body != "" {
		t.Errorf("GET /v1/feed with If-None-Match %s = %d (%d bytes), want 304 without a body", tag, again.StatusCode, len(again.Body))
	}
	for name, hdr := range map[string]string{"ID token": tk.IDToken, "no token": ""} {
		h := map[string]string{}
		if hdr != "" {
			h["authorization"] = "Bearer " + hdr
		}
		if r := call("GET", "/v1/feed", h, nil); r.StatusCode != 401 {
			t.Errorf("GET /v1/feed with %s = %d, want 401", name, r.StatusCode)
		}
	}
	old := call("GET", "/v1/feed", map[string]string{"authorization": "Bearer " + tk.AccessToken, "x-app-version": "1.9.0"}, nil)
	if old.StatusCode != 426 || !strings.Contains(old.Body, `"store_url"`) || old.Headers["Content-Type"] != "application/problem+json" {
		t.Errorf("old app = %d %s, want a 426 problem with store_url", old.StatusCode, old.Body)
	}
}

type lambdaResponse struct {
	StatusCode      int               `json:"statusCode"`
	Headers         map[string]string `json:"headers"`
	Body            string            `json:"body"`
	IsBase64Encoded bool              `json:"isBase64Encoded"`
}
