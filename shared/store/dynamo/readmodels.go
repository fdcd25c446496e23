package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/readmodels"
)

// TableReadModels is the logical name of the read-model table (shared/readmodels; env
// BFF_TABLE_READMODELS).
const TableReadModels = "readmodels"

// ReadModelsTable declares the read-model table: pk + sk, TTL on expires_at (epoch seconds).
//
//	pk "ORDER#<id>"     sk "STATE"         what the order contributes as of its version
//	pk "CUSTOMER#<id>"  sk "SUMMARY"       orders, lifetime_value, currency, updated_at
//	pk "<bucket>"       sk "<product id>"  units ordered in that popularity bucket (TTL)
func ReadModelsTable() Table {
	return Table{
		Logical: TableReadModels, Hash: str("pk"), Range: ptrKey(str("sk")), TTLAttribute: "expires_at",
		Purpose: "read models of the order events (shared/readmodels): customer summaries, product popularity, order states",
	}
}

// ReadModels is the DynamoDB read-model backend (readmodels.Backend).
type ReadModels struct {
	db    *dynamodb.Client
	table string
}

// NewReadModels returns the backend over table.
func NewReadModels(db *dynamodb.Client, table string) *ReadModels {
	return &ReadModels{db: db, table: table}
}

type unitsAttr struct {
	ProductID string `dynamodbav:"product_id"`
	SKU       string `dynamodbav:"sku"`
	Units     int64  `dynamodbav:"units"`
}

type orderStateItem struct {
	PK          string      `dynamodbav:"pk"`
	SK          string      `dynamodbav:"sk"`
	CustomerID  string      `dynamodbav:"customer_id,omitempty"`
	Version     int64       `dynamodbav:"version"`
	LastEventID string      `dynamodbav:"last_event_id"`
	Counted     bool        `dynamodbav:"counted"`
	Total       int64       `dynamodbav:"total"`
	Currency    string      `dynamodbav:"currency"`
	Lines       []unitsAttr `dynamodbav:"lines"`
	Bucket      string      `dynamodbav:"bucket"`
	BucketEnd   time.Time   `dynamodbav:"bucket_end"`
}

type summaryItem struct {
	Orders        int64     `dynamodbav:"orders"`
	LifetimeValue int64     `dynamodbav:"lifetime_value"`
	Currency      string    `dynamodbav:"currency"`
	UpdatedAt     time.Time `dynamodbav:"updated_at"`
}

func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk}}
}

func orderStatePK(id string) string      { return "ORDER#" + id }
func customerSummaryPK(id string) string { return "CUSTOMER#" + id }

// OrderState implements readmodels.Backend.
func (r *ReadModels) OrderState(ctx context.Context, orderID string) (readmodels.OrderState, bool, error) {
	out, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.table), Key: key(orderStatePK(orderID), "STATE"), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return readmodels.OrderState{}, false, mapErr(ctx, "get order state", err)
	}
	if out.Item == nil {
		return readmodels.OrderState{}, false, nil
	}
	it, err := decodeItem[orderStateItem]("order state", out.Item)
	if err != nil {
		return readmodels.OrderState{}, false, err
	}
	s := readmodels.OrderState{OrderID: orderID, CustomerID: it.CustomerID, Version: it.Version, LastEventID: it.LastEventID,
		Counted: it.Counted, Total: it.Total, Currency: it.Currency, Bucket: it.Bucket, BucketEnd: it.BucketEnd}
	for _, l := range it.Lines {
		s.Lines = append(s.Lines, readmodels.ProductUnits(l))
	}
	return s, true, nil
}

// Apply implements readmodels.Backend: one transaction of the state (conditional on prev),
// the summary update and one update per product of the delta (at most 2 + 50 items).
func (r *ReadModels) Apply(ctx context.Context, prev *readmodels.OrderState, next readmodels.OrderState, d readmodels.Delta, at time.Time) error {
	it := orderStateItem{PK: orderStatePK(next.OrderID), SK: "STATE", CustomerID: next.CustomerID, Version: next.Version,
		LastEventID: next.LastEventID, Counted: next.Counted, Total: next.Total, Currency: next.Currency, Bucket: next.Bucket,
		BucketEnd: next.BucketEnd.UTC(), Lines: []unitsAttr{}}
	for _, l := range next.Lines {
		it.Lines = append(it.Lines, unitsAttr(l))
	}
	item, err := marshal(it)
	if err != nil {
		return fmt.Errorf("encode order state: %w", err)
	}
	cond := expression.AttributeNotExists(expression.Name("pk"))
	if prev != nil {
		cond = expression.Name("version").Equal(expression.Value(prev.Version))
	}
	ex, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build state condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{TableName: aws.String(r.table), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values()}}}
	if d.CustomerID != "" && (d.Orders != 0 || d.Value != 0 || prev == nil) {
		upd := expression.Add(expression.Name("orders"), expression.Value(d.Orders)).
			Add(expression.Name("lifetime_value"), expression.Value(d.Value)).
			Set(expression.Name("currency"), expression.IfNotExists(expression.Name("currency"), expression.Value(d.Currency))).
			Set(expression.Name("updated_at"), expression.Value(at.UTC()))
		if items, err = r.addUpdate(items, key(customerSummaryPK(d.CustomerID), "SUMMARY"), upd); err != nil {
			return err
		}
	}
	if d.Bucket != "" {
		exp := strconv.FormatInt(d.Expires.Unix(), 10)
		for _, u := range d.Units {
			upd := expression.Add(expression.Name("units"), expression.Value(u.Units)).
				Set(expression.Name("sku"), expression.Value(u.SKU)).
				Set(expression.Name("expires_at"), expression.Value(&types.AttributeValueMemberN{Value: exp}))
			if items, err = r.addUpdate(items, key(d.Bucket, u.ProductID), upd); err != nil {
				return err
			}
		}
	}
	_, err = r.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
	var tce *types.TransactionCanceledException
	if errors.As(err, &tce) {
		for _, reason := range tce.CancellationReasons {
			switch aws.ToString(reason.Code) {
			case "ConditionalCheckFailed", "TransactionConflict":
				return fmt.Errorf("order %s: %w", next.OrderID, readmodels.ErrConflict)
			}
		}
	}
	return mapErr(ctx, "apply read-model change", err)
}

func (r *ReadModels) addUpdate(items []types.TransactWriteItem, k map[string]types.AttributeValue, upd expression.UpdateBuilder) ([]types.TransactWriteItem, error) {
	ex, err := expression.NewBuilder().WithUpdate(upd).Build()
	if err != nil {
		return nil, fmt.Errorf("build read-model update: %w", err)
	}
	return append(items, types.TransactWriteItem{Update: &types.Update{TableName: aws.String(r.table), Key: k,
		UpdateExpression: ex.Update(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values()}}), nil
}

// Summary implements readmodels.Backend.
func (r *ReadModels) Summary(ctx context.Context, customerID string) (readmodels.Counts, bool, error) {
	out, err := r.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(r.table), Key: key(customerSummaryPK(customerID), "SUMMARY")})
	if err != nil {
		return readmodels.Counts{}, false, mapErr(ctx, "get customer summary", err)
	}
	if out.Item == nil {
		return readmodels.Counts{}, false, nil
	}
	it, err := decodeItem[summaryItem]("customer summary", out.Item)
	if err != nil {
		return readmodels.Counts{}, false, err
	}
	return readmodels.Counts{Orders: it.Orders, LifetimeValue: it.LifetimeValue, Currency: it.Currency, UpdatedAt: it.UpdatedAt}, true, nil
}

// BucketUnits implements readmodels.Backend.
func (r *ReadModels) BucketUnits(ctx context.Context, bucket string) ([]readmodels.ProductUnits, error) {
	var out []readmodels.ProductUnits
	p := dynamodb.NewQueryPaginator(r.db, &dynamodb.QueryInput{TableName: aws.String(r.table),
		KeyConditionExpression:    aws.String("pk = :b"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":b": &types.AttributeValueMemberS{Value: bucket}}})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(ctx, "query popularity", err)
		}
		for _, m := range page.Items {
			var it struct {
				SK    string `dynamodbav:"sk"`
				SKU   string `dynamodbav:"sku"`
				Units int64  `dynamodbav:"units"`
			}
			if err := unmarshal(m, &it); err != nil {
				return nil, fmt.Errorf("decode popularity: %w", err)
			}
			out = append(out, readmodels.ProductUnits{ProductID: it.SK, SKU: it.SKU, Units: it.Units})
		}
	}
	return out, nil
}
