package catalog

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"bffsuite.dev/shared/domain"
)

// Sort orders of a search.
const (
	SortRelevance = "relevance" // text score, then rating; without text: rating
	SortPriceAsc  = "price_asc"
	SortPriceDesc = "price_desc"
	SortName      = "name"
	SortNewest    = "newest" // UpdatedAt descending
	SortRating    = "rating"
)

var sorts = []string{SortRelevance, SortPriceAsc, SortPriceDesc, SortName, SortNewest, SortRating}

// Query filters and orders a product search. Zero values mean "no filter".
type Query struct {
	Category string // Category.ID; also matches its sub-categories
	Brand    string
	Text     string // every word must occur in name, brand, category or description
	MinPrice *int64 // minor units, inclusive
	MaxPrice *int64 // minor units, inclusive
	InStock  bool   // only products with stock > 0
	Sort     string // one of the Sort* constants; "" means relevance
	Cursor   string // NextCursor of the previous Page of the same query
	Limit    int    // 1..MaxLimit; 0 means DefaultLimit
}

// Page is one cursor page of results.
type Page struct {
	Items      []Product `json:"items"`
	NextCursor string    `json:"next_cursor,omitempty"` // empty on the last page
}

// FacetCount is how many products match a facet value.
type FacetCount struct {
	Value string `json:"value"`
	Count int    `json:"count"`
}

// PriceBand is a price facet: products with Min <= price < Max (Max 0: no upper bound).
type PriceBand struct {
	Min   int64 `json:"min"`
	Max   int64 `json:"max,omitempty"`
	Count int   `json:"count"`
}

// Facets summarise a search. Each facet is counted with every filter except its own, so a
// grid can offer the alternatives ("other brands") of the current selection.
type Facets struct {
	Categories []FacetCount `json:"categories"`
	Brands     []FacetCount `json:"brands"`
	PriceBands []PriceBand  `json:"price_bands"`
}

// SearchResult is one numbered page with the total count and facets.
type SearchResult struct {
	Items    []Product `json:"items"`
	Total    int       `json:"total"`
	Page     int       `json:"page"` // 1-based
	PageSize int       `json:"page_size"`
	Facets   Facets    `json:"facets"`
}

// priceBandBounds are the lower bounds of the price bands, in minor units.
var priceBandBounds = []int64{0, 2500, 5000, 10000, 25000, 50000}

func (q Query) validate() (Query, error) {
	v := &domain.ValidationError{}
	if q.Sort == "" {
		q.Sort = SortRelevance
	}
	if !slices.Contains(sorts, q.Sort) {
		v.Add("sort", "invalid", "must be one of "+strings.Join(sorts, ", "))
	}
	if q.Limit == 0 {
		q.Limit = DefaultLimit
	}
	if q.Limit < 1 || q.Limit > MaxLimit {
		v.Add("limit", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxLimit))
	}
	if len(q.Text) > MaxTextLength || !utf8.ValidString(q.Text) {
		v.Add("text", "invalid", fmt.Sprintf("must be valid text of at most %d bytes", MaxTextLength))
	}
	if len(q.Category) > MaxIDLength {
		v.Add("category", "invalid", "is not a valid identifier")
	}
	if len(q.Brand) > MaxTextLength {
		v.Add("brand", "invalid", "is too long")
	}
	if q.MinPrice != nil && *q.MinPrice < 0 {
		v.Add("min_price", "out_of_range", "must not be negative")
	}
	if q.MaxPrice != nil && *q.MaxPrice < 0 {
		v.Add("max_price", "out_of_range", "must not be negative")
	}
	if q.MinPrice != nil && q.MaxPrice != nil && *q.MinPrice > *q.MaxPrice {
		v.Add("min_price", "out_of_range", "must not exceed max_price")
	}
	return q, v.Err()
}

// binding is the normalised query a cursor is bound to (everything but Cursor and Limit).
func (q Query) binding() string {
	p := func(x *int64) string {
		if x == nil {
			return "-"
		}
		return strconv.FormatInt(*x, 10)
	}
	return strings.Join([]string{q.Category, q.Brand, strings.ToLower(strings.TrimSpace(q.Text)),
		p(q.MinPrice), p(q.MaxPrice), strconv.FormatBool(q.InStock), q.Sort}, "\x1f")
}

const searchScope = "catalog.search"

// SearchProducts returns one cursor page of the products matching q. The cursor is keyset
// based: it holds the sort key of the last product sent (see sortKey), signed and bound to
// the query, and the next page starts at the first product ranking after that key. Products
// added or removed while a client pages therefore never shift the rest of the walk: it sees
// no product twice, and skips none that existed throughout with an unchanged sort key.
func (c *Client) SearchProducts(ctx context.Context, q Query) (Page, error) {
	q, err := q.validate()
	if err != nil {
		return Page{}, err
	}
	var after *sortKey
	if q.Cursor != "" {
		pos, err := c.cursors.Decode(searchScope, q.binding(), q.Cursor)
		if err != nil {
			return Page{}, fmt.Errorf("search products: %w", err)
		}
		k, err := decodeSortKey(q.Sort, pos)
		if err != nil {
			return Page{}, fmt.Errorf("search products: %w", err)
		}
		after = &k
	}
	all, err := c.snapshot(ctx)
	if err != nil {
		return Page{}, fmt.Errorf("search products: %w", err)
	}
	cats, err := c.categoryTree(ctx, q.Category)
	if err != nil {
		return Page{}, fmt.Errorf("search products: %w", err)
	}
	hits := rank(selectHits(evaluate(all, q, cats, false), filterAll), q)
	start := 0
	if after != nil {
		// The first hit ranking after the cursor's key (keys are unique: they end in the id).
		start, _ = slices.BinarySearchFunc(hits, *after, func(h ranked, k sortKey) int {
			if compareKeys(q.Sort, h.key, k) <= 0 {
				return -1
			}
			return 1
		})
	}
	page := Page{Items: window(hits, start, q.Limit)}
	if end := start + q.Limit; end < len(hits) {
		page.NextCursor = c.cursors.Encode(searchScope, q.binding(), hits[end-1].key.encode(q.Sort))
	}
	return page, nil
}

// SearchPage returns page number page (1-based) of pageSize products matching q, with the
// total count and facets. q.Cursor and q.Limit are ignored.
func (c *Client) SearchPage(ctx context.Context, q Query, page, pageSize int) (SearchResult, error) {
	q.Cursor, q.Limit = "", pageSize
	q, err := q.validate()
	v, _ := domain.AsValidation(err)
	if v == nil {
		v = &domain.ValidationError{}
	}
	if page < 1 || page > 10000 {
		v.Add("page", "out_of_range", "must be between 1 and 10000")
	}
	if err := v.Err(); err != nil {
		return SearchResult{}, err
	}
	all, err := c.snapshot(ctx)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search page: %w", err)
	}
	cats, err := c.categoryTree(ctx, q.Category)
	if err != nil {
		return SearchResult{}, fmt.Errorf("search page: %w", err)
	}
	ms := evaluate(all, q, cats, true)
	hits := rank(selectHits(ms, filterAll), q)
	return SearchResult{
		Items:    window(hits, (page-1)*q.Limit, q.Limit),
		Total:    len(hits),
		Page:     page,
		PageSize: q.Limit,
		Facets:   facets(ms),
	}, nil
}

// categoryTree returns the set of category ids a Category filter matches: itself and its
// descendants. Nil when there is no category filter.
func (c *Client) categoryTree(ctx context.Context, root string) (map[string]bool, error) {
	if root == "" {
		return nil, nil
	}
	cs, err := c.categories(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{root: true}
	for changed := true; changed; {
		changed = false
		for _, cat := range cs {
			if set[cat.ParentID] && !set[cat.ID] {
				set[cat.ID], changed = true, true
			}
		}
	}
	return set, nil
}

// window copies out one page of ranked hits (pointers into the shared snapshot).
func window(hs []ranked, offset, limit int) []Product {
	if offset >= len(hs) {
		return []Product{}
	}
	end := min(offset+limit, len(hs))
	out := make([]Product, 0, end-offset)
	for _, h := range hs[offset:end] {
		out = append(out, h.p.Clone())
	}
	return out
}

type skip int

const (
	filterAll skip = iota
	skipCategory
	skipBrand
	skipPrice
)

type scored struct {
	p     *Product // into the snapshot: read-only, cloned by window
	score int
}

// match is one product evaluated once per search: its text score and which of the filters
// that facets leave out in turn it passes. Products failing the text or stock filter are not
// kept. (Searching used to re-filter and re-score the whole catalog once per facet.)
type match struct {
	scored
	inCategory, inBrand, inPrice bool
}

func terms(text string) []string {
	return strings.Fields(strings.ToLower(text))
}

// score returns how well p matches every term (0: some term does not occur).
func score(p *Product, ts []string) int {
	if len(ts) == 0 {
		return 1
	}
	name, brand, cat, desc := strings.ToLower(p.Name), strings.ToLower(p.Brand), strings.ToLower(p.Category), strings.ToLower(p.Description)
	total := 0
	for _, t := range ts {
		s := 0
		if strings.Contains(name, t) {
			s += 4
		}
		if strings.Contains(brand, t) {
			s += 3
		}
		if strings.Contains(cat, t) {
			s += 2
		}
		if strings.Contains(desc, t) {
			s++
		}
		if s == 0 {
			return 0
		}
		total += s
	}
	return total
}

// evaluate scores the products that can appear in the result: those passing every filter, and
// with forFacets also those failing exactly one of category, brand and price (each facet
// ignores its own filter). Products failing more are never scored.
func evaluate(all []Product, q Query, cats map[string]bool, forFacets bool) []match {
	ts := terms(q.Text)
	allowed := 0
	if forFacets {
		allowed = 1
	}
	out := make([]match, 0, len(all)/2)
	for i := range all {
		p := &all[i]
		if q.InStock && p.Stock <= 0 {
			continue
		}
		m := match{
			inCategory: cats == nil || cats[p.Category],
			inBrand:    q.Brand == "" || strings.EqualFold(p.Brand, q.Brand),
			inPrice:    (q.MinPrice == nil || p.Price.Amount >= *q.MinPrice) && (q.MaxPrice == nil || p.Price.Amount <= *q.MaxPrice),
		}
		fails := 0
		for _, ok := range [3]bool{m.inCategory, m.inBrand, m.inPrice} {
			if !ok {
				fails++
			}
		}
		if fails > allowed {
			continue
		}
		s := score(p, ts)
		if s == 0 {
			continue
		}
		m.scored = scored{p, s}
		out = append(out, m)
	}
	return out
}

// selectHits returns the matches that pass every filter but the one sk leaves out.
func selectHits(ms []match, sk skip) []scored {
	out := make([]scored, 0, len(ms))
	for _, m := range ms {
		if (sk == skipCategory || m.inCategory) && (sk == skipBrand || m.inBrand) && (sk == skipPrice || m.inPrice) {
			out = append(out, m.scored)
		}
	}
	return out
}

// sortKey is the position of a product in the order of one sort: the fields that sort
// compares, ending in the id, so no two products share a key. Only the fields of the sort in
// use are set; a search cursor holds the key of the last product of its page.
type sortKey struct {
	score       int     // relevance
	rating      float64 // relevance, rating
	ratingCount int     // rating
	price       int64   // price_asc, price_desc
	name        string  // name, lower-cased
	updated     time.Time
	id          string
}

func keyOf(h scored, sort string) sortKey {
	k := sortKey{id: h.p.ID}
	switch sort {
	case SortPriceAsc, SortPriceDesc:
		k.price = h.p.Price.Amount
	case SortName:
		k.name = strings.ToLower(h.p.Name)
	case SortNewest:
		k.updated = h.p.UpdatedAt.UTC()
	case SortRating:
		k.rating, k.ratingCount = h.p.Rating, h.p.RatingCount
	default:
		k.score, k.rating = h.score, h.p.Rating
	}
	return k
}

// compareKeys orders two keys of the same sort; ties break by id so pages are stable.
func compareKeys(sort string, a, b sortKey) int {
	var c int
	switch sort {
	case SortPriceAsc:
		c = cmp.Compare(a.price, b.price)
	case SortPriceDesc:
		c = cmp.Compare(b.price, a.price)
	case SortName:
		c = cmp.Compare(a.name, b.name)
	case SortNewest:
		c = b.updated.Compare(a.updated)
	case SortRating:
		c = cmp.Or(cmp.Compare(b.rating, a.rating), cmp.Compare(b.ratingCount, a.ratingCount))
	default:
		c = cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.rating, a.rating))
	}
	return cmp.Or(c, cmp.Compare(a.id, b.id))
}

// keyVersion tags the cursor position format, so a later format can tell old cursors apart.
const keyVersion = "k1"

// encode renders the key as a cursor position: a JSON array of the version and the fields
// of sort, so names and ids of any content round-trip.
func (k sortKey) encode(sort string) string {
	var fs []string
	switch sort {
	case SortPriceAsc, SortPriceDesc:
		fs = []string{strconv.FormatInt(k.price, 10)}
	case SortName:
		fs = []string{k.name}
	case SortNewest:
		fs = []string{k.updated.Format(KeyTimeFormat)}
	case SortRating:
		fs = []string{strconv.FormatFloat(k.rating, 'g', -1, 64), strconv.Itoa(k.ratingCount)}
	default:
		fs = []string{strconv.Itoa(k.score), strconv.FormatFloat(k.rating, 'g', -1, 64)}
	}
	b, _ := json.Marshal(append(append([]string{keyVersion}, fs...), k.id)) // strings always encode
	return string(b)
}

// decodeSortKey parses a position written by encode for sort. Every failure wraps
// domain.ErrInvalidCursor (the position was signed by us, so this only fails across format
// changes).
func decodeSortKey(sort, pos string) (sortKey, error) {
	bad := fmt.Errorf("cursor position: %w", domain.ErrInvalidCursor)
	var fs []string
	if err := json.Unmarshal([]byte(pos), &fs); err != nil || len(fs) < 3 || fs[0] != keyVersion {
		return sortKey{}, bad
	}
	k := sortKey{id: fs[len(fs)-1]}
	fs = fs[1 : len(fs)-1]
	var err error
	switch sort {
	case SortPriceAsc, SortPriceDesc:
		if len(fs) != 1 {
			return sortKey{}, bad
		}
		k.price, err = strconv.ParseInt(fs[0], 10, 64)
	case SortName:
		if len(fs) != 1 {
			return sortKey{}, bad
		}
		k.name = fs[0]
	case SortNewest:
		if len(fs) != 1 {
			return sortKey{}, bad
		}
		k.updated, err = time.Parse(KeyTimeFormat, fs[0])
	case SortRating:
		if len(fs) != 2 {
			return sortKey{}, bad
		}
		k.rating, err = strconv.ParseFloat(fs[0], 64)
		if err == nil {
			k.ratingCount, err = strconv.Atoi(fs[1])
		}
	default:
		if len(fs) != 2 {
			return sortKey{}, bad
		}
		k.score, err = strconv.Atoi(fs[0])
		if err == nil {
			k.rating, err = strconv.ParseFloat(fs[1], 64)
		}
	}
	if err != nil {
		return sortKey{}, bad
	}
	return k, nil
}

// ranked is a hit with its sort key.
type ranked struct {
	p   *Product // into the snapshot: read-only, cloned by window
	key sortKey
}

// rank orders hits by q.Sort (see compareKeys).
func rank(hits []scored, q Query) []ranked {
	out := make([]ranked, len(hits))
	for i, h := range hits {
		out[i] = ranked{h.p, keyOf(h, q.Sort)}
	}
	slices.SortFunc(out, func(a, b ranked) int { return compareKeys(q.Sort, a.key, b.key) })
	return out
}

// facets counts, for each facet, the matches of every other filter (a facet ignores its own).
func facets(ms []match) Facets {
	count := func(hits []scored, key func(*Product) string) []FacetCount {
		m := map[string]int{}
		for _, h := range hits {
			m[key(h.p)]++
		}
		out := make([]FacetCount, 0, len(m))
		for v, n := range m {
			out = append(out, FacetCount{Value: v, Count: n})
		}
		slices.SortFunc(out, func(a, b FacetCount) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) })
		return out
	}
	f := Facets{
		Categories: count(selectHits(ms, skipCategory), func(p *Product) string { return p.Category }),
		Brands:     count(selectHits(ms, skipBrand), func(p *Product) string { return p.Brand }),
	}
	bands := make([]PriceBand, len(priceBandBounds))
	for i, lo := range priceBandBounds {
		bands[i].Min = lo
		if i+1 < len(priceBandBounds) {
			bands[i].Max = priceBandBounds[i+1]
		}
	}
	for _, h := range selectHits(ms, skipPrice) {
		i, _ := slices.BinarySearch(priceBandBounds, h.p.Price.Amount+1)
		bands[i-1].Count++
	}
	f.PriceBands = bands
	return f
}

func sortedCategories(cs []Category) []Category {
	out := slices.Clone(cs)
	slices.SortFunc(out, func(a, b Category) int { return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID)) })
	return out
}

// ChangePage is one page of the change feed.
type ChangePage struct {
	Items []Product `json:"items"`
	// NextCursor resumes after the last item. It is set on every page, including the last,
	// so a partner stores it and polls again later without missing or repeating changes.
	NextCursor string `json:"next_cursor"`
	HasMore    bool   `json:"has_more"`
}

const changesScope = "catalog.changes"

// ChangedSince returns the products changed at or after since, ordered by (UpdatedAt, ID).
// With a cursor from a previous page, since is ignored and the feed resumes after that page.
// A product changed while a partner pages moves to the end of the feed, so it is delivered
// again with its new state and never skipped.
func (c *Client) ChangedSince(ctx context.Context, since time.Time, cur string, limit int) (ChangePage, error) {
	if limit == 0 {
		limit = DefaultLimit
	}
	if limit < 1 || limit > MaxLimit {
		v := &domain.ValidationError{}
		v.Add("limit", "out_of_range", fmt.Sprintf("must be between 1 and %d", MaxLimit))
		return ChangePage{}, v
	}
	after := since.UTC().Format(KeyTimeFormat) + "#" // sorts before every key at since
	if cur != "" {
		pos, err := c.cursors.Decode(changesScope, "", cur)
		if err != nil {
			return ChangePage{}, fmt.Errorf("changed since: %w", err)
		}
		if _, err := time.Parse(KeyTimeFormat, strings.SplitN(pos, "#", 2)[0]); err != nil {
			return ChangePage{}, fmt.Errorf("changed since: cursor position: %w", domain.ErrInvalidCursor)
		}
		after = pos
	}
	ps, more, err := c.b.ChangedAfter(ctx, after, limit)
	if err != nil {
		return ChangePage{}, fmt.Errorf("changed since %s: %w", after, err)
	}
	page := ChangePage{Items: make([]Product, 0, len(ps)), HasMore: more}
	last := after
	for _, p := range ps {
		page.Items = append(page.Items, p.Clone())
		last = ChangeKey(p.UpdatedAt, p.ID)
	}
	page.NextCursor = c.cursors.Encode(changesScope, "", last)
	return page, nil
}
