package revocation

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/store/dynamo"
)

// TableLogical is the logical name of the table (Terraform's key; env BFF_TABLE_SESSION_REVOCATIONS).
const TableLogical = "session_revocations"

// Table layout: hash key "pk" (S, the hashed session id), TTL on "expires_at" (epoch seconds).
const (
	attrKey     = "pk"
	attrExpires = "expires_at"
)

// TableSchema declares the table: the declaration local tables are created from and Terraform
// is checked against (terraform/deploy/tfcheck).
func TableSchema() dynamo.Table {
	return dynamo.Table{
		Logical:      TableLogical,
		Hash:         dynamo.Key{Name: attrKey, Type: "S"},
		TTLAttribute: attrExpires,
		Purpose:      "ended bff-web sessions (shared/revocation), expired by TTL at the session's max expiry",
	}
}

// CreateTable creates the table (on-demand billing, TTL on expires_at) and waits until it is
// active; an existing table is fine. For local runs and tests; Terraform owns it in AWS.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return dynamo.CreateTable(ctx, db, name, TableSchema())
}

// DynamoDB is the Store on a DynamoDB table. Build it once per cold start.
type DynamoDB struct {
	db    *dynamodb.Client
	table string
}

// NewDynamoDB returns the store on table.
func NewDynamoDB(db *dynamodb.Client, table string) *DynamoDB {
	return &DynamoDB{db: db, table: table}
}

var _ Store = (*DynamoDB)(nil)

// unavailable wraps every failure (also an ended context) in domain.ErrUnavailable: the
// caller cannot tell whether the session was revoked and must not accept it.
func unavailable(op string, err error) error {
	return fmt.Errorf("session revocation %s: %w: %w", op, domain.ErrUnavailable, err)
}

// Revoke implements Store: one PutItem (a second revoke overwrites the first).
func (s *DynamoDB) Revoke(ctx context.Context, id string, until time.Time) error {
	if id == "" {
		return ErrEmptyID
	}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: map[string]types.AttributeValue{
			attrKey:     &types.AttributeValueMemberS{Value: key(id)},
			attrExpires: &types.AttributeValueMemberN{Value: strconv.FormatInt(until.Unix()+1, 10)},
		},
	})
	if err != nil {
		return unavailable("write", err)
	}
	return nil
}

// Revoked implements Store: one strongly consistent GetItem, so a logout written through one
// instance is seen by the next request on any other. DynamoDB deletes expired items lazily;
// a record past its expiry is still reported (its session has expired anyway).
func (s *DynamoDB) Revoked(ctx context.Context, id string) (bool, error) {
	if id == "" {
		return false, ErrEmptyID
	}
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:            aws.String(s.table),
		Key:                  map[string]types.AttributeValue{attrKey: &types.AttributeValueMemberS{Value: key(id)}},
		ConsistentRead:       aws.Bool(true),
		ProjectionExpression: aws.String(attrKey),
	})
	if err != nil {
		return false, unavailable("read", err)
	}
	return len(out.Item) > 0, nil
}
