package imports

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/store/dynamo"
)

// TableLogical is the logical name of the imports table (Terraform's key; env BFF_TABLE_IMPORTS).
const TableLogical = "imports"

// Table layout: hash key "partner_id", range key "id" (ids sort by creation time, so a Query
// backwards lists a partner's newest imports first, and a partner can only address its own).
const (
	attrPartner = "partner_id"
	attrID      = "id"
)

// TableSchema declares the imports table: the declaration local tables are created from and
// Terraform is checked against (terraform/deploy/tfcheck).
func TableSchema() dynamo.Table {
	return dynamo.Table{
		Logical: TableLogical,
		Hash:    dynamo.Key{Name: attrPartner, Type: "S"},
		Range:   &dynamo.Key{Name: attrID, Type: "S"},
		Purpose: "partner bulk imports (shared/imports): status, counts, checkpoint offset, lease",
	}
}

// CreateTable creates the imports table and waits until it is active; an existing table is
// fine. For local runs and tests; Terraform owns it in AWS.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string) error {
	return dynamo.CreateTable(ctx, db, name, TableSchema())
}

// item is an import as stored.
type item struct {
	PartnerID   string    `dynamodbav:"partner_id"`
	ID          string    `dynamodbav:"id"`
	Kind        string    `dynamodbav:"kind"`
	Format      string    `dynamodbav:"format"`
	SizeBytes   int64     `dynamodbav:"size_bytes"`
	Status      string    `dynamodbav:"status"`
	Read        int64     `dynamodbav:"rows_read"`
	Applied     int64     `dynamodbav:"rows_applied"`
	Rejected    int64     `dynamodbav:"rows_rejected"`
	Offset      int64     `dynamodbav:"offset"`
	Line        int64     `dynamodbav:"line"`
	ETag        string    `dynamodbav:"etag,omitempty"`
	ReportKey   string    `dynamodbav:"report_key,omitempty"`
	Error       string    `dynamodbav:"error,omitempty"`
	Invocations int       `dynamodbav:"invocations"`
	CreatedAt   time.Time `dynamodbav:"created_at"`
	UploadedAt  time.Time `dynamodbav:"uploaded_at,omitempty"`
	StartedAt   time.Time `dynamodbav:"started_at,omitempty"`
	FinishedAt  time.Time `dynamodbav:"finished_at,omitempty"`
	UpdatedAt   time.Time `dynamodbav:"updated_at"`
	LeaseOwner  string    `dynamodbav:"lease_owner,omitempty"`
	LeaseUntil  time.Time `dynamodbav:"lease_until,omitempty"`
	Version     int64     `dynamodbav:"version"`
}

func itemOf(i Import) item {
	return item{PartnerID: i.PartnerID, ID: i.ID, Kind: i.Kind, Format: i.Format, SizeBytes: i.SizeBytes, Status: i.Status,
		Read: i.Counts.Read, Applied: i.Counts.Applied, Rejected: i.Counts.Rejected, Offset: i.Offset, Line: i.Line,
		ETag: i.ETag, ReportKey: i.ReportKey, Error: i.Error, Invocations: i.Invocations, CreatedAt: i.CreatedAt,
		UploadedAt: i.UploadedAt, StartedAt: i.StartedAt, FinishedAt: i.FinishedAt, UpdatedAt: i.UpdatedAt,
		LeaseOwner: i.LeaseOwner, LeaseUntil: i.LeaseUntil, Version: i.Version}
}

func (it item) imp() Import {
	return Import{PartnerID: it.PartnerID, ID: it.ID, Kind: it.Kind, Format: it.Format, SizeBytes: it.SizeBytes, Status: it.Status,
		Counts: Counts{Read: it.Read, Applied: it.Applied, Rejected: it.Rejected}, Offset: it.Offset, Line: it.Line,
		ETag: it.ETag, ReportKey: it.ReportKey, Error: it.Error, Invocations: it.Invocations, CreatedAt: it.CreatedAt,
		UploadedAt: it.UploadedAt, StartedAt: it.StartedAt, FinishedAt: it.FinishedAt, UpdatedAt: it.UpdatedAt,
		LeaseOwner: it.LeaseOwner, LeaseUntil: it.LeaseUntil, Version: it.Version}
}

// DynamoDB is the Store on the imports table.
type DynamoDB struct {
	db    *dynamodb.Client
	table string
}

// NewDynamoDB returns the store on table.
func NewDynamoDB(db *dynamodb.Client, table string) *DynamoDB { return &DynamoDB{db: db, table: table} }

func unavailable(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("imports %s: %w: %w", op, domain.ErrUnavailable, ctx.Err())
	}
	return fmt.Errorf("imports %s: %w: %w", op, domain.ErrUnavailable, err)
}

func (d *DynamoDB) put(ctx context.Context, imp Import, cond string, vals map[string]types.AttributeValue) error {
	m, err := attributevalue.MarshalMap(itemOf(imp))
	if err != nil {
		return fmt.Errorf("encode import %s: %w", imp.ID, err)
	}
	in := &dynamodb.PutItemInput{TableName: aws.String(d.table), Item: m, ConditionExpression: aws.String(cond)}
	if len(vals) > 0 {
		in.ExpressionAttributeValues = vals
	}
	_, err = d.db.PutItem(ctx, in)
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return domain.ErrConflict
	}
	if err != nil {
		return unavailable(ctx, "put "+imp.ID, err)
	}
	return nil
}

// Create implements Store.
func (d *DynamoDB) Create(ctx context.Context, imp Import) error {
	return d.put(ctx, imp, "attribute_not_exists(id)", nil)
}

// Update implements Store.
func (d *DynamoDB) Update(ctx context.Context, imp Import, prev int64) error {
	if imp.Version != prev+1 {
		return domain.ErrConflict
	}
	return d.put(ctx, imp, "version = :prev", map[string]types.AttributeValue{
		":prev": &types.AttributeValueMemberN{Value: strconv.FormatInt(prev, 10)}})
}

// Get implements Store.
func (d *DynamoDB) Get(ctx context.Context, partnerID, id string) (Import, error) {
	out, err := d.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(d.table), ConsistentRead: aws.Bool(true),
		Key: map[string]types.AttributeValue{
			attrPartner: &types.AttributeValueMemberS{Value: partnerID},
			attrID:      &types.AttributeValueMemberS{Value: id},
		}})
	if err != nil {
		return Import{}, unavailable(ctx, "get "+id, err)
	}
	if out.Item == nil {
		return Import{}, domain.ErrNotFound
	}
	var it item
	if err := attributevalue.UnmarshalMap(out.Item, &it); err != nil {
		return Import{}, fmt.Errorf("decode import %s: %w", id, err)
	}
	return it.imp(), nil
}

// List implements Store.
func (d *DynamoDB) List(ctx context.Context, partnerID, before string, limit int) ([]Import, bool, error) {
	cond := "partner_id = :p"
	vals := map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partnerID}}
	if before != "" {
		cond += " AND id < :b"
		vals[":b"] = &types.AttributeValueMemberS{Value: before}
	}
	in := &dynamodb.QueryInput{TableName: aws.String(d.table), KeyConditionExpression: aws.String(cond),
		ExpressionAttributeValues: vals, ScanIndexForward: aws.Bool(false), Limit: aws.Int32(int32(limit + 1))}
	var out []Import
	p := dynamodb.NewQueryPaginator(d.db, in)
	for p.HasMorePages() && len(out) <= limit {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, false, unavailable(ctx, "list", err)
		}
		for _, m := range page.Items {
			var it item
			if err := attributevalue.UnmarshalMap(m, &it); err != nil {
				return nil, false, fmt.Errorf("decode import: %w", err)
			}
			out = append(out, it.imp())
		}
	}
	more := len(out) > limit
	return out[:min(limit, len(out))], more, nil
}
