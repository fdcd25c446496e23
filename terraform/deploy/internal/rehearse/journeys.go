package rehearse

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/deploy/internal/cli"
	"bffsuite.dev/shared/apigwlocal"
	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/rie"
	"bffsuite.dev/shared/smoke"
)

// MobileUser is the user the mobile journey signs in with, created in the applied user pool
// (AdminCreateUser, AdminSetUserPassword) as an operator or a sign-up in the app would.
var MobileUser = struct{ Email, Password string }{"rehearse-mobile@example.com", "Rehearse-Passw0rd!"}

// PartnerName is the partner the partner journey onboards with `bffdeploy partner add`.
const PartnerName = "acme"

// PartnerScopes are the scopes it is onboarded with (short names of the resource server).
var PartnerScopes = []string{"catalog.read", "inventory.read", "orders.read", "orders.write"}

// Onboarded is what `bffdeploy partner add -json` printed.
type Onboarded struct {
	Partner struct {
		ID       string   `json:"id"`
		ClientID string   `json:"client_id"`
		Scopes   []string `json:"scopes"`
		APIKeyID string   `json:"api_key_id"`
		RateTier string   `json:"rate_tier"`
	} `json:"partner"`
	ClientSecret string `json:"client_secret"`
	APIKey       string `json:"api_key"`
	Created      bool   `json:"created"`
}

// AddPartner runs `bffdeploy partner add -outputs FILE -endpoint URL -name NAME -scopes ...
// -tier TIER -json` in process against the emulator, as an operator would after apply.
func AddPartner(ctx context.Context, outputsFile, endpoint, tier string) (Onboarded, error) {
	var stdout, stderr bytes.Buffer
	app := &cli.App{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr}
	args := []string{"partner", "add", "-outputs", outputsFile, "-endpoint", endpoint, "-name", PartnerName,
		"-scopes", strings.Join(PartnerScopes, ","), "-tier", tier, "-json"}
	if code := app.Run(ctx, args); code != 0 {
		return Onboarded{}, fmt.Errorf("bffdeploy %s: exit %d: %s", strings.Join(args, " "), code, tail(stderr.String()+stdout.String(), 1500))
	}
	var o Onboarded
	if err := json.Unmarshal(stdout.Bytes(), &o); err != nil {
		return Onboarded{}, fmt.Errorf("bffdeploy partner add -json: %w: %s", err, tail(stdout.String(), 500))
	}
	if !o.Created || o.Partner.ClientID == "" || o.APIKey == "" {
		return Onboarded{}, fmt.Errorf("bffdeploy partner add: want a new client and API key, got %s", tail(stdout.String(), 500))
	}
	return o, nil
}

// CreateUser creates a confirmed user with a permanent password in the pool.
func CreateUser(ctx context.Context, endpoint, poolID, email, password string) error {
	c := cip.NewFromConfig(adminConfig(endpoint))
	_, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
		UserPoolId: aws.String(poolID), Username: aws.String(email), MessageAction: ciptypes.MessageActionTypeSuppress,
		UserAttributes: []ciptypes.AttributeType{
			{Name: aws.String("email"), Value: aws.String(email)},
			{Name: aws.String("email_verified"), Value: aws.String("true")},
		},
	})
	if err != nil {
		return fmt.Errorf("cognito AdminCreateUser %s: %w", email, err)
	}
	if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{
		UserPoolId: aws.String(poolID), Username: aws.String(email), Password: aws.String(password), Permanent: true,
	}); err != nil {
		return fmt.Errorf("cognito AdminSetUserPassword %s: %w", email, err)
	}
	return nil
}

// MotoSigningKey returns the key moto signs every user pool's tokens with (one fixed key in its
// package, cognitoidp/resources/jwks-private.json.gz; the public half is each pool's JWKS). moto
// has no /oauth2/token, so client-credentials tokens are minted with it.
func MotoSigningKey(python string) (*rsa.PrivateKey, string, error) {
	out, err := exec.Command(python, "-c", "import moto, os; print(os.path.dirname(moto.__file__))").Output()
	if err != nil {
		return nil, "", fmt.Errorf("find moto: %w", err)
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "cognitoidp", "resources", "jwks-private.json.gz")
	f, err := os.Open(path)
	if err != nil {
		return nil, "", fmt.Errorf("moto signing key: %w", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, "", fmt.Errorf("moto signing key %s: %w", path, err)
	}
	doc, err := io.ReadAll(zr)
	if err != nil {
		return nil, "", fmt.Errorf("moto signing key %s: %w", path, err)
	}
	key, kid, err := localidp.ParseRSAJWK(doc)
	if err != nil {
		return nil, "", fmt.Errorf("moto signing key %s: %w", path, err)
	}
	return key, kid, nil
}

// Front is an applied API served on a loopback port, its routes invoking the function's
// emulators.
type Front struct {
	AppliedAPI
	// URL is the API's base URL (with /{stage} when the stage is in the path).
	URL  string
	srv  *http.Server
	pool *rie.Pool
}

// Close stops the front and its function's emulators.
func (f *Front) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = f.srv.Shutdown(ctx)
	f.pool.Close()
}

// StartFront starts the function's emulator (one, as journeys run one request at a time) with
// p's environment and serves the API in front of it.
func StartFront(ctx context.Context, a AppliedAPI, p prepared, rieBin string, out io.Writer) (*Front, error) {
	pool, err := rie.Start(ctx, rie.Options{
		Bootstrap: p.boot, BaseEnv: p.env, FunctionName: p.d.Name, MemoryMB: int(p.d.MemoryMB),
		Timeout: time.Duration(p.d.Timeout) * time.Second, Binary: rieBin, Output: out,
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p.d.Name, err)
	}
	gw, err := apigwlocal.New(a.Bind(pool))
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("front of %s: %w", p.d.Name, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		pool.Close()
		return nil, err
	}
	f := &Front{AppliedAPI: a, URL: "http://" + ln.Addr().String(), pool: pool,
		srv: &http.Server{Handler: gw, ReadHeaderTimeout: 10 * time.Second}}
	if a.API.StageInPath {
		f.URL += "/" + a.API.Stage
	}
	go func() { _ = f.srv.Serve(ln) }()
	return f, nil
}

// describe is one line about an applied API for the step output.
func (a AppliedAPI) describe() string {
	authorized, keys := 0, 0
	for _, r := range a.API.Routes {
		if r.Authorized {
			authorized++
		}
		if r.APIKeyRequired {
			keys++
		}
	}
	s := fmt.Sprintf("%s: %s %d routes (%d authorized", a.BFF, a.API.Kind, len(a.API.Routes), authorized)
	if a.API.Kind == apigwlocal.RESTAPI {
		s += fmt.Sprintf(", %d with API key; %d keys", keys, len(a.API.APIKeys))
	}
	return s + ", stage " + a.API.Stage + ")"
}

// journeyLog prints each step of a journey under its step line.
func journeyLog(w io.Writer) func(journey, step string, status int, d time.Duration) {
	return func(journey, step string, status int, d time.Duration) {
		st := "-"
		if status != 0 {
			st = fmt.Sprint(status)
		}
		fmt.Fprintf(w, "      %-8s %-42s %4s %8s\n", journey, step, st, d.Round(100*time.Microsecond))
	}
}

// journeySummary is the step detail of a finished journey.
func journeySummary(rep *smoke.Report) string {
	if rep == nil {
		return ""
	}
	return fmt.Sprintf("%d requests, order %s", len(rep.Steps), rep.OrderID)
}

// tierOf picks the rate tier the partner is onboarded on: silver when the env has it, else the
// first by name.
func tierOf(plans map[string]string) (string, error) {
	if _, ok := plans["silver"]; ok {
		return "silver", nil
	}
	tiers := make([]string, 0, len(plans))
	for t := range plans {
		tiers = append(tiers, t)
	}
	sort.Strings(tiers)
	if len(tiers) == 0 {
		return "", errors.New("output partner_usage_plan_ids is empty: no rate tier to onboard a partner on")
	}
	return tiers[0], nil
}

// journeySetup is what the journeys start from.
type journeySetup struct {
	apis    []AppliedAPI
	partner Onboarded
	issuer  string
	key     *rsa.PrivateKey
	kid     string
}

// prepareJourneys onboards the partner with bffdeploy, creates the mobile user and reads the
// applied APIs back: operator work, done with the emulator's admin credentials.
func (r *runner) prepareJourneys(ctx context.Context, names map[string]string, bffs []string) (*journeySetup, error) {
	s := &journeySetup{}
	var poolID string
	if err := r.tofu.Output(ctx, "user_pool_id", &poolID); err != nil {
		return nil, err
	}
	if err := r.tofu.Output(ctx, "issuer", &s.issuer); err != nil {
		return nil, err
	}
	if slices.Contains(bffs, "partner") {
		if err := r.step("bffdeploy partner add (to moto)", func() (string, error) {
			outputs, err := r.tofu.OutputsJSON(ctx)
			if err != nil {
				return "", err
			}
			file := filepath.Join(r.work, "outputs.json")
			if err := os.WriteFile(file, outputs, 0o600); err != nil {
				return "", err
			}
			var plans map[string]string
			if err := r.tofu.Output(ctx, "partner_usage_plan_ids", &plans); err != nil {
				return "", err
			}
			tier, err := tierOf(plans)
			if err != nil {
				return "", err
			}
			if s.partner, err = AddPartner(ctx, file, r.moto.URL, tier); err != nil {
				return "", err
			}
			if s.key, s.kid, err = MotoSigningKey(r.o.Python); err != nil {
				return "", err
			}
			p := s.partner.Partner
			return fmt.Sprintf("%s: client %s, API key %s on the %s plan, %d scopes", p.ID, p.ClientID, p.APIKeyID, p.RateTier, len(p.Scopes)), nil
		}); err != nil {
			return nil, err
		}
	}
	if slices.Contains(bffs, "mobile") {
		if err := r.step("mobile user in the user pool", func() (string, error) {
			return MobileUser.Email + " (AdminCreateUser, AdminSetUserPassword)", CreateUser(ctx, r.moto.URL, poolID, MobileUser.Email, MobileUser.Password)
		}); err != nil {
			return nil, err
		}
	}
	if err := r.step("read the applied APIs back", func() (string, error) {
		fnBFF := map[string]string{}
		for b, n := range names {
			fnBFF[n] = b
		}
		apis, err := ReadAPIs(ctx, r.moto.URL, fnBFF)
		if err != nil {
			return "", err
		}
		var parts []string
		for _, a := range apis {
			if slices.Contains(bffs, a.BFF) {
				s.apis = append(s.apis, a)
				parts = append(parts, a.describe())
			}
		}
		return strings.Join(parts, "; "), nil
	}); err != nil {
		return nil, err
	}
	return s, nil
}

// journeys serves the applied APIs in front of the functions' emulators and runs one smoke
// journey per client through them.
func (r *runner) journeys(ctx context.Context, s *journeySetup, fns []prepared) error {
	fronts := map[string]*Front{}
	defer func() {
		for _, f := range fronts {
			f.Close()
		}
	}()
	if err := r.step("fronts of the applied APIs", func() (string, error) {
		logf, err := os.Create(filepath.Join(r.work, "fronts.log"))
		if err != nil {
			return "", err
		}
		var parts []string
		for _, a := range s.apis {
			i := slices.IndexFunc(fns, func(p prepared) bool { return p.d.Name == a.Function })
			if i < 0 {
				continue
			}
			f, err := StartFront(ctx, a, fns[i], r.o.RIE, &prefixed{w: logf, prefix: a.Function + "| "})
			if err != nil {
				return "", err
			}
			fronts[a.BFF] = f
			parts = append(parts, a.BFF+" "+f.URL)
		}
		return strings.Join(parts, ", "), nil
	}); err != nil {
		return err
	}
	logStep := journeyLog(r.o.Out)
	run := func(name string, j func() (*smoke.Report, error)) error {
		return r.step("journey "+name, func() (string, error) {
			rep, err := j()
			if rep != nil {
				r.rep.Journeys = append(r.rep.Journeys, rep)
			}
			return journeySummary(rep), err
		})
	}
	var errs []error
	if f, ok := fronts["web"]; ok {
		errs = append(errs, run("web (sign-up .. logout)", func() (*smoke.Report, error) {
			// moto's ConfirmSignUp accepts any code: the journey's default code confirms.
			// SkipCheckoutOutcome: the order is accepted (202); moto runs no Step Functions tasks,
			// so the checkout saga's outcome is tested by lambdastack, devstack and shared/checkout.
			return smoke.Web(ctx, smoke.WebOptions{BaseURL: f.URL, RequireReplayRefused: true, Log: logStep, SkipCheckoutOutcome: true})
		}))
	}
	if f, ok := fronts["mobile"]; ok {
		errs = append(errs, run("mobile (login .. order)", func() (*smoke.Report, error) {
			return smoke.Mobile(ctx, smoke.MobileOptions{BaseURL: f.URL, Username: MobileUser.Email, Password: MobileUser.Password,
				Address: &smoke.DefaultAddress, Log: logStep, SkipCheckoutOutcome: true})
		}))
	}
	if f, ok := fronts["partner"]; ok && s.key != nil {
		p := s.partner.Partner
		errs = append(errs, run("partner (token .. order)", func() (*smoke.Report, error) {
			token := func(context.Context) (string, error) {
				return localidp.MintClientCredentials(s.key, s.kid, s.issuer, p.ClientID, p.Scopes, time.Hour, time.Now())
			}
			return smoke.Partner(ctx, smoke.PartnerOptions{BaseURL: f.URL, Token: token, APIKey: s.partner.APIKey, Log: logStep})
		}))
	}
	return errors.Join(errs...)
}

// prefixed writes each line with a prefix.
type prefixed struct {
	mu     sync.Mutex
	w      io.Writer
	prefix string
	buf    []byte
}

func (p *prefixed) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf = append(p.buf, b...)
	for {
		i := bytes.IndexByte(p.buf, '\n')
		if i < 0 {
			return len(b), nil
		}
		if _, err := fmt.Fprintf(p.w, "%s%s\n", p.prefix, p.buf[:i]); err != nil {
			return len(b), err
		}
		p.buf = p.buf[i+1:]
	}
}
