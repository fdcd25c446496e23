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
)

// attrStockSeq is the sequence of the import that last set a product's stock (catalog table).
const attrStockSeq = "stock_import_seq"

// ImportStock implements catalog.StockImporter: one UpdateItem conditional on the product
// existing and on its stock_import_seq being absent or <= seq.
func (c catalogStore) ImportStock(ctx context.Context, id string, stock, seq int64, at time.Time) (bool, error) {
	upd := expression.Set(expression.Name("stock"), expression.Value(stock)).
		Set(expression.Name(attrStockSeq), expression.Value(seq)).
		Set(expression.Name("updated_at"), expression.Value(at)).
		Set(expression.Name("change_key"), expression.Value(catalog.ChangeKey(at, id)))
	cond := expression.AttributeExists(expression.Name("pk")).And(
		expression.AttributeNotExists(expression.Name(attrStockSeq)).Or(expression.Name(attrStockSeq).LessThanEqual(expression.Value(seq))))
	ex, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return false, fmt.Errorf("build stock import: %w", err)
	}
	_, err = c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.s.t.Catalog),
		Key:                 map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(id)}},
		UpdateExpression:    ex.Update(),
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		if ccf.Item == nil {
			return false, domain.ErrNotFound
		}
		return false, nil
	}
	if err != nil {
		return false, mapErr(ctx, "import stock", err)
	}
	return true, nil
}
