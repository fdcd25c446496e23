// Package rehearse applies terraform/envs/dev to a local AWS (moto_server) with the real AWS
// provider, checks that a second plan is empty, runs every deployed function's bootstrap under
// the Lambda Runtime Interface Emulator exactly as deployed (its environment, its role's
// credentials, IAM enforced by the emulator), and destroys the stack: `make rehearse`.
//
// What is not AWS, named honestly: moto 5.2.1 stands in for every service (no real account is
// reachable from here); its IAM checks for SSM and DynamoDB get their resources from the
// launcher in moto_iam.py; the functions run on this machine's architecture (x86_64 zips on an
// amd64 host, through the env's lambda_architecture variable); saved Logs Insights queries are
// left out (moto lacks PutQueryDefinition) and the Cognito resource server is forgotten, not
// deleted, before destroy (moto lacks DeleteResourceServer).
package rehearse

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"bffsuite.dev/deploy/internal/lambdazip"
	"bffsuite.dev/shared/buildtags"
	"bffsuite.dev/shared/smoke"
	"github.com/aws/aws-sdk-go-v2/aws"
)

// Options configure a rehearsal.
type Options struct {
	// Repo is the repository root (go.work, terraform/).
	Repo string
	// Toolkit is the tf-offline toolkit (default Repo/../shared/tools/tf-offline).
	Toolkit string
	// Tofu, Python and RIE are the binaries (found on PATH and in $BFF_TOOLS/bin when empty).
	Tofu, Python, RIE string
	// Out receives one line per step with its time.
	Out io.Writer
	// WorkDir holds the copy of terraform/, the zips and the logs (a temp dir when empty; kept
	// when set).
	WorkDir string
	// Mutate edits the copy of terraform/ before init (tests revert fixes with it).
	Mutate func(tfDir string) error
	// Until stops after the named phase: "plan" (init and plan only), "apply", or "" (all).
	Until string
	// SkipBuild uses zips already in WorkDir/dist.
	SkipBuild bool
	// Only limits the functions run under the emulator to these BFFs (web, mobile, partner).
	Only []string
	// NoDestroy leaves the stack in the emulator (tests: moto stops with the run anyway).
	NoDestroy bool
	// ColdStarts is how many cold starts of each function (and of the floor) are measured;
	// the median is reported (default 5).
	ColdStarts int
	// NoJourneys skips the smoke journeys through the applied APIs (each journey also needs
	// its BFF among Only).
	NoJourneys bool
}

// Function is one function's result under the emulator.
type Function struct {
	Deployed
	Init       time.Duration
	Healthz    int
	Readyz     int
	ReadyzBody string
	Catalog    int // status of the catalog probe (catalogProbe), 0 when none
	// InitMedian is the median init of Options.ColdStarts cold starts (/healthz each).
	InitMedian time.Duration
	// InitNoSSM is the same median with the secrets in the environment instead of SSM
	// (diagnostic: what the SSM fetch adds to the cold start).
	InitNoSSM     time.Duration
	AddedEnv      []string
	SecretsPlaced []string
}

// Report is what a rehearsal measured.
type Report struct {
	Steps     []Step
	Functions []Function
	// Floor is the median init of a bare aws-lambda-go handler (shared/server/testdata/floor),
	// built and run the same way, measured in the same run.
	Floor time.Duration
	// Journeys are the smoke journeys run through the fronts of the applied APIs.
	Journeys []*smoke.Report
}

// Step is one timed phase.
type Step struct {
	Name string
	Took time.Duration
}

type runner struct {
	o      Options
	rep    *Report
	start  time.Time
	tofu   Tofu
	moto   *Moto
	work   string
	tfRoot string
}

func (r *runner) step(name string, f func() (string, error)) error {
	t := time.Now()
	detail, err := f()
	took := time.Since(t)
	r.rep.Steps = append(r.rep.Steps, Step{Name: name, Took: took})
	status := "ok"
	if err != nil {
		status = "FAILED"
	}
	line := fmt.Sprintf("==> %-34s %-6s %8s", name, status, took.Round(10*time.Millisecond))
	if detail != "" {
		line += "  " + detail
	}
	fmt.Fprintln(r.o.Out, line)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// Run rehearses the first deploy. The error names the step and the cause.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Toolkit == "" {
		o.Toolkit = filepath.Join(o.Repo, "..", "shared", "tools", "tf-offline")
	}
	r := &runner{o: o, rep: &Report{}, start: time.Now()}
	var err error
	if r.o.Tofu == "" {
		if r.o.Tofu, err = findTool("tofu", "bin/tofu"); err != nil {
			return r.rep, err
		}
	}
	if r.o.RIE == "" && o.Until == "" {
		if r.o.RIE, err = findTool("aws-lambda-rie", "bin/aws-lambda-rie"); err != nil {
			return r.rep, err
		}
	}
	if r.o.Python == "" {
		if r.o.Python, err = FindPython(); err != nil {
			return r.rep, err
		}
	}
	r.work = o.WorkDir
	if r.work == "" {
		if r.work, err = os.MkdirTemp("", "bffsuite-rehearse-"); err != nil {
			return r.rep, err
		}
		defer os.RemoveAll(r.work)
	} else if err := os.MkdirAll(r.work, 0o755); err != nil {
		return r.rep, err
	}
	err = r.run(ctx)
	fmt.Fprintf(r.o.Out, "==> %-34s %-6s %8s\n", "total", map[bool]string{true: "ok", false: "FAILED"}[err == nil], time.Since(r.start).Round(10*time.Millisecond))
	return r.rep, err
}

func (r *runner) run(ctx context.Context) (err error) {
	if err := r.step("start moto_server", func() (string, error) {
		m, err := StartMoto(ctx, r.o.Python, r.work)
		if err != nil {
			return "", err
		}
		r.moto = m
		return m.URL, nil
	}); err != nil {
		return err
	}
	defer r.moto.Stop()

	dist := filepath.Join(r.work, "dist")
	goarch := runtime.GOARCH
	arch, err := lambdazip.LambdaArchitecture(goarch)
	if err != nil {
		return fmt.Errorf("this machine (%s) cannot run Lambda bootstraps: %w", goarch, err)
	}
	if !r.o.SkipBuild {
		if err := r.step("build zips (linux/"+goarch+")", func() (string, error) {
			b := lambdazip.Builder{Dir: r.o.Repo, OutDir: dist, Arch: goarch}
			var sizes []string
			for _, t := range lambdazip.All() { // the BFFs and the workers (the suite deploys both)
				art, err := b.Build(ctx, t)
				if err != nil {
					return "", err
				}
				sizes = append(sizes, fmt.Sprintf("%s %.1f MiB", t.Name, float64(art.Size)/(1<<20)))
			}
			return strings.Join(sizes, ", "), nil
		}); err != nil {
			return err
		}
	}

	if err := r.step("prepare terraform copy", func() (string, error) { return r.prepare(dist, arch) }); err != nil {
		return err
	}
	if err := r.step("tofu init (real hashicorp/aws)", func() (string, error) { return "", r.tofu.Init(ctx) }); err != nil {
		return err
	}
	if r.o.Until == "plan" {
		return r.step("tofu plan", func() (string, error) {
			_, err := r.tofu.Plan(ctx)
			if errors.Is(err, ErrChanges) {
				return "changes planned", nil
			}
			return "", err
		})
	}

	applied := false
	defer func() {
		if !applied || r.o.NoDestroy {
			return
		}
		derr := r.step("tofu destroy", func() (string, error) { return r.destroy(ctx) })
		if err == nil {
			err = derr
		}
	}()
	if err := r.step("tofu apply", func() (string, error) {
		out, err := r.tofu.Apply(ctx)
		applied = true // destroy whatever a failed apply left behind
		return applySummary(out), err
	}); err != nil {
		return err
	}
	if err := r.step("second tofu plan (no changes)", func() (string, error) {
		_, err := r.tofu.Plan(ctx)
		return "", err
	}); err != nil {
		return err
	}
	if r.o.Until == "apply" {
		return nil
	}
	return r.functions(ctx, dist)
}

func (r *runner) prepare(dist, arch string) (string, error) {
	tf := filepath.Join(r.work, "terraform")
	if err := os.RemoveAll(tf); err != nil {
		return "", err
	}
	if err := CopyTerraform(filepath.Join(r.o.Repo, "terraform"), tf); err != nil {
		return "", err
	}
	r.tfRoot = filepath.Join(tf, filepath.FromSlash(EnvRoot))
	if err := os.WriteFile(filepath.Join(r.tfRoot, "rehearsal_override.tf"), []byte(ProviderOverride(r.moto.URL)), 0o644); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(r.tfRoot, "rehearsal.auto.tfvars"), []byte(Tfvars(dist, arch)), 0o644); err != nil {
		return "", err
	}
	if r.o.Mutate != nil {
		if err := r.o.Mutate(tf); err != nil {
			return "", fmt.Errorf("mutate: %w", err)
		}
	}
	setup := filepath.Join(r.o.Toolkit, "setup-real-aws")
	out, err := runOutput(setup)
	if err != nil {
		return "", fmt.Errorf("%s: %w", setup, err)
	}
	logf, err := os.Create(filepath.Join(r.work, "tofu.log"))
	if err != nil {
		return "", err
	}
	r.tofu = Tofu{Bin: r.o.Tofu, Dir: r.tfRoot, Env: []string{"TF_CLI_CONFIG_FILE=" + strings.TrimSpace(out)}, Log: logf}
	return "logs in " + r.work, nil
}

// prepared is a deployed function ready to run: its bootstrap and environment.
type prepared struct {
	d       Deployed
	boot    string
	placed  []string
	env     []string
	addedTo []string
	// secrets are the function's SSM values by variable name (for the init breakdown only).
	secrets map[string]string
}

// withoutSSM is env with the secrets given directly and no BFF_SECRETS_SSM_PREFIX: the same
// function without the SSM fetch at cold start (a diagnostic, not how it is deployed).
func (p prepared) withoutSSM() []string {
	var out []string
	for _, kv := range p.env {
		if !strings.HasPrefix(kv, "BFF_SECRETS_SSM_PREFIX=") {
			out = append(out, kv)
		}
	}
	for k, v := range p.secrets {
		out = append(out, k+"="+v)
	}
	return out
}

// catalogProbe is a public catalog read per BFF, invoked after /readyz (the seeded catalog).
var catalogProbe = map[string]string{"web": "/api/products?page_size=2"}

// resourcesMotoCannotDelete are forgotten before destroy: moto 5.2.1 lacks DeleteResourceServer.
var resourcesMotoCannotDelete = []string{"aws_cognito_resource_server."}

func (r *runner) destroy(ctx context.Context) (string, error) {
	addrs, err := r.tofu.StateList(ctx)
	if err != nil {
		return "", err
	}
	managed := 0
	for _, a := range addrs {
		if !strings.HasPrefix(a, "data.") && !strings.Contains(a, ".data.") {
			managed++
		}
	}
	if managed == 0 {
		return "nothing in state", nil
	}
	var forget []string
	for _, a := range addrs {
		for _, kind := range resourcesMotoCannotDelete {
			if strings.Contains(a, kind) {
				forget = append(forget, a)
			}
		}
	}
	if len(forget) > 0 {
		if err := r.tofu.StateRemove(ctx, forget...); err != nil {
			return "", err
		}
	}
	summary, err := r.tofu.Destroy(ctx)
	if err != nil {
		return "", err
	}
	if len(forget) > 0 {
		summary += fmt.Sprintf(" Forgot %s first (moto lacks its delete).", strings.Join(forget, ", "))
	}
	return summary, nil
}

func (r *runner) functions(ctx context.Context, dist string) (err error) {
	var names map[string]string
	var secrets map[string][]string
	var partnerURL string
	var tables map[string]string
	if err := r.step("read deployed functions", func() (string, error) {
		if err := r.tofu.Output(ctx, "table_names", &tables); err != nil {
			return "", err
		}
		if err := r.tofu.Output(ctx, "lambda_function_names", &names); err != nil {
			return "", err
		}
		if err := r.tofu.Output(ctx, "secret_parameters", &secrets); err != nil {
			return "", err
		}
		if err := r.tofu.Output(ctx, "partner_api_url", &partnerURL); err != nil {
			return "", err
		}
		return fmt.Sprintf("%d functions", len(names)), nil
	}); err != nil {
		return err
	}
	bffs := make([]string, 0, len(names))
	for b := range names {
		if len(r.o.Only) == 0 || slices.Contains(r.o.Only, b) {
			bffs = append(bffs, b)
		}
	}
	sort.Strings(bffs)
	stage := partnerURL[strings.LastIndex(partnerURL, "/")+1:]

	var fns []prepared
	if err := r.step("secrets into SSM, role credentials", func() (string, error) {
		var all []string
		for _, b := range bffs {
			d, err := ReadDeployed(ctx, r.moto.URL, b, names[b])
			if err != nil {
				return "", err
			}
			placed, err := PutSecrets(ctx, r.moto.URL, secrets[b])
			if err != nil {
				return "", err
			}
			all = append(all, placed...)
			creds, err := AssumeRole(ctx, r.moto.URL, d.Role, "rehearse-"+b)
			if err != nil {
				return "", err
			}
			dir := filepath.Join(r.work, "fn", b)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return "", err
			}
			boot, err := ExtractBootstrap(filepath.Join(dist, "bff-"+b+".zip"), d, dir)
			if err != nil {
				return "", err
			}
			env, added := FunctionEnv(d, creds, r.moto.URL)
			values, err := ReadSecrets(ctx, r.moto.URL, secrets[b])
			if err != nil {
				return "", err
			}
			fns = append(fns, prepared{d: d, boot: boot, placed: placed, env: env, addedTo: added, secrets: values})
		}
		return fmt.Sprintf("%d parameters put", len(all)), nil
	}); err != nil {
		return err
	}

	workers, err := r.prepareWorkers(ctx, dist)
	if err != nil {
		return err
	}

	if err := r.step("seed the catalog (seed-dynamodb)", func() (string, error) {
		prefix, ok := strings.CutSuffix(tables["catalog"], "catalog")
		if !ok {
			return "", fmt.Errorf("catalog table %q does not end in \"catalog\"", tables["catalog"])
		}
		cmd := exec.CommandContext(ctx, "go", "run", "./shared/cmd/seed-dynamodb", "-endpoint", r.moto.URL,
			"-region", Region, "-table-prefix", prefix, "-no-create")
		cmd.Dir = r.o.Repo
		cmd.Env = append(os.Environ(), "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_REGION="+Region)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("seed-dynamodb: %w\n%s", err, tail(string(out), 2000))
		}
		return "tables " + prefix + "*", nil
	}); err != nil {
		return err
	}

	// What the journeys need from the operator's side, done with admin credentials before IAM
	// is enforced: the partner onboarded with bffdeploy, a mobile user, the APIs read back.
	var setup *journeySetup
	if !r.o.NoJourneys {
		if setup, err = r.prepareJourneys(ctx, names, bffs); err != nil {
			return err
		}
	}

	if err := r.step("moto IAM enforcement on", func() (string, error) { return "", r.moto.SetIAM(true) }); err != nil {
		return err
	}
	defer func() { _ = r.moto.SetIAM(false) }()

	var failures []string
	for _, p := range fns {
		fn := Function{Deployed: p.d, AddedEnv: p.addedTo, SecretsPlaced: p.placed}
		err := r.step("run "+p.d.Name+" under RIE", func() (string, error) {
			return r.invoke(ctx, p.boot, p.env, stage, &fn)
		})
		r.rep.Functions = append(r.rep.Functions, fn)
		if err != nil {
			failures = append(failures, err.Error())
		}
	}
	if len(failures) > 0 {
		return errors.New(strings.Join(failures, "\n"))
	}
	if err := r.runWorkers(ctx, workers); err != nil {
		return err
	}
	if setup != nil {
		if err := r.journeys(ctx, setup, fns); err != nil {
			return err
		}
	}
	return r.step("cold starts: functions vs floor", func() (string, error) { return r.coldStarts(ctx, fns) })
}

// coldStarts measures ColdStarts inits of each function as deployed (its env and role, IAM on)
// and of the floor, and reports the medians and ratios.
func (r *runner) coldStarts(ctx context.Context, targets []prepared) (string, error) {
	n := r.o.ColdStarts
	if n <= 0 {
		n = 5
	}
	floorDir := filepath.Join(r.work, "floor")
	if err := os.MkdirAll(floorDir, 0o755); err != nil {
		return "", err
	}
	floor := filepath.Join(floorDir, "bootstrap")
	cmd := exec.CommandContext(ctx, "go", "build", "-tags", buildtags.Lambda, "-trimpath", "-ldflags", "-s -w", "-o", floor, "./shared/server/testdata/floor")
	cmd.Dir = r.o.Repo
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build the floor: %w\n%s", err, out)
	}
	// The floor is invoked with web's event shape (payload 2.0).
	floorFn := Deployed{Name: "floor", BFF: "web", Handler: "bootstrap", Runtime: "provided.al2023", MemoryMB: 512}
	floorEnv, _ := FunctionEnv(floorFn, aws.Credentials{}, r.moto.URL)
	measure := func(boot string, env []string, fn Deployed) (time.Duration, error) {
		var inits []time.Duration
		for range n {
			em, err := startEmulator(ctx, r.o.RIE, boot, env, fn, 10)
			if err != nil {
				return 0, err
			}
			ev, _ := HTTPEvent(fn.BFF, "v1", "/healthz")
			_, err = em.Invoke(ctx, ev)
			// Stop first: it waits for the emulator to exit, so its INIT REPORT line, which may
			// arrive after the response, is in the logs before they are read.
			em.Close()
			d, ok := initDuration(em)
			if err != nil {
				return 0, err
			}
			if !ok {
				return 0, errors.New("no init report from the emulator")
			}
			inits = append(inits, d)
		}
		slices.Sort(inits)
		return inits[len(inits)/2], nil
	}
	var err error
	if r.rep.Floor, err = measure(floor, floorEnv, floorFn); err != nil {
		return "", fmt.Errorf("floor: %w", err)
	}
	var parts []string
	for _, t := range targets {
		d, err := measure(t.boot, t.env, t.d)
		if err != nil {
			return "", fmt.Errorf("%s: %w", t.d.Name, err)
		}
		noSSM, err := measure(t.boot, t.withoutSSM(), t.d)
		if err != nil {
			return "", fmt.Errorf("%s without SSM: %w", t.d.Name, err)
		}
		for i := range r.rep.Functions {
			if r.rep.Functions[i].Name == t.d.Name {
				r.rep.Functions[i].InitMedian, r.rep.Functions[i].InitNoSSM = d, noSSM
			}
		}
		parts = append(parts, fmt.Sprintf("%s %.2f× (%.2f× without the SSM fetch)", t.d.BFF, float64(d)/float64(r.rep.Floor), float64(noSSM)/float64(r.rep.Floor)))
	}
	return fmt.Sprintf("median of %d, floor %s; %s", n, r.rep.Floor.Round(100*time.Microsecond), strings.Join(parts, ", ")), nil
}

func (r *runner) invoke(ctx context.Context, boot string, env []string, stage string, fn *Function) (string, error) {
	em, err := startEmulator(ctx, r.o.RIE, boot, env, fn.Deployed, fn.Timeout)
	if err != nil {
		return "", err
	}
	defer em.Close()
	defer func() { _ = os.WriteFile(filepath.Join(filepath.Dir(boot), "rie.log"), []byte(em.Logs()), 0o644) }()
	call := func(path string) (int, string, error) {
		ev, err := HTTPEvent(fn.BFF, stage, path)
		if err != nil {
			return 0, "", err
		}
		ictx, cancel := context.WithTimeout(ctx, time.Duration(fn.Timeout+5)*time.Second)
		defer cancel()
		out, err := em.Invoke(ictx, ev)
		if err != nil {
			return 0, "", err
		}
		return Status(out)
	}
	code, body, err := call("/healthz")
	if d, ok := initDuration(em); ok {
		fn.Init = d
	}
	if err != nil {
		time.Sleep(200 * time.Millisecond) // the emulator reports the failed init before the process's last lines arrive
		em.Close()                         // waits for the emulator to exit
		return "", fmt.Errorf("%s (%s, role %s) did not start: %w\nfunction output:\n%s", fn.Name, fn.Architecture, fn.Role, err, initError(em.Logs()))
	}
	fn.Healthz = code
	if code != 200 {
		return "", fmt.Errorf("%s: GET /healthz = %d, want 200: %s", fn.Name, code, tail(body, 400))
	}
	code, body, err = call("/readyz")
	if err != nil {
		return "", fmt.Errorf("%s: GET /readyz: %w\n%s", fn.Name, err, initError(em.Logs()))
	}
	fn.Readyz, fn.ReadyzBody = code, body
	if fn.Init == 0 {
		// The emulator's INIT REPORT line can arrive after the first response: by the second
		// invoke it has been written.
		if d, ok := initDuration(em); ok {
			fn.Init = d
		}
	}
	detail := fmt.Sprintf("init %s, /healthz %d, /readyz %d", fn.Init.Round(100*time.Microsecond), fn.Healthz, fn.Readyz)
	if code != 200 {
		return detail, fmt.Errorf("%s: GET /readyz = %d, want 200: %s", fn.Name, code, tail(body, 600))
	}
	if path, ok := catalogProbe[fn.BFF]; ok {
		// A public catalog read: DynamoDB Query on the catalog's index, under the role's policy.
		code, body, err := call(path)
		if err != nil {
			return detail, fmt.Errorf("%s: GET %s: %w", fn.Name, path, err)
		}
		fn.Catalog = code
		if code != 200 {
			return detail, fmt.Errorf("%s: GET %s = %d, want 200: %s", fn.Name, path, code, tail(body, 600))
		}
		var page struct {
			Total int `json:"total"`
		}
		if err := json.Unmarshal([]byte(body), &page); err != nil || page.Total == 0 {
			return detail, fmt.Errorf("%s: GET %s: want the seeded catalog (total > 0), got %s", fn.Name, path, tail(body, 300))
		}
		detail += fmt.Sprintf(", %s %d (%d products)", path, code, page.Total)
	}
	return detail, nil
}

func applySummary(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Apply complete!") {
			return strings.TrimSpace(l)
		}
	}
	return ""
}

func findTool(name, inTools string) (string, error) {
	tools := os.Getenv("BFF_TOOLS")
	if tools == "" {
		if home, err := os.UserHomeDir(); err == nil {
			tools = filepath.Join(home, ".cache", "bffsuite")
		}
	}
	p := filepath.Join(tools, inTools)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p, nil
	}
	if p, err := lookPath(name); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found in %s or on PATH: run .ci/install-deps", name, filepath.Dir(p))
}
