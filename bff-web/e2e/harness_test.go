package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
	"github.com/chromedp/chromedp"
)

// ---------- bff-web as a real process ----------

var (
	buildOnce sync.Once
	buildDir  string
	buildBin  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// bffBinary builds bff-web once per test binary (the go build cache makes it quick when
// nothing changed) and returns the path of the executable.
func bffBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "bff-web-e2e-")
		if buildErr != nil {
			return
		}
		buildBin = filepath.Join(buildDir, "bff-web")
		cmd := exec.Command("go", "build", "-o", buildBin, ".")
		cmd.Dir = ".." // the bff-web module
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build bff-web: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return buildBin
}

// cleanEnv is the environment without any BFF_ or Lambda variables of the caller, so a
// developer's shell cannot change what the test starts.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "BFF_") || strings.HasPrefix(kv, "AWS_LAMBDA_") || strings.HasPrefix(kv, "_LAMBDA_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// listen opens a TCP listener on a free port of host (an IPv4 loopback address).
func listen(t *testing.T, host string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatalf("listen on %s: %v", host, err)
	}
	return ln
}

func freeAddr(t *testing.T, host string) string {
	t.Helper()
	ln := listen(t, host)
	addr := ln.Addr().String()
	_ = ln.Close()
	return addr
}

// startBFF runs bff-web on host with the demo origin as its only CORS origin, the way
// `make run` (shared/cmd/devstack) does, plus extra environment, and returns its base URL.
// The process is stopped (SIGTERM, then kill) when the test ends; its log is printed if the
// test failed.
func startBFF(t *testing.T, host, demoOrigin string, extra ...string) string {
	t.Helper()
	bin := bffBinary(t)
	addr := freeAddr(t, host)
	base := "http://" + addr
	cmd := exec.Command(bin)
	cmd.Env = append(cleanEnv(),
		"BFF_ADDR="+addr,
		"BFF_CORS_ORIGINS="+demoOrigin,
		"BFF_WEB_SITE_URL="+demoOrigin,
		"BFF_LOCAL_IDP_CLIENT_ID=local-web-client",
		"BFF_LOCAL_IDP_ISSUER="+base+"/local-idp",
	)
	cmd.Env = append(cmd.Env, extra...)
	logs := &testenv.SyncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("start bff-web: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("bff-web log:\n%s", logs.String())
		}
	})
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := client.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		select {
		case err := <-exited:
			t.Fatalf("bff-web exited before it was healthy: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("bff-web on %s not healthy after 30s\n%s", addr, logs.String())
		}
	}
}

// ---------- the demo app and other pages ----------

// demoHandler serves bff-web/demo with a generated /config.js, as devstack's serveDemo does.
func demoHandler(webURL string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/config.js", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, "export const BFF_WEB_URL = %q;\n", webURL)
	})
	mux.Handle("/", http.FileServer(http.Dir(filepath.Join("..", "demo"))))
	return mux
}

// evilPage is what a page on a foreign origin serves: nothing but a document to run
// scripts in.
const evilPage = `<!doctype html><html><head><meta charset="utf-8"><title>elsewhere</title></head><body><h1>Another site</h1></body></html>`

func evilHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, evilPage)
	})
}

// serve serves h on ln until the test ends and returns the origin.
func serve(t *testing.T, ln net.Listener, h http.Handler) string {
	t.Helper()
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String()
}

// suite is a running bff-web with the demo app on its own origin.
type suite struct {
	WebURL, DemoURL string
}

// startSuite starts the demo app on 127.0.0.1 (own port, own origin) and bff-web on
// 127.0.0.1 with that origin allowlisted: the layout of `make run`.
func startSuite(t *testing.T, extraEnv ...string) suite {
	t.Helper()
	ln := listen(t, "127.0.0.1")
	demoOrigin := "http://" + ln.Addr().String()
	web := startBFF(t, "127.0.0.1", demoOrigin, extraEnv...)
	serve(t, ln, demoHandler(web))
	return suite{WebURL: web, DemoURL: demoOrigin}
}

// ---------- the browser ----------

func chromiumPath() string {
	if p := os.Getenv("BFF_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts headless Chromium with a fresh profile and returns the context of its
// first tab. The browser never downloads anything: it is Debian's chromium (or BFF_CHROMIUM),
// and every host but localhost and 127.* resolves to nothing, so no request leaves loopback.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		testenv.Missing(t, "chromium not installed (run .ci/install-deps chromium, or set BFF_CHROMIUM)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // we run as root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.*"),
		chromedp.Flag("lang", "en-US"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 800),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	// The first Run starts the browser; its context must not carry a timeout.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium %s: %v", path, err)
	}
	return ctx
}

// newTab opens another tab of the same browser (same cookie jar).
func newTab(t *testing.T, browser context.Context) context.Context {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open tab: %v", err)
	}
	return ctx
}

// ---------- screenshots ----------

func artifactsDir() string {
	if d := os.Getenv("BFF_E2E_ARTIFACTS"); d != "" {
		return d
	}
	dir, err := os.Getwd()
	if err == nil {
		for d := dir; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
				return filepath.Join(d, "test-artifacts", "e2e")
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return filepath.Join(os.TempDir(), "bff-web-e2e-artifacts")
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// screenshot saves a full-page PNG of the tab as test-artifacts/e2e/<test>-<name>.png.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(sctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	dir := artifactsDir()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	file := filepath.Join(dir, unsafeName.ReplaceAllString(t.Name()+"-"+name, "_")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("screenshot %s: %v", name, err)
		return
	}
	t.Logf("screenshot: %s", file)
}

// step runs one step of a browser scenario as a subtest with its own time limit. The tab's
// screenshot is saved when the step fails, and after every step when BFF_E2E_SHOTS is set.
func step(t *testing.T, tab context.Context, name string, f func(t *testing.T, ctx context.Context)) bool {
	t.Helper()
	return t.Run(name, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(tab, 30*time.Second)
		defer cancel()
		defer func() {
			if t.Failed() || os.Getenv("BFF_E2E_SHOTS") != "" {
				screenshot(t, tab, "tab")
			}
		}()
		f(t, ctx)
	})
}

// ---------- page helpers ----------

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression (awaiting a promise) in the tab's page.
func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js, chromedp.EvalAwaitPromise))
	if err != nil {
		var ex *chromedp.ExceptionError
		if errors.As(err, &ex) {
			t.Fatalf("eval(%s) threw: %v", js, ex)
		}
		t.Fatalf("eval(%s): %v", js, err)
	}
	return v
}

// waitFor polls a JavaScript condition until it is true. Errors while the page navigates
// (no execution context yet) are retried.
func waitFor(t *testing.T, ctx context.Context, what, cond string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	var last error
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`!!(`+cond+`)`))
		if err == nil && ok {
			return
		}
		if err != nil {
			last = err
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			t.Fatalf("waiting for %s (%s): not true (last error: %v)", what, cond, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// readyOn is the condition "the demo rendered the screen of route".
func readyOn(route string) string {
	return fmt.Sprintf(`document.body && document.body.dataset.route === %q && document.body.dataset.ready === "true"`, route)
}

// openDemo loads the demo app at route and waits for its screen.
func openDemo(t *testing.T, ctx context.Context, demoURL, route string) {
	t.Helper()
	do(t, ctx, "navigate to the demo", chromedp.Navigate(demoURL+"/#"+route))
	path, _, _ := strings.Cut(route, "?")
	waitFor(t, ctx, "screen "+route, readyOn(path))
}

// goTo changes the demo's route in place (a hash change) and waits for the new screen.
func goTo(t *testing.T, ctx context.Context, route string) {
	t.Helper()
	path, _, _ := strings.Cut(route, "?")
	do(t, ctx, "go to "+route, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`location.hash = %q`, "#"+route)))
	waitFor(t, ctx, "screen "+route, readyOn(path))
}

func textOf(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	return eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q)?.textContent ?? "<missing>").trim().replace(/\s+/g, " ")`, css))
}

func exists(t *testing.T, ctx context.Context, css string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`document.querySelector(%q) !== null`, css))
}

// rerender runs action and waits until the demo rendered a new screen (of any route).
func rerender(t *testing.T, ctx context.Context, what string, action chromedp.Action[chromedp.Void]) {
	t.Helper()
	before := eval[int](t, ctx, `Number(document.body.dataset.renders || 0)`)
	do(t, ctx, what, action)
	waitFor(t, ctx, what, fmt.Sprintf(`Number(document.body.dataset.renders || 0) > %d && document.body.dataset.ready === "true"`, before))
}

// signIn fills the demo's sign-in form and waits for the home screen signed in.
func signIn(t *testing.T, ctx context.Context, email, password string) {
	t.Helper()
	goTo(t, ctx, "/signin")
	do(t, ctx, "fill the sign-in form",
		chromedp.SendKeys(chromedp.CSS(`#signin-form input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`#signin-form input[name=password]`), password),
		chromedp.Click(chromedp.CSS(`#signin-form button[type=submit]`)),
	)
	waitFor(t, ctx, "signed-in home", `document.querySelector("[data-testid=nav-account]") !== null && `+readyOn("/"))
}
