package app

import (
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/config"
)

func TestFormatMoney(t *testing.T) {
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
	}
	for _, tt := range tests {
		if got := formatMoney(tt.amount, tt.currency, tt.loc); got != tt.want {
			t.Errorf("formatMoney(%d, %s, %s) = %q, want %q", tt.amount, tt.currency, tt.loc, got, tt.want)
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
		if got := negotiateLocale(tt.header); got != tt.want {
			t.Errorf("negotiateLocale(%q) = %q, want %q", tt.header, got, tt.want)
		}
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		lambda  bool
		wantErr string
	}{
		{"defaults", nil, false, ""},
		{"keys required on Lambda", nil, true, "BFF_SESSION_KEYS is required on Lambda"},
		{"keys on Lambda", map[string]string{"BFF_SESSION_KEYS": testKey, "BFF_COGNITO_USER_POOL_ID": "eu-west-1_abc", "AWS_REGION": "eu-west-1", "BFF_COGNITO_CLIENT_IDS": "c", "BFF_COGNITO_APP_CLIENT_ID": "c"}, true, ""},
		{"short key", map[string]string{"BFF_SESSION_KEYS": "c2hvcnQ="}, false, "BFF_SESSION_KEYS: session: key 1 has 5 bytes"},
		{"samesite", map[string]string{"BFF_COOKIE_SAMESITE": "sometimes"}, false, "BFF_COOKIE_SAMESITE must be"},
		{"none needs secure", map[string]string{"BFF_COOKIE_SAMESITE": "None", "BFF_COOKIE_SECURE": "false"}, false, "requires BFF_COOKIE_SECURE"},
		{"ttl", map[string]string{"BFF_SESSION_TTL": "10s"}, false, "BFF_SESSION_TTL"},
		{"site url", map[string]string{"BFF_WEB_SITE_URL": "shop.example.com"}, false, "BFF_WEB_SITE_URL"},
		{"cookie domain", map[string]string{"BFF_COOKIE_DOMAIN": "https://x"}, false, "BFF_COOKIE_DOMAIN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.lambda {
				t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
			}
			var cfg Config
			err := config.LoadFrom(func(n string) (string, bool) { v, ok := tt.env[n]; return v, ok }, &cfg)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("config.LoadFrom(%v) = %v, want %q", tt.env, err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), testKey) {
				t.Errorf("config error %q echoes the session key", err)
			}
		})
	}
	var cfg Config
	if err := config.LoadFrom(func(string) (string, bool) { return "", false }, &cfg); err != nil {
		t.Fatal(err)
	}
	if cfg.Session.TTL != 12*time.Hour || !cfg.Session.CookieSecure || cfg.Addr != "127.0.0.1:8081" {
		t.Errorf("defaults = %+v", cfg.Session)
	}
}
