package imports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"bffsuite.dev/shared/domain"
)

// Client is the imports domain client of bff-partner: declare an import (and get its
// presigned upload), read and list a partner's imports. A partner only ever addresses its own
// imports: every key and record is under its partner id.
type Client struct {
	store     Store
	blob      Blob
	uploadTTL time.Duration
	reportTTL time.Duration
	now       func() time.Time
}

// Options configure a Client.
type Options struct {
	// UploadTTL is how long an upload URL is valid (default 15 minutes).
	UploadTTL time.Duration
	// ReportTTL is how long a report link is valid (default 15 minutes).
	ReportTTL time.Duration
	Now       func() time.Time
}

// NewClient returns the client over store and blob.
func NewClient(store Store, blob Blob, o Options) *Client {
	c := &Client{store: store, blob: blob, uploadTTL: o.UploadTTL, reportTTL: o.ReportTTL, now: o.Now}
	if c.uploadTTL <= 0 {
		c.uploadTTL = 15 * time.Minute
	}
	if c.reportTTL <= 0 {
		c.reportTTL = 15 * time.Minute
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// Create records a new import awaiting its upload and presigns the upload.
func (c *Client) Create(ctx context.Context, partnerID string, d Declaration) (Import, Upload, error) {
	if err := d.Validate(); err != nil {
		return Import{}, Upload{}, err
	}
	now := c.now().UTC()
	imp := Import{ID: NewID(now), PartnerID: partnerID, Kind: d.Kind, Format: d.Format, SizeBytes: d.SizeBytes,
		Status: StatusAwaitingUpload, CreatedAt: now, UpdatedAt: now, Version: 1}
	up, err := c.blob.PresignPut(ctx, UploadKey(partnerID, imp.ID), d.SizeBytes, ContentType(d.Format), c.uploadTTL)
	if err != nil {
		return Import{}, Upload{}, fmt.Errorf("presign upload: %w: %w", domain.ErrUnavailable, err)
	}
	if err := c.store.Create(ctx, imp); err != nil {
		return Import{}, Upload{}, fmt.Errorf("create import: %w", err)
	}
	return imp, up, nil
}

// Get returns the partner's import; another partner's or a malformed id is domain.ErrNotFound.
func (c *Client) Get(ctx context.Context, partnerID, id string) (Import, error) {
	if !ValidID(id) {
		return Import{}, fmt.Errorf("import %q: %w", id, domain.ErrNotFound)
	}
	imp, err := c.store.Get(ctx, partnerID, id)
	if err != nil {
		return Import{}, fmt.Errorf("get import %s: %w", id, err)
	}
	return imp, nil
}

// List returns the partner's imports newest first after the id before ("" from the newest).
func (c *Client) List(ctx context.Context, partnerID, before string, limit int) ([]Import, bool, error) {
	if before != "" && !ValidID(before) {
		return nil, false, domain.ErrInvalidCursor
	}
	return c.store.List(ctx, partnerID, before, limit)
}

// ReportLink presigns a GET of the import's rejection report ("" when it has none).
func (c *Client) ReportLink(ctx context.Context, imp Import) (string, time.Time, error) {
	if imp.ReportKey == "" {
		return "", time.Time{}, nil
	}
	return c.blob.PresignGet(ctx, imp.ReportKey, c.reportTTL)
}

// ParseSQSBody turns the body of one SQS message into messages: an S3 event notification
// (ObjectCreated records of upload keys; s3:TestEvent and other keys yield none) or a
// continuation Message.
func ParseSQSBody(body string) ([]Message, error) {
	var ev struct {
		Records []struct {
			EventName string `json:"eventName"`
			S3        struct {
				Object struct {
					Key string `json:"key"`
				} `json:"object"`
			} `json:"s3"`
		} `json:"Records"`
		Event    string `json:"Event"` // s3:TestEvent
		ImportID string `json:"import_id"`
	}
	if err := json.Unmarshal([]byte(body), &ev); err != nil {
		return nil, fmt.Errorf("import message: %w", err)
	}
	if ev.ImportID != "" {
		var m Message
		if err := json.Unmarshal([]byte(body), &m); err != nil {
			return nil, fmt.Errorf("continuation message: %w", err)
		}
		return []Message{m}, nil
	}
	var out []Message
	for _, r := range ev.Records {
		key, err := url.QueryUnescape(r.S3.Object.Key) // S3 event keys are URL-encoded
		if err != nil {
			continue
		}
		if partner, id, ok := ParseUploadKey(key); ok && len(r.EventName) >= 13 && r.EventName[:13] == "ObjectCreated" {
			out = append(out, Message{PartnerID: partner, ImportID: id, Created: true})
		}
	}
	return out, nil
}

// LocalQueue runs the Processor in this process (make run): messages are handled one at a
// time, each with a deadline like a Lambda invocation's; a failed message is retried after a
// second, at most MaxAttempts times, then logged as dead-lettered.
type LocalQueue struct {
	P           *Processor
	Timeout     time.Duration
	MaxAttempts int
	Log         *slog.Logger
	ch          chan queued
}

type queued struct {
	m       Message
	attempt int
}

// Start starts the queue's loop until ctx ends and sets P.Continue to enqueue.
func (q *LocalQueue) Start(ctx context.Context) {
	if q.Timeout <= 0 {
		q.Timeout = time.Minute
	}
	if q.MaxAttempts <= 0 {
		q.MaxAttempts = 5
	}
	if q.Log == nil {
		q.Log = slog.Default()
	}
	q.ch = make(chan queued, 1024)
	q.P.Continue = func(_ context.Context, m Message) error { return q.Send(m) }
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case it := <-q.ch:
				ictx, cancel := context.WithTimeout(ctx, q.Timeout)
				err := q.P.Handle(ictx, it.m)
				cancel()
				if err == nil || ctx.Err() != nil {
					continue
				}
				if it.attempt+1 >= q.MaxAttempts && !errors.Is(err, ErrBusy) {
					q.Log.Error("import: message dead-lettered", "import", it.m.ImportID, "err", err)
					continue
				}
				q.Log.Warn("import: message retried", "import", it.m.ImportID, "err", err)
				time.AfterFunc(time.Second, func() { q.ch <- queued{it.m, it.attempt + 1} })
			}
		}
	}()
}

// Send enqueues m.
func (q *LocalQueue) Send(m Message) error {
	select {
	case q.ch <- queued{m: m}:
		return nil
	default:
		return fmt.Errorf("local import queue full: %w", domain.ErrUnavailable)
	}
}
