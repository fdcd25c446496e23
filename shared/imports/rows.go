package imports

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Columns of each kind, in CSV header order (NDJSON uses the same names as object keys).
var columns = map[string][]string{
	KindInventory: {"sku", "quantity"},
	KindCatalog:   {"sku", "name", "description", "price", "currency"},
}

// Columns returns the columns of kind (the CSV header must be exactly these).
func Columns(kind string) []string { return append([]string(nil), columns[kind]...) }

// Limits of row values.
const (
	MaxQuantity    = 1_000_000_000
	MaxNameLen     = 200
	MaxDescription = 4000
	MaxSKULen      = 128
)

// ColumnRow is the column of a rejection that concerns the whole row (syntax, field count).
const ColumnRow = "*"

// Rejection is one line of the rejection report.
type Rejection struct {
	Row    int64  // 1-based line of the file
	Column string // a column name, or ColumnRow
	Reason string
}

// row is a validated row.
type row struct {
	line        int64
	sku         string
	quantity    int64
	name, desc  string
	priceMinor  int64
	currency    string
	rejectedCol string
	reason      string
}

func (r *row) reject(col, reason string) {
	if r.reason == "" {
		r.rejectedCol, r.reason = col, reason
	}
}

// parseLine validates one non-blank line of kind and format.
func parseLine(kind, format string, line []byte, n int64) row {
	r := row{line: n}
	if !utf8.Valid(line) {
		r.reject(ColumnRow, "not UTF-8")
		return r
	}
	vals := map[string]string{}
	cols := columns[kind]
	switch format {
	case FormatCSV:
		var fields []string
		if bytes.IndexByte(line, '"') < 0 {
			fields = strings.Split(string(line), ",")
		} else {
			cr := csv.NewReader(bytes.NewReader(line))
			cr.FieldsPerRecord = -1
			rec, err := cr.Read()
			if err != nil {
				r.reject(ColumnRow, "malformed CSV (quoted fields must close on the same line)")
				return r
			}
			fields = rec
		}
		if len(fields) != len(cols) {
			r.reject(ColumnRow, fmt.Sprintf("want %d fields, got %d", len(cols), len(fields)))
			return r
		}
		for i, c := range cols {
			vals[c] = fields[i]
		}
	case FormatNDJSON:
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(line, &obj); err != nil {
			r.reject(ColumnRow, "not a JSON object")
			return r
		}
		for _, c := range cols {
			raw, ok := obj[c]
			if !ok {
				continue
			}
			var s string
			if err := json.Unmarshal(raw, &s); err == nil {
				vals[c] = s
			} else {
				vals[c] = string(raw) // numbers (quantity) as their literal
			}
		}
	}
	r.sku = strings.TrimSpace(vals["sku"])
	switch {
	case r.sku == "":
		r.reject("sku", "required")
	case len(r.sku) > MaxSKULen || strings.ContainsAny(r.sku, "#\x00"):
		r.reject("sku", "not a valid SKU")
	}
	switch kind {
	case KindInventory:
		q := strings.TrimSpace(vals["quantity"])
		v, err := strconv.ParseInt(q, 10, 64)
		switch {
		case q == "":
			r.reject("quantity", "required")
		case err != nil:
			r.reject("quantity", "not an integer")
		case v < 0:
			r.reject("quantity", "must not be negative")
		case v > MaxQuantity:
			r.reject("quantity", fmt.Sprintf("must be at most %d", MaxQuantity))
		}
		r.quantity = v
	case KindCatalog:
		r.name, r.desc = strings.TrimSpace(vals["name"]), vals["description"]
		switch {
		case r.name == "":
			r.reject("name", "required")
		case utf8.RuneCountInString(r.name) > MaxNameLen:
			r.reject("name", fmt.Sprintf("longer than %d characters", MaxNameLen))
		}
		if utf8.RuneCountInString(r.desc) > MaxDescription {
			r.reject("description", fmt.Sprintf("longer than %d characters", MaxDescription))
		}
		p, ok := parsePrice(strings.TrimSpace(vals["price"]))
		if !ok {
			r.reject("price", "not a decimal amount with at most 2 decimals, e.g. 12.50")
		}
		r.priceMinor = p
		r.currency = strings.TrimSpace(vals["currency"])
		if len(r.currency) != 3 || strings.ToUpper(r.currency) != r.currency || strings.ContainsAny(r.currency, "0123456789 ") {
			r.reject("currency", "not an ISO 4217 code such as EUR")
		}
	}
	return r
}

// parsePrice parses "12", "12.5" or "12.50" into minor units.
func parsePrice(s string) (int64, bool) {
	whole, frac, _ := strings.Cut(s, ".")
	if whole == "" || len(frac) > 2 || strings.HasPrefix(whole, "-") || strings.HasPrefix(whole, "+") {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || w > math.MaxInt64/1000 {
		return 0, false
	}
	f := int64(0)
	if frac != "" {
		for len(frac) < 2 {
			frac += "0"
		}
		if f, err = strconv.ParseInt(frac, 10, 64); err != nil || f < 0 {
			return 0, false
		}
	}
	return w*100 + f, true
}

// checkHeader validates a CSV header line.
func checkHeader(kind string, line []byte) error {
	line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
	got := strings.Split(strings.ToLower(strings.TrimSpace(string(line))), ",")
	for i := range got {
		got[i] = strings.TrimSpace(got[i])
	}
	if strings.Join(got, ",") != strings.Join(columns[kind], ",") {
		return fmt.Errorf("CSV header is %q, want %q", strings.TrimSpace(string(line)), strings.Join(columns[kind], ","))
	}
	return nil
}
