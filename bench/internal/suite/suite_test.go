package suite

import "testing"

func TestStockUnits(t *testing.T) {
	stock := SeedStock()
	units := StockUnits()
	var total int64
	for _, n := range stock {
		total += n
	}
	if int64(len(units)) != total {
		t.Fatalf("len(StockUnits()) = %d, want the seeded stock %d", len(units), total)
	}
	count := map[string]int64{}
	for _, s := range units {
		count[s]++
	}
	for sku, n := range stock {
		if count[sku] != n {
			t.Errorf("StockUnits() holds %s %d times, want %d", sku, count[sku], n)
		}
	}
	if len(units) > 1 && units[0] == units[1] {
		t.Errorf("StockUnits()[0:2] = %v, want two different SKUs (interleaved)", units[:2])
	}
}
