package imports

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
)

// ErrBusy: another worker run holds the import's lease; the message is to be retried later
// (the SQS visibility timeout, which is at least the function's timeout, outlasts the lease).
var ErrBusy = errors.New("import busy")

// Message is one unit of work for the Processor: an upload notification (Created, from the
// S3 ObjectCreated event) or a continuation of an import that stopped before its deadline.
type Message struct {
	PartnerID string `json:"partner_id"`
	ImportID  string `json:"import_id"`
	// Created is set for upload notifications (S3 ObjectCreated, the local upload endpoint).
	Created bool `json:"created,omitempty"`
	// Offset is informational in continuations: the checkpoint when it was sent.
	Offset int64 `json:"offset,omitempty"`
}

// CatalogClient is what the processor needs of the catalog domain client.
type CatalogClient interface {
	GetProductBySKU(ctx context.Context, sku string) (catalog.Product, error)
	ImportStock(ctx context.Context, id string, stock, seq int64) (bool, error)
	UpdateProduct(ctx context.Context, p catalog.Product) (catalog.Product, error)
}

// Processor is the import worker: see Handle.
type Processor struct {
	Store   Store
	Blob    Blob
	Catalog CatalogClient
	// Continue enqueues a continuation (SQS SendMessage in Lambda, LocalQueue locally).
	Continue func(ctx context.Context, m Message) error
	// BatchRows is the most rows applied and checkpointed together (default 5000).
	BatchRows int
	// Concurrency is the number of parallel catalog writes in a batch (default 16).
	Concurrency int
	// Margin is the time kept before the deadline: a run stops when less than Margin plus
	// twice its slowest batch remains (default 3 s).
	Margin time.Duration
	// AfterBatch runs after each checkpoint (tests: a crash in the middle).
	AfterBatch func(imp Import) error
	Now        func() time.Time
	Log        *slog.Logger

	skuMu sync.Mutex
	skus  map[string]string // sku → product id ("" unknown), for inventory imports
}

func (p *Processor) defaults() {
	if p.BatchRows <= 0 {
		p.BatchRows = 5000
	}
	if p.Concurrency <= 0 {
		p.Concurrency = 16
	}
	if p.Margin <= 0 {
		p.Margin = 3 * time.Second
	}
	if p.Now == nil {
		p.Now = time.Now
	}
	if p.Log == nil {
		p.Log = slog.Default()
	}
}

// Handle processes one message: an upload notification starts the import (after checking the
// uploaded size against the declared one); any message of an unfinished import resumes it from
// its checkpoint while the lease is free. Rows are applied in batches, each followed by a
// checkpoint (offset, line, counts; conditional on the record's version), so a redelivered or
// duplicate message and a crash in the middle apply nothing twice: a batch applied but not
// checkpointed is applied again with the same absolute values and sequence. Before ctx's
// deadline the run releases the lease and enqueues a continuation. It returns ErrBusy when
// another run holds the lease, and other errors when a dependency failed (retry the message).
func (p *Processor) Handle(ctx context.Context, m Message) error {
	p.defaults()
	log := p.Log.With("import", m.ImportID, "partner", m.PartnerID)
	imp, err := p.Store.Get(ctx, m.PartnerID, m.ImportID)
	if errors.Is(err, domain.ErrNotFound) {
		log.Warn("import: message for an unknown import dropped")
		return nil
	}
	if err != nil {
		return err
	}
	if imp.Terminal() {
		log.Info("import: message for an ended import dropped (duplicate or re-upload)", "status", imp.Status)
		return nil
	}
	if imp.Status == StatusAwaitingUpload {
		if !m.Created {
			return nil
		}
		if imp, err = p.accept(ctx, imp); err != nil || imp.Terminal() {
			return err
		}
	}
	return p.run(ctx, imp, log)
}

func (p *Processor) update(ctx context.Context, imp *Import) error {
	prev := imp.Version
	imp.Version++
	imp.UpdatedAt = p.Now().UTC()
	if err := p.Store.Update(ctx, *imp, prev); err != nil {
		imp.Version = prev
		return err
	}
	return nil
}

// accept checks the uploaded object and queues the import.
func (p *Processor) accept(ctx context.Context, imp Import) (Import, error) {
	key := UploadKey(imp.PartnerID, imp.ID)
	obj, err := p.Blob.Stat(ctx, key)
	if err != nil {
		return imp, err
	}
	imp.UploadedAt = p.Now().UTC()
	if obj.Size != imp.SizeBytes {
		_ = p.Blob.Delete(ctx, key)
		return imp, p.fail(ctx, &imp, fmt.Sprintf("uploaded %d bytes, declared %d", obj.Size, imp.SizeBytes))
	}
	imp.ETag, imp.Status = obj.ETag, StatusQueued
	if err := p.update(ctx, &imp); err != nil {
		return imp, fmt.Errorf("queue import: %w", err)
	}
	return imp, nil
}

func (p *Processor) fail(ctx context.Context, imp *Import, reason string) error {
	p.Log.Info("import: failed", "import", imp.ID, "partner", imp.PartnerID, "reason", reason)
	imp.Status, imp.Error = StatusFailed, reason
	imp.FinishedAt = p.Now().UTC()
	imp.LeaseOwner, imp.LeaseUntil = "", time.Time{}
	return p.update(ctx, imp)
}

func newToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// run processes imp from its checkpoint until the end of the file or the deadline.
func (p *Processor) run(ctx context.Context, imp Import, log *slog.Logger) error {
	now := p.Now()
	if imp.LeaseOwner != "" && imp.LeaseUntil.After(now) {
		return fmt.Errorf("import %s: %w until %s", imp.ID, ErrBusy, imp.LeaseUntil.Format(time.RFC3339))
	}
	deadline, hasDeadline := ctx.Deadline()
	if !hasDeadline {
		deadline = now.Add(15 * time.Minute)
	}
	imp.LeaseOwner, imp.LeaseUntil = newToken(), deadline.Add(time.Second).UTC()
	imp.Status = StatusProcessing
	if imp.StartedAt.IsZero() {
		imp.StartedAt = now.UTC()
	}
	imp.Invocations++
	if err := p.update(ctx, &imp); err != nil {
		if errors.Is(err, domain.ErrConflict) {
			return fmt.Errorf("import %s: %w (lease taken)", imp.ID, ErrBusy)
		}
		return err
	}
	log.Info("import: run", "offset", imp.Offset, "line", imp.Line, "invocation", imp.Invocations)
	body, err := p.Blob.OpenFrom(ctx, UploadKey(imp.PartnerID, imp.ID), imp.Offset, imp.ETag)
	if errors.Is(err, ErrReplaced) || errors.Is(err, domain.ErrNotFound) {
		return p.fail(ctx, &imp, "the uploaded file was replaced or deleted during processing")
	}
	if err != nil {
		return p.release(ctx, &imp, err)
	}
	defer body.Close()
	lr := &lineReader{r: bufio.NewReaderSize(body, 256<<10)}
	if imp.Format == FormatCSV && imp.Line == 0 {
		hdr, n, err := lr.next()
		if err != nil && !errors.Is(err, io.EOF) {
			return p.release(ctx, &imp, err)
		}
		if herr := checkHeader(imp.Kind, hdr); herr != nil {
			return p.fail(ctx, &imp, herr.Error())
		}
		imp.Offset += n
		imp.Line = 1
	}
	var slowest time.Duration
	for {
		start := time.Now()
		batch, err := lr.batch(p.BatchRows, imp.Line)
		if err != nil {
			return p.release(ctx, &imp, err)
		}
		if len(batch.lines) == 0 && batch.bytes == 0 {
			return p.finish(ctx, &imp, log)
		}
		rej, applied, err := p.apply(ctx, imp, batch)
		if err != nil {
			return p.release(ctx, &imp, err)
		}
		if len(rej) > 0 {
			if err := p.writePart(ctx, imp, rej); err != nil {
				return p.release(ctx, &imp, err)
			}
		}
		imp.Offset += batch.bytes
		imp.Line = batch.lastLine
		imp.Counts.Read += int64(batch.rows)
		imp.Counts.Applied += applied
		imp.Counts.Rejected += int64(len(rej))
		if err := p.update(ctx, &imp); err != nil {
			return fmt.Errorf("checkpoint import %s at %d: %w", imp.ID, imp.Offset, err)
		}
		if p.AfterBatch != nil {
			if err := p.AfterBatch(imp); err != nil {
				return err // a crash: the lease stays until it ends
			}
		}
		slowest = max(slowest, time.Since(start))
		if time.Until(deadline) < p.Margin+2*slowest {
			imp.LeaseOwner, imp.LeaseUntil = "", time.Time{}
			if err := p.update(ctx, &imp); err != nil {
				return err
			}
			log.Info("import: continuing in a new message", "offset", imp.Offset, "rows_read", imp.Counts.Read)
			return p.Continue(ctx, Message{PartnerID: imp.PartnerID, ImportID: imp.ID, Offset: imp.Offset})
		}
	}
}

// release gives the lease back after a failed run (the message is retried).
func (p *Processor) release(ctx context.Context, imp *Import, cause error) error {
	imp.LeaseOwner, imp.LeaseUntil = "", time.Time{}
	if err := p.update(context.WithoutCancel(ctx), imp); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

// finish writes the rejection report and completes the import.
func (p *Processor) finish(ctx context.Context, imp *Import, log *slog.Logger) error {
	prefix := reportPartPrefix(imp.PartnerID, imp.ID)
	parts, err := p.Blob.List(ctx, prefix)
	if err != nil {
		return p.release(ctx, imp, err)
	}
	if imp.Counts.Rejected > 0 {
		key := ReportKey(imp.PartnerID, imp.ID)
		if err := p.composeReport(ctx, key, parts); err != nil {
			return p.release(ctx, imp, err)
		}
		imp.ReportKey = key
	}
	imp.Status, imp.FinishedAt = StatusCompleted, p.Now().UTC()
	imp.LeaseOwner, imp.LeaseUntil = "", time.Time{}
	if err := p.update(ctx, imp); err != nil {
		return err
	}
	if err := p.Blob.Delete(ctx, parts...); err != nil {
		log.Warn("import: report parts not deleted (the bucket's lifecycle expires them)", "err", err)
	}
	log.Info("import: completed", "read", imp.Counts.Read, "applied", imp.Counts.Applied, "rejected", imp.Counts.Rejected,
		"invocations", imp.Invocations)
	return nil
}

// ReportHeader is the first line of a rejection report.
const ReportHeader = "row,column,reason\n"

// composeReport concatenates the parts (in offset order) under one header through a
// temporary file, so the report is never held in memory.
func (p *Processor) composeReport(ctx context.Context, key string, parts []string) error {
	f, err := os.CreateTemp("", "import-report-*.csv")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	defer f.Close()
	if _, err := io.WriteString(f, ReportHeader); err != nil {
		return err
	}
	for _, part := range parts {
		rc, err := p.Blob.OpenFrom(ctx, part, 0, "")
		if err != nil {
			return err
		}
		_, err = io.Copy(f, rc)
		rc.Close()
		if err != nil {
			return err
		}
	}
	size, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return err
	}
	return p.Blob.Put(ctx, key, f, size, "text/csv")
}

func (p *Processor) writePart(ctx context.Context, imp Import, rej []Rejection) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	for _, r := range rej {
		_ = w.Write([]string{strconv.FormatInt(r.Row, 10), r.Column, r.Reason})
	}
	w.Flush()
	return p.Blob.Put(ctx, reportPartKey(imp.PartnerID, imp.ID, imp.Offset), bytes.NewReader(buf.Bytes()), int64(buf.Len()), "text/csv")
}

// lineReader reads lines of at most MaxLineBytes, counting bytes.
type lineReader struct {
	r   *bufio.Reader
	buf []byte
}

// next returns the next line without its line ending, and the bytes it took. A line longer
// than MaxLineBytes is returned truncated (to MaxLineBytes+1 bytes, so callers can tell).
func (l *lineReader) next() ([]byte, int64, error) {
	l.buf = l.buf[:0]
	var n int64
	for {
		frag, err := l.r.ReadSlice('\n')
		n += int64(len(frag))
		if len(l.buf) <= MaxLineBytes {
			l.buf = append(l.buf, frag[:min(len(frag), MaxLineBytes+1-len(l.buf))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil && (!errors.Is(err, io.EOF) || n == 0) {
			return nil, n, err
		}
		line := bytes.TrimSuffix(bytes.TrimSuffix(l.buf, []byte("\n")), []byte("\r"))
		return line, n, nil
	}
}

type batch struct {
	lines    []row
	rows     int   // non-blank lines
	bytes    int64 // bytes consumed
	lastLine int64
}

// batch reads up to n non-blank lines after line number last.
func (l *lineReader) batch(n int, last int64) (batch, error) {
	b := batch{lastLine: last}
	for b.rows < n {
		line, sz, err := l.next()
		if errors.Is(err, io.EOF) {
			return b, nil
		}
		if err != nil {
			return b, err
		}
		b.bytes += sz
		b.lastLine++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		b.rows++
		r := row{line: b.lastLine}
		if len(line) > MaxLineBytes {
			r.reject(ColumnRow, fmt.Sprintf("longer than %d bytes", MaxLineBytes))
		}
		r.sku = string(line) // parsed in apply (needs kind and format)
		b.lines = append(b.lines, r)
	}
	return b, nil
}

// apply validates and applies one batch; it returns the rejections in row order and the
// number of rows applied.
func (p *Processor) apply(ctx context.Context, imp Import, b batch) ([]Rejection, int64, error) {
	rows := make([]row, len(b.lines))
	for i, raw := range b.lines {
		if raw.reason != "" {
			rows[i] = raw
			continue
		}
		rows[i] = parseLine(imp.Kind, imp.Format, []byte(raw.sku), raw.line)
	}
	// The last valid row of a SKU wins (absolute values); earlier ones count as applied.
	last := map[string]int{}
	for i, r := range rows {
		if r.reason == "" {
			last[r.sku] = i
		}
	}
	skus := make([]string, 0, len(last))
	for s := range last {
		skus = append(skus, s)
	}
	slices.Sort(skus)
	outcome := make(map[string]string, len(skus)) // sku → rejection reason ("" applied)
	var mu sync.Mutex
	err := p.parallel(ctx, skus, func(ctx context.Context, sku string) error {
		r := rows[last[sku]]
		reason, err := p.applyOne(ctx, imp, r)
		if err != nil {
			return err
		}
		mu.Lock()
		outcome[sku] = reason
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	var rej []Rejection
	var applied int64
	for _, r := range rows {
		switch {
		case r.reason != "":
			rej = append(rej, Rejection{Row: r.line, Column: r.rejectedCol, Reason: r.reason})
		case outcome[r.sku] != "":
			rej = append(rej, Rejection{Row: r.line, Column: "sku", Reason: outcome[r.sku]})
		default:
			applied++
		}
	}
	return rej, applied, nil
}

// Reasons of rejections found while applying.
const (
	ReasonUnknownSKU = "unknown SKU"
	ReasonStale      = "a newer import set this SKU"
)

func (p *Processor) applyOne(ctx context.Context, imp Import, r row) (string, error) {
	switch imp.Kind {
	case KindInventory:
		id, err := p.productID(ctx, r.sku)
		if err != nil {
			return "", err
		}
		if id == "" {
			return ReasonUnknownSKU, nil
		}
		ok, err := p.Catalog.ImportStock(ctx, id, r.quantity, imp.Seq())
		switch {
		case errors.Is(err, domain.ErrNotFound):
			p.forget(r.sku)
			return ReasonUnknownSKU, nil
		case err != nil:
			return "", err
		case !ok:
			return ReasonStale, nil
		}
		return "", nil
	default: // KindCatalog: the fields partners own
		prod, err := p.Catalog.GetProductBySKU(ctx, r.sku)
		if errors.Is(err, domain.ErrNotFound) {
			return ReasonUnknownSKU, nil
		}
		if err != nil {
			return "", err
		}
		prod.Name, prod.Description = r.name, r.desc
		prod.Price = catalog.Money{Amount: r.priceMinor, Currency: r.currency}
		if _, err := p.Catalog.UpdateProduct(ctx, prod); err != nil {
			if ve, ok := domain.AsValidation(err); ok {
				return ve.Error(), nil
			}
			if errors.Is(err, domain.ErrNotFound) {
				return ReasonUnknownSKU, nil
			}
			return "", err
		}
		return "", nil
	}
}

const maxSKUCache = 200_000

func (p *Processor) productID(ctx context.Context, sku string) (string, error) {
	p.skuMu.Lock()
	id, ok := p.skus[sku]
	p.skuMu.Unlock()
	if ok {
		return id, nil
	}
	prod, err := p.Catalog.GetProductBySKU(ctx, sku)
	switch {
	case errors.Is(err, domain.ErrNotFound):
		id = ""
	case err != nil:
		return "", err
	default:
		id = prod.ID
	}
	p.skuMu.Lock()
	if p.skus == nil || len(p.skus) >= maxSKUCache {
		p.skus = map[string]string{}
	}
	p.skus[sku] = id
	p.skuMu.Unlock()
	return id, nil
}

func (p *Processor) forget(sku string) {
	p.skuMu.Lock()
	delete(p.skus, sku)
	p.skuMu.Unlock()
}

// parallel runs fn for every item with at most Concurrency at once; the first error cancels.
func (p *Processor) parallel(ctx context.Context, items []string, fn func(context.Context, string) error) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	sem := make(chan struct{}, p.Concurrency)
	var wg sync.WaitGroup
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			if err := fn(ctx, it); err != nil {
				cancel(err)
			}
		}()
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}
