package apigwlocal

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/rie"
	"bffsuite.dev/shared/testenv"
)

// TestThroughRIE serves a real aws-lambda-go function (testdata/echofn, built like a release
// bootstrap) under a pool of two Lambda Runtime Interface Emulators behind an HTTP API and a
// REST API front, and checks what reaches the function and what comes back.
func TestThroughRIE(t *testing.T) {
	bin := testenv.RequireTool(t, "bin/aws-lambda-rie")
	bootstrap := testenv.BuildBootstrap(t, "testdata/echofn")
	pool, err := rie.Start(context.Background(), rie.Options{Bootstrap: bootstrap, Binary: bin, Size: 2, FunctionName: "echofn", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		if t.Failed() {
			t.Logf("emulator output:\n%s", pool.Logs())
		}
	})
	// Generous timeouts for the functional checks (cold starts on a loaded machine), 1 s for
	// the timeout checks.
	front := func(kind Kind, timeout time.Duration) *httptest.Server {
		api := API{Kind: kind, Timeout: timeout, Routes: []Route{{Key: "ANY /{proxy+}", Function: pool}}}
		if kind == RESTAPI {
			api.Stage, api.StageInPath = "dev", true
		}
		srv := httptest.NewServer(newGateway(t, api))
		t.Cleanup(srv.Close)
		return srv
	}
	httpAPI, restAPI := front(HTTPAPI, 20*time.Second), front(RESTAPI, 20*time.Second)
	slowHTTP, slowREST := front(HTTPAPI, time.Second), front(RESTAPI, time.Second)

	do := func(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, url, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, b
	}

	tests := []struct {
		name, url   string
		wantStatus  int
		wantBody    string
		wantHeaders map[string][]string
	}{
		{"function error", httpAPI.URL + "/error", 502, `{"message":"Internal Server Error"}`, nil},
		{"inferred response", httpAPI.URL + "/inferred", 200, `{"inferred":true}`, map[string][]string{"Content-Type": {"application/json"}}},
		{"JSON string is a body on payload 2.0", httpAPI.URL + "/malformed", 200, `"not a proxy response"`, nil},
		{"no statusCode on payload 1.0", restAPI.URL + "/dev/malformed", 502, `{"message":"Internal server error"}`, nil},
		{"binary", httpAPI.URL + "/binary", 200, string([]byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff}), map[string][]string{"Content-Type": {"image/png"}}},
		{"v2 cookies", httpAPI.URL + "/cookies", 201, "ok", map[string][]string{"Set-Cookie": {"a=1; Path=/; HttpOnly", "b=2; Path=/"}}},
		{"v1 cookies", restAPI.URL + "/dev/cookies", 201, "ok", map[string][]string{"Set-Cookie": {"a=1; Path=/; HttpOnly", "b=2; Path=/"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, "GET", tt.url, nil)
			if resp.StatusCode != tt.wantStatus || string(body) != tt.wantBody {
				t.Errorf("got %d %q, want %d %q", resp.StatusCode, body, tt.wantStatus, tt.wantBody)
			}
			for k, want := range tt.wantHeaders {
				if got := resp.Header.Values(k); strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}

	t.Run("v2 event as the function sees it", func(t *testing.T) {
		resp, body := do(t, "GET", httpAPI.URL+"/orders/42?x=1&x=2", map[string]string{"Cookie": "s=1; t=2", "X-Test": "yes"})
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d %s", resp.StatusCode, body)
		}
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.RawPath != "/orders/42" || ev.PathParameters["proxy"] != "orders/42" || ev.QueryStringParameters["x"] != "1,2" ||
			len(ev.Cookies) != 2 || ev.Headers["x-test"] != "yes" || ev.RouteKey != "ANY /{proxy+}" {
			t.Errorf("event = %s", body)
		}
		if got := resp.Header.Values("X-Multi"); strings.Join(got, ",") != "x,y" {
			t.Errorf("X-Multi = %q, want [x y]", got)
		}
	})
	t.Run("v1 event as the function sees it", func(t *testing.T) {
		resp, body := do(t, "GET", restAPI.URL+"/dev/orders/42", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("status = %d %s", resp.StatusCode, body)
		}
		var ev events.APIGatewayProxyRequest
		if err := json.Unmarshal(body, &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Path != "/orders/42" || ev.RequestContext.Path != "/dev/orders/42" || ev.RequestContext.Stage != "dev" || ev.Resource != "/{proxy+}" {
			t.Errorf("event = %s", body)
		}
	})
	t.Run("concurrent requests share the pool", func(t *testing.T) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for range 8 {
			wg.Go(func() {
				resp, err := http.Get(httpAPI.URL + "/hello")
				if err != nil {
					errs <- err
					return
				}
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs <- errors.New(resp.Status)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("concurrent request: %v", err)
		}
	})
	t.Run("timeouts keep the emulator busy until the function ends", func(t *testing.T) {
		for _, tt := range []struct{ url, want string }{
			{slowHTTP.URL + "/sleep", `{"message":"Gateway Timeout"}`},
			{slowREST.URL + "/dev/sleep", `{"message":"Endpoint request timed out"}`},
		} {
			start := time.Now()
			resp, body := do(t, "GET", tt.url, nil)
			if resp.StatusCode != 504 || string(body) != tt.want {
				t.Errorf("GET %s = %d %s, want 504 %s", tt.url, resp.StatusCode, body, tt.want)
			}
			if d := time.Since(start); d > 2500*time.Millisecond {
				t.Errorf("answered after %v, want the 1s cut", d)
			}
		}
		// Both emulators still run the 5 s sleeps: a request waits for one, past the cut.
		if resp, _ := do(t, "GET", slowHTTP.URL+"/hello", nil); resp.StatusCode != 504 {
			t.Errorf("request while every emulator is busy = %d, want 504", resp.StatusCode)
		}
		time.Sleep(5 * time.Second)
		if resp, body := do(t, "GET", httpAPI.URL+"/hello", nil); resp.StatusCode != 200 {
			t.Errorf("request after the sleeps ended = %d %s, want 200", resp.StatusCode, body)
		}
	})
	if len(pool.Instances()) != 2 {
		t.Errorf("pool has %d emulators, want 2", len(pool.Instances()))
	}
	for i, in := range pool.Instances() {
		if d, ok := in.InitDuration(); ok {
			t.Logf("emulator %d cold start: %v", i, d)
		}
	}
	// A function error reaches Invoke callers as rie.ErrFunction.
	if _, err := pool.Invoke(context.Background(), []byte(`{"version":"2.0","rawPath":"/error"}`)); !errors.Is(err, rie.ErrFunction) {
		t.Errorf("Invoke(/error) = %v, want rie.ErrFunction", err)
	}
}
