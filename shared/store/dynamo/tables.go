package dynamo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Logical table names.
const (
	TableCatalog   = "catalog"
	TableCustomers = "customers"
	TableOrders    = "orders"
)

// Index names.
const (
	IndexBySKU      = "by_sku"      // catalog: sku → product
	IndexBySlug     = "by_slug"     // catalog: slug → product or category
	IndexByChange   = "by_change"   // catalog: kind + change_key → whole catalog, change feed, categories
	IndexByCustomer = "by_customer" // orders: customer_id + list_key
	IndexByPartner  = "by_partner"  // orders: partner_id + list_key
)

// Tables holds the physical table names of the three logical tables.
type Tables struct {
	Catalog   string
	Customers string
	Orders    string
}

// TableNames returns prefix+"catalog", prefix+"customers", prefix+"orders".
func TableNames(prefix string) Tables {
	return Tables{Catalog: prefix + TableCatalog, Customers: prefix + TableCustomers, Orders: prefix + TableOrders}
}

// Name returns the physical name of a logical table.
func (t Tables) Name(logical string) string {
	switch logical {
	case TableCatalog:
		return t.Catalog
	case TableCustomers:
		return t.Customers
	case TableOrders:
		return t.Orders
	}
	return ""
}

// Validate reports an empty name.
func (t Tables) Validate() error {
	var errs []error
	for _, l := range []string{TableCatalog, TableCustomers, TableOrders} {
		if n := t.Name(l); len(n) < 3 || len(n) > 255 {
			errs = append(errs, fmt.Errorf("table name for %s %q: want 3-255 characters", l, n))
		}
	}
	return errors.Join(errs...)
}

// Key is one key attribute; all of ours are strings (DynamoDB type S).
type Key struct {
	Name string
	Type string // "S"
}

// Index is a global secondary index, projecting ALL attributes.
type Index struct {
	Name     string
	Hash     Key
	Range    *Key // nil: no sort key
	Purpose  string
	Sparse   bool // only items with the hash attribute are indexed
	Projects string
}

// Table is the declaration of one logical table: the single source of truth for the
// local tables created by CreateTables and for Terraform (terraform/ is tested against it).
// Billing is on-demand (PAY_PER_REQUEST) everywhere.
type Table struct {
	Logical      string
	Hash         Key
	Range        *Key
	Indexes      []Index
	TTLAttribute string // "" when the table has no TTL
	Purpose      string
	// StreamViewType enables the table's DynamoDB stream ("NEW_AND_OLD_IMAGES"); "" none.
	StreamViewType string
}

func str(n string) Key { return Key{Name: n, Type: "S"} }

// Schema returns the declaration of every logical table.
func Schema() []Table {
	return []Table{
		{
			Logical: TableCatalog, Hash: str("pk"),
			Purpose: `products ("PRODUCT#<id>") and categories ("CATEGORY#<id>")`,
			Indexes: []Index{
				{Name: IndexBySKU, Hash: str("sku"), Sparse: true, Projects: "ALL", Purpose: "GetProductBySKU"},
				{Name: IndexBySlug, Hash: str("slug"), Sparse: true, Projects: "ALL", Purpose: "GetProductBySlug"},
				{Name: IndexByChange, Hash: str("kind"), Range: ptrKey(str("change_key")), Projects: "ALL",
					Purpose: "ChangedSince, whole-catalog read for search, ListCategories"},
			},
		},
		{Logical: TableCustomers, Hash: str("id"), Purpose: "customer profiles keyed by Cognito sub"},
		{
			Logical: TableOrders, Hash: str("id"), Purpose: "orders keyed by order id",
			// The stream is the outbox of the order events (workers/cmd/order-events).
			StreamViewType: string(types.StreamViewTypeNewAndOldImages),
			Indexes: []Index{
				{Name: IndexByCustomer, Hash: str("customer_id"), Range: ptrKey(str("list_key")), Sparse: true, Projects: "ALL", Purpose: "ListOrdersByCustomer"},
				{Name: IndexByPartner, Hash: str("partner_id"), Range: ptrKey(str("list_key")), Sparse: true, Projects: "ALL", Purpose: "ListOrdersByPartner"},
			},
		},
	}
}

func ptrKey(k Key) *Key { return &k }

// Definition returns the CreateTable input of table t under name (on-demand billing, every
// index projecting all attributes). TTL is set separately (UpdateTimeToLive).
func (t Table) Definition(name string) dynamodb.CreateTableInput {
	attrs := map[string]bool{}
	var defs []types.AttributeDefinition
	add := func(k Key) {
		if !attrs[k.Name] {
			attrs[k.Name] = true
			defs = append(defs, types.AttributeDefinition{AttributeName: aws.String(k.Name), AttributeType: types.ScalarAttributeType(k.Type)})
		}
	}
	schema := func(h Key, r *Key) []types.KeySchemaElement {
		add(h)
		ks := []types.KeySchemaElement{{AttributeName: aws.String(h.Name), KeyType: types.KeyTypeHash}}
		if r != nil {
			add(*r)
			ks = append(ks, types.KeySchemaElement{AttributeName: aws.String(r.Name), KeyType: types.KeyTypeRange})
		}
		return ks
	}
	in := dynamodb.CreateTableInput{
		TableName:   aws.String(name),
		KeySchema:   schema(t.Hash, t.Range),
		BillingMode: types.BillingModePayPerRequest,
	}
	for _, ix := range t.Indexes {
		in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, types.GlobalSecondaryIndex{
			IndexName:  aws.String(ix.Name),
			KeySchema:  schema(ix.Hash, ix.Range),
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		})
	}
	in.AttributeDefinitions = defs
	if t.StreamViewType != "" {
		in.StreamSpecification = &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewType(t.StreamViewType)}
	}
	return in
}

// TableDefinitions returns the CreateTable inputs of every table under the given names, in
// Schema order (on-demand billing).
func TableDefinitions(names Tables) []dynamodb.CreateTableInput {
	var out []dynamodb.CreateTableInput
	for _, t := range Schema() {
		out = append(out, t.Definition(names.Name(t.Logical)))
	}
	return out
}

// CreateTable creates one table from its declaration under name (an existing table is
// fine), waits until it is active and enables its TTL. For local runs and tests; Terraform
// owns the tables in AWS.
func CreateTable(ctx context.Context, db *dynamodb.Client, name string, t Table) error {
	in := t.Definition(name)
	_, err := db.CreateTable(ctx, &in)
	var inUse *types.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("create table %s: %w", name, err)
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 2*time.Second
	})
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(name)}, 2*time.Minute); err != nil {
		return fmt.Errorf("wait for table %s: %w", name, err)
	}
	if t.TTLAttribute == "" {
		return nil
	}
	_, err = db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(name),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)}})
	if err != nil && !isTTLAlreadyEnabled(err) {
		return fmt.Errorf("enable TTL on %s: %w", name, err)
	}
	return nil
}

// CreateTables creates every table that does not exist yet and waits until all are active.
func CreateTables(ctx context.Context, db *dynamodb.Client, names Tables) error {
	for _, in := range TableDefinitions(names) {
		_, err := db.CreateTable(ctx, &in)
		var inUse *types.ResourceInUseException
		if err != nil && !errors.As(err, &inUse) {
			return fmt.Errorf("create table %s: %w", aws.ToString(in.TableName), err)
		}
	}
	w := dynamodb.NewTableExistsWaiter(db, func(o *dynamodb.TableExistsWaiterOptions) {
		o.MinDelay, o.MaxDelay = 50*time.Millisecond, 2*time.Second
	})
	for _, in := range TableDefinitions(names) {
		if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: in.TableName}, 2*time.Minute); err != nil {
			return fmt.Errorf("wait for table %s: %w", aws.ToString(in.TableName), err)
		}
	}
	for _, t := range Schema() {
		if t.TTLAttribute == "" {
			continue
		}
		_, err := db.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(names.Name(t.Logical)),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(t.TTLAttribute), Enabled: aws.Bool(true)}})
		if err != nil {
			return fmt.Errorf("enable TTL on %s: %w", names.Name(t.Logical), err)
		}
	}
	return nil
}

// DeleteTables deletes the tables (tests, local resets); missing tables are ignored.
func DeleteTables(ctx context.Context, db *dynamodb.Client, names Tables) error {
	var errs []error
	for _, in := range TableDefinitions(names) {
		_, err := db.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: in.TableName})
		var nf *types.ResourceNotFoundException
		if err != nil && !errors.As(err, &nf) {
			errs = append(errs, fmt.Errorf("delete table %s: %w", aws.ToString(in.TableName), err))
		}
	}
	return errors.Join(errs...)
}
