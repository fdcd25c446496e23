package apidocs

import (
	"html"
	"slices"
	"strings"
)

// The page is written with plain string building and html.EscapeString rather than
// html/template: text/template's reflection makes the linker keep every exported method of
// every reachable type, which cost the partner Lambda binary about 5 MB (20.1 MB → 15.1 MB, linux/arm64).

const style = `<style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem 1.5rem;color:#1d2430}
h1,h2,h3{line-height:1.2} h2{margin-top:2.5rem;border-bottom:1px solid #ccd} code{font:13px ui-monospace,monospace;background:#f2f3f6;padding:0 .25em}
.op{border:1px solid #dde;border-radius:6px;padding:.5rem 1rem;margin:1rem 0}
.method{display:inline-block;min-width:4.5em;font-weight:700;font-family:ui-monospace,monospace}
.get{color:#0a6b3d}.post{color:#8a4b00}.put,.patch{color:#3b4fa8}.delete{color:#a00}.deprecated{color:#a00;font-weight:700}
table{border-collapse:collapse;width:100%;margin:.5rem 0}td,th{border-bottom:1px solid #eee;text-align:left;padding:.2rem .4rem;vertical-align:top}
pre{background:#f6f7f9;border:1px solid #e4e6eb;border-radius:4px;padding:.5rem;overflow:auto;max-height:24rem;font:12px/1.4 ui-monospace,monospace}
details{margin:.25rem 0} nav ul{columns:2}
</style>`

// renderPage writes the reference page of pg.
func renderPage(pg page) []byte {
	var b strings.Builder
	e := html.EscapeString
	w := func(parts ...string) {
		for _, p := range parts {
			b.WriteString(p)
		}
	}
	isSchema := func(name string) bool {
		return slices.ContainsFunc(pg.Schemas, func(s schema) bool { return s.Name == name })
	}
	typeLink := func(t string) string {
		if name := strings.TrimPrefix(t, "array of "); isSchema(name) {
			return `<a href="#schema-` + e(name) + `">` + e(t) + `</a>`
		}
		return e(t)
	}
	required := func(r bool) string {
		if r {
			return " (required)"
		}
		return ""
	}
	example := func(label, ex string) {
		if ex != "" {
			w("<details><summary>", e(label), "</summary><pre><code>", e(ex), "</code></pre></details>\n")
		}
	}
	w("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
		"<title>", e(pg.Title), " ", e(pg.Version), " reference</title>\n", style, "\n</head>\n<body>\n",
		"<h1>", e(pg.Title), " <small>v", e(pg.Version), "</small></h1>\n")
	for _, p := range pg.Intro {
		if strings.HasPrefix(p, "$ ") { // a shell command (walkthroughs)
			w("<pre><code>", e(p), "</code></pre>")
			continue
		}
		w("<p>", e(p), "</p>")
	}
	w("\n<h2 id=\"auth\">Authentication</h2>\n")
	if len(pg.Schemes) == 0 {
		w("<p>No operation needs credentials.</p>\n")
	}
	for _, s := range pg.Schemes {
		w(`<section id="scheme-`, e(s.Name), `"><h3><code>`, e(s.Name), "</code>: ", e(s.Kind), "</h3>\n")
		if s.Description != "" {
			w("<p>", e(s.Description), "</p>\n")
		}
		if s.TokenURL != "" {
			w("<p>OAuth 2.0 client credentials: <code>POST ", e(s.TokenURL),
				"</code> with HTTP Basic <code>client_id:client_secret</code> and <code>grant_type=client_credentials</code>; send the access token as <code>Authorization: Bearer</code>.</p>\n")
		}
		if len(s.Scopes) > 0 {
			w("<table><tr><th>Scope</th><th>Grants</th></tr>")
			for _, sc := range s.Scopes {
				w("<tr><td><code>", e(sc[0]), "</code></td><td>", e(sc[1]), "</td></tr>")
			}
			w("</table>\n")
		}
		w("</section>\n")
	}
	w("<nav><h2>Operations</h2><ul>")
	for _, o := range pg.Operations {
		w(`<li><a href="#op-`, e(o.ID), `"><span class="method `, e(strings.ToLower(o.Method)), `">`, e(o.Method), "</span> ", e(o.Path), "</a>")
		if o.Deprecated {
			w(` <span class="deprecated">deprecated</span>`)
		}
		w("</li>")
	}
	w("</ul></nav>\n")
	for _, o := range pg.Operations {
		w(`<section class="op" id="op-`, e(o.ID), `" data-operation="`, e(o.ID), "\">\n",
			`<h3><span class="method `, e(strings.ToLower(o.Method)), `">`, e(o.Method), "</span> <code>", e(o.Path), "</code> ", e(o.Summary), "</h3>\n")
		if o.Deprecated {
			w(`<p class="deprecated">Deprecated`)
			if o.Sunset != "" {
				w(": stops working after ", e(o.Sunset))
			}
			w(". Responses carry Deprecation and Sunset headers.</p>\n")
		}
		if o.Description != "" {
			w("<p>", e(o.Description), "</p>\n")
		}
		w("<p>Operation ID <code>", e(o.ID), "</code>; ")
		switch {
		case len(o.Security) == 0:
			w("no credentials needed")
		default:
			w("credentials: ")
			for i, s := range o.Security {
				if i > 0 {
					w(" or ")
				}
				w("<code>", e(s), "</code>")
			}
		}
		w(".</p>\n")
		if len(o.Params) > 0 {
			w("<table><tr><th>Parameter</th><th>In</th><th>Type</th><th>Description</th></tr>\n")
			for _, p := range o.Params {
				w("<tr><td><code>", e(p.Name), "</code>", required(p.Required), "</td><td>", e(p.In), "</td><td>", e(p.Type), "</td><td>", e(p.Description))
				if p.Example != "" {
					w(" Example: <code>", e(p.Example), "</code>")
				}
				w("</td></tr>")
			}
			w("</table>\n")
		}
		if o.RequestSchema != "" {
			w("<p>Request body: ", typeLink(o.RequestSchema), " (application/json)</p>\n")
		}
		example("Example request body", o.RequestExample)
		w("<table><tr><th>Status</th><th>Body</th><th>Meaning</th></tr>\n")
		for _, r := range o.Responses {
			w("<tr><td>", e(r.Status), "</td><td>", typeLink(r.Schema), "</td><td>", e(r.Description), "</td></tr>")
		}
		w("</table>\n")
		for _, r := range o.Responses {
			example("Example "+r.Status+" response", r.Example)
		}
		w("</section>\n")
	}
	w("<h2 id=\"schemas\">Schemas</h2>\n")
	var writeSchema func(sc schema, id bool)
	writeSchema = func(sc schema, id bool) {
		if id {
			w(`<section id="schema-`, e(sc.Name), `"><h3>`, e(sc.Name), "</h3>")
		} else {
			w("<section><h4>", e(sc.Name), "</h4>")
		}
		if sc.Description != "" {
			w("<p>", e(sc.Description), "</p>")
		}
		if len(sc.Enum) > 0 {
			w("\n<p>", e(sc.Type), ", one of: ")
			for i, v := range sc.Enum {
				if i > 0 {
					w(", ")
				}
				w("<code>", e(v), "</code>")
			}
			w("</p>")
		}
		if len(sc.Props) > 0 {
			w("\n<table><tr><th>Member</th><th>Type</th><th>Description</th></tr>\n")
			for _, p := range sc.Props {
				w("<tr><td><code>", e(p.Name), "</code>", required(p.Required), "</td><td>", typeLink(p.Type), "</td><td>", e(p.Description), "</td></tr>")
			}
			w("</table>")
		}
		if len(sc.Variants) > 0 {
			w("\n<p>One of:</p>\n")
			for _, v := range sc.Variants {
				writeSchema(v, false)
			}
		}
		w("\n</section>\n")
	}
	for _, sc := range pg.Schemas {
		writeSchema(sc, true)
	}
	w("</body>\n</html>\n")
	return []byte(b.String())
}
