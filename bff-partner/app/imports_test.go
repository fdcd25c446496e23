package app_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/bff-partner/app"
	"bffsuite.dev/shared/imports"
)

// TestImportsFlow: declare an import, PUT the file to the signed local upload URL (the worker
// runs in process), poll until completed, read the rejection report; another partner sees 404.
func TestImportsFlow(t *testing.T) {
	e := newEnv(t, testVars(nil), app.Deps{})
	tok := e.token("acme-client")
	e.stockUp(t)
	var prod struct {
		Items []struct {
			SKU string `json:"sku"`
		} `json:"items"`
	}
	e.do(req{method: "GET", path: "/v1/products?limit=2", token: tok}).json(t, &prod)
	sku := prod.Items[0].SKU
	file := fmt.Sprintf("sku,quantity\n%s,77\n%s,-1\nNOPE,3\n", sku, sku)

	r := e.do(req{method: "POST", path: "/v1/imports", token: tok, key: "imp-1",
		body: fmt.Sprintf(`{"kind":"inventory","format":"csv","size_bytes":%d}`, len(file))})
	if r.Status != 201 {
		t.Fatalf("POST /v1/imports = %d %s, want 201", r.Status, r.Body)
	}
	var created app.Import
	r.json(t, &created)
	if created.Status != imports.StatusAwaitingUpload || created.Upload == nil || created.Upload.Method != "PUT" ||
		created.Upload.Headers["Content-Length"] != fmt.Sprint(len(file)) || r.Header.Get("Location") != "/v1/imports/"+created.ID {
		t.Fatalf("created import %+v (Location %q)", created, r.Header.Get("Location"))
	}
	u, err := url.Parse(created.Upload.URL)
	if err != nil {
		t.Fatal(err)
	}
	e.validate = false
	put := e.do(req{method: "PUT", path: u.RequestURI(), body: file, header: created.Upload.Headers})
	e.validate = true
	if put.Status != 200 {
		t.Fatalf("PUT upload = %d %s, want 200", put.Status, put.Body)
	}
	var got app.Import
	for end := time.Now().Add(10 * time.Second); ; {
		e.do(req{method: "GET", path: "/v1/imports/" + created.ID, token: tok}).json(t, &got)
		if got.Status == imports.StatusCompleted || got.Status == imports.StatusFailed || time.Now().After(end) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if got.Status != imports.StatusCompleted || got.Counts != (app.ImportCounts{Read: 3, Applied: 1, Rejected: 2}) || got.Report == nil || got.FinishedAt == nil {
		t.Fatalf("import after upload: %+v", got)
	}
	ru, _ := url.Parse(got.Report.URL)
	e.validate = false
	rep := e.do(req{method: "GET", path: ru.RequestURI()})
	e.validate = true
	if want := "row,column,reason\n3,quantity,must not be negative\n4,sku,unknown SKU\n"; rep.Status != 200 || string(rep.Body) != want {
		t.Errorf("report = %d %q, want 200 %q", rep.Status, rep.Body, want)
	}
	var inv struct {
		Items []struct {
			SKU   string `json:"sku"`
			Stock int64  `json:"available"`
		} `json:"items"`
	}
	e.do(req{method: "GET", path: "/v1/inventory?skus=" + sku, token: tok}).json(t, &inv)
	if len(inv.Items) != 1 || inv.Items[0].Stock != 77 {
		t.Errorf("inventory after import = %+v, want stock 77", inv.Items)
	}

	for _, tc := range []struct {
		name, method, path, client, body string
		want                             int
	}{
		{"list own", "GET", "/v1/imports", "acme-client", "", 200},
		{"other tenant's import", "GET", "/v1/imports/" + created.ID, "globex-client", "", 404},
		{"malformed id", "GET", "/v1/imports/nope", "acme-client", "", 404},
		{"bad declaration", "POST", "/v1/imports", "acme-client", `{"kind":"prices","format":"xlsx","size_bytes":0}`, 400},
		{"without the scope", "GET", "/v1/imports", "bronze-client", "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(req{method: tc.method, path: tc.path, token: e.token(tc.client), key: "k-" + tc.name, body: tc.body})
			if r.Status != tc.want {
				t.Errorf("%s %s = %d %s, want %d", tc.method, tc.path, r.Status, r.Body, tc.want)
			}
		})
	}
	var page app.ImportPage
	e.do(req{method: "GET", path: "/v1/imports", token: tok}).json(t, &page)
	if len(page.Items) != 1 || page.Items[0].ID != created.ID {
		t.Errorf("acme's list = %+v, want its one import", page.Items)
	}
	e.do(req{method: "GET", path: "/v1/imports", token: e.token("globex-client")}).json(t, &page)
	if len(page.Items) != 0 {
		t.Errorf("globex's list = %+v, want none", page.Items)
	}
	if !strings.Contains(string(e.do(req{method: "GET", path: "/docs"}).Body), "<pre><code>$ curl") {
		t.Errorf("/docs lacks the curl walkthrough")
	}
}
