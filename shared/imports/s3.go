package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"bffsuite.dev/shared/domain"
)

// ErrReplaced: the uploaded object changed while the import was processing it.
var ErrReplaced = errors.New("import object replaced")

// S3 is the Blob on an S3 bucket.
type S3 struct {
	client  *s3.Client
	presign *s3.PresignClient
	bucket  string
}

// NewS3Client returns an S3 client from cfg; endpoint (moto, tests) switches to path-style
// addressing. Checksums are computed only when an operation requires them, so presigned URLs
// carry no checksum of an empty body.
func NewS3Client(cfg aws.Config, endpoint string) *s3.Client {
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
		}
	})
}

// NewS3 returns the Blob on bucket.
func NewS3(client *s3.Client, bucket string) *S3 {
	return &S3{client: client, presign: s3.NewPresignClient(client), bucket: bucket}
}

// PresignPut implements Blob: Content-Length and Content-Type are signed headers, so S3
// refuses a body of another size or type (SignatureDoesNotMatch) and an expired URL.
func (b *S3) PresignPut(ctx context.Context, key string, size int64, ctype string, ttl time.Duration) (Upload, error) {
	req, err := b.presign.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
		ContentLength: aws.Int64(size), ContentType: aws.String(ctype)}, s3.WithPresignExpires(ttl))
	if err != nil {
		return Upload{}, fmt.Errorf("presign put %s: %w", key, err)
	}
	h := map[string]string{"Content-Type": ctype, "Content-Length": strconv.FormatInt(size, 10)}
	for k, v := range req.SignedHeader {
		if k != "Host" && len(v) > 0 {
			h[http.CanonicalHeaderKey(k)] = v[0]
		}
	}
	return Upload{URL: req.URL, Method: req.Method, Headers: h, ExpiresAt: time.Now().Add(ttl).Truncate(time.Second)}, nil
}

// PresignGet implements Blob.
func (b *S3) PresignGet(ctx context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	req, err := b.presign.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", time.Time{}, fmt.Errorf("presign get %s: %w", key, err)
	}
	return req.URL, time.Now().Add(ttl).Truncate(time.Second), nil
}

func s3Err(ctx context.Context, op, key string, err error) error {
	var nsk *s3types.NoSuchKey
	var nf *s3types.NotFound
	var api smithy.APIError
	switch {
	case errors.As(err, &nsk), errors.As(err, &nf):
		return fmt.Errorf("s3 %s %s: %w", op, key, domain.ErrNotFound)
	case errors.As(err, &api) && api.ErrorCode() == "PreconditionFailed":
		return fmt.Errorf("s3 %s %s: %w", op, key, ErrReplaced)
	}
	return unavailable(ctx, "s3 "+op+" "+key, err)
}

// Stat implements Blob.
func (b *S3) Stat(ctx context.Context, key string) (Object, error) {
	out, err := b.client.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key)})
	if err != nil {
		return Object{}, s3Err(ctx, "head", key, err)
	}
	return Object{Size: aws.ToInt64(out.ContentLength), ETag: aws.ToString(out.ETag)}, nil
}

// OpenFrom implements Blob: one ranged GET from offset, conditional on the ETag, streamed.
func (b *S3) OpenFrom(ctx context.Context, key string, offset int64, etag string) (io.ReadCloser, error) {
	in := &s3.GetObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key), Range: aws.String(fmt.Sprintf("bytes=%d-", offset))}
	if etag != "" {
		in.IfMatch = aws.String(etag)
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		return nil, s3Err(ctx, "get", key, err)
	}
	return out.Body, nil
}

// Put implements Blob.
func (b *S3) Put(ctx context.Context, key string, body io.ReadSeeker, size int64, ctype string) error {
	_, err := b.client.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(key),
		Body: body, ContentLength: aws.Int64(size), ContentType: aws.String(ctype)})
	if err != nil {
		return s3Err(ctx, "put", key, err)
	}
	return nil
}

// List implements Blob.
func (b *S3) List(ctx context.Context, prefix string) ([]string, error) {
	var out []string
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: aws.String(b.bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, s3Err(ctx, "list", prefix, err)
		}
		for _, o := range page.Contents {
			out = append(out, aws.ToString(o.Key))
		}
	}
	return out, nil
}

// Delete implements Blob.
func (b *S3) Delete(ctx context.Context, keys ...string) error {
	for _, k := range keys {
		if _, err := b.client.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b.bucket), Key: aws.String(k)}); err != nil {
			return s3Err(ctx, "delete", k, err)
		}
	}
	return nil
}
