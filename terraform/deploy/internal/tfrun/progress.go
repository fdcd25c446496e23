package tfrun

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"
)

// uiMessage is one line of Terraform's/OpenTofu's machine-readable UI (`apply -json`): only the
// fields the progress summary reads.
type uiMessage struct {
	Level   string `json:"@level"`
	Message string `json:"@message"`
	Type    string `json:"type"`
	Hook    struct {
		Resource struct {
			Addr string `json:"addr"`
		} `json:"resource"`
		Action  string  `json:"action"`
		Elapsed float64 `json:"elapsed_seconds"`
		IDKey   string  `json:"id_key"`
		IDValue string  `json:"id_value"`
	} `json:"hook"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Address  string `json:"address"`
	} `json:"diagnostic"`
	Changes *struct {
		Add, Change, Remove int
		Operation           string
	} `json:"changes"`
}

// ResourceResult is how one resource's apply ended.
type ResourceResult struct {
	Addr, Action string
	Elapsed      time.Duration
	Failed       bool
}

// Progress is an io.Writer for `apply -json` output: it prints one line per resource event
// (creating..., still creating (10s), creating... done in 3s, creating... FAILED after 1s) and
// keeps the results, the apply summary and the error diagnostics. Safe for one writer.
type Progress struct {
	out io.Writer
	// raw, when set, receives every message's human text (verbose mode).
	raw io.Writer

	mu      sync.Mutex
	buf     bytes.Buffer
	results []ResourceResult
	errors  []string
	summary string
}

// NewProgress returns a Progress printing to out; raw (may be nil) gets every @message line.
func NewProgress(out, raw io.Writer) *Progress { return &Progress{out: out, raw: raw} }

// verbs maps hook actions to the words of the progress lines.
var verbs = map[string]string{
	"create": "creating", "update": "updating", "delete": "destroying", "replace": "replacing",
	"read": "reading", "noop": "checking", "forget": "forgetting", "import": "importing",
}

func verb(action string) string {
	if v, ok := verbs[action]; ok {
		return v
	}
	return action
}

// Write splits p into lines and handles each complete line.
func (p *Progress) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.buf.Write(b)
	for {
		line, err := p.buf.ReadBytes('\n')
		if err != nil {
			// incomplete line: keep it for the next Write
			rest := append([]byte(nil), line...)
			p.buf.Reset()
			p.buf.Write(rest)
			break
		}
		p.handle(bytes.TrimSpace(line))
	}
	return len(b), nil
}

// Flush handles a last line without a newline.
func (p *Progress) Flush() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.buf.Len() > 0 {
		p.handle(bytes.TrimSpace(p.buf.Bytes()))
		p.buf.Reset()
	}
}

func (p *Progress) handle(line []byte) {
	if len(line) == 0 {
		return
	}
	var m uiMessage
	if err := json.Unmarshal(line, &m); err != nil {
		// not JSON (an older binary, a crash message): pass it through
		fmt.Fprintf(p.out, "%s\n", line)
		return
	}
	if p.raw != nil && m.Message != "" {
		fmt.Fprintln(p.raw, m.Message)
	}
	addr, what := m.Hook.Resource.Addr, verb(m.Hook.Action)
	elapsed := time.Duration(m.Hook.Elapsed * float64(time.Second))
	switch m.Type {
	case "apply_start":
		fmt.Fprintf(p.out, "%s: %s...\n", addr, what)
	case "apply_progress":
		fmt.Fprintf(p.out, "%s: still %s (%s)\n", addr, what, elapsed)
	case "apply_complete":
		fmt.Fprintf(p.out, "%s: %s... done in %s\n", addr, what, elapsed)
		p.results = append(p.results, ResourceResult{Addr: addr, Action: m.Hook.Action, Elapsed: elapsed})
	case "apply_errored":
		fmt.Fprintf(p.out, "%s: %s... FAILED after %s\n", addr, what, elapsed)
		p.results = append(p.results, ResourceResult{Addr: addr, Action: m.Hook.Action, Elapsed: elapsed, Failed: true})
	case "change_summary":
		if m.Changes != nil && m.Changes.Operation != "plan" {
			p.summary = m.Message
		}
	case "diagnostic":
		if d := m.Diagnostic; d != nil && d.Severity == "error" {
			s := "Error: " + d.Summary
			if d.Address != "" {
				s += " (" + d.Address + ")"
			}
			if d.Detail != "" {
				s += "\n  " + strings.ReplaceAll(strings.TrimSpace(d.Detail), "\n", "\n  ")
			}
			p.errors = append(p.errors, s)
		}
	}
}

// Results are the resources that finished, in the order they finished.
func (p *Progress) Results() []ResourceResult {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]ResourceResult(nil), p.results...)
}

// Errors are the error diagnostics' texts.
func (p *Progress) Errors() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.errors...)
}

// Summary writes the apply's own summary line, the failed resources and the n slowest ones.
func (p *Progress) Summary(w io.Writer, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.summary != "" {
		fmt.Fprintln(w, p.summary)
	}
	var failed []string
	for _, r := range p.results {
		if r.Failed {
			failed = append(failed, r.Addr)
		}
	}
	if len(failed) > 0 {
		fmt.Fprintf(w, "failed: %s\n", strings.Join(failed, ", "))
	}
	done := make([]ResourceResult, 0, len(p.results))
	for _, r := range p.results {
		if !r.Failed {
			done = append(done, r)
		}
	}
	sort.SliceStable(done, func(i, j int) bool { return done[i].Elapsed > done[j].Elapsed })
	if len(done) > n {
		done = done[:n]
	}
	if len(done) > 0 {
		parts := make([]string, len(done))
		for i, r := range done {
			parts[i] = fmt.Sprintf("%s %s", r.Addr, r.Elapsed)
		}
		fmt.Fprintf(w, "slowest: %s\n", strings.Join(parts, ", "))
	}
}
