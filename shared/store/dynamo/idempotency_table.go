package dynamo

import (
	"context"
	"errors"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// TableIdempotency is the logical name of the Idempotency-Key records table
// (shared/idempotency, used by bff-mobile and bff-partner; env BFF_TABLE_IDEMPOTENCY).
const TableIdempotency = "idempotency"

// IdempotencyTable declares the idempotency table: one item per scoped key, hash key "pk",
// TTL on "expires_at" (epoch seconds). It belongs in Schema() next to the domain tables so
// Terraform is checked against it.
func IdempotencyTable() Table {
	return Table{
		Logical:      TableIdempotency,
		Hash:         Key{Name: "pk", Type: "S"},
		TTLAttribute: "expires_at",
		Purpose:      "Idempotency-Key records (shared/idempotency), expired by TTL after 24 h",
	}
}

// CreateIdempotencyTable creates the idempotency table under name (on-demand billing), waits
// until it is active and enables TTL on expires_at. An existing table is fine.
func CreateIdempotencyTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return CreateTable(ctx, db, name, IdempotencyTable())
}

// isTTLAlreadyEnabled recognises the ValidationException of enabling TTL twice.
func isTTLAlreadyEnabled(err error) bool {
	var apiErr interface{ ErrorMessage() string }
	return errors.As(err, &apiErr) && strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "already enabled")
}
