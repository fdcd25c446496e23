package server

import (
	"encoding/json"
	"maps"
	"net/http"
	"testing"
)

// TestStringMapMatchesEncodingJSON: stringMap decodes what encoding/json decodes into a
// map[string]string, to the same value, and refuses what it refuses.
func TestStringMapMatchesEncodingJSON(t *testing.T) {
	tests := []string{
		`null`, ` null `, `{}`, ` { } `, `{"a":"b"}`,
		`{"content-type":"application/json","accept":"text/html, application/xhtml+xml;q=0.9","x":""}`,
		"{\n\t\"a\" : \"b\" ,\r\n \"c\":\"d\"\n}",
		`{"q":"a\"b","e":"\u00e9\n\\","s":"\/"}`, `{"dup":"1","dup":"2"}`, `{"n":null}`,
		`{"date":"Wed, 21 Oct 2015 07:28:00 GMT"}`, `{"k":"é 日本"}`, "{\"bad\":\"\xff\xfe\"}",
		`{"a":1}`, `{"a":"b",}`, `{"a":"b" "c":"d"}`, `{"a" "b"}`, `{"a":"b`, `{a:"b"}`, `["a"]`, `"a"`,
		`{"a":"b\x"}`, "{\"a\":\"tab\there\"}", `{"a":true}`, `{"a":{"b":"c"}}`, `{,}`, ``,
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			var want map[string]string
			wantErr := json.Unmarshal([]byte(in), &want)
			var got stringMap
			gotErr := json.Unmarshal([]byte(in), &got)
			if (gotErr != nil) != (wantErr != nil) {
				t.Fatalf("error = %v, want %v", gotErr, wantErr)
			}
			if wantErr == nil && (!maps.Equal(got, stringMap(want)) || (got == nil) != (want == nil)) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

// TestCommonHeaderKeysAreCanonical: the table gives what http.CanonicalHeaderKey gives.
func TestCommonHeaderKeysAreCanonical(t *testing.T) {
	for k, v := range commonHeaderKeys {
		if want := canonicalHeader(k); v != want {
			t.Errorf("commonHeaderKeys[%q] = %q, want %q", k, v, want)
		}
	}
}

func canonicalHeader(k string) string { return http.CanonicalHeaderKey(k) }
