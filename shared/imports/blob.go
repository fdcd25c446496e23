package imports

import (
	"context"
	"io"
	"time"
)

// Upload is a presigned upload the partner sends the file with.
type Upload struct {
	URL    string
	Method string
	// Headers must be sent exactly (Content-Type and Content-Length are signed).
	Headers   map[string]string
	ExpiresAt time.Time
}

// Object is what Stat tells of a stored object.
type Object struct {
	Size int64
	ETag string
}

// Blob is the object storage of imports: S3 (NewS3) or a local directory (NewDir).
type Blob interface {
	// PresignPut returns a PUT whose signature covers key, the exact size and the content
	// type, valid for ttl.
	PresignPut(ctx context.Context, key string, size int64, contentType string, ttl time.Duration) (Upload, error)
	// PresignGet returns a GET link to key valid for ttl.
	PresignGet(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error)
	// Stat returns the object's size and ETag (domain.ErrNotFound when missing).
	Stat(ctx context.Context, key string) (Object, error)
	// OpenFrom streams the object from offset to its end, failing when its ETag is no longer
	// etag (the object was replaced).
	OpenFrom(ctx context.Context, key string, offset int64, etag string) (io.ReadCloser, error)
	// Put stores size bytes of body under key.
	Put(ctx context.Context, key string, body io.ReadSeeker, size int64, contentType string) error
	// List returns the keys under prefix in lexicographic order.
	List(ctx context.Context, prefix string) ([]string, error)
	// Delete removes keys (missing keys are fine).
	Delete(ctx context.Context, keys ...string) error
}
