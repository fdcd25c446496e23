package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/domain"
)

// Product lists are paged with keyset cursors over the order (lower-case name, id), the order
// of catalog.SortName. A cursor holds the key of the last product sent, not an offset, so
// products added while an app pages (before or after its position) never make it see a
// product twice or skip one that existed when it started. The offset in the cursor is only
// a hint where to look.

// productCursor is the decoded cursor of a product list.
type productCursor struct {
	Version int    `json:"v"`
	Name    string `json:"n"` // lower-case name of the last product sent
	ID      string `json:"i"`
	Offset  int    `json:"o"` // its position when sent (a hint)
	Query   string `json:"q"` // hash of the query the cursor belongs to
}

const (
	cursorVersion = 1
	maxCursorLen  = 512
	scanPage      = catalog.MaxLimit // products read per catalog window
)

func queryHash(q catalog.Query) string {
	sum := sha256.Sum256([]byte(strings.Join([]string{q.Category, strings.ToLower(strings.TrimSpace(q.Text))}, "\x1f")))
	return base64.RawURLEncoding.EncodeToString(sum[:6])
}

func encodeCursor(c productCursor) string {
	b, _ := json.Marshal(c) // a struct of strings and ints always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(raw string, q catalog.Query) (productCursor, error) {
	var c productCursor
	bad := func(why string) error {
		return fmt.Errorf("product cursor: %s: %w", why, domain.ErrInvalidCursor)
	}
	if len(raw) > maxCursorLen {
		return c, bad("too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return c, bad("not base64url")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, bad("malformed")
	}
	switch {
	case c.Version != cursorVersion:
		return c, bad("unknown version")
	case c.ID == "" || c.Offset < 0:
		return c, bad("incomplete")
	case c.Query != queryHash(q):
		return c, bad("issued for another query")
	}
	return c, nil
}

// windowSize picks the catalog page size for a walk resuming after the product at offset
// start-1: the smallest size whose aligned window (SearchPage windows start at multiples of
// their size) holds that product and the limit products after it, so that when nothing
// changed one call serves the page and the window's first product confirms the position.
// The first page (start 0) needs just limit. Without such a size, scanPage.
func windowSize(start, limit int) int {
	if start == 0 {
		return max(limit, 1)
	}
	for size := limit + 1; size <= scanPage; size++ {
		if (start-1)/size*size+size >= start+limit {
			return size
		}
	}
	return scanPage
}

type sortKey struct{ name, id string }

func keyOf(p catalog.Product) sortKey { return sortKey{strings.ToLower(p.Name), p.ID} }

func (a sortKey) after(b sortKey) bool {
	if a.name != b.name {
		return a.name > b.name
	}
	return a.id > b.id
}

// productSearcher is what listing needs from the catalog.
type productSearcher interface {
	SearchPage(ctx context.Context, q catalog.Query, page, pageSize int) (catalog.SearchResult, error)
}

// productPage is one page of a product list.
type productPage struct {
	Items []catalog.Product
	Next  string
}

// listProducts returns up to limit products of q after the cursor position.
func listProducts(ctx context.Context, cat productSearcher, q catalog.Query, cur *productCursor, limit int) (productPage, error) {
	q.Sort = catalog.SortName
	var last *sortKey
	start := 0
	if cur != nil {
		last = &sortKey{cur.Name, cur.ID}
		start = cur.Offset + 1
	}
	size := windowSize(start, limit)
	page := max(start-1, 0)/size + 1
	res, err := cat.SearchPage(ctx, q, page, size)
	if err != nil {
		return productPage{}, fmt.Errorf("list products: %w", err)
	}
	// Move the window until it holds the first product after the cursor: earlier when
	// products before it went away, later when products were added before it.
	dir := 0
	for range res.Total/size + 2 {
		if last == nil || len(res.Items) == 0 && page == 1 {
			break
		}
		var move int
		switch {
		case len(res.Items) == 0 || page > 1 && keyOf(res.Items[0]).after(*last):
			move = -1
		case !keyOf(res.Items[len(res.Items)-1]).after(*last) && page*size < res.Total:
			move = 1
		}
		if move == 0 || dir != 0 && move != dir {
			break // found, or crossed: the loop below skips what is not after the cursor
		}
		dir = move
		page += move
		if res, err = cat.SearchPage(ctx, q, page, size); err != nil {
			return productPage{}, fmt.Errorf("list products: %w", err)
		}
	}
	out := productPage{Items: make([]catalog.Product, 0, limit)}
	lastIndex := -1
	for {
		for i, p := range res.Items {
			if last != nil && !keyOf(p).after(*last) {
				continue
			}
			if len(out.Items) == limit {
				k := keyOf(out.Items[limit-1])
				out.Next = encodeCursor(productCursor{Version: cursorVersion, Name: k.name, ID: k.id, Offset: lastIndex, Query: queryHash(q)})
				return out, nil
			}
			out.Items = append(out.Items, p)
			k := keyOf(p)
			last, lastIndex = &k, (page-1)*size+i
		}
		if len(out.Items) == limit && lastIndex+1 < res.Total {
			// Everything after lastIndex in this order sorts after the last key sent.
			k := keyOf(out.Items[limit-1])
			out.Next = encodeCursor(productCursor{Version: cursorVersion, Name: k.name, ID: k.id, Offset: lastIndex, Query: queryHash(q)})
			return out, nil
		}
		if len(out.Items) == limit || page*size >= res.Total {
			return out, nil
		}
		page++
		if res, err = cat.SearchPage(ctx, q, page, size); err != nil {
			return productPage{}, fmt.Errorf("list products: %w", err)
		}
	}
}
