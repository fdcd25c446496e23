// Command devstack is what `make run` starts (and, with -lambda, `make run-lambda`: see
// runLambda): it builds the three BFFs, starts each as its own
// process on the embedded defaults (embedded data, embedded identity provider) exactly as it
// would run outside Lambda, waits until every one answers /healthz, prints how to use them,
// and stops them all cleanly on Ctrl-C. If one BFF dies, it stops the others and fails.
//
// The three processes share the local identity provider's signing key (.local/idp-key.pem,
// created once) and issuer, so a token issued by one BFF verifies on the others. Data is per
// process: each seeds the same deterministic catalog, customers and orders.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"bffsuite.dev/shared/workspace"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/lambdastack"
)

type bff struct {
	name, addr string
	env        []string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "devstack:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// listenVars names, per devstack flag, the environment variable that sets it.
var listenVars = map[string]string{"web": "WEB_ADDR", "mobile": "MOBILE_ADDR", "partner": "PARTNER_ADDR", "demo": "DEMO_ADDR"}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("devstack", flag.ContinueOnError)
	root := fs.String("root", "", "repository root (default: found from the working directory)")
	webAddr := fs.String("web", env("WEB_ADDR", "127.0.0.1:8081"), "bff-web address (WEB_ADDR)")
	mobileAddr := fs.String("mobile", env("MOBILE_ADDR", "127.0.0.1:8082"), "bff-mobile address (MOBILE_ADDR)")
	partnerAddr := fs.String("partner", env("PARTNER_ADDR", "127.0.0.1:8083"), "bff-partner address (PARTNER_ADDR)")
	demoAddr := fs.String("demo", env("DEMO_ADDR", "127.0.0.1:8080"), "demo web app address (DEMO_ADDR); empty to disable")
	extraOrigins := fs.String("cors", os.Getenv("BFF_EXTRA_CORS_ORIGINS"),
		"comma-separated extra origins bff-web allows besides the demo app, e.g. http://localhost:5173 (BFF_EXTRA_CORS_ORIGINS)")
	noBuild := fs.Bool("no-build", false, "use the binaries already in .local/bin (.local/lambda with -lambda)")
	lambdaMode := fs.Bool("lambda", false, "run the BFFs as Lambda bootstraps under the RIE behind local API Gateway fronts (make run-lambda)")
	pool := fs.Int("pool", 1, "with -lambda: emulators per function (each has its own embedded data)")
	hooksAddr := fs.String("webhooks", env("WEBHOOK_RECEIVER_ADDR", "127.0.0.1:8089"), "local webhook receiver address (WEBHOOK_RECEIVER_ADDR); empty to disable")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// Fail fast, naming the port, when an address is taken: otherwise a BFF exits at once and
	// the others wait for it.
	if err := checkFree(map[string]string{"web": *webAddr, "mobile": *mobileAddr, "partner": *partnerAddr, "demo": *demoAddr}); err != nil {
		return err
	}
	if *root == "" {
		r, err := workspace.Root()
		if err != nil {
			return fmt.Errorf("%w: run from the repository or pass -root", err)
		}
		*root = r
	}
	if *lambdaMode {
		return runLambda(ctx, out, lambdastack.Options{Root: *root, WebAddr: *webAddr, MobileAddr: *mobileAddr, PartnerAddr: *partnerAddr,
			PoolSize: *pool, NoBuild: *noBuild}, *demoAddr)
	}
	local := filepath.Join(*root, ".local")
	bin := filepath.Join(local, "bin")
	if err := os.MkdirAll(bin, 0o755); err != nil {
		return err
	}
	if !*noBuild {
		fmt.Fprintln(out, "building bff-web, bff-mobile, bff-partner ...")
		cmd := exec.CommandContext(ctx, "go", "build", "-o", bin+string(filepath.Separator), "./bff-web", "./bff-mobile", "./bff-partner")
		cmd.Dir, cmd.Stdout, cmd.Stderr = *root, os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("build: %w", err)
		}
	}
	keyFile := filepath.Join(local, "idp-key.pem")
	if _, err := os.Stat(keyFile); err != nil {
		if err := localidp.WriteKeyFile(keyFile); err != nil {
			return fmt.Errorf("create local IdP key: %w", err)
		}
	}
	issuer := "http://" + *webAddr + "/local-idp"
	demoOrigin := ""
	if *demoAddr != "" {
		demoOrigin = "http://" + *demoAddr
	}
	origins := corsOrigins(demoOrigin, os.Getenv("BFF_CORS_ORIGINS"), *extraOrigins)
	common := []string{
		"BFF_LOCAL_IDP_KEY_FILE=" + keyFile,
		"BFF_LOCAL_IDP_ISSUER=" + issuer,
		// EMF metric lines are for CloudWatch; on a laptop they would drown the request log.
		"BFF_METRICS=off",
	}
	webEnv := []string{"BFF_CORS_ORIGINS=" + strings.Join(origins, ","), "BFF_LOCAL_IDP_CLIENT_ID=local-web-client"}
	if demoOrigin != "" && os.Getenv("BFF_WEB_SITE_URL") == "" {
		// Canonical product URLs point at the demo app, wherever DEMO_ADDR put it.
		webEnv = append(webEnv, "BFF_WEB_SITE_URL="+demoOrigin)
	}
	bffs := []bff{
		{name: "bff-web", addr: *webAddr, env: webEnv},
		{name: "bff-mobile", addr: *mobileAddr, env: []string{"BFF_LOCAL_IDP_CLIENT_ID=local-mobile-client"}},
		{name: "bff-partner", addr: *partnerAddr, env: []string{"BFF_LOCAL_IDP_CLIENT_ID=local-partner-portal"}},
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	died := make(chan error, len(bffs)+1)
	var procs []*exec.Cmd
	for _, b := range bffs {
		cmd := exec.Command(filepath.Join(bin, b.name))
		cmd.Env = append(append(append(os.Environ(), "BFF_ADDR="+b.addr), common...), b.env...)
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = cmd.Stdout
		if err := cmd.Start(); err != nil {
			stopAll(procs)
			return fmt.Errorf("start %s: %w", b.name, err)
		}
		procs = append(procs, cmd)
		wg.Add(1)
		go func(name string, r io.Reader) {
			defer wg.Done()
			prefix(out, name, r)
		}(b.name, stdout)
		go func(name, addr string, cmd *exec.Cmd) {
			err := cmd.Wait()
			select {
			case <-ctx.Done():
			default:
				died <- fmt.Errorf("%s (%s) exited: %v", name, addr, err)
			}
		}(b.name, b.addr, cmd)
	}
	for _, b := range bffs {
		if err := waitHealthy(ctx, b.addr, 60*time.Second, died); err != nil {
			stopAll(procs)
			wg.Wait()
			return fmt.Errorf("%s did not become healthy on %s: %w", b.name, b.addr, err)
		}
	}
	var demo *http.Server
	if *demoAddr != "" {
		srv, err := serveDemo(*root, *demoAddr, "http://"+*webAddr)
		if err != nil {
			stopAll(procs)
			return err
		}
		demo = srv
	}
	banner(out, *webAddr, *mobileAddr, *partnerAddr, *demoAddr, origins)
	hooks, err := startWebhookReceiver(out, *hooksAddr) // issue 18: see webhooks.go
	if err != nil {
		stopAll(procs)
		return err
	}
	var result error
	select {
	case <-ctx.Done():
		fmt.Fprintln(out, "\nstopping ...")
	case err := <-died:
		result = err
		fmt.Fprintln(out, "\n"+err.Error()+"; stopping the others ...")
	}
	cancel()
	if hooks != nil {
		_ = hooks.Close()
	}
	if demo != nil {
		sctx, c := context.WithTimeout(context.Background(), 5*time.Second)
		_ = demo.Shutdown(sctx)
		c()
	}
	stopAll(procs)
	wg.Wait()
	return result
}

// stopAll sends SIGTERM (graceful shutdown in server.Run), then kills what is left after 12 s.
func stopAll(procs []*exec.Cmd) {
	for _, p := range procs {
		if p.Process != nil {
			_ = p.Process.Signal(syscall.SIGTERM)
		}
	}
	deadline := time.Now().Add(12 * time.Second)
	for _, p := range procs {
		for p.ProcessState == nil && time.Now().Before(deadline) {
			if p.Process == nil || p.Process.Signal(syscall.Signal(0)) != nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if p.Process != nil {
			_ = p.Process.Kill()
		}
	}
}

func prefix(out io.Writer, name string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintf(out, "%-12s| %s\n", name, sc.Text())
	}
}

// checkFree fails, naming the address, its port and the variable that sets it, when an address
// is already in use or given twice.
func checkFree(addrs map[string]string) error {
	seen := map[string]string{}
	var errs []error
	for _, name := range []string{"web", "mobile", "partner", "demo"} {
		addr := addrs[name]
		if addr == "" {
			continue
		}
		if other, dup := seen[addr]; dup {
			errs = append(errs, fmt.Errorf("%s (-%s) and %s (-%s) are both %s", listenVars[other], other, listenVars[name], name, addr))
			continue
		}
		seen[addr] = name
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			_, port, _ := net.SplitHostPort(addr)
			errs = append(errs, fmt.Errorf("port %s (%s for %s) is not available: %w; stop what uses it or set %s=127.0.0.1:<free port>",
				port, listenVars[name], name, err, listenVars[name]))
			continue
		}
		_ = ln.Close()
	}
	return errors.Join(errs...)
}

// corsOrigins merges the demo app's origin, BFF_CORS_ORIGINS from the environment and the extra
// origins, each comma-separated, without duplicates, in that order.
func corsOrigins(lists ...string) []string {
	var out []string
	for _, l := range lists {
		for _, o := range strings.Split(l, ",") {
			if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" && !slices.Contains(out, o) {
				out = append(out, o)
			}
		}
	}
	return out
}

// waitHealthy polls addr's /healthz until 200, the timeout, or a BFF process dies (died).
func waitHealthy(ctx context.Context, addr string, timeout time.Duration, died <-chan error) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: time.Second}
	for {
		resp, err := client.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case derr := <-died:
			return derr
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// serveDemo serves bff-web's demo app (bff-web/demo) on its own origin, the way a production
// SPA is served from its own site; it calls bff-web cross-origin with credentials.
func serveDemo(root, addr, webURL string) (*http.Server, error) {
	dir := filepath.Join(root, "bff-web", "demo")
	if _, err := os.Stat(dir); err != nil {
		return nil, nil //nolint:nilnil // no demo app in this checkout
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/config.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintf(w, "export const BFF_WEB_URL = %q;\n", webURL)
	})
	mux.Handle("/", http.FileServer(http.Dir(dir)))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("demo app on %s (DEMO_ADDR): %w", addr, err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return srv, nil
}

func banner(out io.Writer, web, mobile, partner, demo string, origins []string) {
	var b strings.Builder
	line := strings.Repeat("─", 78)
	fmt.Fprintf(&b, "\n%s\n BFF suite running on embedded defaults (local identity provider, in-memory data)\n%s\n", line, line)
	fmt.Fprintf(&b, "  bff-web      http://%s   (browser BFF: cookie sessions)\n", web)
	fmt.Fprintf(&b, "  bff-mobile   http://%s   (mobile BFF: bearer tokens)\n", mobile)
	fmt.Fprintf(&b, "  bff-partner  http://%s   (partner BFF: client credentials)\n", partner)
	if demo != "" {
		fmt.Fprintf(&b, "  demo web app http://%s   (open in a browser)\n", demo)
	}
	fmt.Fprintf(&b, "\n  bff-web allows the origins %s (add more: BFF_EXTRA_CORS_ORIGINS=http://localhost:5173)\n", strings.Join(origins, ", "))
	fmt.Fprintf(&b, "  local IdP discovery: http://%s/local-idp/.well-known/openid-configuration\n", web)
	fmt.Fprintf(&b, "\n  demo user: %s / %s   (confirmation code for new sign-ups: 123456)\n", localidp.DemoUser, "Demo-Passw0rd!")
	fmt.Fprintf(&b, "\n  try:\n    curl -s http://%s/healthz\n", web)
	fmt.Fprintf(&b, "    curl -s 'http://%s/api/products?q=coffee&page_size=3'\n", web)
	fmt.Fprintf(&b, "    curl -s -X POST http://%s/v1/auth/login -H 'Content-Type: application/json' \\\n      -d '{\"username\":\"%s\",\"password\":\"Demo-Passw0rd!\"}'\n", mobile, localidp.DemoUser)
	fmt.Fprintf(&b, "    TOKEN=$(curl -s -u demo-partner:demo-partner-secret -d grant_type=client_credentials http://%s/oauth2/token | sed -E 's/.*\"access_token\":\"([^\"]+)\".*/\\1/')\n", partner)
	fmt.Fprintf(&b, "    curl -s -H \"Authorization: Bearer $TOKEN\" 'http://%s/v1/products?limit=3'\n", partner)
	fmt.Fprintf(&b, "\n  Ctrl-C stops everything.\n%s\n", line)
	fmt.Fprint(out, b.String())
}
