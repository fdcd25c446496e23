package idempotency

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/problem"
	"github.com/gin-gonic/gin"
)

// Header names.
const (
	HeaderKey      = "Idempotency-Key"
	HeaderReplayed = "Idempotent-Replayed"
)

// MaxKeyLength bounds the accepted key length.
const MaxKeyLength = 255

// Defaults of Options.
const (
	DefaultTTL   = 24 * time.Hour
	DefaultLease = 35 * time.Second // longer than any request may run (API Gateway gives up at 29 s)
)

// Problem codes of this package.
const (
	CodeKeyMissing    = "idempotency_key_missing"
	CodeKeyInvalid    = "idempotency_key_invalid"
	CodeKeyReused     = "idempotency_key_reused"
	CodeKeyInProgress = "idempotency_key_in_progress"
)

// Options configure Middleware.
type Options struct {
	// Required: a request without the header is 400. Otherwise it runs without idempotency.
	Required bool
	// Scope names the tenant the key belongs to ("partner:acme", "user:<sub>"); keys of
	// different scopes never meet. Required; an empty result is a 500 (a wiring mistake).
	Scope func(c *gin.Context) string
	// TTL keeps records (default 24 h).
	TTL time.Duration
	// Lease bounds how long an in-progress record blocks retries when its request never
	// completes (crash); default 35 s.
	Lease time.Duration
	// ReplayHeaders are the response headers stored and replayed besides Content-Type and
	// Location (default none).
	ReplayHeaders []string
	// Logger for store failures after the response was sent; nil: slog.Default().
	Logger *slog.Logger
	// Now is the clock (tests); nil: time.Now.
	Now func() time.Time
}

type ctxKey struct{}

type keyInfo struct{ scope, key string }

// KeyFrom returns the scope and Idempotency-Key of a request the middleware admitted.
func KeyFrom(ctx context.Context) (scope, key string, ok bool) {
	if gc, isGin := ctx.(*gin.Context); isGin {
		ctx = gc.Request.Context()
	}
	ki, ok := ctx.Value(ctxKey{}).(keyInfo)
	return ki.scope, ki.key, ok
}

// DeriveID returns a deterministic id for the entity a keyed request creates:
// prefix + 26 lower-case base32 characters of SHA-256(namespace, scope, key). The same
// scope and key always give the same id, so a retry after a crash finds the entity the first
// attempt created instead of creating a second one.
func DeriveID(prefix, namespace, scope, key string) string {
	sum := sha256.Sum256([]byte(namespace + "\x00" + scope + "\x00" + key))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:])
	return prefix + strings.ToLower(enc[:26])
}

// ParseKey reads an Idempotency-Key value: a structured-field string ("..." as the draft
// specifies) or, leniently, a bare token. The key is 1-255 printable ASCII characters.
func ParseKey(v string) (string, error) {
	v = strings.TrimSpace(v)
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		inner := v[1 : len(v)-1]
		var b strings.Builder
		for i := 0; i < len(inner); i++ {
			ch := inner[i]
			switch ch {
			case '\\':
				if i+1 >= len(inner) || (inner[i+1] != '"' && inner[i+1] != '\\') {
					return "", errors.New("invalid escape in quoted key")
				}
				i++
				b.WriteByte(inner[i])
			case '"':
				return "", errors.New("unescaped quote in quoted key")
			default:
				b.WriteByte(ch)
			}
		}
		v = b.String()
	}
	if v == "" {
		return "", errors.New("empty key")
	}
	if len(v) > MaxKeyLength {
		return "", fmt.Errorf("key longer than %d characters", MaxKeyLength)
	}
	for i := 0; i < len(v); i++ {
		if v[i] < 0x20 || v[i] > 0x7e {
			return "", errors.New("key has characters outside printable ASCII")
		}
	}
	return v, nil
}

// Fingerprint identifies a request for key reuse checks: SHA-256 of method, path and the body
// (JSON bodies compacted, so whitespace does not matter).
func Fingerprint(method, path string, body []byte) string {
	var compact bytes.Buffer
	if json.Valid(body) && json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	h := sha256.New()
	h.Write([]byte(method + " " + path + "\n"))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// storageKey hashes scope and key into the store's key, so stored keys have a bounded
// length and reveal neither.
func storageKey(scope, key string) string {
	sum := sha256.Sum256([]byte(scope + "\x00" + key))
	return "k1:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// stored reports whether a response with status is kept for replay. Server errors and the
// statuses that mean "try again" (408, 409, 425, 429) release the key instead, so a retry runs
// the request again.
func stored(status int) bool {
	switch {
	case status >= 500:
		return false
	case status == http.StatusRequestTimeout, status == http.StatusConflict, status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return false
	}
	return true
}

func badKey(code, detail string) *problem.Error {
	e := problem.New(http.StatusBadRequest, code, detail)
	e.Fields = []domain.FieldError{{Field: HeaderKey, Code: map[string]string{CodeKeyMissing: "required", CodeKeyInvalid: "invalid"}[code], Message: detail}}
	return e
}

// Middleware makes the route idempotent per Idempotency-Key: see the package documentation.
// Mount it after authentication (Scope reads the principal) and rate limiting.
//
// Each request goes through named steps: admit (parse and validate the key, the scope and the
// body), claim (take the key in the store, or find who holds it), answerExisting (reused key,
// still in progress, or replay of the stored response), run (the handler, recording its
// response) and keep (store the response for replay, or release the key).
func Middleware(store Store, o Options) gin.HandlerFunc {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	g := &guard{store: store, o: o, replay: append([]string{"Content-Type", "Location"}, o.ReplayHeaders...)}
	return g.handle
}

// guard is the state of one Middleware: its store and options.
type guard struct {
	store  Store
	o      Options
	replay []string // response headers kept for replay
}

// keyed is a request the guard admitted: its key, where it is stored and the record that
// claims it.
type keyed struct {
	ctx        context.Context // the request's context before the key was added
	scope, key string
	sk         string // storage key
	rec        Record // the in-progress claim
	now        time.Time
}

func (g *guard) handle(c *gin.Context) {
	req, err := g.admit(c)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if req == nil { // no key on a route where it is optional
		c.Next()
		return
	}
	old, err := g.claim(req)
	if err != nil {
		problem.Abort(c, err)
		return
	}
	if old != nil {
		answerExisting(c, req, old)
		return
	}
	rw := g.run(c, req)
	g.keep(req, rw)
}

// headerKey returns the request's Idempotency-Key; "" without error when there is none
// and none is required.
func headerKey(h http.Header, required bool) (string, error) {
	vals := h.Values(HeaderKey)
	switch {
	case len(vals) == 0 && !required:
		return "", nil
	case len(vals) == 0:
		return "", badKey(CodeKeyMissing, "This request needs an Idempotency-Key header (a unique string per operation, e.g. a UUID).")
	case len(vals) > 1:
		return "", badKey(CodeKeyInvalid, "Send exactly one Idempotency-Key header.")
	}
	key, err := ParseKey(vals[0])
	if err != nil {
		return "", badKey(CodeKeyInvalid, "The Idempotency-Key must be 1-255 printable ASCII characters.")
	}
	return key, nil
}

// admit validates the key and the scope and reads the body (put back for the handler) into
// the request's fingerprint. Nil without error: no key, and none required.
func (g *guard) admit(c *gin.Context) (*keyed, error) {
	key, err := headerKey(c.Request.Header, g.o.Required)
	if err != nil || key == "" {
		return nil, err
	}
	scope := ""
	if g.o.Scope != nil {
		scope = g.o.Scope(c)
	}
	if scope == "" {
		return nil, problem.Wrap(errors.New("idempotency: empty scope"), http.StatusInternalServerError, problem.CodeInternal, "An unexpected error occurred.")
	}
	body, err := io.ReadAll(c.Request.Body)
	if err != nil {
		return nil, err // 413 when over the body limit
	}
	c.Request.Body = io.NopCloser(bytes.NewReader(body))
	now := g.o.Now()
	return &keyed{
		ctx: c.Request.Context(), scope: scope, key: key, sk: storageKey(scope, key), now: now,
		rec: Record{
			Fingerprint: Fingerprint(c.Request.Method, c.Request.URL.Path, body),
			Token:       rand.Text(), State: StateInProgress,
			LockedUntil: now.Add(g.o.Lease), ExpiresAt: now.Add(g.o.TTL),
		},
	}, nil
}

// claim takes the key for this request; when another request holds or held it, it returns
// that record instead.
func (g *guard) claim(req *keyed) (*Record, error) {
	old, err := g.store.Acquire(req.ctx, req.sk, req.rec, req.now)
	if err != nil {
		return nil, fmt.Errorf("idempotency store: %w: %w", domain.ErrUnavailable, err)
	}
	return old, nil
}

// answerExisting answers a request whose key is taken: 422 for another request under the
// key, 409 while the first one runs, else the stored response again.
func answerExisting(c *gin.Context, req *keyed, old *Record) {
	switch {
	case old.Fingerprint != req.rec.Fingerprint:
		problem.Abort(c, problem.New(http.StatusUnprocessableEntity, CodeKeyReused,
			"This Idempotency-Key was already used with a different request; use a new key for a new operation."))
	case old.State != StateCompleted:
		problem.Abort(c, problem.New(http.StatusConflict, CodeKeyInProgress,
			"A request with this Idempotency-Key is still being processed; retry later.").WithHeader("Retry-After", "1"))
	default:
		replayResponse(c, old)
	}
}

// replayResponse writes a stored response with Idempotent-Replayed: true.
func replayResponse(c *gin.Context, old *Record) {
	h := c.Writer.Header()
	for k, vs := range old.Header {
		h[k] = append([]string(nil), vs...)
	}
	h.Set(HeaderReplayed, "true")
	c.Writer.WriteHeader(old.Status)
	_, _ = c.Writer.Write(old.Body)
	c.Abort()
}

// run runs the rest of the chain with the key in the context, recording the response. An
// error the handler left unwritten is written here, so that it is recorded too.
func (g *guard) run(c *gin.Context, req *keyed) *recorder {
	c.Request = c.Request.WithContext(context.WithValue(req.ctx, ctxKey{}, keyInfo{scope: req.scope, key: req.key}))
	rw := &recorder{ResponseWriter: c.Writer}
	c.Writer = rw
	c.Next()
	if len(c.Errors) > 0 && !rw.Written() {
		// Write the problem here (problem.Middleware then sees it written) so it is recorded.
		problem.Write(c, problem.From(c.Errors.Last().Err))
	}
	c.Writer = rw.ResponseWriter
	return rw
}

// keep stores the response for replay, or releases the key when the response is not to be
// replayed (see stored) or could not be stored. The response is out: this runs even when the
// client went away.
func (g *guard) keep(req *keyed, rw *recorder) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(req.ctx), 3*time.Second)
	defer cancel()
	status := rw.Status()
	if !rw.Written() || !stored(status) {
		if err := g.store.Release(sctx, req.sk, req.rec.Token); err != nil {
			g.o.Logger.LogAttrs(sctx, slog.LevelWarn, "idempotency: release key", slog.String("error", err.Error()))
		}
		return
	}
	done := req.rec
	done.State, done.Status, done.Body, done.Header = StateCompleted, status, rw.body.Bytes(), http.Header{}
	for _, name := range g.replay {
		if vs := rw.Header().Values(name); len(vs) > 0 {
			done.Header[http.CanonicalHeaderKey(name)] = vs
		}
	}
	if err := g.store.Complete(sctx, req.sk, done); err != nil {
		g.o.Logger.LogAttrs(sctx, slog.LevelError, "idempotency: store response", slog.String("error", err.Error()),
			slog.Int("status", status))
		if rerr := g.store.Release(sctx, req.sk, req.rec.Token); rerr != nil && !errors.Is(rerr, ErrLost) {
			g.o.Logger.LogAttrs(sctx, slog.LevelWarn, "idempotency: release key", slog.String("error", rerr.Error()))
		}
	}
}

// recorder copies the response body while it is written.
type recorder struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(b []byte) (int, error) {
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}

func (r *recorder) WriteString(s string) (int, error) {
	r.body.WriteString(s)
	return r.ResponseWriter.WriteString(s)
}
