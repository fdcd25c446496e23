package app

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"time"

	"bffsuite.dev/shared/awsconf"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/jsonbody"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/problem"
	"bffsuite.dev/shared/store"
	"github.com/gin-gonic/gin"
)

// Bulk imports (shared/imports): POST /v1/imports declares an import and answers with a
// presigned upload; the partner PUTs the file straight to the bucket (or, locally, to the
// upload endpoint under imports.DirPathPrefix); the import worker processes it.

// Scopes of the imports routes.
const (
	ScopeImportsWrite = "imports.write"
	ScopeImportsRead  = "imports.read"
)

// CodeImportsUnavailable: imports are not configured in this deployment (no bucket).
const CodeImportsUnavailable = "imports_unavailable"

// MaxImportsPage bounds GET /v1/imports?limit=.
const MaxImportsPage = 100

// importsSetup is what newImports builds: the domain client, and locally the upload endpoint
// (nil with S3).
type importsSetup struct {
	client *imports.Client
	upload http.Handler
}

// newImports builds the imports client: records in the imports table (dynamodb backend) or in
// memory; files in BFF_IMPORTS_BUCKET or, without it on the embedded backend, in a local
// directory whose signed URLs this BFF serves, with the worker running in process over the
// same catalog client (make run). Without a bucket on dynamodb, imports answer 503.
func newImports(ctx context.Context, cfg Config, p *platform.Platform, d Deps) (importsSetup, error) {
	ic := cfg.Imports
	var st imports.Store = imports.NewMemory()
	if p.DynamoDB != nil {
		st = imports.NewDynamoDB(p.DynamoDB, ic.Table)
	}
	opts := imports.Options{UploadTTL: ic.UploadTTL, ReportTTL: ic.UploadTTL, Now: d.Now}
	if ic.Bucket != "" {
		awsCfg, err := awsconf.Load(ctx)
		if err != nil {
			return importsSetup{}, err
		}
		awsCfg.Region = cfg.Platform.Store.Region
		blob := imports.NewS3(imports.NewS3Client(awsCfg, ic.S3Endpoint), ic.Bucket)
		return importsSetup{client: imports.NewClient(st, blob, opts)}, nil
	}
	if cfg.Platform.Store.Backend != store.BackendEmbedded {
		return importsSetup{}, nil
	}
	root := ic.Dir
	if root == "" {
		var err error
		if root, err = os.MkdirTemp("", "bff-imports-"); err != nil {
			return importsSetup{}, fmt.Errorf("BFF_IMPORTS_DIR: %w", err)
		}
	}
	dir, err := imports.NewDir(root, "http://"+cfg.Addr, []byte(ic.SigningKey), p.Logger)
	if err != nil {
		return importsSetup{}, fmt.Errorf("BFF_IMPORTS_DIR: %w", err)
	}
	q := &imports.LocalQueue{P: &imports.Processor{Store: st, Blob: dir, Catalog: d.Catalog, Log: p.Logger},
		Timeout: time.Minute, Log: p.Logger}
	q.Start(context.WithoutCancel(ctx)) // for the life of the process (New's ctx may be a start-up timeout)
	dir.OnCreated = func(key string, _ imports.Object) {
		if partner, id, ok := imports.ParseUploadKey(key); ok {
			if err := q.Send(imports.Message{PartnerID: partner, ImportID: id, Created: true}); err != nil {
				p.Logger.Error("import: upload notification lost", "key", key, "err", err)
			}
		}
	}
	return importsSetup{client: imports.NewClient(st, dir, opts), upload: dir.Handler()}, nil
}

func (h *App) importsClient(c *gin.Context) (*imports.Client, bool) {
	if h.imports.client == nil {
		problem.Abort(c, problem.New(http.StatusServiceUnavailable, CodeImportsUnavailable,
			"Bulk imports are not configured in this deployment."))
		return nil, false
	}
	return h.imports.client, true
}

// ImportInput is the body of POST /v1/imports.
type ImportInput struct {
	Kind      string `json:"kind"`
	Format    string `json:"format"`
	SizeBytes int64  `json:"size_bytes"`
}

// ImportUpload is how to send the file: exactly this method, URL and headers, before expires_at.
type ImportUpload struct {
	URL       string            `json:"url"`
	Method    string            `json:"method"`
	Headers   map[string]string `json:"headers"`
	ExpiresAt time.Time         `json:"expires_at"`
}

// ImportCounts are the rows of an import so far.
type ImportCounts struct {
	Read     int64 `json:"read"`
	Applied  int64 `json:"applied"`
	Rejected int64 `json:"rejected"`
}

// ImportReport links the rejection report (CSV row,column,reason).
type ImportReport struct {
	URL       string    `json:"url"`
	ExpiresAt time.Time `json:"expires_at"`
}

// Import is the partner view of an import.
type Import struct {
	ID          string        `json:"id"`
	Kind        string        `json:"kind"`
	Format      string        `json:"format"`
	SizeBytes   int64         `json:"size_bytes"`
	Status      string        `json:"status"`
	Counts      ImportCounts  `json:"counts"`
	Error       string        `json:"error,omitempty"`
	Upload      *ImportUpload `json:"upload,omitempty"`
	Report      *ImportReport `json:"report,omitempty"`
	CreatedAt   time.Time     `json:"created_at"`
	UploadedAt  *time.Time    `json:"uploaded_at,omitempty"`
	StartedAt   *time.Time    `json:"started_at,omitempty"`
	FinishedAt  *time.Time    `json:"finished_at,omitempty"`
	Invocations int           `json:"invocations"`
}

// ImportPage is one page of GET /v1/imports.
type ImportPage struct {
	Items      []Import `json:"items"`
	NextCursor string   `json:"next_cursor,omitempty"`
	HasMore    bool     `json:"has_more"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

func toImport(i imports.Import) Import {
	return Import{ID: i.ID, Kind: i.Kind, Format: i.Format, SizeBytes: i.SizeBytes, Status: i.Status,
		Counts: ImportCounts(i.Counts), Error: i.Error, CreatedAt: i.CreatedAt.UTC(), UploadedAt: timePtr(i.UploadedAt),
		StartedAt: timePtr(i.StartedAt), FinishedAt: timePtr(i.FinishedAt), Invocations: i.Invocations}
}

func (h *App) createImport(c *gin.Context) {
	ic, ok := h.importsClient(c)
	if !ok {
		return
	}
	var in ImportInput
	if err := jsonbody.Decode(c.Request, &in); err != nil {
		problem.Abort(c, jsonbody.Problem(err))
		return
	}
	imp, up, err := ic.Create(c.Request.Context(), partnerOf(c).ID, imports.Declaration{Kind: in.Kind, Format: in.Format, SizeBytes: in.SizeBytes})
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := toImport(imp)
	out.Upload = &ImportUpload{URL: up.URL, Method: up.Method, Headers: up.Headers, ExpiresAt: up.ExpiresAt.UTC()}
	c.Header("Location", "/v1/imports/"+imp.ID)
	c.JSON(http.StatusCreated, out)
}

func (h *App) getImport(c *gin.Context) {
	ic, ok := h.importsClient(c)
	if !ok {
		return
	}
	imp, err := ic.Get(c.Request.Context(), partnerOf(c).ID, c.Param("id"))
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := toImport(imp)
	if link, exp, err := ic.ReportLink(c.Request.Context(), imp); err != nil {
		problem.Abort(c, fmt.Errorf("report link: %w: %w", domain.ErrUnavailable, err))
		return
	} else if link != "" {
		out.Report = &ImportReport{URL: link, ExpiresAt: exp.UTC()}
	}
	c.JSON(http.StatusOK, out)
}

func (h *App) listImports(c *gin.Context) {
	ic, ok := h.importsClient(c)
	if !ok {
		return
	}
	v := &domain.ValidationError{}
	limit := parseLimit(v, c, MaxImportsPage)
	if err := v.Err(); err != nil {
		problem.Abort(c, err)
		return
	}
	if limit == 0 {
		limit = 20
	}
	list, more, err := ic.List(c.Request.Context(), partnerOf(c).ID, c.Query("cursor"), limit)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	out := ImportPage{Items: make([]Import, 0, len(list)), HasMore: more}
	for _, imp := range list {
		out.Items = append(out.Items, toImport(imp))
	}
	if more && len(list) > 0 {
		out.NextCursor = list[len(list)-1].ID
	}
	c.JSON(http.StatusOK, out)
}
