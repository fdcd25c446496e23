package dynamo

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/orders"
)

// txRetries is how often a transaction cancelled only by a TransactionConflict (another
// transaction on the same items) is retried with backoff before returning domain.ErrConflict.
const txRetries = 8

type orderStore struct{ s *Store }

func encodeOrder(o orders.Order) (map[string]types.AttributeValue, error) {
	m, err := marshal(orderItemOf(o))
	if err != nil {
		return nil, fmt.Errorf("encode order %s: %w", o.ID, err)
	}
	return m, nil
}

func decodeOrder(m map[string]types.AttributeValue) (orders.Order, error) {
	it, err := decodeItem[orderItem]("order", m)
	if err != nil {
		return orders.Order{}, err
	}
	return it.order(), nil
}

// stockUpdate is the transaction item that moves stock of one product by delta.
// A reservation (delta < 0) requires stock >= -delta and the price the line was priced at.
func (o orderStore) stockUpdate(ch orders.StockChange, delta int64, at orders.Order) (types.TransactWriteItem, error) {
	stamp := at.UpdatedAt
	upd := expression.Set(expression.Name("stock"), expression.Name("stock").Plus(expression.Value(delta))).
		Set(expression.Name("updated_at"), expression.Value(stamp)).
		Set(expression.Name("change_key"), expression.Value(catalog.ChangeKey(stamp, ch.ProductID)))
	cond := expression.AttributeExists(expression.Name("pk"))
	if delta < 0 {
		cond = cond.And(expression.Name("stock").GreaterThanEqual(expression.Value(-delta)),
			expression.Name("price.amount").Equal(expression.Value(ch.UnitPrice)))
	}
	ex, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, fmt.Errorf("build stock update: %w", err)
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:           aws.String(o.s.t.Catalog),
		Key:                 map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(ch.ProductID)}},
		UpdateExpression:    ex.Update(),
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}, nil
}

// transact runs items, retrying TransactionConflict cancellations; explain maps the
// cancellation reasons of a failed condition to a domain error.
func (o orderStore) transact(ctx context.Context, op string, items []types.TransactWriteItem,
	explain func(i int, r types.CancellationReason) error) error {
	for attempt := 0; ; attempt++ {
		_, err := o.s.db.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		if err == nil {
			return nil
		}
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			var tip *types.TransactionInProgressException
			if errors.As(err, &tip) && attempt < txRetries {
				if berr := backoff(ctx, attempt); berr != nil {
					return mapErr(ctx, op, berr)
				}
				continue
			}
			return mapErr(ctx, op, err)
		}
		conflict := false
		for i, r := range tce.CancellationReasons {
			switch aws.ToString(r.Code) {
			case "ConditionalCheckFailed":
				return explain(i, r)
			case "TransactionConflict", "ThrottlingError", "ProvisionedThroughputExceeded":
				conflict = true
			}
		}
		if !conflict {
			return mapErr(ctx, op, err)
		}
		if attempt >= txRetries {
			return fmt.Errorf("%s: contention persisted after %d attempts: %w", op, attempt+1, domain.ErrConflict)
		}
		if berr := backoff(ctx, attempt); berr != nil {
			return mapErr(ctx, op, berr)
		}
	}
}

func (o orderStore) CreateOrder(ctx context.Context, ord orders.Order, reserve []orders.StockChange) error {
	item, err := encodeOrder(ord)
	if err != nil {
		return err
	}
	ex, err := expression.NewBuilder().WithCondition(expression.AttributeNotExists(expression.Name("id"))).Build()
	if err != nil {
		return fmt.Errorf("build order condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(o.s.t.Orders), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(),
	}}}
	for _, r := range reserve {
		ti, err := o.stockUpdate(r, -r.Quantity, ord)
		if err != nil {
			return err
		}
		items = append(items, ti)
	}
	return o.transact(ctx, "place order", items, func(i int, r types.CancellationReason) error {
		if i == 0 {
			return fmt.Errorf("order %s exists: %w", ord.ID, domain.ErrConflict)
		}
		ch := reserve[i-1]
		return explainStock(ch, r.Item)
	})
}

// explainStock tells why a reservation's condition failed from the item's old image.
func explainStock(ch orders.StockChange, old map[string]types.AttributeValue) error {
	if old == nil {
		return fmt.Errorf("product %s: %w", ch.ProductID, domain.ErrNotFound)
	}
	var p productItem
	if err := unmarshal(old, &p); err != nil {
		return fmt.Errorf("decode product %s: %w", ch.ProductID, err)
	}
	if p.Stock < ch.Quantity {
		return fmt.Errorf("product %s: %d requested, %d available: %w", ch.ProductID, ch.Quantity, p.Stock, domain.ErrInsufficientStock)
	}
	return fmt.Errorf("price of product %s changed: %w", ch.ProductID, domain.ErrConflict)
}

func (o orderStore) GetOrder(ctx context.Context, id string) (orders.Order, error) {
	out, err := o.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(o.s.t.Orders),
		Key:            map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return orders.Order{}, mapErr(ctx, "get order", err)
	}
	if out.Item == nil {
		return orders.Order{}, domain.ErrNotFound
	}
	return decodeOrder(out.Item)
}

func (o orderStore) list(ctx context.Context, index, attr, val string, status orders.Status, before string, limit int) ([]orders.Order, bool, error) {
	key := expression.Key(attr).Equal(expression.Value(val))
	if before != "" {
		key = key.And(expression.Key("list_key").LessThan(expression.Value(before)))
	}
	b := expression.NewBuilder().WithKeyCondition(key)
	pageSize := limit + 1
	if status != "" {
		b = b.WithFilter(expression.Name("status").Equal(expression.Value(string(status))))
		pageSize = max(pageSize, 100) // the filter applies after the read: read bigger pages
	}
	ex, err := b.Build()
	if err != nil {
		return nil, false, fmt.Errorf("build %s query: %w", index, err)
	}
	items, err := o.s.query(ctx, "query "+index, &dynamodb.QueryInput{
		TableName: aws.String(o.s.t.Orders), IndexName: aws.String(index),
		KeyConditionExpression: ex.KeyCondition(), FilterExpression: ex.Filter(),
		ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(pageSize)),
	}, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(items) > limit
	items = items[:min(limit, len(items))]
	out := make([]orders.Order, len(items))
	for i, m := range items {
		if out[i], err = decodeOrder(m); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

func (o orderStore) ListOrdersByCustomer(ctx context.Context, customerID, before string, limit int) ([]orders.Order, bool, error) {
	return o.list(ctx, IndexByCustomer, "customer_id", customerID, "", before, limit)
}

func (o orderStore) ListOrdersByPartner(ctx context.Context, partnerID string, status orders.Status, before string, limit int) ([]orders.Order, bool, error) {
	return o.list(ctx, IndexByPartner, "partner_id", partnerID, status, before, limit)
}

// UpdateOrder replaces the order if its stored status and version are the expected ones,
// restocking in the same transaction.
func (o orderStore) UpdateOrder(ctx context.Context, ord orders.Order, from orders.Status, restock []orders.StockChange) error {
	item, err := encodeOrder(ord)
	if err != nil {
		return err
	}
	cond := expression.Name("status").Equal(expression.Value(string(from))).
		And(expression.Name("version").Equal(expression.Value(ord.Version - 1)))
	ex, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build order condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(o.s.t.Orders), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	for _, r := range restock {
		ti, err := o.stockUpdate(r, r.Quantity, ord)
		if err != nil {
			return err
		}
		items = append(items, ti)
	}
	return o.transact(ctx, "update order", items, func(i int, r types.CancellationReason) error {
		if i == 0 {
			if r.Item == nil {
				return fmt.Errorf("order %s: %w", ord.ID, domain.ErrNotFound)
			}
			return fmt.Errorf("order %s changed concurrently (version %s): %w", ord.ID, strconv.FormatInt(ord.Version-1, 10), domain.ErrConflict)
		}
		return fmt.Errorf("restock product %s: %w", restock[i-1].ProductID, domain.ErrNotFound)
	})
}
