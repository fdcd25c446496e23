package main

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// This file runs .http collections the way the VS Code REST Client does, for the subset the
// generator writes: file variables (@name = value), "###"-separated requests, "# @name"
// requests whose response later requests reference as {{name.response.body.$.a.b}},
// {{$guid}}, and cookies kept per host and sent back (over http://127.0.0.1 too, as browsers
// and the REST Client do for loopback). "# expect N" is the generator's note of the status.

type httpRequest struct {
	Name, Method, URL string
	Expect            int
	Headers           [][2]string
	Body              string
	Line              int
}

type httpFile struct {
	Vars     map[string]string
	Requests []httpRequest
}

func parseHTTP(src string) (httpFile, error) {
	f := httpFile{Vars: map[string]string{}}
	lines := strings.Split(src, "\n")
	var cur *httpRequest
	state := 0 // 0 before the request line, 1 headers, 2 body
	var body []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(body, "\n"))
			f.Requests = append(f.Requests, *cur)
		}
		cur, state, body = nil, 0, nil
	}
	seenSeparator := false
	for i, line := range lines {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "###"):
			flush()
			seenSeparator = true
			cur = &httpRequest{Line: i + 1}
		case !seenSeparator:
			if strings.HasPrefix(trimmed, "@") {
				k, v, ok := strings.Cut(trimmed[1:], "=")
				if !ok {
					return f, fmt.Errorf("line %d: file variable without =", i+1)
				}
				f.Vars[strings.TrimSpace(k)] = strings.TrimSpace(v)
			}
		case state == 0 && (strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "//")):
			c := strings.TrimSpace(strings.TrimLeft(trimmed, "#/"))
			if n, ok := strings.CutPrefix(c, "@name "); ok {
				cur.Name = strings.TrimSpace(n)
			}
			if n, ok := strings.CutPrefix(c, "expect "); ok {
				code, err := strconv.Atoi(strings.TrimSpace(n))
				if err != nil {
					return f, fmt.Errorf("line %d: expect %q: %v", i+1, n, err)
				}
				cur.Expect = code
			}
		case state == 0 && trimmed == "":
		case state == 0:
			parts := strings.Fields(trimmed)
			if len(parts) < 2 || !httpMethod.MatchString(parts[0]) {
				return f, fmt.Errorf("line %d: request line %q", i+1, trimmed)
			}
			cur.Method, cur.URL, state = parts[0], parts[1], 1
		case state == 1 && trimmed == "":
			state = 2
		case state == 1:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return f, fmt.Errorf("line %d: header %q", i+1, line)
			}
			cur.Headers = append(cur.Headers, [2]string{strings.TrimSpace(k), strings.TrimSpace(v)})
		default:
			body = append(body, line)
		}
	}
	flush()
	for _, r := range f.Requests {
		if r.Method == "" {
			return f, fmt.Errorf("request at line %d has no request line", r.Line)
		}
	}
	return f, nil
}

// collectionRunner sends the requests of a file in order and keeps named responses.
type collectionRunner struct {
	vars      map[string]string
	responses map[string]any // name → decoded JSON body
	cookies   map[string]map[string]string
	client    *http.Client
}

func newRunner(vars map[string]string) *collectionRunner {
	return &collectionRunner{vars: vars, responses: map[string]any{}, cookies: map[string]map[string]string{},
		client: &http.Client{Timeout: 20 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var httpMethod = regexp.MustCompile(`^[A-Z]+$`)

var varRef = regexp.MustCompile(`\{\{\s*([^{}]+?)\s*\}\}`)

// expand replaces {{...}} references; an unknown one is an error.
func (r *collectionRunner) expand(s string) (string, error) {
	var errs []string
	for range 5 { // file variables may contain references
		out := varRef.ReplaceAllStringFunc(s, func(m string) string {
			name := varRef.FindStringSubmatch(m)[1]
			switch {
			case name == "$guid":
				b := make([]byte, 16)
				_, _ = rand.Read(b)
				b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
				return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
			case strings.Contains(name, ".response.body.$"):
				req, path, _ := strings.Cut(name, ".response.body.$")
				v, ok := r.responses[req]
				if !ok {
					errs = append(errs, "no response of request "+req+" yet")
					return m
				}
				for _, key := range strings.Split(strings.TrimPrefix(path, "."), ".") {
					if key == "" {
						continue
					}
					if arr, isArr := v.([]any); isArr { // items.0.id: an array index
						n, err := strconv.Atoi(key)
						if err != nil || n < 0 || n >= len(arr) {
							errs = append(errs, fmt.Sprintf("response of %s has no %s", req, path))
							return m
						}
						v = arr[n]
						continue
					}
					obj, _ := v.(map[string]any)
					if v, ok = obj[key]; !ok {
						errs = append(errs, fmt.Sprintf("response of %s has no %s", req, path))
						return m
					}
				}
				return fmt.Sprint(v)
			default:
				v, ok := r.vars[name]
				if !ok {
					errs = append(errs, "unknown variable "+name)
					return m
				}
				return v
			}
		})
		if out == s {
			break
		}
		s = out
	}
	if len(errs) > 0 {
		return s, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	return s, nil
}

type result struct {
	Status int
	Body   []byte
}

func (r *collectionRunner) send(req httpRequest) (result, error) {
	u, err := r.expand(req.URL)
	if err != nil {
		return result{}, err
	}
	body, err := r.expand(req.Body)
	if err != nil {
		return result{}, err
	}
	hr, err := http.NewRequest(req.Method, u, strings.NewReader(body))
	if err != nil {
		return result{}, err
	}
	for _, h := range req.Headers {
		v, err := r.expand(h[1])
		if err != nil {
			return result{}, err
		}
		hr.Header.Set(h[0], v)
	}
	host := hr.URL.Host
	var jar []string
	for k, v := range r.cookies[host] {
		jar = append(jar, k+"="+v)
	}
	if len(jar) > 0 {
		hr.Header.Set("Cookie", strings.Join(jar, "; "))
	}
	res, err := r.client.Do(hr)
	if err != nil {
		return result{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return result{}, err
	}
	for _, c := range res.Cookies() {
		if r.cookies[host] == nil {
			r.cookies[host] = map[string]string{}
		}
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(r.cookies[host], c.Name)
			continue
		}
		r.cookies[host][c.Name] = c.Value
	}
	if req.Name != "" {
		var v any
		if json.Unmarshal(b, &v) == nil {
			r.responses[req.Name] = v
		}
	}
	return result{Status: res.StatusCode, Body: b}, nil
}

// hostVars maps the file variables of the collections to the suite's addresses.
func hostVars(addrs map[string]string) map[string]string {
	out := map[string]string{}
	for k, a := range addrs {
		out[k] = (&url.URL{Scheme: "http", Host: a}).String()
	}
	return out
}

func TestParseHTTP(t *testing.T) {
	src := "# top\n@host = http://127.0.0.1:1\n@other = {{host}}/x\n\n###\n# what\n# expect 201\n# @name make\nPOST {{host}}/a HTTP/1.1\nContent-Type: application/json\nX-Key: {{$guid}}\n\n{\n  \"a\": 1\n}\n\n###\nGET {{other}}/{{make.response.body.$.id}}\n"
	f, err := parseHTTP(src)
	if err != nil {
		t.Fatalf("parseHTTP = %v", err)
	}
	if f.Vars["host"] != "http://127.0.0.1:1" || len(f.Requests) != 2 {
		t.Fatalf("parseHTTP = %+v, want 2 requests and @host", f)
	}
	r0 := f.Requests[0]
	if r0.Name != "make" || r0.Expect != 201 || r0.Method != "POST" || len(r0.Headers) != 2 || r0.Body != "{\n  \"a\": 1\n}" {
		t.Errorf("first request = %+v", r0)
	}
	run := newRunner(f.Vars)
	if _, err := run.expand(f.Requests[1].URL); err == nil || !strings.Contains(err.Error(), "no response of request make") {
		t.Errorf("expand before the named request ran = %v, want an error", err)
	}
	run.responses["make"] = map[string]any{"id": "o-1"}
	got, err := run.expand(f.Requests[1].URL)
	if want := "http://127.0.0.1:1/x/o-1"; err != nil || got != want {
		t.Errorf("expand = %q, %v, want %q", got, err, want)
	}
	if g, err := run.expand("{{$guid}}"); err != nil || !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(g) {
		t.Errorf("{{$guid}} = %q, %v, want a v4 UUID", g, err)
	}
	if _, err := parseHTTP("###\nContent-Type: x\n"); err == nil {
		t.Error("parseHTTP(request without a method) = nil error")
	}
}
