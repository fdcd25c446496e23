// Package idempotency implements the Idempotency-Key header of the IETF httpapi draft
// (draft-ietf-httpapi-idempotency-key-header) for the BFFs' unsafe routes (POST orders): a
// request carrying a key runs once per scope (partner or user) and key; a retry with the same
// key and the same body replays the first response (status, body and the Idempotent-Replayed:
// true header); the same key with another body is 422; the same key while the first request
// still runs is 409. Records are kept for a TTL (24 h by default).
//
// Records live in a Store: Memory (in-process, with TTL; local runs and tests) or DynamoDB
// (a table with hash key "pk" and TTL attribute "expires_at", see shared/store/dynamo's
// IdempotencyTable). Mount Middleware on the route, after authentication, with a Scope
// function that names the tenant:
//
//	r.POST("/v1/orders", auth, idempotency.Middleware(store, idempotency.Options{
//		Required: true,
//		Scope:    func(c *gin.Context) string { return "partner:" + partnerID(c) },
//	}), placeOrder)
//
// A handler that creates something should make the creation itself idempotent as well, so a
// crash between "created" and "response stored" cannot create a second one on retry: derive
// the new entity's id from the key with DeriveID (KeyFrom gives the scope and key) and treat
// "already exists" as success by reading the existing entity.
package idempotency

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// State of a record.
type State string

// States.
const (
	// StateInProgress: a request holds the key (until LockedUntil, its lease).
	StateInProgress State = "in_progress"
	// StateCompleted: the response is stored and replayed to retries.
	StateCompleted State = "completed"
)

// Record is what a Store keeps per scoped key.
type Record struct {
	// Fingerprint identifies the request (method, path, body) the key was first used with.
	Fingerprint string
	// Token identifies the attempt holding an in-progress record; Complete and Release only
	// act on the record when it still carries their token.
	Token string
	State State
	// Status, Header and Body of the stored response (StateCompleted).
	Status int
	Header http.Header
	Body   []byte
	// LockedUntil ends the lease of an in-progress record: after it, a retry may take the key
	// over (the first attempt crashed or timed out without releasing it).
	LockedUntil time.Time
	// ExpiresAt ends the record's life (the key may then be reused).
	ExpiresAt time.Time
}

// live reports whether r still blocks a new attempt at now.
func (r *Record) live(now time.Time) bool {
	if !now.Before(r.ExpiresAt) {
		return false
	}
	return r.State == StateCompleted || now.Before(r.LockedUntil)
}

// Store keeps idempotency records. Implementations are safe for concurrent use and atomic per
// key, also across processes (DynamoDB).
type Store interface {
	// Acquire stores rec (StateInProgress) under key unless a live record exists there: a
	// completed record not yet expired, or an in-progress one whose lease has not ended. It
	// returns (nil, nil) when rec was stored, the live record when one exists.
	Acquire(ctx context.Context, key string, rec Record, now time.Time) (*Record, error)
	// Complete replaces the in-progress record of key that carries rec.Token with rec
	// (StateCompleted). ErrLost when the record is gone or held by another token.
	Complete(ctx context.Context, key string, rec Record) error
	// Release deletes the in-progress record of key that carries token, so a retry runs the
	// request again. ErrLost when the record is gone or held by another token.
	Release(ctx context.Context, key, token string) error
}

// ErrLost reports that the record an attempt held was taken over (its lease ran out) or deleted.
var ErrLost = errors.New("idempotency record lost")
