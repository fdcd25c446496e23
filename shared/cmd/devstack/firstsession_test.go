package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
	"bffsuite.dev/shared/workspace"
)

// shellBlock returns the commands of the first ```sh block after heading in a Markdown file:
// continuation lines joined, blank and comment-only lines dropped.
func shellBlock(t *testing.T, file, heading string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if heading != "" {
		i := strings.Index(s, heading)
		if i < 0 {
			t.Fatalf("%s has no %q", file, heading)
		}
		s = s[i:]
	}
	start := strings.Index(s, "```sh\n")
	if start < 0 {
		t.Fatalf("%s: no ```sh block after %q", file, heading)
	}
	s = s[start+len("```sh\n"):]
	s = s[:strings.Index(s, "```")]
	var cmds []string
	cur := ""
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if cur == "" && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if strings.HasSuffix(line, `\`) {
			cur += strings.TrimSuffix(line, `\`) + " "
			continue
		}
		cmds = append(cmds, cur+line)
		cur = ""
	}
	return cmds
}

// runCommands runs cmds in one bash (so variables carry over, as in the reader's terminal) and
// returns each command's output and exit status.
func runCommands(t *testing.T, cmds []string) (outs []string, codes []int) {
	t.Helper()
	var script strings.Builder
	for i, c := range cmds {
		fmt.Fprintf(&script, "%s\nprintf '\\n@@%d:%%d@@\\n' $?\n", c, i)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "bash", "-c", script.String()).CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	rest := string(out)
	for i := range cmds {
		m := regexp.MustCompile(fmt.Sprintf(`\n@@%d:(\d+)@@\n`, i)).FindStringSubmatchIndex(rest)
		if m == nil {
			t.Fatalf("no end marker for command %d in:\n%s", i, rest)
		}
		var code int
		fmt.Sscan(rest[m[2]:m[3]], &code)
		outs, codes = append(outs, rest[:m[0]]), append(codes, code)
		rest = rest[m[1]:]
	}
	return outs, codes
}

// startSuite runs the devstack like `make run` with the environment already set, and returns a
// stop function that checks it shuts down cleanly.
func startSuite(t *testing.T, args ...string) (out *testenv.SyncBuffer, stop func()) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		testenv.Missing(t, "go toolchain not on PATH")
	}
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	out = &testenv.SyncBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"-root", root}, args...), out) }()
	deadline := time.Now().Add(4 * time.Minute)
	for !strings.Contains(out.String(), "Ctrl-C stops everything") {
		select {
		case err := <-done:
			cancel()
			t.Fatalf("run() ended early: %v\n%s", err, out.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("suite did not come up:\n%s", out.String())
		}
	}
	return out, func() {
		t.Helper()
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run() after Ctrl-C = %v, want nil", err)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("suite did not stop within 30s of Ctrl-C")
		}
	}
}

func getBody(t *testing.T, url string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

// TestFirstSession runs the README's first session and the local IdP curl of docs/auth.md
// against `make run` started with every port overridden (WEB_ADDR, MOBILE_ADDR, PARTNER_ADDR,
// DEMO_ADDR) and an extra CORS origin, and checks each answer, and that the overridden ports
// reach canonical URLs, the served OpenAPI servers, the demo app's config and the IdP discovery.
func TestFirstSession(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts the three BFFs")
	}
	if _, err := exec.LookPath("curl"); err != nil {
		testenv.Missing(t, "curl not on PATH")
	}
	root, err := workspace.Root()
	if err != nil {
		t.Fatal(err)
	}
	addr := map[string]string{}
	for _, n := range []string{"WEB_ADDR", "MOBILE_ADDR", "PARTNER_ADDR", "DEMO_ADDR"} {
		addr[n] = fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t))
		t.Setenv(n, addr[n])
	}
	const extraOrigin = "http://localhost:5173"
	t.Setenv("BFF_EXTRA_CORS_ORIGINS", extraOrigin)
	t.Setenv("BFF_CORS_ORIGINS", "")
	t.Setenv("BFF_WEB_SITE_URL", "")
	web, mobile, partner, demo := addr["WEB_ADDR"], addr["MOBILE_ADDR"], addr["PARTNER_ADDR"], addr["DEMO_ADDR"]
	ports := strings.NewReplacer("127.0.0.1:8081", web, "127.0.0.1:8082", mobile, "127.0.0.1:8083", partner, "127.0.0.1:8080", demo)

	readme := shellBlock(t, filepath.Join(root, "README.md"), "## A first session")
	if len(readme) == 0 || readme[0] != "make run" {
		t.Fatalf("README first session = %q, want it to start with make run", readme)
	}
	session := readme[1:]
	authDoc := shellBlock(t, filepath.Join(root, "docs", "auth.md"), "Demo partner (embedded")
	cmds := append(append([]string{}, session...), authDoc...)
	for i, c := range cmds {
		cmds[i] = ports.Replace(c)
		if regexp.MustCompile(`127\.0\.0\.1:80[0-9][0-9]\b`).MatchString(cmds[i]) {
			t.Fatalf("command %q uses a port this test does not override", c)
		}
	}

	out, stop := startSuite(t)
	defer stop()

	// Each documented command, by what it contains, and what its answer must hold.
	checks := []struct {
		match string
		want  []string
	}{
		{"/healthz", []string{`"status":"ok"`}},
		{"/api/products?q=coffee", []string{`"items":[`, `"slug":"morning-ritual-slow-french-press-0088"`}},
		{"/v1/auth/login", []string{`"access_token":"`, `"refresh_token":"`}},
		{"TOKEN=$(", nil},
		{"/v1/products?limit=3", []string{`"items":[`, `"sku":"`}},
		{"/nope", []string{`"code":"not_found"`, `"correlation_id":"`}},
		{"/.well-known/openid-configuration", []string{`"issuer":"http://` + web + `/local-idp"`, `"grant_types_supported":["client_credentials"]`}},
		{"scope=partner-api/catalog.read", []string{`"access_token":"`, `"token_type":"Bearer"`}},
	}
	if len(checks) != len(cmds) {
		t.Fatalf("the docs have %d commands %q; this test checks %d: update one or the other", len(cmds), cmds, len(checks))
	}
	outs, codes := runCommands(t, cmds)
	for i, c := range checks {
		if !strings.Contains(cmds[i], c.match) {
			t.Errorf("command %d = %q, want one with %q", i, cmds[i], c.match)
			continue
		}
		if codes[i] != 0 {
			t.Errorf("%q exited %d, want 0:\n%s", cmds[i], codes[i], outs[i])
		}
		if c.want == nil && strings.TrimSpace(outs[i]) != "" {
			t.Errorf("%q printed %q, want nothing", cmds[i], outs[i])
		}
		for _, w := range c.want {
			if !strings.Contains(outs[i], w) {
				t.Errorf("%q answered:\n%s\nwant it to contain %s", cmds[i], outs[i], w)
			}
		}
	}

	// Canonical product URLs point at the demo app on its overridden port.
	if _, p := getBody(t, "http://"+web+"/api/products/morning-ritual-slow-french-press-0088"); !strings.Contains(p, `"canonical_url":"http://`+demo+`/products/`) {
		t.Errorf("product = %s, want canonical_url on http://%s", p, demo)
	}
	// The served OpenAPI document names no fixed port.
	_, doc := getBody(t, "http://"+web+"/openapi.json")
	var api struct {
		Servers []struct {
			URL string `json:"url"`
		} `json:"servers"`
	}
	if err := json.Unmarshal([]byte(doc), &api); err != nil {
		t.Fatal(err)
	}
	for _, s := range api.Servers {
		if s.URL != "/" && !strings.Contains(s.URL, web) {
			t.Errorf("bff-web /openapi.json server %q, want / or %s", s.URL, web)
		}
	}
	// The demo app talks to the overridden bff-web.
	if _, cfg := getBody(t, "http://"+demo+"/config.js"); !strings.Contains(cfg, `"http://`+web+`"`) {
		t.Errorf("demo /config.js = %q, want it to point at http://%s", cfg, web)
	}
	// The local IdP's discovery names the overridden issuer.
	_, disc := getBody(t, "http://"+web+"/local-idp/.well-known/openid-configuration")
	if !strings.Contains(disc, `"issuer":"http://`+web+`/local-idp"`) || !strings.Contains(disc, `"token_endpoint":"http://`+web+`/local-idp/oauth2/token"`) {
		t.Errorf("discovery = %s, want issuer and token endpoint under http://%s/local-idp", disc, web)
	}
	// The extra origin and the demo origin may call bff-web with credentials.
	for _, origin := range []string{extraOrigin, "http://" + demo} {
		resp, _ := getBody(t, "http://"+web+"/api/products?page_size=1", "Origin", origin)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); got != origin {
			t.Errorf("Access-Control-Allow-Origin for %s = %q, want it echoed", origin, got)
		}
	}
	for _, want := range []string{web, mobile, partner, demo, extraOrigin} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner does not mention %q", want)
		}
	}
}

// TestPortTakenFailsFast: a taken port ends `make run` at once with the port and its variable.
func TestPortTakenFailsFast(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	free := func() string { return fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)) }
	start := time.Now()
	err = run(context.Background(), []string{"-root", t.TempDir(), "-no-build",
		"-web", free(), "-mobile", ln.Addr().String(), "-partner", free(), "-demo", free()}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "port "+port) || !strings.Contains(err.Error(), "MOBILE_ADDR") {
		t.Errorf("run() with a taken port = %v, want an error naming port %s and MOBILE_ADDR", err, port)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("run() took %v to fail, want under 5s", d)
	}
}

// TestBFFExitFailsFast: a BFF that exits while the others start ends `make run` at once, naming it.
func TestBFFExitFailsFast(t *testing.T) {
	root := t.TempDir()
	bin := filepath.Join(root, ".local", "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{"bff-web": "exec sleep 60", "bff-mobile": "echo 'listen: address in use' >&2; exit 3", "bff-partner": "exec sleep 60"}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	free := func() string { return fmt.Sprintf("127.0.0.1:%d", testenv.FreePort(t)) }
	start := time.Now()
	err := run(context.Background(), []string{"-root", root, "-no-build", "-web", free(), "-mobile", free(), "-partner", free(), "-demo", ""}, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "bff-mobile") {
		t.Errorf("run() with a BFF exiting = %v, want an error naming bff-mobile", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("run() took %v to fail, want well under the 60s health wait", d)
	}
}

func TestCORSOrigins(t *testing.T) {
	tests := []struct {
		name  string
		lists []string
		want  []string
	}{
		{"demo only", []string{"http://127.0.0.1:8080", "", ""}, []string{"http://127.0.0.1:8080"}},
		{"env and extra merged", []string{"http://127.0.0.1:8080", "https://a.example", "http://localhost:5173, http://localhost:3000/"},
			[]string{"http://127.0.0.1:8080", "https://a.example", "http://localhost:5173", "http://localhost:3000"}},
		{"duplicates dropped", []string{"http://127.0.0.1:8080", "http://127.0.0.1:8080", "http://127.0.0.1:8080,"}, []string{"http://127.0.0.1:8080"}},
		{"no demo", []string{"", "", "http://localhost:5173"}, []string{"http://localhost:5173"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := corsOrigins(tt.lists...); strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("corsOrigins(%q) = %q, want %q", tt.lists, got, tt.want)
			}
		})
	}
}
