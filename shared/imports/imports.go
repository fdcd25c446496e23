// Package imports is the domain client of partner bulk imports: a partner declares an import
// (kind, format, size), uploads the file straight to blob storage through a presigned PUT whose
// signature fixes the size and content type, and a worker (Processor) streams the object,
// validates every row, applies valid rows in batches through the catalog client the BFFs use,
// checkpoints its offset and counts after each batch and continues in a new message before its
// deadline, so one file may span many Lambda invocations.
//
// Pieces: Import (the record), Store (DynamoDB: NewDynamoDB, table TableSchema; in memory:
// NewMemory), Blob (S3: NewS3; a local directory with the same signed-URL semantics: NewDir and
// its upload Handler), Client (what bff-partner calls), Processor (the worker) and LocalQueue
// (make run: the worker in process). Layout of the bucket:
//
//	uploads/<partner>/<import id>                     the partner's file (presigned PUT)
//	reports/<partner>/<import id>/parts/<offset>.csv  rejections of one batch (idempotent per offset)
//	reports/<partner>/<import id>.csv                 the rejection report: row,column,reason
//
// Errors wrap shared/domain sentinels (ErrNotFound, ErrConflict, ErrUnavailable,
// *ValidationError).
package imports

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"time"

	"bffsuite.dev/shared/domain"
)

// Kinds of import.
const (
	KindInventory = "inventory" // sku,quantity: absolute stock levels
	KindCatalog   = "catalog"   // sku,name,description,price,currency: the fields partners own
)

// Formats of the uploaded file.
const (
	FormatCSV    = "csv"    // a header line, then one row per line (no multi-line fields)
	FormatNDJSON = "ndjson" // one JSON object per line
)

// Statuses of an import.
const (
	StatusAwaitingUpload = "awaiting_upload"
	StatusQueued         = "queued"
	StatusProcessing     = "processing"
	StatusCompleted      = "completed"
	StatusFailed         = "failed"
)

// Limits.
const (
	// MaxSizeBytes is the largest declared upload (a single presigned PUT may be 5 GB; we keep
	// imports well below so one file stays a few hundred invocations at most).
	MaxSizeBytes = 512 << 20
	// MaxLineBytes is the longest row; a longer line is rejected and skipped.
	MaxLineBytes = 64 << 10
)

// Counts are the rows of an import so far.
type Counts struct {
	Read     int64 `json:"read"`
	Applied  int64 `json:"applied"`
	Rejected int64 `json:"rejected"`
}

// Import is one bulk import of one partner.
type Import struct {
	ID        string
	PartnerID string
	Kind      string
	Format    string
	SizeBytes int64 // declared; the presigned PUT enforces it
	Status    string
	Counts    Counts
	// Offset is the checkpoint: every row before this byte offset is applied (or rejected).
	Offset int64
	// Line is the number of lines before Offset (row numbers in the report are 1-based lines).
	Line int64
	// ETag of the uploaded object; ranged reads are conditional on it.
	ETag string
	// ReportKey is the rejection report's key once the import ended with rejections.
	ReportKey string
	// Error says why a failed import failed.
	Error string
	// Invocations counts the worker runs that advanced this import.
	Invocations int
	CreatedAt   time.Time
	UploadedAt  time.Time
	StartedAt   time.Time
	FinishedAt  time.Time
	UpdatedAt   time.Time
	// LeaseOwner and LeaseUntil: the worker run processing the import; another run waits
	// until the lease ends (a crashed run's lease ends at its deadline).
	LeaseOwner string
	LeaseUntil time.Time
	// Version increases with every write (optimistic concurrency: Store.Update).
	Version int64
}

// Seq is the import's sequence for the stale guard on stock: an import created later wins.
func (i Import) Seq() int64 { return i.CreatedAt.UnixNano() }

// Terminal reports whether the import has ended.
func (i Import) Terminal() bool { return i.Status == StatusCompleted || i.Status == StatusFailed }

// UploadKey is the object key of the import's file.
func UploadKey(partnerID, id string) string { return "uploads/" + partnerID + "/" + id }

// ReportKey is the object key of the import's rejection report.
func ReportKey(partnerID, id string) string { return "reports/" + partnerID + "/" + id + ".csv" }

func reportPartPrefix(partnerID, id string) string {
	return "reports/" + partnerID + "/" + id + "/parts/"
}

func reportPartKey(partnerID, id string, offset int64) string {
	return fmt.Sprintf("%s%016d.csv", reportPartPrefix(partnerID, id), offset)
}

// ParseUploadKey returns the partner and import id of an upload key.
func ParseUploadKey(key string) (partnerID, id string, ok bool) {
	rest, found := strings.CutPrefix(key, "uploads/")
	if !found {
		return "", "", false
	}
	partnerID, id, found = strings.Cut(rest, "/")
	if !found || !partnerPattern.MatchString(partnerID) || !ValidID(id) {
		return "", "", false
	}
	return partnerID, id, true
}

var (
	idPattern      = regexp.MustCompile(`^imp_[0-9a-f]{16}[0-9a-f]{8}$`)
	partnerPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
)

// ValidID reports whether id has the shape of an import id.
func ValidID(id string) bool { return idPattern.MatchString(id) }

// NewID returns a new import id: "imp_", the creation time (hex nanoseconds, so ids sort by
// age) and 8 random hex digits.
func NewID(at time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("imp_%016x%s", uint64(at.UnixNano()), hex.EncodeToString(b[:]))
}

// ContentType is the content type an upload of format must declare (it is signed).
func ContentType(format string) string {
	if format == FormatNDJSON {
		return "application/x-ndjson"
	}
	return "text/csv"
}

// Declaration is what a partner declares to start an import.
type Declaration struct {
	Kind      string
	Format    string
	SizeBytes int64
}

// Validate checks a declaration.
func (d Declaration) Validate() error {
	v := &domain.ValidationError{}
	if d.Kind != KindInventory && d.Kind != KindCatalog {
		v.Add("kind", "invalid", "must be inventory or catalog")
	}
	if d.Format != FormatCSV && d.Format != FormatNDJSON {
		v.Add("format", "invalid", "must be csv or ndjson")
	}
	if d.SizeBytes <= 0 || d.SizeBytes > MaxSizeBytes {
		v.Add("size_bytes", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxSizeBytes))
	}
	return v.Err()
}
