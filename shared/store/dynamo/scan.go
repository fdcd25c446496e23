package dynamo

import (
	"context"
	"fmt"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"bffsuite.dev/shared/orders"
)

// ScanOrders reads every order of the orders table in segments parallel scan segments and
// calls fn for each (concurrently from the segments: fn must be safe for that). The first
// error stops the scan. For the read-model rebuild (workers/cmd/rebuild-readmodels).
func ScanOrders(ctx context.Context, db *dynamodb.Client, table string, segments int, fn func(context.Context, orders.Order) error) error {
	segments = max(segments, 1)
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var wg sync.WaitGroup
	for seg := range segments {
		wg.Go(func() {
			p := dynamodb.NewScanPaginator(db, &dynamodb.ScanInput{TableName: aws.String(table),
				Segment: aws.Int32(int32(seg)), TotalSegments: aws.Int32(int32(segments)), ConsistentRead: aws.Bool(true)})
			for p.HasMorePages() && ctx.Err() == nil {
				page, err := p.NextPage(ctx)
				if err != nil {
					cancel(mapErr(ctx, "scan orders", err))
					return
				}
				for _, item := range page.Items {
					o, err := decodeOrder(item)
					if err == nil {
						err = fn(ctx, o)
					}
					if err != nil {
						cancel(fmt.Errorf("order %v: %w", item["id"], err))
						return
					}
				}
			}
		})
	}
	wg.Wait()
	return context.Cause(ctx) // nil unless a segment failed or the caller's context ended
}

// ReadModelsEmpty reports whether the read-model table holds no item (a rebuild starts from
// an empty read model).
func (r *ReadModels) ReadModelsEmpty(ctx context.Context) (bool, error) {
	out, err := r.db.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(r.table), Limit: aws.Int32(1)})
	if err != nil {
		return false, mapErr(ctx, "scan read models", err)
	}
	return len(out.Items) == 0, nil
}
