package webhooks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/store/dynamo"
)

// Table layout of the DynamoDB store: one table, hash key "pk" (S), range key "sk" (S), TTL
// on "expires_at". Items keep the record as JSON in "data".
//
//	endpoint  pk "P#<partner>"              sk "EP#<endpoint>"
//	delivery  pk "P#<partner>#EP#<endpoint>" sk "D#<delivery>"      (expires after DeliveryRetention)
//	feed      pk "F#<partner>"              sk "<occurred_at>#<event>" (expires after DeliveryRetention)
//
// Every key starts with the partner id, so a read with another partner's id finds nothing.
const (
	attrPK      = "pk"
	attrSK      = "sk"
	attrData    = "data"
	attrExpires = "expires_at"
	attrCreated = "created_at"
)

// DynamoDB is the Store on a DynamoDB table. Build it once per cold start.
type DynamoDB struct {
	db    *dynamodb.Client
	table string
	now   func() time.Time
}

// NewDynamoDB returns the store on table.
func NewDynamoDB(db *dynamodb.Client, table string) *DynamoDB {
	return &DynamoDB{db: db, table: table, now: time.Now}
}

var _ Store = (*DynamoDB)(nil)

// TableSchema declares the webhooks table: the declaration local tables are created from and
// Terraform is checked against.
func TableSchema() dynamo.Table {
	return dynamo.Table{
		Logical: "webhooks",
		Hash:    dynamo.Key{Name: attrPK, Type: "S"},
		Range:   &dynamo.Key{Name: attrSK, Type: "S"},
		Purpose: "partner webhook endpoints, deliveries and the per-partner event feed (shared/webhooks)",
		// TTL expires deliveries and feed entries after DeliveryRetention.
		TTLAttribute: attrExpires,
	}
}

// CreateTable creates the table (an existing one is fine) and waits until it is active. For
// local runs and tests; Terraform owns it in AWS.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return dynamo.CreateTable(ctx, db, name, TableSchema())
}

func unavailable(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
}

func s(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{attrPK: s(pk), attrSK: s(sk)}
}

func endpointKey(partnerID, id string) map[string]types.AttributeValue {
	return key("P#"+partnerID, "EP#"+id)
}

func deliveryKey(partnerID, endpointID, id string) map[string]types.AttributeValue {
	return key("P#"+partnerID+"#EP#"+endpointID, "D#"+id)
}

func (d *DynamoDB) item(k map[string]types.AttributeValue, v any, expires bool, created time.Time) (map[string]types.AttributeValue, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	it := map[string]types.AttributeValue{attrData: s(string(b)), attrCreated: s(created.UTC().Format(time.RFC3339Nano))}
	for n, a := range k {
		it[n] = a
	}
	if expires {
		it[attrExpires] = &types.AttributeValueMemberN{Value: strconv.FormatInt(d.now().Add(DeliveryRetention).Unix(), 10)}
	}
	return it, nil
}

func decode(it map[string]types.AttributeValue, v any) error {
	a, ok := it[attrData].(*types.AttributeValueMemberS)
	if !ok {
		return errors.New("item without data")
	}
	return json.Unmarshal([]byte(a.Value), v)
}

// CreateEndpoint implements Store.
func (d *DynamoDB) CreateEndpoint(ctx context.Context, e Endpoint) error {
	it, err := d.item(endpointKey(e.PartnerID, e.ID), e, false, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("create endpoint: %w", err)
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: it,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("create endpoint: %w", domain.ErrConflict)
	case err != nil:
		return unavailable("create endpoint", err)
	}
	return nil
}

// GetEndpoint implements Store.
func (d *DynamoDB) GetEndpoint(ctx context.Context, partnerID, id string) (Endpoint, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.table), Key: endpointKey(partnerID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Endpoint{}, unavailable("get endpoint", err)
	}
	if len(out.Item) == 0 {
		return Endpoint{}, fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	}
	var e Endpoint
	if err := decode(out.Item, &e); err != nil {
		return Endpoint{}, fmt.Errorf("get endpoint: %w", err)
	}
	return e, nil
}

func (d *DynamoDB) query(ctx context.Context, op string, in *dynamodb.QueryInput, max int, each func(map[string]types.AttributeValue) error) error {
	n := 0
	p := dynamodb.NewQueryPaginator(d.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return unavailable(op, err)
		}
		for _, it := range page.Items {
			if err := each(it); err != nil {
				return fmt.Errorf("%s: %w", op, err)
			}
			if n++; max > 0 && n >= max {
				return nil
			}
		}
	}
	return nil
}

// ListEndpoints implements Store.
func (d *DynamoDB) ListEndpoints(ctx context.Context, partnerID string) ([]Endpoint, error) {
	var out []Endpoint
	err := d.query(ctx, "list endpoints", &dynamodb.QueryInput{
		TableName:                 aws.String(d.table),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :e)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("P#" + partnerID), ":e": s("EP#")},
	}, 0, func(it map[string]types.AttributeValue) error {
		var e Endpoint
		if err := decode(it, &e); err != nil {
			return err
		}
		out = append(out, e)
		return nil
	})
	sortEndpoints(out)
	return out, err
}

// DeleteEndpoint implements Store.
func (d *DynamoDB) DeleteEndpoint(ctx context.Context, partnerID, id string) error {
	_, err := d.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(d.table), Key: endpointKey(partnerID, id),
		ConditionExpression: aws.String("attribute_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	case err != nil:
		return unavailable("delete endpoint", err)
	}
	return nil
}

// UpdateSecrets implements Store: read, then a put conditional on the item still existing.
func (d *DynamoDB) UpdateSecrets(ctx context.Context, partnerID, id string, secrets []Secret, at time.Time) error {
	e, err := d.GetEndpoint(ctx, partnerID, id)
	if err != nil {
		return err
	}
	e.Secrets, e.UpdatedAt = secrets, at
	it, err := d.item(endpointKey(partnerID, id), e, false, e.CreatedAt)
	if err != nil {
		return fmt.Errorf("rotate secret: %w", err)
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: it,
		ConditionExpression: aws.String("attribute_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("webhook endpoint %s: %w", id, domain.ErrNotFound)
	case err != nil:
		return unavailable("rotate secret", err)
	}
	return nil
}

// CreateDelivery implements Store with a conditional put; on a duplicate it reads the stored one.
func (d *DynamoDB) CreateDelivery(ctx context.Context, del Delivery) (Delivery, bool, error) {
	it, err := d.item(deliveryKey(del.PartnerID, del.EndpointID, del.ID), del, true, del.CreatedAt)
	if err != nil {
		return Delivery{}, false, fmt.Errorf("create delivery: %w", err)
	}
	_, err = d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: it,
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		old, err := d.GetDelivery(ctx, del.PartnerID, del.EndpointID, del.ID)
		return old, false, err
	case err != nil:
		return Delivery{}, false, unavailable("create delivery", err)
	}
	return del, true, nil
}

// GetDelivery implements Store.
func (d *DynamoDB) GetDelivery(ctx context.Context, partnerID, endpointID, id string) (Delivery, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.table), Key: deliveryKey(partnerID, endpointID, id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Delivery{}, unavailable("get delivery", err)
	}
	if len(out.Item) == 0 {
		return Delivery{}, fmt.Errorf("webhook delivery %s: %w", id, domain.ErrNotFound)
	}
	var del Delivery
	if err := decode(out.Item, &del); err != nil {
		return Delivery{}, fmt.Errorf("get delivery: %w", err)
	}
	return del, nil
}

// PutDelivery implements Store.
func (d *DynamoDB) PutDelivery(ctx context.Context, del Delivery) error {
	it, err := d.item(deliveryKey(del.PartnerID, del.EndpointID, del.ID), del, true, del.CreatedAt)
	if err != nil {
		return fmt.Errorf("put delivery: %w", err)
	}
	if _, err := d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: it}); err != nil {
		return unavailable("put delivery", err)
	}
	return nil
}

// maxDeliveriesScanned bounds how many delivery items of one endpoint a list reads before
// sorting (deliveries expire after DeliveryRetention).
const maxDeliveriesScanned = 2000

// ListDeliveries implements Store: it reads the endpoint's deliveries (at most
// maxDeliveriesScanned) and returns the newest limit.
func (d *DynamoDB) ListDeliveries(ctx context.Context, partnerID, endpointID string, limit int) ([]Delivery, error) {
	var out []Delivery
	err := d.query(ctx, "list deliveries", &dynamodb.QueryInput{
		TableName:                 aws.String(d.table),
		KeyConditionExpression:    aws.String("pk = :p AND begins_with(sk, :d)"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("P#" + partnerID + "#EP#" + endpointID), ":d": s("D#")},
	}, maxDeliveriesScanned, func(it map[string]types.AttributeValue) error {
		var del Delivery
		if err := decode(it, &del); err != nil {
			return err
		}
		out = append(out, del)
		return nil
	})
	sortDeliveries(out)
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// AppendFeed implements Store: a put keyed by the event's feed position, so a duplicate
// overwrites the same item with the same content.
func (d *DynamoDB) AppendFeed(ctx context.Context, partnerID string, e events.Event) error {
	it, err := d.item(key("F#"+partnerID, FeedPosition(e)), e, true, e.OccurredAt)
	if err != nil {
		return fmt.Errorf("append feed: %w", err)
	}
	if _, err := d.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: it}); err != nil {
		return unavailable("append feed", err)
	}
	return nil
}

// ReadFeed implements Store.
func (d *DynamoDB) ReadFeed(ctx context.Context, partnerID, after string, limit int) ([]FeedEntry, error) {
	if after == "" {
		after = "0" // key conditions take no empty string; every position starts with a year
	}
	var out []FeedEntry
	err := d.query(ctx, "read feed", &dynamodb.QueryInput{
		TableName:                 aws.String(d.table),
		KeyConditionExpression:    aws.String("pk = :p AND sk > :a"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": s("F#" + partnerID), ":a": s(after)},
		Limit:                     aws.Int32(int32(limit)),
		ConsistentRead:            aws.Bool(true),
	}, limit, func(it map[string]types.AttributeValue) error {
		var e events.Event
		if err := decode(it, &e); err != nil {
			return err
		}
		sk, _ := it[attrSK].(*types.AttributeValueMemberS)
		out = append(out, FeedEntry{Position: sk.Value, Event: e})
		return nil
	})
	return out, err
}
