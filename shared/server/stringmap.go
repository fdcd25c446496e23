package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// stringMap is a JSON object of strings (event headers, query and path parameters, stage
// variables) decoded without reflection: encoding/json spends about four allocations per entry
// on a map[string]string, this two (key and value). Strings with escapes or invalid UTF-8 fall
// back to encoding/json for exactly its unescaping and replacement. null decodes to a nil map.
type stringMap map[string]string

var errStringMap = errors.New("want a JSON object of strings")

// UnmarshalJSON implements json.Unmarshaler.
func (m *stringMap) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*m = nil
		return nil
	}
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return errStringMap
	}
	out := make(stringMap, bytes.Count(b, []byte{':'})) // an upper bound of the entries
	rest := skipSpace(b[1 : len(b)-1])
	for len(rest) > 0 {
		k, r, err := jsonString(rest)
		if err != nil {
			return err
		}
		r = skipSpace(r)
		if len(r) == 0 || r[0] != ':' {
			return errStringMap
		}
		var v string
		if r = skipSpace(r[1:]); bytes.HasPrefix(r, []byte("null")) {
			r = r[4:] // as encoding/json: a null value is the empty string
		} else if v, r, err = jsonString(r); err != nil {
			return err
		}
		out[k] = v
		r = skipSpace(r)
		if len(r) > 0 {
			if r[0] != ',' {
				return errStringMap
			}
			r = skipSpace(r[1:])
			if len(r) == 0 {
				return errStringMap // trailing comma
			}
		}
		rest = r
	}
	*m = out
	return nil
}

func skipSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r') {
		b = b[1:]
	}
	return b
}

// jsonString reads the JSON string at the start of b and returns it and what follows.
func jsonString(b []byte) (string, []byte, error) {
	if len(b) == 0 || b[0] != '"' {
		return "", nil, errStringMap
	}
	escaped := false
	for i := 1; i < len(b); i++ {
		switch c := b[i]; {
		case c == '\\':
			escaped = true
			i++ // skip the escaped byte (a quote or backslash must not end the scan)
		case c == '"':
			if !escaped && utf8.Valid(b[1:i]) {
				return string(b[1:i]), b[i+1:], nil
			}
			var s string
			if err := json.Unmarshal(b[:i+1], &s); err != nil {
				return "", nil, err
			}
			return s, b[i+1:], nil
		case c < 0x20:
			return "", nil, errStringMap
		}
	}
	return "", nil, errStringMap
}
