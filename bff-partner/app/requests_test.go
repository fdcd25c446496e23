package app

import (
	"testing"
)

// The partner's order body maps every member to the domain input (a partner address has no
// label and is never a profile default, so Label and Default stay empty).
func TestPlaceOrderInputMapsEveryMember(t *testing.T) {
	in := OrderInput{
		Lines:           []OrderLineInput{{SKU: "SKU-1", Quantity: 2}},
		ShippingAddress: Address{Name: "n", Line1: "l1", Line2: "l2", City: "c", PostalCode: "p", Country: "DE"},
	}
	got := toPlaceOrderInput(in, "partner-1", "ord_1")
	a := got.ShippingAddress
	for _, f := range []struct{ name, got, want string }{
		{"name", a.Name, "n"}, {"line1", a.Line1, "l1"}, {"line2", a.Line2, "l2"}, {"city", a.City, "c"},
		{"postal_code", a.PostalCode, "p"}, {"country", a.Country, "DE"},
		{"partner", got.PartnerID, "partner-1"}, {"order id", got.OrderID, "ord_1"},
	} {
		if f.got != f.want {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	if a.Label != "" || a.Default {
		t.Errorf("label, default = %q, %v, want empty", a.Label, a.Default)
	}
	if len(got.Lines) != 1 || got.Lines[0].SKU != "SKU-1" || got.Lines[0].Quantity != 2 || got.Lines[0].ProductID != "" {
		t.Errorf("lines = %+v, want [{SKU-1 2}]", got.Lines)
	}
}
