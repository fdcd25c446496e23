package dynamo

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
)

type customerStore struct{ s *Store }

func (c customerStore) GetCustomer(ctx context.Context, id string) (customers.Customer, error) {
	out, err := c.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(c.s.t.Customers),
		Key:            map[string]types.AttributeValue{"id": &types.AttributeValueMemberS{Value: id}},
		ConsistentRead: aws.Bool(true), // read-modify-write of profiles starts here
	})
	if err != nil {
		return customers.Customer{}, mapErr(ctx, "get customer", err)
	}
	if out.Item == nil {
		return customers.Customer{}, domain.ErrNotFound
	}
	it, err := decodeItem[customerItem]("customer "+id, out.Item)
	if err != nil {
		return customers.Customer{}, err
	}
	return it.customer(), nil
}

// PutCustomer is a conditional put: attribute_not_exists(id) for a new profile, else
// version = expectVersion (optimistic concurrency).
func (c customerStore) PutCustomer(ctx context.Context, cu customers.Customer, expectVersion int64) error {
	item, err := marshal(customerItemOf(cu))
	if err != nil {
		return fmt.Errorf("encode customer %s: %w", cu.ID, err)
	}
	cond := expression.AttributeNotExists(expression.Name("id"))
	if expectVersion != 0 {
		cond = expression.Name("version").Equal(expression.Value(expectVersion))
	}
	ex, err := expression.NewBuilder().WithCondition(cond).Build()
	if err != nil {
		return fmt.Errorf("build customer condition: %w", err)
	}
	_, err = c.s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(c.s.t.Customers), Item: item,
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("customer %s changed concurrently: %w", cu.ID, domain.ErrConflict)
	}
	return mapErr(ctx, "put customer", err)
}
