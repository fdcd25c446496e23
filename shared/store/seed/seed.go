// Package seed generates the deterministic demo data every embedded backend starts with and
// that cmd/seed-dynamodb writes to DynamoDB: categories, about two hundred products, a few
// customers (keyed by fixed Cognito-style subs) and their orders, plus partner orders.
// The same call always returns the same data, so separate BFF processes agree on ids.
package seed

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/orders"
	"bffsuite.dev/shared/partners"
)

// Data is a complete data set.
type Data struct {
	Categories []catalog.Category
	Products   []catalog.Product
	Customers  []customers.Customer
	Orders     []orders.Order
}

// Base is the instant the seed data is dated from.
var Base = time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)

// Fixed ids other parts of the suite (docs, local sign-in, partner credentials) may rely on.
const (
	CustomerAlice = "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a01"
	CustomerBob   = "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a02"
	CustomerChloe = "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a03"
	CustomerDavid = "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a04"
	CustomerEmma  = "6f1c2a9e-3b4d-4e8f-9a0b-1c2d3e4f5a05"
	PartnerAcme   = "partner-acme"
	PartnerGlobex = "partner-globex"
	Currency      = "EUR"
)

type family struct {
	cat, parent, catName, parentName string
	brands                           []string
	kinds                            []string
	series                           []string
	attrs                            map[string][]string
	minPrice, maxPrice               int64 // minor units
	blurb                            string
}

var families = []family{
	{"headphones", "electronics", "Headphones", "Electronics",
		[]string{"Sonora", "Aurelio", "Bassline", "Northwave"},
		[]string{"Wireless Over-Ear Headphones", "Noise-Cancelling Earbuds", "Studio Monitor Headphones", "Sport Earphones"},
		[]string{"Pulse", "Quiet", "Air", "Pro", "Studio 2"},
		map[string][]string{"color": {"black", "silver", "midnight blue", "sand"}, "battery": {"20 h", "30 h", "40 h"}},
		2999, 34999, "Balanced sound with deep bass, a comfortable fit for all-day listening and fast USB-C charging."},
	{"speakers", "electronics", "Speakers", "Electronics",
		[]string{"Sonora", "Roomtone", "Bassline"},
		[]string{"Portable Bluetooth Speaker", "Smart Speaker", "Soundbar", "Bookshelf Speakers"},
		[]string{"Go", "Mini", "Max", "Arc", "One"},
		map[string][]string{"color": {"black", "white", "olive"}, "waterproof": {"IPX4", "IP67", "none"}},
		3999, 69999, "Room-filling sound from a compact cabinet, with multi-room pairing and a splash-proof finish."},
	{"cameras", "electronics", "Cameras", "Electronics",
		[]string{"Lumix Nord", "Fotora", "Clearview"},
		[]string{"Mirrorless Camera", "Action Camera", "Instant Camera", "Prime Lens 35mm"},
		[]string{"X10", "Trail", "Vista", "M5"},
		map[string][]string{"sensor": {"APS-C", "full frame", "1 inch"}, "color": {"black", "silver"}},
		8999, 189999, "Sharp detail in low light, fast autofocus and 4K video in a body that fits a jacket pocket."},
	{"cookware", "home", "Cookware", "Home & Kitchen",
		[]string{"Ferro & Co", "Casa Alta", "Kitchenly"},
		[]string{"Cast Iron Skillet", "Nonstick Frying Pan", "Stainless Saucepan", "Dutch Oven"},
		[]string{"Classic", "Chef", "Everyday", "Heritage"},
		map[string][]string{"diameter": {"20 cm", "24 cm", "28 cm"}, "material": {"cast iron", "stainless steel", "aluminium"}},
		1999, 24999, "Even heating on every hob including induction, oven-safe to 260 °C and built to last for decades."},
	{"coffee", "home", "Coffee & Tea", "Home & Kitchen",
		[]string{"Brewhaus", "Casa Alta", "Morning Ritual"},
		[]string{"Espresso Machine", "Burr Grinder", "Pour-Over Kettle", "French Press"},
		[]string{"Barista", "Slow", "Crema", "Origin"},
		map[string][]string{"color": {"matte black", "brushed steel", "cream"}, "capacity": {"0.6 l", "1 l", "1.7 l"}},
		2499, 89999, "Café-quality coffee at home: precise temperature, consistent grind and easy cleaning."},
	{"tents", "outdoor", "Tents", "Outdoor",
		[]string{"Ridgeline", "Alpenweg", "Trailkind"},
		[]string{"Backpacking Tent", "Family Dome Tent", "Ultralight Tarp Shelter", "Bivy Sack"},
		[]string{"2P", "3P", "Lite", "Summit", "Basecamp"},
		map[string][]string{"season": {"3-season", "4-season"}, "weight": {"1.1 kg", "1.9 kg", "4.5 kg"}},
		7999, 59999, "Pitches in minutes, stays dry in a downpour and packs small enough for long trails."},
	{"backpacks", "outdoor", "Backpacks", "Outdoor",
		[]string{"Ridgeline", "Trailkind", "Urbanpack"},
		[]string{"Hiking Daypack", "Trekking Backpack", "Commuter Backpack", "Hydration Pack"},
		[]string{"18", "28", "45", "Flow", "Venture"},
		map[string][]string{"volume": {"18 l", "28 l", "45 l", "60 l"}, "color": {"forest", "slate", "rust"}},
		3999, 27999, "A ventilated back panel, adjustable hip belt and a weatherproof shell for every kind of day out."},
	{"running-shoes", "apparel", "Running Shoes", "Apparel",
		[]string{"Stride", "Velox", "Northwave"},
		[]string{"Road Running Shoe", "Trail Running Shoe", "Racing Flat", "Recovery Shoe"},
		[]string{"Glide 5", "Tempo", "Rush", "Cloudrun", "Terra"},
		map[string][]string{"size": {"40", "41", "42", "43", "44", "45"}, "color": {"white/blue", "black", "neon yellow"}},
		5999, 22999, "A responsive foam midsole, a breathable knit upper and a grippy outsole for fast miles."},
	{"jackets", "apparel", "Jackets", "Apparel",
		[]string{"Alpenweg", "Nordkap", "Urbanpack"},
		[]string{"Rain Jacket", "Down Jacket", "Softshell Jacket", "Fleece Jacket"},
		[]string{"Storm", "Peak", "City", "Thermo"},
		map[string][]string{"size": {"S", "M", "L", "XL"}, "color": {"navy", "black", "red", "moss"}},
		4999, 39999, "Warm, windproof and packable, with taped seams and pockets where you need them."},
	{"books", "media", "Books", "Books & Media",
		[]string{"Greenleaf Press", "Atlas House", "Penwright"},
		[]string{"Cookbook", "Field Guide", "Travel Guide", "Photography Handbook"},
		[]string{"Alps", "Seasons", "Weekend", "Essentials", "Coast"},
		map[string][]string{"format": {"hardcover", "paperback"}, "language": {"en", "de", "fr"}},
		999, 4999, "Beautifully photographed and practical, written by people who know the subject first-hand."},
}

var imageSizes = []struct {
	name string
	w, h int
}{{"thumb", 160, 160}, {"small", 320, 320}, {"medium", 640, 640}, {"large", 1280, 1280}}

// Generate returns the standard data set.
func Generate() Data {
	return GenerateN(20)
}

// GenerateN returns a data set with perFamily products in each of the ten leaf categories.
func GenerateN(perFamily int) Data {
	r := rand.New(rand.NewPCG(20260105, 42))
	var d Data
	parents := map[string]bool{}
	for _, f := range families {
		if !parents[f.parent] {
			parents[f.parent] = true
			d.Categories = append(d.Categories, catalog.Category{ID: f.parent, Slug: f.parent, Name: f.parentName})
		}
		d.Categories = append(d.Categories, catalog.Category{ID: f.cat, Slug: f.cat, Name: f.catName, ParentID: f.parent})
	}
	n := 0
	for fi, f := range families {
		for i := range perFamily {
			n++
			brand := f.brands[(i+fi)%len(f.brands)]
			kind := f.kinds[i%len(f.kinds)]
			series := f.series[(i/len(f.kinds)+fi)%len(f.series)]
			name := fmt.Sprintf("%s %s %s", brand, series, kind)
			id := fmt.Sprintf("p-%04d", n)
			slug := slugify(name) + "-" + fmt.Sprintf("%04d", n)
			price := f.minPrice + r.Int64N((f.maxPrice-f.minPrice)/100+1)*100 - 1 // ends in .99
			if price < f.minPrice {
				price = f.minPrice
			}
			attrs := map[string]string{}
			for _, k := range slices.Sorted(maps.Keys(f.attrs)) { // map order would break determinism
				vs := f.attrs[k]
				attrs[k] = vs[r.IntN(len(vs))]
			}
			stock := int64(r.IntN(60))
			if n%13 == 0 {
				stock = 0
			} else if n%7 == 0 {
				stock = int64(1 + r.IntN(4))
			}
			var imgs []catalog.Image
			for _, s := range imageSizes {
				imgs = append(imgs, catalog.Image{Size: s.name, Width: s.w, Height: s.h,
					URL: fmt.Sprintf("https://images.example.com/products/%s/%s-%dx%d.jpg", id, s.name, s.w, s.h)})
			}
			d.Products = append(d.Products, catalog.Product{
				ID: id, SKU: fmt.Sprintf("%s-%s-%04d", strings.ToUpper(f.cat[:3]), strings.ToUpper(slugify(brand)[:3]), n),
				Slug: slug, Name: name, Category: f.cat, Brand: brand,
				Description: fmt.Sprintf("The %s from %s. %s", name, brand, f.blurb),
				Price:       catalog.Money{Amount: price, Currency: Currency},
				Images:      imgs, Attributes: attrs, Stock: stock,
				Rating: float64(30+r.IntN(21)) / 10, RatingCount: r.IntN(900),
				UpdatedAt: Base.Add(time.Duration(n) * 17 * time.Minute),
			})
		}
	}
	d.Customers = seedCustomers()
	d.Orders = seedOrders(d.Products, d.Customers, r)
	return d
}

func slugify(s string) string {
	var b strings.Builder
	dash := false
	for _, c := range strings.ToLower(s) {
		switch {
		case c >= 'a' && c <= 'z' || c >= '0' && c <= '9':
			b.WriteRune(c)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimSuffix(b.String(), "-")
}

func seedCustomers() []customers.Customer {
	type c struct {
		id, email, name, tier, city, postal, country, street, lang string
	}
	list := []c{
		{CustomerAlice, "demo@example.com", "Alice Martin", customers.TierGold, "Berlin", "10115", "DE", "Invalidenstraße 42", "de"},
		{CustomerBob, "admin@example.com", "Bob Nguyen", customers.TierStandard, "Amsterdam", "1012 AB", "NL", "Damrak 21", "en"},
		{CustomerChloe, "chloe.dubois@example.com", "Chloé Dubois", customers.TierSilver, "Lyon", "69002", "FR", "12 Rue de la République", "fr"},
		{CustomerDavid, "david.rossi@example.com", "David Rossi", customers.TierStandard, "Milano", "20121", "IT", "Via Dante 7", "it"},
		{CustomerEmma, "emma.berg@example.com", "Emma Berg", customers.TierGold, "Wien", "1010", "AT", "Graben 19", "de-AT"},
	}
	out := make([]customers.Customer, len(list))
	for i, x := range list {
		at := Base.Add(-time.Duration(90-i*7) * 24 * time.Hour)
		out[i] = customers.Customer{
			ID: x.id, Email: x.email, Name: x.name, Tier: x.tier,
			Addresses: []customers.Address{{Label: "home", Name: x.name, Line1: x.street, City: x.city, PostalCode: x.postal, Country: x.country, Default: true}},
			Preferences: customers.Preferences{Language: x.lang, Currency: Currency, Newsletter: i%2 == 0,
				Categories: []string{families[i%len(families)].cat}},
			CreatedAt: at, UpdatedAt: at, Version: 1,
		}
	}
	return out
}

func seedOrders(ps []catalog.Product, cs []customers.Customer, r *rand.Rand) []orders.Order {
	var out []orders.Order
	statuses := []orders.Status{orders.StatusDelivered, orders.StatusShipped, orders.StatusConfirmed, orders.StatusPending, orders.StatusCancelled}
	n := 0
	mk := func(customer string, ch orders.Channel, partner string, addr customers.Address) {
		n++
		created := Base.Add(time.Duration(n) * 5 * time.Hour)
		o := orders.Order{
			ID: fmt.Sprintf("ord_seed%04d", n), CustomerID: customer, Channel: ch, PartnerID: partner,
			ShippingAddress: addr, CreatedAt: created, Version: 1,
			History: []orders.StatusChange{{Status: orders.StatusPending, At: created}},
		}
		used := map[string]bool{}
		for range 1 + r.IntN(3) {
			p := ps[r.IntN(len(ps))]
			if used[p.ID] {
				continue
			}
			used[p.ID] = true
			q := int64(1 + r.IntN(2))
			l := orders.Line{ProductID: p.ID, SKU: p.SKU, Name: p.Name, Quantity: q, UnitPrice: p.Price,
				Total: catalog.Money{Amount: p.Price.Amount * q, Currency: Currency}}
			o.Lines = append(o.Lines, l)
			o.ItemCount += q
			o.Subtotal.Amount += l.Total.Amount
		}
		o.Subtotal.Currency, o.Shipping.Currency, o.Total.Currency = Currency, Currency, Currency
		if o.Subtotal.Amount < orders.FreeShippingMin {
			o.Shipping.Amount = orders.ShippingFee
		}
		o.Total.Amount = o.Subtotal.Amount + o.Shipping.Amount
		// Walk the lifecycle to the target status so the history is consistent.
		target := statuses[n%len(statuses)]
		path := map[orders.Status][]orders.Status{
			orders.StatusPending:   nil,
			orders.StatusConfirmed: {orders.StatusConfirmed},
			orders.StatusShipped:   {orders.StatusConfirmed, orders.StatusShipped},
			orders.StatusDelivered: {orders.StatusConfirmed, orders.StatusShipped, orders.StatusDelivered},
			orders.StatusCancelled: {orders.StatusCancelled},
		}[target]
		at := created
		o.Status = orders.StatusPending
		for _, s := range path {
			at = at.Add(26 * time.Hour)
			o.History = append(o.History, orders.StatusChange{Status: s, At: at})
			o.Status = s
			o.Version++
		}
		o.UpdatedAt = at
		out = append(out, o)
	}
	for i, c := range cs {
		for j := range 2 + i%3 {
			ch := orders.ChannelWeb
			if j%2 == 1 {
				ch = orders.ChannelMobile
			}
			mk(c.ID, ch, "", c.Addresses[0])
		}
	}
	warehouse := customers.Address{Name: "Acme Fulfilment", Line1: "Industriestraße 5", City: "Hamburg", PostalCode: "20095", Country: "DE"}
	for i := range 6 {
		partner := PartnerAcme
		if i%3 == 2 {
			partner = PartnerGlobex
		}
		mk(fmt.Sprintf("ext-%s-%03d", partner[len("partner-"):], i+1), orders.ChannelPartner, partner, warehouse)
	}
	return out
}

// Backends is where Load writes.
type Backends struct {
	Catalog   catalog.Backend
	Customers customers.Backend
	Orders    orders.Backend
}

// Load writes d through the backends. Orders are stored as they are, without reserving stock
// (the seed stock is the stock after those orders). It is idempotent: customers and orders
// that exist are left alone; categories and products are overwritten (stock reset).
func Load(ctx context.Context, b Backends, d Data) error {
	if err := b.Catalog.PutCategories(ctx, d.Categories); err != nil {
		return fmt.Errorf("seed categories: %w", err)
	}
	if err := b.Catalog.PutProducts(ctx, d.Products); err != nil {
		return fmt.Errorf("seed products: %w", err)
	}
	for _, c := range d.Customers {
		if err := b.Customers.PutCustomer(ctx, c, 0); err != nil && !errors.Is(err, domain.ErrConflict) {
			return fmt.Errorf("seed customer %s: %w", c.ID, err)
		}
	}
	for _, o := range d.Orders {
		if err := b.Orders.CreateOrder(ctx, o, nil); err != nil && !errors.Is(err, domain.ErrConflict) {
			return fmt.Errorf("seed order %s: %w", o.ID, err)
		}
	}
	return nil
}

// Partners returns the partner registry of local runs: the demo partner whose app client
// "demo-partner" the local identity provider serves (shared/identity/localidp).
func Partners() []partners.Partner {
	return []partners.Partner{{
		ID: "partner-acme", Name: "Acme Retail (local demo)", ClientID: "demo-partner",
		RateTier: "silver", Status: partners.StatusActive, ManagedBy: partners.ManagedByLocal,
	}}
}
