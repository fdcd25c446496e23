// Package money formats amounts for people: the one place where minor units (ISO 4217
// exponents), digit grouping, decimal marks and currency symbols are decided, used by every
// BFF that sends a display string (bff-web's "formatted", bff-mobile's "*_text"). Amounts are
// integers in the currency's minor unit (cents for EUR, yen for JPY), as everywhere in the
// suite; partners get the integers only.
package money

import (
	"sort"
	"strconv"
	"strings"
)

// Locales are the locales Format knows; the first is the default.
var Locales = []string{"en-US", "en-GB", "de-DE", "fr-FR", "ja-JP"}

// DefaultLocale is what Format and NegotiateLocale fall back to.
const DefaultLocale = "en-US"

// localeFormat is how one locale writes numbers and where it puts the currency.
type localeFormat struct {
	group, decimal string
	suffix         bool              // symbol after the number ("12,99 €")
	space          string            // between number and symbol when suffixed
	symbols        map[string]string // ISO 4217 → symbol in this locale
}

// Number and currency conventions after CLDR for our five locales and four currencies.
var formats = map[string]localeFormat{
	"en-US": {group: ",", decimal: ".", symbols: map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}},
	"en-GB": {group: ",", decimal: ".", symbols: map[string]string{"USD": "US$", "EUR": "€", "GBP": "£", "JPY": "JP¥"}},
	"de-DE": {group: ".", decimal: ",", suffix: true, space: "\u00a0", symbols: map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}},
	"fr-FR": {group: "\u202f", decimal: ",", suffix: true, space: "\u00a0", symbols: map[string]string{"USD": "$US", "EUR": "€", "GBP": "£GB", "JPY": "JPY"}},
	"ja-JP": {group: ",", decimal: ".", symbols: map[string]string{"USD": "$", "EUR": "€", "GBP": "£", "JPY": "￥"}},
}

// MinorUnits is the number of decimals of a currency: its ISO 4217 minor unit (exponent).
// Codes not listed here have 2, as most currencies do.
func MinorUnits(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI",
		"VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	case "CLF", "UYW":
		return 4
	}
	return 2
}

// Format renders amount minor units of currency for locale, with the currency's minor units
// and the locale's grouping, decimal mark and symbol placement: 123456 EUR is "€1,234.56" in
// en-US and "1.234,56 €" in de-DE, 123456 JPY is "¥123,456". Unknown locales use en-US;
// currencies without a symbol in the locale show their ISO code.
func Format(amount int64, currency, locale string) string {
	f, ok := formats[locale]
	if !ok {
		f = formats[DefaultLocale]
	}
	sym, ok := f.symbols[currency]
	if !ok {
		sym = currency
		if !f.suffix {
			sym += "\u00a0"
		}
	}
	neg := amount < 0
	if neg {
		amount = -amount
	}
	digits := MinorUnits(currency)
	div := int64(1)
	for range digits {
		div *= 10
	}
	whole, frac := amount/div, amount%div
	ws := strconv.FormatInt(whole, 10)
	var b strings.Builder
	for i, r := range ws {
		if i > 0 && (len(ws)-i)%3 == 0 {
			b.WriteString(f.group)
		}
		b.WriteRune(r)
	}
	num := b.String()
	if digits > 0 {
		fs := strconv.FormatInt(frac, 10)
		num += f.decimal + strings.Repeat("0", digits-len(fs)) + fs
	}
	var out string
	if f.suffix {
		out = num + f.space + sym
	} else {
		out = sym + num
	}
	if neg {
		out = "-" + out
	}
	return out
}

// NegotiateLocale picks the best supported locale for an Accept-Language header (RFC 9110
// section 12.5.4): by q-value, exact tags first, then the language alone (de-AT → de-DE).
// Malformed entries are ignored; nothing acceptable gives DefaultLocale.
func NegotiateLocale(header string) string {
	type entry struct {
		tag string
		q   float64
		pos int
	}
	var entries []entry
	for i, part := range strings.Split(header, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		tag, params, _ := strings.Cut(part, ";")
		q := 1.0
		if params != "" {
			k, v, ok := strings.Cut(strings.TrimSpace(params), "=")
			if !ok || strings.TrimSpace(k) != "q" {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		if q == 0 || len(tag) > 35 {
			continue
		}
		entries = append(entries, entry{strings.TrimSpace(tag), q, i})
	}
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].q > entries[j].q })
	for _, e := range entries {
		if e.tag == "*" {
			return DefaultLocale
		}
		for _, l := range Locales {
			if strings.EqualFold(e.tag, l) {
				return l
			}
		}
		lang, _, _ := strings.Cut(e.tag, "-")
		for _, l := range Locales {
			if strings.EqualFold(lang, l[:2]) {
				return l
			}
		}
	}
	return DefaultLocale
}
