package dynamo

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/partners"
)

// TablePartners is the logical name of the partner registry table (env BFF_TABLE_PARTNERS).
const TablePartners = "partners"

// IndexPartnerClients lists the app clients of one partner (hash key "partner_id").
const IndexPartnerClients = "by_partner"

// PartnersTable declares the partner registry: one item per app client, hash key
// "client_id" (the hot path, bff-partner's GetItem per cache miss), index IndexPartnerClients
// on "partner_id" (the deploy CLI's idempotent add and disable). It belongs with Schema() so
// Terraform is checked against it.
func PartnersTable() Table {
	return Table{
		Logical: TablePartners, Hash: str("client_id"),
		Indexes: []Index{{Name: IndexPartnerClients, Hash: str("partner_id"), Projects: "ALL",
			Purpose: "ListByPartner (bffdeploy partner add/disable)"}},
		Purpose: "partner registry: app client -> partner, scopes, rate tier, status (bff-partner reads, bffdeploy writes)",
	}
}

// partnerItem is the stored shape of a partners.Partner.
type partnerItem struct {
	ClientID  string   `dynamodbav:"client_id"`
	PartnerID string   `dynamodbav:"partner_id"`
	Name      string   `dynamodbav:"name"`
	Scopes    []string `dynamodbav:"scopes,omitempty"`
	RateTier  string   `dynamodbav:"rate_tier"`
	Status    string   `dynamodbav:"status"`
	APIKeyID  string   `dynamodbav:"api_key_id,omitempty"`
	ManagedBy string   `dynamodbav:"managed_by,omitempty"`
	CreatedAt string   `dynamodbav:"created_at,omitempty"`
	UpdatedAt string   `dynamodbav:"updated_at,omitempty"`
}

func toPartnerItem(p partners.Partner) partnerItem {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	return partnerItem{ClientID: p.ClientID, PartnerID: p.ID, Name: p.Name, Scopes: p.Scopes, RateTier: p.RateTier,
		Status: p.Status, APIKeyID: p.APIKeyID, ManagedBy: p.ManagedBy, CreatedAt: ts(p.CreatedAt), UpdatedAt: ts(p.UpdatedAt)}
}

func (it partnerItem) partner() partners.Partner {
	ts := func(s string) time.Time {
		t, _ := time.Parse(time.RFC3339Nano, s) // Terraform-seeded records carry none
		return t
	}
	return partners.Partner{ID: it.PartnerID, Name: it.Name, ClientID: it.ClientID, Scopes: it.Scopes, RateTier: it.RateTier,
		Status: it.Status, APIKeyID: it.APIKeyID, ManagedBy: it.ManagedBy, CreatedAt: ts(it.CreatedAt), UpdatedAt: ts(it.UpdatedAt)}
}

// Partners is the partner registry backend on DynamoDB. Safe for concurrent use.
type Partners struct {
	db    *dynamodb.Client
	table string
}

var _ partners.Backend = (*Partners)(nil)

// NewPartners returns the registry backend on table.
func NewPartners(db *dynamodb.Client, table string) *Partners {
	return &Partners{db: db, table: table}
}

func decodePartner(m map[string]types.AttributeValue) (partners.Partner, error) {
	var it partnerItem
	if err := attributevalue.UnmarshalMap(m, &it); err != nil {
		return partners.Partner{}, fmt.Errorf("decode partner record: %w", err)
	}
	return it.partner(), nil
}

// GetByClient implements partners.Backend: one eventually consistent GetItem (the registry
// caches for longer than DynamoDB takes to converge).
func (s *Partners) GetByClient(ctx context.Context, clientID string) (partners.Partner, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.table),
		Key:       map[string]types.AttributeValue{"client_id": &types.AttributeValueMemberS{Value: clientID}},
	})
	if err != nil {
		return partners.Partner{}, mapErr(ctx, "get partner client", err)
	}
	if out.Item == nil {
		return partners.Partner{}, fmt.Errorf("partner client %s: %w", clientID, domain.ErrNotFound)
	}
	return decodePartner(out.Item)
}

// ListByPartner implements partners.Backend (Query on IndexPartnerClients).
func (s *Partners) ListByPartner(ctx context.Context, partnerID string) ([]partners.Partner, error) {
	var out []partners.Partner
	p := dynamodb.NewQueryPaginator(s.db, &dynamodb.QueryInput{
		TableName: aws.String(s.table), IndexName: aws.String(IndexPartnerClients),
		KeyConditionExpression:    aws.String("partner_id = :p"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":p": &types.AttributeValueMemberS{Value: partnerID}},
	})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(ctx, "query partner clients", err)
		}
		for _, m := range page.Items {
			pt, err := decodePartner(m)
			if err != nil {
				return nil, err
			}
			out = append(out, pt)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ClientID < out[j].ClientID })
	return out, nil
}

// List implements partners.Backend (Scan; for operators, never on a request path).
func (s *Partners) List(ctx context.Context) ([]partners.Partner, error) {
	var out []partners.Partner
	p := dynamodb.NewScanPaginator(s.db, &dynamodb.ScanInput{TableName: aws.String(s.table), ConsistentRead: aws.Bool(true)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, mapErr(ctx, "scan partners", err)
		}
		for _, m := range page.Items {
			pt, err := decodePartner(m)
			if err != nil {
				return nil, err
			}
			out = append(out, pt)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].ClientID < out[j].ClientID
	})
	return out, nil
}

// Create implements partners.Backend: a PutItem conditional on attribute_not_exists(client_id).
func (s *Partners) Create(ctx context.Context, p partners.Partner) error {
	if err := partners.Validate(p); err != nil {
		return err
	}
	item, err := attributevalue.MarshalMap(toPartnerItem(p))
	if err != nil {
		return fmt.Errorf("encode partner %s: %w", p.ID, err)
	}
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table), Item: item,
		ConditionExpression: aws.String("attribute_not_exists(client_id)"),
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return fmt.Errorf("partner client %s already registered: %w", p.ClientID, domain.ErrConflict)
	}
	return mapErr(ctx, "put partner", err)
}

// SetStatus implements partners.Backend: an UpdateItem conditional on the record existing.
func (s *Partners) SetStatus(ctx context.Context, clientID, status string, at time.Time) (partners.Partner, error) {
	if status != partners.StatusActive && status != partners.StatusSuspended {
		v := &domain.ValidationError{}
		v.Add("status", "invalid", "must be active or suspended")
		return partners.Partner{}, v
	}
	out, err := s.db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                aws.String(s.table),
		Key:                      map[string]types.AttributeValue{"client_id": &types.AttributeValueMemberS{Value: clientID}},
		UpdateExpression:         aws.String("SET #s = :s, updated_at = :u"),
		ConditionExpression:      aws.String("attribute_exists(client_id)"),
		ExpressionAttributeNames: map[string]string{"#s": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":s": &types.AttributeValueMemberS{Value: status},
			":u": &types.AttributeValueMemberS{Value: at.UTC().Format(time.RFC3339Nano)},
		},
		ReturnValues: types.ReturnValueAllNew,
	})
	var ccf *types.ConditionalCheckFailedException
	if errors.As(err, &ccf) {
		return partners.Partner{}, fmt.Errorf("partner client %s: %w", clientID, domain.ErrNotFound)
	}
	if err != nil {
		return partners.Partner{}, mapErr(ctx, "update partner status", err)
	}
	return decodePartner(out.Attributes)
}

// DecodePartner decodes a stored registry item, e.g. one Terraform writes for the seed partners
// (terraform/deploy/tfcheck checks those decode into valid records).
func DecodePartner(item map[string]types.AttributeValue) (partners.Partner, error) {
	return decodePartner(item)
}
