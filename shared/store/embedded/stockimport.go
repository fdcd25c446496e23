package embedded

import (
	"context"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/faults"
)

// ImportStock implements catalog.StockImporter: the stock is set when no import with a higher
// sequence set it before.
func (v catalogView) ImportStock(ctx context.Context, id string, stock, seq int64, at time.Time) (bool, error) {
	if err := v.s.inject(ctx, faults.Catalog); err != nil {
		return false, err
	}
	v.s.mu.Lock()
	defer v.s.mu.Unlock()
	p, ok := v.s.products[id]
	if !ok {
		return false, domain.ErrNotFound
	}
	if v.s.stockSeq == nil {
		v.s.stockSeq = map[string]int64{}
	}
	if prev, ok := v.s.stockSeq[id]; ok && prev > seq {
		return false, nil
	}
	v.s.stockSeq[id] = seq
	p.Stock, p.UpdatedAt = stock, later(p.UpdatedAt, at)
	v.s.products[id] = p
	v.s.list = nil
	return true, nil
}
