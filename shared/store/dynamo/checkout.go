package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/payments"
)

// ReserveStock implements orders.StockReserver: the order's Put (conditional on status and
// version) and one conditional stock decrement per line, in one transaction.
func (o orderStore) ReserveStock(ctx context.Context, ord orders.Order, from orders.Status, reserve []orders.StockChange) error {
	item, err := encodeOrder(ord)
	if err != nil {
		return err
	}
	ex, err := expression.NewBuilder().WithCondition(expression.Name("status").Equal(expression.Value(string(from))).
		And(expression.Name("version").Equal(expression.Value(ord.Version - 1)))).Build()
	if err != nil {
		return fmt.Errorf("build order condition: %w", err)
	}
	items := []types.TransactWriteItem{{Put: &types.Put{
		TableName: aws.String(o.s.t.Orders), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}}}
	for _, ch := range reserve {
		upd := expression.Set(expression.Name("stock"), expression.Name("stock").Minus(expression.Value(ch.Quantity))).
			Set(expression.Name("updated_at"), expression.Value(ord.UpdatedAt)).
			Set(expression.Name("change_key"), expression.Value(catalog.ChangeKey(ord.UpdatedAt, ch.ProductID)))
		cond := expression.AttributeExists(expression.Name("pk")).And(expression.Name("stock").GreaterThanEqual(expression.Value(ch.Quantity)))
		sx, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
		if err != nil {
			return fmt.Errorf("build stock update: %w", err)
		}
		items = append(items, types.TransactWriteItem{Update: &types.Update{
			TableName:        aws.String(o.s.t.Catalog),
			Key:              map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(ch.ProductID)}},
			UpdateExpression: sx.Update(), ConditionExpression: sx.Condition(),
			ExpressionAttributeNames: sx.Names(), ExpressionAttributeValues: sx.Values(),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		}})
	}
	return o.transact(ctx, "reserve stock", items, func(i int, r types.CancellationReason) error {
		if i == 0 {
			if r.Item == nil {
				return fmt.Errorf("order %s: %w", ord.ID, domain.ErrNotFound)
			}
			return fmt.Errorf("order %s changed concurrently: %w", ord.ID, domain.ErrConflict)
		}
		return explainStock(reserve[i-1], r.Item)
	})
}

// ---- payments ledger ----

// LedgerTable declares the payments ledger table (one item per order, keyed by order_id). It
// is not part of Schema: the checkout feature owns it (Terraform: the checkout module).
func LedgerTable() Table {
	return Table{Logical: "payments", Hash: str("order_id"), Purpose: "payments ledger: one payment per order"}
}

// paymentItem is the storage shape of a payments.Payment.
type paymentItem struct {
	OrderID         string    `dynamodbav:"order_id"`
	AuthorizationID string    `dynamodbav:"authorization_id,omitempty"`
	Status          string    `dynamodbav:"status"`
	Amount          moneyAttr `dynamodbav:"amount"`
	DeclineCode     string    `dynamodbav:"decline_code,omitempty"`
	CreatedAt       time.Time `dynamodbav:"created_at"`
	UpdatedAt       time.Time `dynamodbav:"updated_at"`
	Version         int64     `dynamodbav:"version"`
}

// Ledger is the payments ledger in DynamoDB.
type Ledger struct {
	db    *dynamodb.Client
	table string
}

// NewLedger returns the ledger stored in table.
func NewLedger(db *dynamodb.Client, table string) *Ledger { return &Ledger{db: db, table: table} }

// GetPayment implements payments.Ledger.
func (l *Ledger) GetPayment(ctx context.Context, orderID string) (payments.Payment, error) {
	out, err := l.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(l.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{"order_id": &types.AttributeValueMemberS{Value: orderID}},
	})
	if err != nil {
		return payments.Payment{}, mapErr(ctx, "get payment", err)
	}
	if out.Item == nil {
		return payments.Payment{}, domain.ErrNotFound
	}
	it, err := decodeItem[paymentItem]("payment", out.Item)
	if err != nil {
		return payments.Payment{}, err
	}
	p := payments.Payment{OrderID: it.OrderID, AuthorizationID: it.AuthorizationID, Status: payments.Status(it.Status),
		Amount: payments.Amount{Value: it.Amount.Amount, Currency: it.Amount.Currency}, DeclineCode: it.DeclineCode,
		CreatedAt: it.CreatedAt, UpdatedAt: it.UpdatedAt, Version: it.Version}
	return p, nil
}

// PutPayment implements payments.Ledger.
func (l *Ledger) PutPayment(ctx context.Context, p payments.Payment) error {
	item, err := marshal(paymentItem{OrderID: p.OrderID, AuthorizationID: p.AuthorizationID, Status: string(p.Status),
		Amount: moneyAttr{Amount: p.Amount.Value, Currency: p.Amount.Currency}, DeclineCode: p.DeclineCode,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt, Version: p.Version})
	if err != nil {
		return fmt.Errorf("encode payment %s: %w", p.OrderID, err)
	}
	cond := expression.AttributeNotExists(expression.Name("order_id"))
	if p.Version > 1 {
		cond = expression.Name("version").Equal(expression.Value(p.Version - 1))
	}
	ex, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build payment condition: %w", err)
	}
	_, err = l.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(l.table), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values()})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("payment %s changed concurrently: %w", p.OrderID, domain.ErrConflict)
	}
	return mapErr(ctx, "put payment", err)
}
