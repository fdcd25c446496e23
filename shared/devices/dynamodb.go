package devices

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/store/dynamo"
)

// Table layout of the DynamoDB store: hash key "token" (S), global secondary index
// CustomerIndex on "customer_id" (S) projecting every attribute.
const (
	CustomerIndex = "by_customer"
	attrToken     = "token"
	attrCustomer  = "customer_id"
)

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

type item struct {
	Token      string `dynamodbav:"token"`
	CustomerID string `dynamodbav:"customer_id"`
	Platform   string `dynamodbav:"platform"`
	AppVersion string `dynamodbav:"app_version,omitempty"`
	UpdatedAt  string `dynamodbav:"updated_at"`
	// EndpointARN is the SNS platform endpoint (shared/push).
	EndpointARN string `dynamodbav:"endpoint_arn,omitempty"`
}

func unavailable(op string, err error) error {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return fmt.Errorf("%s: %w: %w", op, domain.ErrUnavailable, err)
}

// Put implements Store: one PutItem that returns the old item, so "created" is exact.
func (s *DynamoDB) Put(ctx context.Context, d Device) (bool, error) {
	if err := Validate(d); err != nil {
		return false, err
	}
	av, err := attributevalue.MarshalMap(item{Token: d.Token, CustomerID: d.CustomerID, Platform: d.Platform,
		AppVersion: d.AppVersion, UpdatedAt: d.UpdatedAt.UTC().Format(time.RFC3339Nano), EndpointARN: d.EndpointARN})
	if err != nil {
		return false, fmt.Errorf("put device: marshal: %w", err)
	}
	out, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.table), Item: av, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		return false, unavailable("put device", err)
	}
	var prev item
	if len(out.Attributes) > 0 {
		if err := attributevalue.UnmarshalMap(out.Attributes, &prev); err != nil {
			return false, fmt.Errorf("put device: unmarshal previous: %w", err)
		}
	}
	return prev.CustomerID != d.CustomerID, nil
}

// Delete implements Store with a conditional delete on the owner.
func (s *DynamoDB) Delete(ctx context.Context, customerID, token string) error {
	_, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:                 aws.String(s.table),
		Key:                       map[string]types.AttributeValue{attrToken: &types.AttributeValueMemberS{Value: token}},
		ConditionExpression:       aws.String("#c = :c"),
		ExpressionAttributeNames:  map[string]string{"#c": attrCustomer},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: customerID}},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return fmt.Errorf("delete device: %w", domain.ErrNotFound)
	case err != nil:
		return unavailable("delete device", err)
	}
	return nil
}

// List implements Store by querying the customer index.
func (s *DynamoDB) List(ctx context.Context, customerID string) ([]Device, error) {
	in := &dynamodb.QueryInput{
		TableName:                 aws.String(s.table),
		IndexName:                 aws.String(CustomerIndex),
		KeyConditionExpression:    aws.String("#c = :c"),
		ExpressionAttributeNames:  map[string]string{"#c": attrCustomer},
		ExpressionAttributeValues: map[string]types.AttributeValue{":c": &types.AttributeValueMemberS{Value: customerID}},
	}
	var out []Device
	p := dynamodb.NewQueryPaginator(s.db, in)
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, unavailable("list devices", err)
		}
		var items []item
		if err := attributevalue.UnmarshalListOfMaps(page.Items, &items); err != nil {
			return nil, fmt.Errorf("list devices: unmarshal: %w", err)
		}
		for _, it := range items {
			at, _ := time.Parse(time.RFC3339Nano, it.UpdatedAt)
			out = append(out, Device{Token: it.Token, CustomerID: it.CustomerID, Platform: it.Platform, AppVersion: it.AppVersion, UpdatedAt: at,
				EndpointARN: it.EndpointARN})
		}
	}
	sortNewest(out)
	return out, nil
}

// TableSchema declares the devices table (hash key "token", index CustomerIndex on
// "customer_id"): the declaration local tables are created from and Terraform is checked against.
func TableSchema() dynamo.Table {
	return dynamo.Table{
		Logical: "devices",
		Hash:    dynamo.Key{Name: attrToken, Type: "S"},
		Indexes: []dynamo.Index{{Name: CustomerIndex, Hash: dynamo.Key{Name: attrCustomer, Type: "S"}, Projects: "ALL",
			Purpose: "List a customer's devices"}},
		Purpose: "push-notification tokens registered by bff-mobile",
	}
}

// CreateTable creates the devices table with its index (on-demand billing) and waits until it
// is active; an existing table is fine. For local runs and tests; Terraform owns it in AWS.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return dynamo.CreateTable(ctx, db, name, TableSchema())
}
