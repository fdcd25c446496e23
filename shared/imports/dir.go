package imports

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"bffsuite.dev/shared/domain"
)

// DirPathPrefix is the path under which Dir's Handler serves signed uploads and downloads.
const DirPathPrefix = "/local-blob/"

// Dir is a Blob in a local directory with S3's signed-URL semantics: a URL is an HMAC-SHA256
// over method, key, exact length, content type and expiry, so a tampered or expired URL, a
// different size or content type is refused, as S3 refuses them. Its Handler serves the URLs.
type Dir struct {
	root    string
	baseURL string
	key     []byte
	now     func() time.Time
	// OnCreated is called after an upload through the Handler stored an object (the local
	// stand-in for the S3 ObjectCreated notification).
	OnCreated func(key string, obj Object)
	log       *slog.Logger
}

// NewDir returns a Dir storing under root, signing URLs on baseURL (the origin serving
// Handler, e.g. http://127.0.0.1:8083) with key (random when empty).
func NewDir(root, baseURL string, key []byte, log *slog.Logger) (*Dir, error) {
	if err := os.MkdirAll(root, 0o700); err != nil {
		return nil, fmt.Errorf("imports blob dir: %w", err)
	}
	if len(key) == 0 {
		key = make([]byte, 32)
		_, _ = rand.Read(key)
	}
	if log == nil {
		log = slog.Default()
	}
	return &Dir{root: root, baseURL: strings.TrimSuffix(baseURL, "/"), key: key, now: time.Now, log: log}, nil
}

func (d *Dir) path(key string) (string, error) {
	if key == "" || strings.Contains(key, "..") || strings.HasPrefix(key, "/") || strings.ContainsAny(key, "\\\x00") {
		return "", fmt.Errorf("blob key %q: %w", key, domain.ErrNotFound)
	}
	return filepath.Join(d.root, filepath.FromSlash(key)), nil
}

func (d *Dir) sign(method, key string, length int64, ctype string, exp int64) string {
	m := hmac.New(sha256.New, d.key)
	fmt.Fprintf(m, "%s\n%s\n%d\n%s\n%d", method, key, length, ctype, exp)
	return hex.EncodeToString(m.Sum(nil))
}

func (d *Dir) signedURL(method, key string, length int64, ctype string, exp time.Time) string {
	q := url.Values{}
	q.Set("X-Method", method)
	q.Set("X-Expires", strconv.FormatInt(exp.Unix(), 10))
	if method == http.MethodPut {
		q.Set("X-Length", strconv.FormatInt(length, 10))
		q.Set("X-Type", ctype)
	}
	q.Set("X-Signature", d.sign(method, key, length, ctype, exp.Unix()))
	return d.baseURL + DirPathPrefix + key + "?" + q.Encode()
}

// PresignPut implements Blob.
func (d *Dir) PresignPut(_ context.Context, key string, size int64, ctype string, ttl time.Duration) (Upload, error) {
	exp := d.now().Add(ttl).Truncate(time.Second)
	return Upload{URL: d.signedURL(http.MethodPut, key, size, ctype, exp), Method: http.MethodPut, ExpiresAt: exp,
		Headers: map[string]string{"Content-Type": ctype, "Content-Length": strconv.FormatInt(size, 10)}}, nil
}

// PresignGet implements Blob.
func (d *Dir) PresignGet(_ context.Context, key string, ttl time.Duration) (string, time.Time, error) {
	exp := d.now().Add(ttl).Truncate(time.Second)
	return d.signedURL(http.MethodGet, key, 0, "", exp), exp, nil
}

// metaPath is where the ETag (MD5 of the content, as S3's for a single PUT) of key is kept.
func (d *Dir) metaPath(key string) string {
	return filepath.Join(d.root, ".meta", filepath.FromSlash(key))
}

func (d *Dir) etag(key string) string {
	b, _ := os.ReadFile(d.metaPath(key))
	return string(b)
}

// Stat implements Blob.
func (d *Dir) Stat(_ context.Context, key string) (Object, error) {
	p, err := d.path(key)
	if err != nil {
		return Object{}, err
	}
	fi, err := os.Stat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Object{}, fmt.Errorf("blob %s: %w", key, domain.ErrNotFound)
	}
	if err != nil {
		return Object{}, err
	}
	return Object{Size: fi.Size(), ETag: d.etag(key)}, nil
}

// OpenFrom implements Blob.
func (d *Dir) OpenFrom(_ context.Context, key string, offset int64, etag string) (io.ReadCloser, error) {
	p, err := d.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("blob %s: %w", key, domain.ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	if got := d.etag(key); etag != "" && got != etag {
		err = fmt.Errorf("blob %s was replaced (etag %s, want %s): %w", key, got, etag, ErrReplaced)
	}
	if err == nil {
		_, err = f.Seek(offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// Put implements Blob (write to a temporary file, then rename: readers never see half).
func (d *Dir) Put(_ context.Context, key string, body io.ReadSeeker, size int64, _ string) error {
	_, err := d.write(key, io.LimitReader(body, size))
	return err
}

func (d *Dir) write(key string, r io.Reader) (int64, error) {
	p, err := d.path(key)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return 0, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".upload-*")
	if err != nil {
		return 0, err
	}
	sum := md5.New()
	n, err := io.Copy(io.MultiWriter(tmp, sum), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.MkdirAll(filepath.Dir(d.metaPath(key)), 0o700)
	}
	if err == nil {
		err = os.WriteFile(d.metaPath(key), []byte(`"`+hex.EncodeToString(sum.Sum(nil))+`"`), 0o600)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return n, err
}

// List implements Blob.
func (d *Dir) List(_ context.Context, prefix string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(d.root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".meta" {
			return filepath.SkipDir
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".upload-") {
			return nil
		}
		rel, _ := filepath.Rel(d.root, p)
		if k := filepath.ToSlash(rel); strings.HasPrefix(k, prefix) {
			out = append(out, k)
		}
		return nil
	})
	slices.Sort(out)
	return out, err
}

// Delete implements Blob.
func (d *Dir) Delete(_ context.Context, keys ...string) error {
	var errs []error
	for _, k := range keys {
		p, err := d.path(k)
		if err == nil {
			err = os.Remove(p)
			_ = os.Remove(d.metaPath(k))
		}
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Refusals of the local upload endpoint, in S3's words.
const (
	refusedSignature = "SignatureDoesNotMatch"
	refusedExpired   = "AccessDenied: Request has expired"
	refusedLength    = "SignatureDoesNotMatch: Content-Length differs from the signed length"
	refusedType      = "SignatureDoesNotMatch: Content-Type differs from the signed type"
)

// Handler serves the signed URLs of d under DirPathPrefix: PUT stores exactly the signed
// number of bytes and then calls OnCreated; GET returns the object. Anything else is 403.
func (d *Dir) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimPrefix(r.URL.Path, DirPathPrefix)
		q := r.URL.Query()
		refuse := func(code int, why string) {
			d.log.Info("local blob: refused", "method", r.Method, "key", key, "reason", why)
			http.Error(w, why, code)
		}
		exp, err := strconv.ParseInt(q.Get("X-Expires"), 10, 64)
		if err != nil || q.Get("X-Method") != r.Method {
			refuse(http.StatusForbidden, refusedSignature)
			return
		}
		var length int64
		ctype := ""
		if r.Method == http.MethodPut {
			if length, err = strconv.ParseInt(q.Get("X-Length"), 10, 64); err != nil {
				refuse(http.StatusForbidden, refusedSignature)
				return
			}
			ctype = q.Get("X-Type")
		}
		want := d.sign(r.Method, key, length, ctype, exp)
		if !hmac.Equal([]byte(want), []byte(q.Get("X-Signature"))) {
			refuse(http.StatusForbidden, refusedSignature)
			return
		}
		if d.now().Unix() > exp {
			refuse(http.StatusForbidden, refusedExpired)
			return
		}
		switch r.Method {
		case http.MethodGet:
			p, err := d.path(key)
			if err != nil {
				refuse(http.StatusNotFound, "NoSuchKey")
				return
			}
			http.ServeFile(w, r, p)
		case http.MethodPut:
			if r.ContentLength != length {
				refuse(http.StatusForbidden, refusedLength)
				return
			}
			if r.Header.Get("Content-Type") != ctype {
				refuse(http.StatusForbidden, refusedType)
				return
			}
			n, err := d.write(key, io.LimitReader(r.Body, length+1))
			if err != nil || n != length {
				if err == nil {
					_ = d.Delete(r.Context(), key)
				}
				refuse(http.StatusBadRequest, "IncompleteBody")
				return
			}
			obj, err := d.Stat(r.Context(), key)
			if err != nil {
				refuse(http.StatusInternalServerError, "InternalError")
				return
			}
			w.Header().Set("ETag", obj.ETag)
			w.WriteHeader(http.StatusOK)
			if d.OnCreated != nil {
				d.OnCreated(key, obj)
			}
		default:
			refuse(http.StatusForbidden, refusedSignature)
		}
	})
}
