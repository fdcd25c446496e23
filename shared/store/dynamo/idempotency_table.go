package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
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
	t := IdempotencyTable()
	_, err := db.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String(name),
		BillingMode:          types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String(t.Hash.Name), AttributeType: types.ScalarAttributeType(t.Hash.Type)}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String(t.Hash.Name), KeyType: types.KeyTypeHash}},
	})
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 2*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)}})
	if err != nil && !isTTLAlreadyEnabled(err) {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// isTTLAlreadyEnabled recognises the ValidationException of enabling TTL twice.
func isTTLAlreadyEnabled(err error) bool {
	var apiErr interface{ ErrorMessage() string }
	return errors.As(err, &apiErr) && strings.Contains(strings.ToLower(apiErr.ErrorMessage()), "already enabled")
}
