package webhooks

import (
	"html/template"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Receiver is the local webhook receiver of `make run`: it accepts every POST (204), keeps the
// last 50 and shows them at GET /, each checked against the secret given as ?secret=whsec_...
// (the secret POST /v1/webhooks returned). For local demos only.
type Receiver struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	At      time.Time
	Path    string
	Header  http.Header
	Body    string
	Verdict string
	Shown   map[string]string
}

var receiverPage = template.Must(template.New("r").Parse(`<!doctype html><meta charset="utf-8"><title>Webhook receiver</title>
<style>body{font:14px system-ui;margin:2em}pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap}.ok{color:#080}.bad{color:#b00}</style>
<h1>Local webhook receiver</h1>
<p>Register <code>http://{{.Host}}/hooks</code> with <code>POST /v1/webhooks</code> on bff-partner, then open this page with
<code>?secret=</code> the secret it returned to check the signatures. Newest first; refresh to update.</p>
{{range .Msgs}}<h3>{{.At.Format "15:04:05.000"}} {{.Path}} <span class="{{if eq .Verdict "signature valid"}}ok{{else}}bad{{end}}">{{.Verdict}}</span></h3>
<pre>webhook-id: {{index .Shown "webhook-id"}}
webhook-timestamp: {{index .Shown "webhook-timestamp"}}
webhook-signature: {{index .Shown "webhook-signature"}}

{{.Body}}</pre>{{else}}<p>No webhook received yet.</p>{{end}}`))

// ServeHTTP implements http.Handler.
func (r *Receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	if req.Method == http.MethodPost {
		body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		r.mu.Lock()
		r.msgs = append([]received{{At: time.Now(), Path: req.URL.Path, Header: req.Header.Clone(), Body: string(body)}}, r.msgs...)
		if len(r.msgs) > 50 {
			r.msgs = r.msgs[:50]
		}
		r.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
		return
	}
	// A secret pasted into the address bar unescaped has its '+' decoded as a space (base64).
	secret := strings.ReplaceAll(req.URL.Query().Get("secret"), " ", "+")
	r.mu.Lock()
	msgs := append([]received(nil), r.msgs...)
	r.mu.Unlock()
	for i := range msgs {
		msgs[i].Verdict = "not checked (add ?secret=)"
		if secret == "" {
			continue
		}
		v, err := NewVerifier(secret)
		if err != nil {
			msgs[i].Verdict = "bad secret"
			continue
		}
		v.Tolerance = -1 // shown later than received
		if err := v.Verify(msgs[i].Header, []byte(msgs[i].Body)); err != nil {
			msgs[i].Verdict = err.Error()
		} else {
			msgs[i].Verdict = "signature valid"
		}
	}
	for k := range msgs {
		msgs[k].Shown = map[string]string{}
		for _, n := range []string{HeaderID, HeaderTimestamp, HeaderSignature} {
			msgs[k].Shown[n] = msgs[k].Header.Get(n)
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = receiverPage.Execute(w, map[string]any{"Host": req.Host, "Msgs": msgs})
}
