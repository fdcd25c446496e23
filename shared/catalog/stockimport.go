package catalog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"bffsuite.dev/shared/domain"
)

// StockImporter is implemented by backends that set stock conditionally on an import
// sequence (partner bulk imports, shared/imports): the stock is written only when no import
// with a higher sequence has written it, so a stale import never overwrites a newer one, and
// writing the same (stock, seq) again changes nothing (redeliveries).
type StockImporter interface {
	// ImportStock sets the product's stock to stock and its import sequence to seq when its
	// stored sequence is absent or <= seq; applied is false when a newer import won.
	ImportStock(ctx context.Context, id string, stock, seq int64, at time.Time) (applied bool, err error)
}

// ErrNoStockImport: the backend cannot apply stock imports.
var ErrNoStockImport = errors.New("catalog backend has no conditional stock import")

// ImportStock sets an absolute stock level from import seq (see StockImporter); UpdatedAt is
// set to now, so the change feed (updated_since) sees it. applied is false when a newer
// import already set this product's stock.
func (c *Client) ImportStock(ctx context.Context, id string, stock, seq int64) (bool, error) {
	if err := validID("id", id); err != nil {
		return false, err
	}
	if stock < 0 {
		v := &domain.ValidationError{}
		v.Add("stock", "out_of_range", "must not be negative")
		return false, v
	}
	si, ok := c.b.(StockImporter)
	if !ok {
		return false, ErrNoStockImport
	}
	applied, err := si.ImportStock(ctx, id, stock, seq, c.stamp())
	if err != nil {
		return false, fmt.Errorf("import stock of %s: %w", id, err)
	}
	c.invalidate()
	return applied, nil
}
