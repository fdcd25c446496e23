package imports

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/store"
)

type env struct {
	cat    *catalog.Client
	skus   []string
	ids    map[string]string
	dir    *Dir
	srv    *httptest.Server
	client *Client
	proc   *Processor
	queue  []Message
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	cl, err := store.Open(ctx, store.Config{Backend: store.BackendEmbedded, Region: "us-east-1"})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	ps, err := cl.Catalog.SearchProducts(ctx, catalog.Query{Limit: 50})
	if err != nil {
		t.Fatalf("search: %v", err)
	}
	e := &env{cat: cl.Catalog, ids: map[string]string{}}
	for _, p := range ps.Items {
		e.skus = append(e.skus, p.SKU)
		e.ids[p.SKU] = p.ID
	}
	mux := http.NewServeMux()
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	if e.dir, err = NewDir(t.TempDir(), e.srv.URL, []byte("test-signing-key-0123456789abcdef"), nil); err != nil {
		t.Fatal(err)
	}
	mux.Handle(DirPathPrefix, e.dir.Handler())
	st := NewMemory()
	e.client = NewClient(st, e.dir, Options{})
	e.proc = &Processor{Store: st, Blob: e.dir, Catalog: cl.Catalog, BatchRows: 100,
		Continue: func(_ context.Context, m Message) error { e.queue = append(e.queue, m); return nil }}
	e.dir.OnCreated = func(key string, _ Object) {
		if p, id, ok := ParseUploadKey(key); ok {
			e.queue = append(e.queue, Message{PartnerID: p, ImportID: id, Created: true})
		}
	}
	return e
}

// upload declares an import and PUTs body through its presigned URL.
func (e *env) upload(t *testing.T, partner, kind, format string, body []byte) Import {
	t.Helper()
	imp, up, err := e.client.Create(context.Background(), partner, Declaration{Kind: kind, Format: format, SizeBytes: int64(len(body))})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if code := put(t, up, body); code != http.StatusOK {
		t.Fatalf("PUT upload = %d, want 200", code)
	}
	return imp
}

func put(t *testing.T, up Upload, body []byte) int {
	t.Helper()
	req, _ := http.NewRequest(up.Method, up.URL, bytes.NewReader(body))
	for k, v := range up.Headers {
		if k != "Content-Length" {
			req.Header.Set(k, v)
		}
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("PUT: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// drain handles queued messages (like the SQS mapping) until none is left.
func (e *env) drain(t *testing.T, timeout time.Duration) {
	t.Helper()
	for n := 0; len(e.queue) > 0; n++ {
		if n > 10000 {
			t.Fatal("queue never drained")
		}
		m := e.queue[0]
		e.queue = e.queue[1:]
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		err := e.proc.Handle(ctx, m)
		cancel()
		if err != nil {
			t.Fatalf("Handle(%+v): %v", m, err)
		}
	}
}

func (e *env) report(t *testing.T, imp Import) string {
	t.Helper()
	if imp.ReportKey == "" {
		return ""
	}
	link, _, err := e.client.ReportLink(context.Background(), imp)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET report = %d: %s", resp.StatusCode, b)
	}
	return string(b)
}

// inventoryFile writes n rows; every 100th row (from row 50) is bad in one of five ways. It
// returns the file, the expected report and the expected final stock per SKU.
func inventoryFile(skus []string, n int) ([]byte, string, map[string]int64) {
	var b, rep strings.Builder
	b.WriteString("sku,quantity\n")
	rep.WriteString(ReportHeader)
	want := map[string]int64{}
	for i := range n {
		line := int64(i + 2)
		sku := skus[i%len(skus)]
		q := int64(i%997 + 1)
		if i%100 == 50 {
			switch (i / 100) % 5 {
			case 0:
				fmt.Fprintf(&b, "%s,-3\n", sku)
				fmt.Fprintf(&rep, "%d,quantity,must not be negative\n", line)
			case 1:
				fmt.Fprintf(&b, "%s,lots\n", sku)
				fmt.Fprintf(&rep, "%d,quantity,not an integer\n", line)
			case 2:
				fmt.Fprintf(&b, ",%d\n", q)
				fmt.Fprintf(&rep, "%d,sku,required\n", line)
			case 3:
				fmt.Fprintf(&b, "NO-SUCH-SKU-%d,%d\n", i, q)
				fmt.Fprintf(&rep, "%d,sku,unknown SKU\n", line)
			case 4:
				fmt.Fprintf(&b, "%s,%d,extra\n", sku, q)
				fmt.Fprintf(&rep, "%d,*,\"want 2 fields, got 3\"\n", line)
			}
			continue
		}
		fmt.Fprintf(&b, "%s,%d\n", sku, q)
		want[sku] = q
	}
	return []byte(b.String()), rep.String(), want
}

func TestInventoryImportReport(t *testing.T) {
	for _, tc := range []struct {
		name    string
		rows    int
		timeout time.Duration
		margin  time.Duration
		minRuns int
	}{
		{"one invocation", 1000, time.Minute, 0, 1},
		{"continued across invocations", 1000, 2 * time.Second, 2 * time.Second, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.proc.Margin = tc.margin
			body, wantReport, wantStock := inventoryFile(e.skus, tc.rows)
			imp := e.upload(t, "acme", KindInventory, FormatCSV, body)
			e.drain(t, tc.timeout)
			got, err := e.client.Get(context.Background(), "acme", imp.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != StatusCompleted {
				t.Fatalf("status = %s (%s), want completed", got.Status, got.Error)
			}
			want := Counts{Read: int64(tc.rows), Applied: int64(tc.rows - tc.rows/100), Rejected: int64(tc.rows / 100)}
			if got.Counts != want {
				t.Errorf("counts = %+v, want %+v", got.Counts, want)
			}
			if got.Invocations < tc.minRuns {
				t.Errorf("invocations = %d, want at least %d", got.Invocations, tc.minRuns)
			}
			if rep := e.report(t, got); rep != wantReport {
				t.Errorf("report:\n%s\nwant:\n%s", rep, wantReport)
			}
			for sku, q := range wantStock {
				p, err := e.cat.GetProductBySKU(context.Background(), sku)
				if err != nil || p.Stock != q {
					t.Errorf("stock of %s = %d (%v), want %d", sku, p.Stock, err, q)
				}
			}
		})
	}
}

func TestUploadURLRefusals(t *testing.T) {
	e := newEnv(t)
	body := []byte("sku,quantity\nX,1\n")
	for _, tc := range []struct {
		name   string
		mutate func(up *Upload, body *[]byte)
		want   int
	}{
		{"as signed", func(*Upload, *[]byte) {}, http.StatusOK},
		{"tampered key", func(up *Upload, _ *[]byte) { up.URL = strings.Replace(up.URL, "/uploads/acme/", "/uploads/globex/", 1) }, http.StatusForbidden},
		{"tampered length", func(up *Upload, _ *[]byte) { up.URL = strings.Replace(up.URL, "X-Length=17", "X-Length=99", 1) }, http.StatusForbidden},
		{"larger than declared", func(_ *Upload, b *[]byte) { *b = append(*b, "Y,2\n"...) }, http.StatusForbidden},
		{"smaller than declared", func(_ *Upload, b *[]byte) { *b = (*b)[:10] }, http.StatusForbidden},
		{"other content type", func(up *Upload, _ *[]byte) { up.Headers["Content-Type"] = "application/octet-stream" }, http.StatusForbidden},
		{"method", func(up *Upload, _ *[]byte) { up.Method = http.MethodPost }, http.StatusForbidden},
		{"expired", func(*Upload, *[]byte) { e.dir.now = func() time.Time { return time.Now().Add(16 * time.Minute) } }, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.dir.now = time.Now
			_, up, err := e.client.Create(context.Background(), "acme", Declaration{Kind: KindInventory, Format: FormatCSV, SizeBytes: int64(len(body))})
			if err != nil {
				t.Fatal(err)
			}
			b := bytes.Clone(body)
			tc.mutate(&up, &b)
			if got := put(t, up, b); got != tc.want {
				t.Errorf("PUT = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestSizeCheckedOnArrival(t *testing.T) {
	e := newEnv(t)
	imp, _, err := e.client.Create(context.Background(), "acme", Declaration{Kind: KindInventory, Format: FormatCSV, SizeBytes: 10})
	if err != nil {
		t.Fatal(err)
	}
	body := []byte("sku,quantity\nX,1\n") // written around the URL (as a permissive store would)
	if err := e.dir.Put(context.Background(), UploadKey("acme", imp.ID), bytes.NewReader(body), int64(len(body)), "text/csv"); err != nil {
		t.Fatal(err)
	}
	if err := e.proc.Handle(context.Background(), Message{PartnerID: "acme", ImportID: imp.ID, Created: true}); err != nil {
		t.Fatal(err)
	}
	got, _ := e.client.Get(context.Background(), "acme", imp.ID)
	if got.Status != StatusFailed || got.Error != "uploaded 17 bytes, declared 10" {
		t.Errorf("status %s (%q), want failed (uploaded 17 bytes, declared 10)", got.Status, got.Error)
	}
}

func TestSameFileTwiceAndRedelivery(t *testing.T) {
	e := newEnv(t)
	body, _, want := inventoryFile(e.skus, 500)
	var imps []Import
	for range 2 {
		imp := e.upload(t, "acme", KindInventory, FormatCSV, body)
		e.queue = append(e.queue, e.queue...) // every notification delivered twice
		e.drain(t, time.Minute)
		imps = append(imps, imp)
		for sku, q := range want {
			if p, _ := e.cat.GetProductBySKU(context.Background(), sku); p.Stock != q {
				t.Fatalf("stock of %s = %d, want %d", sku, p.Stock, q)
			}
		}
	}
	for _, imp := range imps {
		got, _ := e.client.Get(context.Background(), "acme", imp.ID)
		if got.Counts.Read != 500 || got.Invocations != 1 {
			t.Errorf("import %s: read %d in %d invocations, want 500 in 1", imp.ID, got.Counts.Read, got.Invocations)
		}
	}
	// An older import processed after a newer one changes nothing.
	older, _, err := e.client.Create(context.Background(), "acme", Declaration{Kind: KindInventory, Format: FormatCSV, SizeBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	_ = older
}

func TestStaleImportLoses(t *testing.T) {
	e := newEnv(t)
	sku := e.skus[0]
	oldBody := []byte("sku,quantity\n" + sku + ",111\n")
	newBody := []byte("sku,quantity\n" + sku + ",222\n")
	old := e.upload(t, "acme", KindInventory, FormatCSV, oldBody)
	oldMsgs := e.queue
	e.queue = nil
	time.Sleep(time.Millisecond)
	e.upload(t, "acme", KindInventory, FormatCSV, newBody)
	e.drain(t, time.Minute)
	e.queue = oldMsgs
	e.drain(t, time.Minute)
	if p, _ := e.cat.GetProductBySKU(context.Background(), sku); p.Stock != 222 {
		t.Errorf("stock = %d, want 222 (the newer import)", p.Stock)
	}
	got, _ := e.client.Get(context.Background(), "acme", old.ID)
	if got.Counts.Rejected != 1 || e.report(t, got) != ReportHeader+"2,sku,a newer import set this SKU\n" {
		t.Errorf("older import: counts %+v report %q", got.Counts, e.report(t, got))
	}
}

func TestCrashResumesFromCheckpoint(t *testing.T) {
	e := newEnv(t)
	body, wantReport, want := inventoryFile(e.skus, 1000)
	imp := e.upload(t, "acme", KindInventory, FormatCSV, body)
	crash := errors.New("crash")
	var atCrash Import
	e.proc.AfterBatch = func(i Import) error {
		if i.Counts.Read == 300 {
			atCrash = i
			return crash
		}
		return nil
	}
	m := e.queue[0]
	e.queue = nil
	e.proc.Margin = time.Millisecond
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	if err := e.proc.Handle(ctx, m); !errors.Is(err, crash) {
		t.Fatalf("first run: %v, want the crash", err)
	}
	cancel()
	// The redelivery during the lease waits; after it, the run resumes at the checkpoint.
	if err := e.proc.Handle(context.Background(), m); !errors.Is(err, ErrBusy) {
		t.Fatalf("redelivery under the lease: %v, want ErrBusy", err)
	}
	time.Sleep(1300 * time.Millisecond)
	var resumedAt int64 = -1
	e.proc.AfterBatch = func(i Import) error {
		if resumedAt < 0 {
			resumedAt = i.Counts.Read
		}
		return nil
	}
	if err := e.proc.Handle(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if resumedAt != atCrash.Counts.Read+100 {
		t.Errorf("first batch after the crash ended at row %d, want %d (resumed at the checkpoint)", resumedAt, atCrash.Counts.Read+100)
	}
	got, _ := e.client.Get(context.Background(), "acme", imp.ID)
	if got.Status != StatusCompleted || got.Counts != (Counts{Read: 1000, Applied: 990, Rejected: 10}) || got.Invocations != 2 {
		t.Errorf("after resume: %s %+v in %d invocations", got.Status, got.Counts, got.Invocations)
	}
	if rep := e.report(t, got); rep != wantReport {
		t.Errorf("report after resume:\n%s\nwant:\n%s", rep, wantReport)
	}
	for sku, q := range want {
		if p, _ := e.cat.GetProductBySKU(context.Background(), sku); p.Stock != q {
			t.Errorf("stock of %s = %d, want %d", sku, p.Stock, q)
		}
	}
}

func TestCatalogImportNDJSON(t *testing.T) {
	e := newEnv(t)
	sku := e.skus[1]
	before, _ := e.cat.GetProductBySKU(context.Background(), sku)
	since := time.Now().Add(-time.Millisecond)
	lines := []map[string]any{
		{"sku": sku, "name": "Imported name", "description": "From the partner", "price": "12.5", "currency": "EUR"},
		{"sku": sku, "name": "", "price": "1", "currency": "EUR"},
		{"sku": "NOPE", "name": "x", "price": "1.00", "currency": "EUR"},
	}
	var b bytes.Buffer
	for _, l := range lines {
		json.NewEncoder(&b).Encode(l)
	}
	b.WriteString("{not json\n")
	imp := e.upload(t, "acme", KindCatalog, FormatNDJSON, b.Bytes())
	e.drain(t, time.Minute)
	got, _ := e.client.Get(context.Background(), "acme", imp.ID)
	wantRep := ReportHeader + "2,name,required\n3,sku,unknown SKU\n4,*,not a JSON object\n"
	if rep := e.report(t, got); rep != wantRep {
		t.Errorf("report %q, want %q", rep, wantRep)
	}
	p, _ := e.cat.GetProductBySKU(context.Background(), sku)
	if p.Name != "Imported name" || p.Price != (catalog.Money{Amount: 1250, Currency: "EUR"}) || !p.UpdatedAt.After(before.UpdatedAt) {
		t.Errorf("product after import: %q %+v updated %s (before %s)", p.Name, p.Price, p.UpdatedAt, before.UpdatedAt)
	}
	changed, err := e.cat.ChangedSince(context.Background(), since, "", 100)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range changed.Items {
		found = found || c.SKU == sku
	}
	if !found {
		t.Errorf("change feed since %s misses %s", before.UpdatedAt, sku)
	}
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	imp := e.upload(t, "acme", KindInventory, FormatCSV, []byte("sku,quantity\n"))
	if _, err := e.client.Get(context.Background(), "globex", imp.ID); err == nil {
		t.Errorf("globex read acme's import")
	}
	if l, _, _ := e.client.List(context.Background(), "globex", "", 10); len(l) != 0 {
		t.Errorf("globex lists %d imports, want 0", len(l))
	}
}
