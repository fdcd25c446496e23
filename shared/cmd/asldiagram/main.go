// Command asldiagram renders an Amazon States Language definition as a Mermaid state diagram
// (states, Next and Choice transitions, Catch and Retry edges) and tables of its steps and of
// the compensations each failure runs, and writes them into a Markdown page between the markers
//
//	<!-- asldiagram:begin -->
//	<!-- asldiagram:end -->
//
// so the page's diagram is the definition, never a drawing. Text outside the markers is kept.
//
//	go run ./shared/cmd/asldiagram          # rewrite docs/checkout.md from shared/checkout/definition.asl.json
//	go run ./shared/cmd/asldiagram -check   # fail if docs/checkout.md is stale
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"bffsuite.dev/shared/workspace"
)

// Markers around the generated part of the page.
const (
	BeginMarker = "<!-- asldiagram:begin -->"
	EndMarker   = "<!-- asldiagram:end -->"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "asldiagram:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("asldiagram", flag.ContinueOnError)
	root := fs.String("root", "", "repository root (default: found from the working directory)")
	def := fs.String("definition", "shared/checkout/definition.asl.json", "ASL definition, relative to the root")
	doc := fs.String("doc", "docs/checkout.md", "Markdown page to write between the markers, relative to the root")
	check := fs.Bool("check", false, "only check that the page is up to date")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *root == "" {
		r, err := workspace.Root()
		if err != nil {
			return fmt.Errorf("%w: run from the repository or pass -root", err)
		}
		*root = r
	}
	src, err := os.ReadFile(filepath.Join(*root, *def))
	if err != nil {
		return err
	}
	block, err := Render(src, *def)
	if err != nil {
		return err
	}
	path := filepath.Join(*root, *doc)
	page, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	updated, err := Splice(page, block)
	if err != nil {
		return fmt.Errorf("%s: %w", *doc, err)
	}
	if *check {
		if !bytes.Equal(page, updated) {
			return fmt.Errorf("%s is stale: its diagram does not match %s; run make docs-diagram", *doc, *def)
		}
		fmt.Fprintf(out, "%s: diagram up to date with %s\n", *doc, *def)
		return nil
	}
	if bytes.Equal(page, updated) {
		fmt.Fprintf(out, "%s: unchanged\n", *doc)
		return nil
	}
	if err := os.WriteFile(path, updated, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(out, "%s: diagram rewritten from %s\n", *doc, *def)
	return nil
}

// Splice replaces what is between the markers of page by block.
func Splice(page, block []byte) ([]byte, error) {
	b := bytes.Index(page, []byte(BeginMarker))
	e := bytes.Index(page, []byte(EndMarker))
	if b < 0 || e < 0 || e < b {
		return nil, errors.New("no " + BeginMarker + " ... " + EndMarker + " section")
	}
	var out bytes.Buffer
	out.Write(page[:b+len(BeginMarker)])
	out.WriteString("\n")
	out.Write(block)
	out.Write(page[e:])
	return out.Bytes(), nil
}

// definition is the part of ASL the diagram shows.
type definition struct {
	Comment string           `json:"Comment"`
	StartAt string           `json:"StartAt"`
	States  map[string]state `json:"States"`
}

type state struct {
	Type           string            `json:"Type"`
	Comment        string            `json:"Comment"`
	Next           string            `json:"Next"`
	End            bool              `json:"End"`
	Default        string            `json:"Default"`
	Choices        []json.RawMessage `json:"Choices"`
	Retry          []retrier         `json:"Retry"`
	Catch          []catcher         `json:"Catch"`
	Error          string            `json:"Error"`
	Cause          string            `json:"Cause"`
	TimeoutSeconds int               `json:"TimeoutSeconds"`
	Branches       []definition      `json:"Branches"`
	Iterator       *definition       `json:"Iterator"`
	ItemProcessor  *definition       `json:"ItemProcessor"`
}

type retrier struct {
	ErrorEquals     []string `json:"ErrorEquals"`
	IntervalSeconds *float64 `json:"IntervalSeconds"`
	MaxAttempts     *int     `json:"MaxAttempts"`
	BackoffRate     *float64 `json:"BackoffRate"`
}

type catcher struct {
	ErrorEquals []string `json:"ErrorEquals"`
	Next        string   `json:"Next"`
	ResultPath  *string  `json:"ResultPath"`
}

// Render returns the generated Markdown: the Mermaid diagram and the tables.
func Render(src []byte, name string) ([]byte, error) {
	var d definition
	if err := json.Unmarshal(src, &d); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if d.StartAt == "" || len(d.States) == 0 {
		return nil, fmt.Errorf("%s: no StartAt or States", name)
	}
	order, err := walk(d)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	for _, n := range order {
		if s := d.States[n]; len(s.Branches) > 0 || s.Iterator != nil || s.ItemProcessor != nil {
			return nil, fmt.Errorf("%s: state %s is a %s: nested state machines are not drawn", name, n, s.Type)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "_Generated by `make docs-diagram` (shared/cmd/asldiagram) from `%s`; do not edit between the markers._\n\n", name)
	b.WriteString("```mermaid\nstateDiagram-v2\n")
	fmt.Fprintf(&b, "    [*] --> %s\n", d.StartAt)
	for _, n := range order {
		s := d.States[n]
		fmt.Fprintf(&b, "    %s : %s\n", n, describe(s))
		switch s.Type {
		case "Choice":
			for i, raw := range s.Choices {
				next, label := choiceRule(raw, i)
				fmt.Fprintf(&b, "    %s --> %s : %s\n", n, next, label)
			}
			if s.Default != "" {
				fmt.Fprintf(&b, "    %s --> %s : default\n", n, s.Default)
			}
		case "Succeed", "Fail":
			fmt.Fprintf(&b, "    %s --> [*]\n", n)
		default:
			if s.Next != "" {
				fmt.Fprintf(&b, "    %s --> %s\n", n, s.Next)
			}
			if s.End {
				fmt.Fprintf(&b, "    %s --> [*]\n", n)
			}
		}
		for _, r := range s.Retry {
			fmt.Fprintf(&b, "    %s --> %s : retry %s\n", n, n, retryShort(r))
		}
		for _, c := range s.Catch {
			fmt.Fprintf(&b, "    %s --> %s : catch %s\n", n, c.Next, strings.Join(c.ErrorEquals, ", "))
		}
	}
	for _, n := range order {
		switch d.States[n].Type {
		case "Fail":
			fmt.Fprintf(&b, "    class %s failState\n", n)
		case "Succeed":
			fmt.Fprintf(&b, "    class %s succeedState\n", n)
		}
	}
	b.WriteString("    classDef failState fill:#f8d7da,stroke:#842029\n")
	b.WriteString("    classDef succeedState fill:#d1e7dd,stroke:#0f5132\n")
	b.WriteString("```\n\n")

	b.WriteString("| state | type | what it does | retried on | caught → |\n|---|---|---|---|---|\n")
	for _, n := range order {
		s := d.States[n]
		var retries, catches []string
		for _, r := range s.Retry {
			retries = append(retries, retryLabel(r))
		}
		for _, c := range s.Catch {
			catches = append(catches, fmt.Sprintf("%s → %s", strings.Join(c.ErrorEquals, ", "), c.Next))
		}
		what := s.Comment
		if s.Type == "Fail" {
			what = fmt.Sprintf("fails the execution with `%s`: %s", s.Error, s.Cause)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", n, s.Type, cell(what), cell(strings.Join(retries, "; ")), cell(strings.Join(catches, "; ")))
	}

	b.WriteString("\nWhat a failure runs (each Catch, followed to the end of the execution):\n\n")
	b.WriteString("| failing state | caught | then runs, in order | ends in |\n|---|---|---|---|\n")
	for _, n := range order {
		for _, c := range d.States[n].Catch {
			path, end := follow(d, c.Next)
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", n, strings.Join(c.ErrorEquals, ", "), strings.Join(path, " → "), end)
		}
	}
	return []byte(b.String()), nil
}

// walk orders the states for reading: first those reachable from StartAt along Next, Choices
// and Default (the forward path), then the rest (what only a Catch reaches: the compensations,
// then anything unreachable); each part in topological order of its forward edges, ties in
// breadth-first discovery order. A transition to an unknown state is an error.
func walk(d definition) ([]string, error) {
	forward := func(s state) []string {
		var next []string
		if s.Next != "" {
			next = append(next, s.Next)
		}
		for i, raw := range s.Choices {
			t, _ := choiceRule(raw, i)
			next = append(next, t)
		}
		if s.Default != "" {
			next = append(next, s.Default)
		}
		return next
	}
	// Discovery order over every edge, and the forward-reachable set.
	index := map[string]int{}
	var discovered []string
	main := map[string]bool{}
	visit := func(start string, edges func(state) []string, mark map[string]bool) error {
		queue := []string{start}
		for len(queue) > 0 {
			n := queue[0]
			queue = queue[1:]
			s, ok := d.States[n]
			if !ok {
				return fmt.Errorf("transition to unknown state %q", n)
			}
			if mark != nil {
				if mark[n] {
					continue
				}
				mark[n] = true
			} else if _, seen := index[n]; seen {
				continue
			}
			if _, seen := index[n]; !seen {
				index[n] = len(discovered)
				discovered = append(discovered, n)
			}
			queue = append(queue, edges(s)...)
		}
		return nil
	}
	all := func(s state) []string {
		next := forward(s)
		for _, c := range s.Catch {
			next = append(next, c.Next)
		}
		return next
	}
	if err := visit(d.StartAt, all, nil); err != nil {
		return nil, err
	}
	if err := visit(d.StartAt, forward, main); err != nil {
		return nil, err
	}
	var rest []string
	for n := range d.States {
		if _, ok := index[n]; !ok {
			rest = append(rest, n)
		}
	}
	sort.Strings(rest)
	for _, n := range rest {
		index[n] = len(discovered)
		discovered = append(discovered, n)
	}
	var first, second []string
	for _, n := range discovered {
		if main[n] {
			first = append(first, n)
		} else {
			second = append(second, n)
		}
	}
	return append(topo(d, first, forward, index), topo(d, second, forward, index)...), nil
}

// topo sorts part by its forward edges (edges leaving part are ignored), ready states taken in
// index order; states on a cycle follow in index order.
func topo(d definition, part []string, forward func(state) []string, index map[string]int) []string {
	in := map[string]bool{}
	for _, n := range part {
		in[n] = true
	}
	indeg := map[string]int{}
	for _, n := range part {
		for _, m := range forward(d.States[n]) {
			if in[m] && m != n {
				indeg[m]++
			}
		}
	}
	var out []string
	done := map[string]bool{}
	for len(out) < len(part) {
		// Ready states in index order, terminal ones (Succeed, Fail) last.
		key := func(n string) int {
			if t := d.States[n].Type; t == "Succeed" || t == "Fail" {
				return index[n] + len(index)
			}
			return index[n]
		}
		next := ""
		for _, n := range part {
			if !done[n] && indeg[n] == 0 && (next == "" || key(n) < key(next)) {
				next = n
			}
		}
		if next == "" { // a cycle: take the earliest discovered
			for _, n := range part {
				if !done[n] && (next == "" || index[n] < index[next]) {
					next = n
				}
			}
		}
		done[next] = true
		out = append(out, next)
		for _, m := range forward(d.States[next]) {
			if in[m] && m != next {
				indeg[m]--
			}
		}
	}
	return out
}

// follow returns the states run from start along Next (the first catch of a failing
// compensation is not taken: that is its own row) and the terminal state it ends in.
func follow(d definition, start string) ([]string, string) {
	var path []string
	seen := map[string]bool{}
	for n := start; n != "" && !seen[n]; {
		seen[n] = true
		s := d.States[n]
		if s.Type == "Fail" || s.Type == "Succeed" {
			if s.Type == "Fail" {
				return path, fmt.Sprintf("%s (Fail `%s`)", n, s.Error)
			}
			return path, n + " (Succeed)"
		}
		path = append(path, n)
		if s.End {
			return path, "end"
		}
		n = s.Next
		if s.Type == "Choice" {
			return path, "a Choice"
		}
	}
	return path, "a loop"
}

func describe(s state) string {
	switch s.Type {
	case "Fail":
		return "Fail " + s.Error
	case "Task":
		if s.TimeoutSeconds > 0 {
			return fmt.Sprintf("Task (timeout %d s)", s.TimeoutSeconds)
		}
	}
	return s.Type
}

// retryShort is the diagram's label of a Retry rule; the table names its errors.
func retryShort(r retrier) string {
	l := retryLabel(r)
	return l[strings.LastIndex(l, "("):]
}

func retryLabel(r retrier) string {
	interval, attempts, backoff := 1.0, 3, 2.0 // ASL defaults
	if r.IntervalSeconds != nil {
		interval = *r.IntervalSeconds
	}
	if r.MaxAttempts != nil {
		attempts = *r.MaxAttempts
	}
	if r.BackoffRate != nil {
		backoff = *r.BackoffRate
	}
	return fmt.Sprintf("%s (%d× from %g s, ×%g)", strings.Join(r.ErrorEquals, ", "), attempts, interval, backoff)
}

// choiceRule returns a Choice rule's Next and a label for its condition.
func choiceRule(raw json.RawMessage, i int) (next, label string) {
	var r map[string]json.RawMessage
	if err := json.Unmarshal(raw, &r); err != nil {
		return "", fmt.Sprintf("rule %d", i+1)
	}
	_ = json.Unmarshal(r["Next"], &next)
	return next, condition(r)
}

var operators = map[string]string{
	"StringEquals": "==", "NumericEquals": "==", "BooleanEquals": "==", "TimestampEquals": "==",
	"StringLessThan": "<", "NumericLessThan": "<", "TimestampLessThan": "<",
	"StringGreaterThan": ">", "NumericGreaterThan": ">", "TimestampGreaterThan": ">",
	"StringLessThanEquals": "<=", "NumericLessThanEquals": "<=", "TimestampLessThanEquals": "<=",
	"StringGreaterThanEquals": ">=", "NumericGreaterThanEquals": ">=", "TimestampGreaterThanEquals": ">=",
	"StringMatches": "matches",
}

// condition renders a Choice rule's condition (Variable with one operator, And, Or, Not).
func condition(r map[string]json.RawMessage) string {
	for _, op := range []string{"And", "Or"} {
		if raw, ok := r[op]; ok {
			var subs []map[string]json.RawMessage
			_ = json.Unmarshal(raw, &subs)
			parts := make([]string, len(subs))
			for i, s := range subs {
				parts[i] = condition(s)
			}
			return "(" + strings.Join(parts, " "+strings.ToLower(op)+" ") + ")"
		}
	}
	if raw, ok := r["Not"]; ok {
		var sub map[string]json.RawMessage
		_ = json.Unmarshal(raw, &sub)
		return "not " + condition(sub)
	}
	var variable string
	_ = json.Unmarshal(r["Variable"], &variable)
	keys := make([]string, 0, len(r))
	for k := range r {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "Variable" || k == "Next" {
			continue
		}
		value := strings.TrimSpace(string(r[k]))
		if sym, ok := operators[k]; ok {
			return fmt.Sprintf("%s %s %s", variable, sym, value)
		}
		return fmt.Sprintf("%s %s %s", variable, k, value)
	}
	return variable
}

// cell makes text safe in a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}
