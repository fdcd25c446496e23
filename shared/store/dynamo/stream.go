package dynamo

import (
	"errors"
	"fmt"

	awsevents "github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/orders"
)

// ErrBadImage is a stream image that is not an order item of this code's storage shape.
var ErrBadImage = errors.New("dynamo: not an order item")

// OrderFromStreamImage decodes an orders-table item as a DynamoDB stream record carries it to
// Lambda (aws-lambda-go's attribute values) into the order, with the request context of its
// latest change. The second result is the item's cancellation_reason attribute, "" when it
// has none. An image without an id or a positive version, or whose attributes do not have
// the stored types, is ErrBadImage.
func OrderFromStreamImage(img map[string]awsevents.DynamoDBAttributeValue) (orders.Order, string, error) {
	m, err := fromLambdaImage(img)
	if err != nil {
		return orders.Order{}, "", fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	it, err := decodeItem[orderItem]("order", m)
	if err != nil {
		return orders.Order{}, "", fmt.Errorf("%w: %v", ErrBadImage, err)
	}
	if it.ID == "" || it.Version < 1 {
		return orders.Order{}, "", fmt.Errorf("%w: id %q version %d", ErrBadImage, it.ID, it.Version)
	}
	var reason string
	if v, ok := m["cancellation_reason"].(*types.AttributeValueMemberS); ok {
		reason = v.Value
	}
	return it.order(), reason, nil
}

func fromLambdaImage(img map[string]awsevents.DynamoDBAttributeValue) (map[string]types.AttributeValue, error) {
	out := make(map[string]types.AttributeValue, len(img))
	for k, v := range img {
		a, err := fromLambdaAttr(v)
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", k, err)
		}
		out[k] = a
	}
	return out, nil
}

func fromLambdaAttr(v awsevents.DynamoDBAttributeValue) (types.AttributeValue, error) {
	switch v.DataType() {
	case awsevents.DataTypeString:
		return &types.AttributeValueMemberS{Value: v.String()}, nil
	case awsevents.DataTypeNumber:
		return &types.AttributeValueMemberN{Value: v.Number()}, nil
	case awsevents.DataTypeBinary:
		return &types.AttributeValueMemberB{Value: v.Binary()}, nil
	case awsevents.DataTypeBoolean:
		return &types.AttributeValueMemberBOOL{Value: v.Boolean()}, nil
	case awsevents.DataTypeNull:
		return &types.AttributeValueMemberNULL{Value: true}, nil
	case awsevents.DataTypeStringSet:
		return &types.AttributeValueMemberSS{Value: v.StringSet()}, nil
	case awsevents.DataTypeNumberSet:
		return &types.AttributeValueMemberNS{Value: v.NumberSet()}, nil
	case awsevents.DataTypeBinarySet:
		return &types.AttributeValueMemberBS{Value: v.BinarySet()}, nil
	case awsevents.DataTypeMap:
		m, err := fromLambdaImage(v.Map())
		if err != nil {
			return nil, err
		}
		return &types.AttributeValueMemberM{Value: m}, nil
	case awsevents.DataTypeList:
		l := make([]types.AttributeValue, len(v.List()))
		for i, e := range v.List() {
			a, err := fromLambdaAttr(e)
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			l[i] = a
		}
		return &types.AttributeValueMemberL{Value: l}, nil
	}
	return nil, fmt.Errorf("unknown attribute type %v", v.DataType())
}
