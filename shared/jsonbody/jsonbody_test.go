package jsonbody

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"bffsuite.dev/shared/domain"
)

type input struct {
	Name  string `json:"name"`
	Qty   int    `json:"qty"`
	Lines []struct {
		SKU string `json:"sku"`
	} `json:"lines"`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		limit     int64
		wantErr   error
		wantField string
		wantCode  string
	}{
		{name: "ok", body: `{"name":"a","qty":2,"lines":[{"sku":"X"}]}`},
		{name: "empty", body: "", wantErr: ErrEmpty},
		{name: "blank", body: " \n", wantErr: ErrEmpty},
		{name: "syntax", body: `{"name":`, wantErr: ErrMalformed},
		{name: "trailing", body: `{"name":"a"} {}`, wantErr: ErrMalformed},
		{name: "array", body: `[1]`, wantErr: ErrMalformed},
		{name: "wrong type", body: `{"qty":"two"}`, wantField: "qty", wantCode: "invalid_type"},
		{name: "nested wrong type", body: `{"lines":[{"sku":5}]}`, wantField: "lines.sku", wantCode: "invalid_type"},
		{name: "unknown member", body: `{"price":1}`, wantField: "price", wantCode: "unknown_field"},
		{name: "over the limit", body: `{"name":"` + strings.Repeat("x", 100) + `"}`, limit: 50},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
			if tt.limit > 0 {
				r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, tt.limit)
			}
			var got input
			err := Decode(r, &got)
			switch {
			case tt.limit > 0:
				var mbe *http.MaxBytesError
				if !errors.As(err, &mbe) {
					t.Fatalf("Decode(%s) = %v, want a *http.MaxBytesError", tt.name, err)
				}
			case tt.wantErr != nil:
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Decode(%s) = %v, want %v", tt.name, err, tt.wantErr)
				}
			case tt.wantField != "":
				v, ok := domain.AsValidation(err)
				if !ok || len(v.Fields) != 1 || v.Fields[0].Field != tt.wantField || v.Fields[0].Code != tt.wantCode {
					t.Fatalf("Decode(%s) = %v, want field %s code %s", tt.name, err, tt.wantField, tt.wantCode)
				}
			default:
				if err != nil || got.Name != "a" || got.Qty != 2 || len(got.Lines) != 1 {
					t.Fatalf("Decode(%s) = %+v, %v; want the decoded input", tt.name, got, err)
				}
			}
		})
	}
}
