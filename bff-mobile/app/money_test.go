package app

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/money"
	"bffsuite.dev/shared/orders"
)

// TestPriceTexts: the display strings use shared/money, as bff-web does: grouping and the
// currency's minor units in the negotiated locale (mobile once sent "€1107.98" and "JPY 12.00").
func TestPriceTexts(t *testing.T) {
	const nb = "\u00a0"
	at := time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC)
	order := func(amount int64, currency string) orders.Order {
		m := catalog.Money{Amount: amount, Currency: currency}
		return orders.Order{ID: "ord_x", Status: orders.StatusPending, ItemCount: 1, Subtotal: m, Total: m,
			Shipping: catalog.Money{Currency: currency}, CreatedAt: at, UpdatedAt: at,
			Lines: []orders.Line{{ProductID: "p-1", Quantity: 1, UnitPrice: m, Total: m}}}
	}
	tests := []struct {
		amount                int64
		currency, loc         string
		wantTotal, wantShipTo string
	}{
		{110798, "EUR", "en-US", "€1,107.98", "€0.00"},
		{110798, "EUR", "de-DE", "1.107,98" + nb + "€", "0,00" + nb + "€"},
		{12, "JPY", "en-US", "¥12", "¥0"},
		{1234567, "JPY", "ja-JP", "￥1,234,567", "￥0"},
		{123456789, "USD", "en-GB", "US$1,234,567.89", "US$0.00"},
	}
	for _, tt := range tests {
		d := toOrderDetail(order(tt.amount, tt.currency), tt.loc)
		if d.TotalText != tt.wantTotal || d.SubtotalText != tt.wantTotal || d.Lines[0].TotalText != tt.wantTotal || d.ShippingText != tt.wantShipTo {
			t.Errorf("%d %s in %s: total %q, subtotal %q, line %q, shipping %q, want %q and shipping %q",
				tt.amount, tt.currency, tt.loc, d.TotalText, d.SubtotalText, d.Lines[0].TotalText, d.ShippingText, tt.wantTotal, tt.wantShipTo)
		}
		p := toProduct(catalog.Product{ID: "p-1", Price: catalog.Money{Amount: tt.amount, Currency: tt.currency}}, nil, 2, tt.loc)
		if p.PriceText != tt.wantTotal {
			t.Errorf("product price_text of %d %s in %s = %q, want %q", tt.amount, tt.currency, tt.loc, p.PriceText, tt.wantTotal)
		}
	}
}

// TestPriceTextLocale: over HTTP, Accept-Language picks the locale of the display strings
// (default en-US), named in Content-Language, with Vary: Accept-Language.
func TestPriceTextLocale(t *testing.T) {
	f := newFixture(t, nil)
	tok := f.newUser("locale")
	for _, tt := range []struct{ accept, want string }{{"", "en-US"}, {"de-DE,de;q=0.9", "de-DE"}, {"ja", "ja-JP"}} {
		r := f.do(req{method: "GET", path: "/v1/products/p-0001", token: tok, header: map[string]string{"Accept-Language": tt.accept}})
		if r.status != http.StatusOK {
			t.Fatalf("GET /v1/products/p-0001 = %d %s", r.status, r.body)
		}
		var p ProductDetail
		r.json(t, &p)
		if want := money.Format(p.Price, p.Currency, tt.want); p.PriceText != want || r.header.Get("Content-Language") != tt.want {
			t.Errorf("Accept-Language %q: price_text %q, Content-Language %q, want %q and %s", tt.accept, p.PriceText, r.header.Get("Content-Language"), want, tt.want)
		}
		if vary := r.header.Values("Vary"); !containsFold(vary, "Accept-Language") {
			t.Errorf("Accept-Language %q: Vary = %v, want Accept-Language", tt.accept, vary)
		}
	}
}

func containsFold(vs []string, want string) bool {
	for _, v := range vs {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), want) {
				return true
			}
		}
	}
	return false
}
