package money_test

import (
	"strings"
	"testing"

	"bffsuite.dev/shared/money"
)

// TestFormat: minor units per ISO 4217, grouping and symbols per locale, for every client.
func TestFormat(t *testing.T) {
	const nb, nnb = "\u00a0", "\u202f"
	tests := []struct {
		amount        int64
		currency, loc string
		want          string
	}{
		{123456, "USD", "en-US", "$1,234.56"},
		{123456, "EUR", "en-US", "€1,234.56"},
		{123456, "GBP", "en-GB", "£1,234.56"},
		{123456, "USD", "en-GB", "US$1,234.56"},
		{123456, "EUR", "de-DE", "1.234,56" + nb + "€"},
		{123456, "USD", "de-DE", "1.234,56" + nb + "$"},
		{123456, "EUR", "fr-FR", "1" + nnb + "234,56" + nb + "€"},
		{123456, "GBP", "fr-FR", "1" + nnb + "234,56" + nb + "£GB"},
		{123456, "JPY", "ja-JP", "￥123,456"},
		{123456, "JPY", "en-US", "¥123,456"},
		{123456, "JPY", "de-DE", "123.456" + nb + "¥"},
		{123456, "EUR", "ja-JP", "€1,234.56"},
		{5, "EUR", "en-US", "€0.05"},
		{0, "GBP", "en-GB", "£0.00"},
		{-1999, "USD", "en-US", "-$19.99"},
		{100000000, "USD", "en-US", "$1,000,000.00"},
		{1999, "CHF", "en-US", "CHF" + nb + "19.99"},
		{1999, "EUR", "xx-YY", "€19.99"},
		// the amounts of issue 15: mobile showed "€1107.98" and "JPY 12.00"
		{110798, "EUR", "en-US", "€1,107.98"},
		{12, "JPY", "en-US", "¥12"},
		{12, "JPY", "fr-FR", "12" + nb + "JPY"},
		{1234567, "JPY", "ja-JP", "￥1,234,567"},
		// three- and zero-decimal currencies without a symbol here
		{1234567, "KWD", "en-US", "KWD" + nb + "1,234.567"},
		{1234567, "KWD", "de-DE", "1.234,567" + nb + "KWD"},
		{5, "BHD", "en-US", "BHD" + nb + "0.005"},
		{1234567, "KRW", "en-GB", "KRW" + nb + "1,234,567"},
		{-50, "JPY", "en-US", "-¥50"},
		{100, "EUR", "de-DE", "1,00" + nb + "€"},
		{99, "USD", "fr-FR", "0,99" + nb + "$US"},
	}
	for _, tt := range tests {
		if got := money.Format(tt.amount, tt.currency, tt.loc); got != tt.want {
			t.Errorf("money.Format(%d, %s, %s) = %q, want %q", tt.amount, tt.currency, tt.loc, got, tt.want)
		}
	}
}

func TestNegotiateLocale(t *testing.T) {
	tests := []struct{ header, want string }{
		{"", "en-US"},
		{"de-DE", "de-DE"},
		{"de-AT,de;q=0.9", "de-DE"},
		{"fr-CA", "fr-FR"},
		{"en-GB,en;q=0.8", "en-GB"},
		{"en", "en-US"},
		{"ja", "ja-JP"},
		{"es-ES,fr;q=0.5,de;q=0.7", "de-DE"},
		{"es-ES", "en-US"},
		{"*", "en-US"},
		{"de;q=0,fr", "fr-FR"},
		{"de;q=abc,fr;q=0.1", "fr-FR"},
		{"DE-de", "de-DE"},
		{strings.Repeat("x", 100) + ",ja", "ja-JP"},
	}
	for _, tt := range tests {
		if got := money.NegotiateLocale(tt.header); got != tt.want {
			t.Errorf("money.NegotiateLocale(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestMinorUnits(t *testing.T) {
	tests := []struct {
		currency string
		want     int
	}{
		{"EUR", 2}, {"USD", 2}, {"GBP", 2}, {"CHF", 2}, {"JPY", 0}, {"KRW", 0}, {"ISK", 0},
		{"BHD", 3}, {"KWD", 3}, {"TND", 3}, {"CLF", 4}, {"XYZ", 2},
	}
	for _, tt := range tests {
		if got := money.MinorUnits(tt.currency); got != tt.want {
			t.Errorf("MinorUnits(%s) = %d, want %d", tt.currency, got, tt.want)
		}
	}
}
