// Package domain holds what every domain client shares: the typed errors that the
// HTTP layer maps to problem responses in one place, and field-level validation details.
// It imports nothing of the project, so every other package may import it.
package domain

import (
	"errors"
	"strings"
)

// Sentinel errors. Domain clients wrap them with context
// (fmt.Errorf("get product %s: %w", id, domain.ErrNotFound)); callers test with errors.Is.
var (
	// ErrNotFound: the entity does not exist, or the caller may not know that it exists.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a concurrent change or a uniqueness rule won; the request may be retried.
	ErrConflict = errors.New("conflict")
	// ErrInsufficientStock: an order line asks for more units than are available.
	ErrInsufficientStock = errors.New("insufficient stock")
	// ErrInvalidTransition: an order status change the lifecycle does not allow.
	ErrInvalidTransition = errors.New("invalid status transition")
	// ErrInvalidCursor: a pagination cursor that is malformed, tampered with or issued for another query.
	ErrInvalidCursor = errors.New("invalid cursor")
	// ErrUnavailable: a downstream dependency failed or timed out (including injected faults).
	ErrUnavailable = errors.New("dependency unavailable")
)

// FieldError names one invalid input field. Field uses the client-facing JSON path
// ("lines[0].quantity"); Code is stable and machine-readable ("required", "out_of_range").
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError is returned when input fails validation. It lists every invalid field,
// not only the first.
type ValidationError struct {
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "validation failed: " + strings.Join(parts, "; ")
}

// Add records one invalid field.
func (e *ValidationError) Add(field, code, message string) {
	e.Fields = append(e.Fields, FieldError{Field: field, Code: code, Message: message})
}

// Err returns e when it holds at least one field error, else nil, so validators can end with
// `return v.Err()`.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// AsValidation reports whether err is (or wraps) a *ValidationError.
func AsValidation(err error) (*ValidationError, bool) {
	var v *ValidationError
	ok := errors.As(err, &v)
	return v, ok
}
