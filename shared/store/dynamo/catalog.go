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

const (
	kindProduct  = "PRODUCT"
	kindCategory = "CATEGORY"
	// maxBatchGet is the BatchGetItem limit; maxBatchWrite the BatchWriteItem limit.
	maxBatchGet   = 100
	maxBatchWrite = 25
)

func productPK(id string) string  { return "PRODUCT#" + id }
func categoryPK(id string) string { return "CATEGORY#" + id }

type catalogStore struct{ s *Store }

func decodeProduct(m map[string]types.AttributeValue) (catalog.Product, error) {
	it, err := decodeItem[productItem]("product", m)
	return it.product(), err
}

func (c catalogStore) GetProduct(ctx context.Context, id string) (catalog.Product, error) {
	out, err := c.s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(c.s.t.Catalog),
		Key:       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(id)}},
	})
	if err != nil {
		return catalog.Product{}, mapErr(ctx, "get product", err)
	}
	if out.Item == nil {
		return catalog.Product{}, domain.ErrNotFound
	}
	return decodeProduct(out.Item)
}

// byIndex reads the single product whose attr equals val through a GSI.
func (c catalogStore) byIndex(ctx context.Context, index, attr, val string) (catalog.Product, error) {
	key := expression.Key(attr).Equal(expression.Value(val))
	ex, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return catalog.Product{}, fmt.Errorf("build %s query: %w", index, err)
	}
	items, err := c.s.query(ctx, "query "+index, &dynamodb.QueryInput{
		TableName: aws.String(c.s.t.Catalog), IndexName: aws.String(index),
		KeyConditionExpression: ex.KeyCondition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	}, 0)
	if err != nil {
		return catalog.Product{}, err
	}
	for _, m := range items {
		if k, ok := m["kind"].(*types.AttributeValueMemberS); ok && k.Value == kindProduct {
			return decodeProduct(m)
		}
	}
	return catalog.Product{}, domain.ErrNotFound
}

func (c catalogStore) GetProductBySlug(ctx context.Context, slug string) (catalog.Product, error) {
	return c.byIndex(ctx, IndexBySlug, "slug", slug)
}

func (c catalogStore) GetProductBySKU(ctx context.Context, sku string) (catalog.Product, error) {
	return c.byIndex(ctx, IndexBySKU, "sku", sku)
}

// BatchGetProducts reads ids in chunks of 100 with BatchGetItem, retrying unprocessed keys
// with backoff until ctx ends.
func (c catalogStore) BatchGetProducts(ctx context.Context, ids []string) ([]catalog.Product, error) {
	out := make([]catalog.Product, 0, len(ids))
	for start := 0; start < len(ids); start += maxBatchGet {
		chunk := ids[start:min(start+maxBatchGet, len(ids))]
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(id)}}
		}
		req := map[string]types.KeysAndAttributes{c.s.t.Catalog: {Keys: keys}}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return nil, mapErr(ctx, "batch get products (unprocessed keys)", err)
				}
			}
			res, err := c.s.db.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
			if err != nil {
				return nil, mapErr(ctx, "batch get products", err)
			}
			for _, m := range res.Responses[c.s.t.Catalog] {
				p, err := decodeProduct(m)
				if err != nil {
					return nil, err
				}
				out = append(out, p)
			}
			req = res.UnprocessedKeys
		}
	}
	return out, nil
}

func (c catalogStore) kindQuery(kind string, after string, asc bool) (*dynamodb.QueryInput, error) {
	key := expression.Key("kind").Equal(expression.Value(kind))
	if after != "" {
		key = key.And(expression.Key("change_key").GreaterThan(expression.Value(after)))
	}
	ex, err := expression.NewBuilder().WithKeyCondition(key).Build()
	if err != nil {
		return nil, fmt.Errorf("build %s query: %w", IndexByChange, err)
	}
	return &dynamodb.QueryInput{
		TableName: aws.String(c.s.t.Catalog), IndexName: aws.String(IndexByChange),
		KeyConditionExpression: ex.KeyCondition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
		ScanIndexForward: aws.Bool(asc),
	}, nil
}

// ListProducts reads the whole catalog with a paginated Query of the by_change index.
func (c catalogStore) ListProducts(ctx context.Context) ([]catalog.Product, error) {
	in, err := c.kindQuery(kindProduct, "", true)
	if err != nil {
		return nil, err
	}
	items, err := c.s.query(ctx, "list products", in, 0)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Product, len(items))
	for i, m := range items {
		if out[i], err = decodeProduct(m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (c catalogStore) ListCategories(ctx context.Context) ([]catalog.Category, error) {
	in, err := c.kindQuery(kindCategory, "", true)
	if err != nil {
		return nil, err
	}
	items, err := c.s.query(ctx, "list categories", in, 0)
	if err != nil {
		return nil, err
	}
	out := make([]catalog.Category, len(items))
	for i, m := range items {
		it, err := decodeItem[categoryItem]("category", m)
		if err != nil {
			return nil, err
		}
		out[i] = it.category()
	}
	return out, nil
}

func (c catalogStore) ChangedAfter(ctx context.Context, after string, limit int) ([]catalog.Product, bool, error) {
	in, err := c.kindQuery(kindProduct, after, true)
	if err != nil {
		return nil, false, err
	}
	in.Limit = aws.Int32(int32(limit + 1))
	items, err := c.s.query(ctx, "changed products", in, limit+1)
	if err != nil {
		return nil, false, err
	}
	more := len(items) > limit
	items = items[:min(limit, len(items))]
	out := make([]catalog.Product, len(items))
	for i, m := range items {
		if out[i], err = decodeProduct(m); err != nil {
			return nil, false, err
		}
	}
	return out, more, nil
}

// batchWrite puts items in chunks of 25, retrying unprocessed items with backoff.
func (s *Store) batchWrite(ctx context.Context, table string, items []map[string]types.AttributeValue) error {
	for start := 0; start < len(items); start += maxBatchWrite {
		var reqs []types.WriteRequest
		for _, it := range items[start:min(start+maxBatchWrite, len(items))] {
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: it}})
		}
		req := map[string][]types.WriteRequest{table: reqs}
		for attempt := 0; len(req) > 0; attempt++ {
			if attempt > 0 {
				if err := backoff(ctx, attempt); err != nil {
					return mapErr(ctx, "batch write (unprocessed items)", err)
				}
			}
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
			if err != nil {
				return mapErr(ctx, "batch write "+table, err)
			}
			req = out.UnprocessedItems
		}
	}
	return nil
}

func (c catalogStore) PutProducts(ctx context.Context, ps []catalog.Product) error {
	items := make([]map[string]types.AttributeValue, len(ps))
	for i, p := range ps {
		m, err := marshal(productItemOf(p))
		if err != nil {
			return fmt.Errorf("encode product %s: %w", p.ID, err)
		}
		items[i] = m
	}
	return c.s.batchWrite(ctx, c.s.t.Catalog, items)
}

func (c catalogStore) PutCategories(ctx context.Context, cs []catalog.Category) error {
	items := make([]map[string]types.AttributeValue, len(cs))
	for i, cat := range cs {
		m, err := marshal(categoryItemOf(cat))
		if err != nil {
			return fmt.Errorf("encode category %s: %w", cat.ID, err)
		}
		items[i] = m
	}
	return c.s.batchWrite(ctx, c.s.t.Catalog, items)
}

// UpdateProductDetails sets every attribute except stock, on an existing product only.
// SKU and slug uniqueness is the caller's (catalog management) concern: the GSIs are not unique.
func (c catalogStore) UpdateProductDetails(ctx context.Context, p catalog.Product) error {
	m, err := marshal(productItemOf(p))
	if err != nil {
		return fmt.Errorf("encode product %s: %w", p.ID, err)
	}
	var upd expression.UpdateBuilder
	first := true
	for name, v := range m {
		if name == "pk" || name == "stock" {
			continue
		}
		if first {
			upd, first = expression.Set(expression.Name(name), expression.Value(v)), false
		} else {
			upd = upd.Set(expression.Name(name), expression.Value(v))
		}
	}
	if _, ok := m["attributes"]; !ok {
		upd = upd.Remove(expression.Name("attributes"))
	}
	ex, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.AttributeExists(expression.Name("pk"))).Build()
	if err != nil {
		return fmt.Errorf("build product update: %w", err)
	}
	_, err = c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.s.t.Catalog),
		Key:                 map[string]types.AttributeValue{"pk": m["pk"]},
		UpdateExpression:    ex.Update(),
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return domain.ErrNotFound
	}
	return mapErr(ctx, "update product", err)
}

func (c catalogStore) SetStock(ctx context.Context, id string, stock int64, at time.Time) error {
	upd := expression.Set(expression.Name("stock"), expression.Value(stock)).
		Set(expression.Name("updated_at"), expression.Value(at)).
		Set(expression.Name("change_key"), expression.Value(catalog.ChangeKey(at, id)))
	ex, err := expression.NewBuilder().WithUpdate(upd).WithCondition(expression.AttributeExists(expression.Name("pk"))).Build()
	if err != nil {
		return fmt.Errorf("build stock update: %w", err)
	}
	_, err = c.s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:           aws.String(c.s.t.Catalog),
		Key:                 map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: productPK(id)}},
		UpdateExpression:    ex.Update(),
		ConditionExpression: ex.Condition(), ExpressionAttributeNames: ex.Names(), ExpressionAttributeValues: ex.Values(),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return domain.ErrNotFound
	}
	return mapErr(ctx, "set stock", err)
}
