package idempotency

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// DynamoDB is the Store of AWS deployments: one item per scoped key in a table with hash key
// "pk" (S) and TTL on "expires_at" (epoch seconds). Every write is conditional, so the key is
// claimed atomically across Lambda instances. DynamoDB deletes expired items lazily (up to a
// few days late); expired items are treated as absent meanwhile.
//
// The IAM actions it needs on the table: dynamodb:PutItem, dynamodb:GetItem, dynamodb:DeleteItem.
type DynamoDB struct {
	db    *dynamodb.Client
	table string
}

// NewDynamoDB returns a store over table; db is built once per process.
func NewDynamoDB(db *dynamodb.Client, table string) *DynamoDB {
	return &DynamoDB{db: db, table: table}
}

// Item attribute names.
const (
	attrPK          = "pk"
	attrFingerprint = "fingerprint"
	attrToken       = "token"
	attrState       = "state"
	attrStatus      = "status"
	attrHeader      = "header"
	attrBody        = "body"
	attrLockedUntil = "locked_until" // epoch milliseconds
	attrExpiresAt   = "expires_at"   // epoch seconds (the table's TTL attribute)
)

// MaxItemBody is the largest response body DynamoDB stores (an item holds at most 400 KB).
// Complete fails for larger bodies; the middleware then releases the key.
const MaxItemBody = 350 << 10

func (d *DynamoDB) item(key string, r Record) (map[string]types.AttributeValue, error) {
	it := map[string]types.AttributeValue{
		attrPK:          &types.AttributeValueMemberS{Value: key},
		attrFingerprint: &types.AttributeValueMemberS{Value: r.Fingerprint},
		attrToken:       &types.AttributeValueMemberS{Value: r.Token},
		attrState:       &types.AttributeValueMemberS{Value: string(r.State)},
		attrLockedUntil: &types.AttributeValueMemberN{Value: strconv.FormatInt(r.LockedUntil.UnixMilli(), 10)},
		attrExpiresAt:   &types.AttributeValueMemberN{Value: strconv.FormatInt(r.ExpiresAt.Unix(), 10)},
	}
	if r.State == StateCompleted {
		if len(r.Body) > MaxItemBody {
			return nil, fmt.Errorf("response body of %d bytes exceeds %d", len(r.Body), MaxItemBody)
		}
		h, err := json.Marshal(r.Header)
		if err != nil {
			return nil, fmt.Errorf("encode headers: %w", err)
		}
		it[attrStatus] = &types.AttributeValueMemberN{Value: strconv.Itoa(r.Status)}
		it[attrHeader] = &types.AttributeValueMemberS{Value: string(h)}
		if len(r.Body) > 0 {
			it[attrBody] = &types.AttributeValueMemberB{Value: r.Body}
		}
	}
	return it, nil
}

func fromItem(it map[string]types.AttributeValue) (*Record, error) {
	r := &Record{}
	str := func(name string) string {
		if v, ok := it[name].(*types.AttributeValueMemberS); ok {
			return v.Value
		}
		return ""
	}
	num := func(name string) (int64, error) {
		v, ok := it[name].(*types.AttributeValueMemberN)
		if !ok {
			return 0, nil
		}
		return strconv.ParseInt(v.Value, 10, 64)
	}
	r.Fingerprint, r.Token, r.State = str(attrFingerprint), str(attrToken), State(str(attrState))
	locked, err := num(attrLockedUntil)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", attrLockedUntil, err)
	}
	exp, err := num(attrExpiresAt)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", attrExpiresAt, err)
	}
	status, err := num(attrStatus)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", attrStatus, err)
	}
	r.LockedUntil, r.ExpiresAt, r.Status = time.UnixMilli(locked), time.Unix(exp, 0), int(status)
	if h := str(attrHeader); h != "" {
		if err := json.Unmarshal([]byte(h), &r.Header); err != nil {
			return nil, fmt.Errorf("decode %s: %w", attrHeader, err)
		}
	}
	if b, ok := it[attrBody].(*types.AttributeValueMemberB); ok {
		r.Body = b.Value
	}
	if r.Header == nil {
		r.Header = http.Header{}
	}
	return r, nil
}

// Acquire implements Store with one conditional PutItem: it succeeds when no item exists, the
// item expired, or its in-progress lease ended.
func (d *DynamoDB) Acquire(ctx context.Context, key string, rec Record, now time.Time) (*Record, error) {
	it, err := d.item(key, rec)
	if err != nil {
		return nil, fmt.Errorf("acquire idempotency key: %w", err)
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(d.table),
		Item:                it,
		ConditionExpression: aws.String("attribute_not_exists(#pk) OR #exp <= :now_s OR (#st = :inprog AND #lock <= :now_ms)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": attrPK, "#exp": attrExpiresAt, "#st": attrState, "#lock": attrLockedUntil,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":now_s":  &types.AttributeValueMemberN{Value: strconv.FormatInt(now.Unix(), 10)},
			":now_ms": &types.AttributeValueMemberN{Value: strconv.FormatInt(now.UnixMilli(), 10)},
			":inprog": &types.AttributeValueMemberS{Value: string(StateInProgress)},
		},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return nil, nil
	case !errors.As(err, &ccf):
		return nil, fmt.Errorf("acquire idempotency key: %w", err)
	}
	old := ccf.Item
	if len(old) == 0 { // older emulators do not return the item: read it
		out, gerr := d.db.GetItem(ctx, &dynamodb.GetItemInput{
			TableName: aws.String(d.table), ConsistentRead: aws.Bool(true),
			Key: map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: key}},
		})
		if gerr != nil {
			return nil, fmt.Errorf("acquire idempotency key: read existing: %w", gerr)
		}
		if len(out.Item) == 0 { // deleted in between (released): let the caller retry as a conflict
			return &Record{Fingerprint: rec.Fingerprint, State: StateInProgress, LockedUntil: now, ExpiresAt: now.Add(time.Second)}, nil
		}
		old = out.Item
	}
	r, err := fromItem(old)
	if err != nil {
		return nil, fmt.Errorf("acquire idempotency key: %w", err)
	}
	return r, nil
}

func (d *DynamoDB) heldBy(token string) (*string, map[string]string, map[string]types.AttributeValue) {
	return aws.String("#tok = :tok AND #st = :inprog"),
		map[string]string{"#tok": attrToken, "#st": attrState},
		map[string]types.AttributeValue{
			":tok":    &types.AttributeValueMemberS{Value: token},
			":inprog": &types.AttributeValueMemberS{Value: string(StateInProgress)},
		}
}

// Complete implements Store with a PutItem conditional on the attempt's token.
func (d *DynamoDB) Complete(ctx context.Context, key string, rec Record) error {
	it, err := d.item(key, rec)
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	cond, names, values := d.heldBy(rec.Token)
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(d.table), Item: it,
		ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("complete idempotency key: %w", ErrLost)
	}
	if err != nil {
		return fmt.Errorf("complete idempotency key: %w", err)
	}
	return nil
}

// Release implements Store with a DeleteItem conditional on the attempt's token.
func (d *DynamoDB) Release(ctx context.Context, key, token string) error {
	cond, names, values := d.heldBy(token)
	_, err := d.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(d.table),
		Key:                 map[string]types.AttributeValue{attrPK: &types.AttributeValueMemberS{Value: key}},
		ConditionExpression: cond, ExpressionAttributeNames: names, ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("release idempotency key: %w", ErrLost)
	}
	if err != nil {
		return fmt.Errorf("release idempotency key: %w", err)
	}
	return nil
}
