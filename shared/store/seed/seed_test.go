package seed

import (
	"reflect"
	"testing"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
)

func TestGenerateDeterministic(t *testing.T) {
	a, b := Generate(), Generate()
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate() returned different data on two calls, want identical")
	}
}

func TestGenerateValid(t *testing.T) {
	d := Generate()
	if len(d.Products) != 200 {
		t.Errorf("len(Products) = %d, want 200", len(d.Products))
	}
	cats := map[string]bool{}
	for _, c := range d.Categories {
		cats[c.ID] = true
	}
	ids, skus, slugs := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, p := range d.Products {
		if err := catalog.ValidateProduct(p); err != nil {
			t.Errorf("ValidateProduct(%s) = %v, want nil", p.ID, err)
		}
		if ids[p.ID] || skus[p.SKU] || slugs[p.Slug] {
			t.Errorf("product %s: duplicate id, sku or slug", p.ID)
		}
		ids[p.ID], skus[p.SKU], slugs[p.Slug] = true, true, true
		if !cats[p.Category] {
			t.Errorf("product %s: unknown category %q", p.ID, p.Category)
		}
	}
	for _, c := range d.Customers {
		if err := customers.Validate(c); err != nil {
			t.Errorf("customers.Validate(%s) = %v, want nil", c.ID, err)
		}
	}
	if len(d.Orders) < 10 {
		t.Errorf("len(Orders) = %d, want at least 10", len(d.Orders))
	}
	for _, o := range d.Orders {
		var sum int64
		for _, l := range o.Lines {
			if !ids[l.ProductID] {
				t.Errorf("order %s: unknown product %s", o.ID, l.ProductID)
			}
			sum += l.Total.Amount
		}
		if sum != o.Subtotal.Amount || o.Total.Amount != o.Subtotal.Amount+o.Shipping.Amount {
			t.Errorf("order %s: totals %+v do not add up to lines %d", o.ID, o, sum)
		}
		for i := 1; i < len(o.History); i++ {
			if !orders.CanTransition(o.History[i-1].Status, o.History[i].Status) {
				t.Errorf("order %s: history %v has an illegal step", o.ID, o.History)
			}
		}
	}
}
