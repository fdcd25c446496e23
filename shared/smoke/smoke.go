// Package smoke holds one journey per client of the suite, runnable against any deployment of
// the BFFs: `make run` (devstack), `make run-lambda` (the Lambda bootstraps behind the local API
// Gateway front), the apply rehearsal, or a real stage after a deploy. Each journey takes base
// URLs and credentials (or hooks for what differs between targets: the confirmation code of a
// sign-up, the partner's client-credentials token) and returns nil, or a *StepError naming the
// first step that failed with its HTTP status and problem code.
//
// The journeys check the current API contract: status codes, the fields they read, the
// session cookies and CSRF token of bff-web, the Idempotency-Key replay of bff-mobile and
// bff-partner. They create data (a user, orders), so point them at stages made for it.
package smoke

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// StepError is the first failed step of a journey.
type StepError struct {
	Journey string // web, mobile, partner
	Step    string // e.g. "login"
	// Status is the HTTP status of the failed call (0 when the call itself failed).
	Status int
	// Code is the problem code (RFC 9457 "code"), or the API Gateway message
	// ({"message":"Unauthorized"}) when the gateway answered.
	Code string
	// Problem says what was wrong.
	Problem string
	Err     error
}

func (e *StepError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s journey, step %q failed", e.Journey, e.Step)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": status %d", e.Status)
	}
	if e.Code != "" {
		fmt.Fprintf(&b, " (code %s)", e.Code)
	}
	if e.Problem != "" {
		b.WriteString(": " + e.Problem)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

// Step is one completed step, for reports ("apply rehearsal: web journey 1.2s").
type Step struct {
	Name     string
	Status   int
	Duration time.Duration
}

// Report is what a journey did.
type Report struct {
	Journey string
	Steps   []Step
	// OrderID of the order the journey placed.
	OrderID string
}

// Duration is the journey's total time.
func (r *Report) Duration() time.Duration {
	var d time.Duration
	for _, s := range r.Steps {
		d += s.Duration
	}
	return d
}

// Address is a shipping address (customers.Address's JSON shape).
type Address struct {
	Name       string `json:"name"`
	Line1      string `json:"line1"`
	City       string `json:"city"`
	PostalCode string `json:"postal_code"`
	Country    string `json:"country"`
}

// DefaultAddress is used when a journey's options give none.
var DefaultAddress = Address{Name: "Smoke Test", Line1: "1 Test Street", City: "Berlin", PostalCode: "10115", Country: "DE"}

// ClientCredentials returns a token hook that asks an OAuth2 token endpoint (Cognito's
// /oauth2/token, the local IdP's) for a client_credentials token, with client_secret_basic.
func ClientCredentials(client *http.Client, tokenURL, clientID, clientSecret string, scopes ...string) func(context.Context) (string, error) {
	if client == nil {
		client = defaultClient()
	}
	return func(ctx context.Context) (string, error) {
		form := "grant_type=client_credentials"
		if len(scopes) > 0 {
			form += "&scope=" + strings.ReplaceAll(strings.Join(scopes, " "), " ", "+")
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form))
		if err != nil {
			return "", err
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(clientID, clientSecret)
		resp, err := client.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if resp.StatusCode != http.StatusOK {
			return "", fmt.Errorf("token endpoint %s: status %d: %.200s", tokenURL, resp.StatusCode, body)
		}
		var tr struct {
			AccessToken string `json:"access_token"`
		}
		if err := json.Unmarshal(body, &tr); err != nil || tr.AccessToken == "" {
			return "", fmt.Errorf("token endpoint %s: no access_token in the answer", tokenURL)
		}
		return tr.AccessToken, nil
	}
}

func defaultClient() *http.Client {
	return &http.Client{
		Timeout: 35 * time.Second, // over API Gateway's 29 s, so the gateway's 504 is what we see
		// Never follow redirects: a journey checks what each endpoint answers.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// uniqueEmail makes a fresh sign-up address per run.
func uniqueEmail() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return "smoke+" + hex.EncodeToString(b[:]) + "@example.com"
}

// newKey is an Idempotency-Key.
func newKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "smoke-" + hex.EncodeToString(b[:])
}

// journey runs the steps of one journey.
type journey struct {
	name   string
	client *http.Client
	report *Report
	log    func(journey, step string, status int, d time.Duration)
}

func newJourney(name string, client *http.Client, log func(string, string, int, time.Duration)) *journey {
	if client == nil {
		client = defaultClient()
	}
	return &journey{name: name, client: client, report: &Report{Journey: name}, log: log}
}

// call is one request/response of a step.
type call struct {
	method, url string
	headers     map[string]string
	body        any // marshalled as JSON when not nil
	want        []int
}

type answer struct {
	status  int
	header  http.Header
	body    []byte
	cookies []*http.Cookie
}

// do runs c as step; any status outside c.want is a StepError with the problem code.
func (j *journey) do(ctx context.Context, step string, c call) (*answer, error) {
	var rd io.Reader
	if c.body != nil {
		b, err := json.Marshal(c.body)
		if err != nil {
			return nil, j.fail(step, 0, "", "encode body", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, c.method, c.url, rd)
	if err != nil {
		return nil, j.fail(step, 0, "", "", err)
	}
	if c.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	start := time.Now()
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, j.fail(step, 0, "", c.method+" "+c.url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return nil, j.fail(step, resp.StatusCode, "", "read body", err)
	}
	d := time.Since(start)
	a := &answer{status: resp.StatusCode, header: resp.Header, body: body, cookies: resp.Cookies()}
	ok := false
	for _, w := range c.want {
		ok = ok || w == resp.StatusCode
	}
	if !ok {
		code, detail := problemOf(body)
		return a, j.fail(step, resp.StatusCode, code, fmt.Sprintf("%s %s: want status %v; %s", c.method, c.url, c.want, detail), nil)
	}
	j.report.Steps = append(j.report.Steps, Step{Name: step, Status: resp.StatusCode, Duration: d})
	if j.log != nil {
		j.log(j.name, step, resp.StatusCode, d)
	}
	return a, nil
}

func (j *journey) fail(step string, status int, code, problem string, err error) *StepError {
	return &StepError{Journey: j.name, Step: step, Status: status, Code: code, Problem: problem, Err: err}
}

// problemOf reads a problem's code and detail, or API Gateway's {"message": ...}.
func problemOf(body []byte) (code, detail string) {
	var p struct {
		Code    string `json:"code"`
		Detail  string `json:"detail"`
		Title   string `json:"title"`
		Message string `json:"message"`
	}
	if json.Unmarshal(body, &p) != nil {
		return "", "body: " + truncate(string(body))
	}
	switch {
	case p.Code != "":
		return p.Code, strings.TrimSpace(p.Title + ". " + p.Detail)
	case p.Message != "":
		return p.Message, "answered by the gateway"
	}
	return "", "body: " + truncate(string(body))
}

func truncate(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}

// decode unmarshals an answer's body; a failure is a StepError of step.
func (j *journey) decode(step string, a *answer, v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return j.fail(step, a.status, "", "decode "+truncate(string(a.body)), err)
	}
	return nil
}

func (j *journey) check(step string, a *answer, cond bool, problem string) error {
	if cond {
		return nil
	}
	return j.fail(step, a.status, "", problem, nil)
}

var errNoProduct = errors.New("no product in stock")

// inStockProduct picks the first in-stock product of a product list answer ({"items": [{"id",
// "availability"}]}, the web and mobile shape) for the "products" step.
func (j *journey) inStockProduct(prods *answer) (string, error) {
	var list struct {
		Items []struct {
			ID           string `json:"id"`
			Availability string `json:"availability"`
		} `json:"items"`
	}
	if err := j.decode("products", prods, &list); err != nil {
		return "", err
	}
	for _, it := range list.Items {
		if it.Availability == "in_stock" {
			return it.ID, nil
		}
	}
	return "", j.fail("products", prods.status, "", "", errNoProduct)
}
