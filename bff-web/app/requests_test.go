package app

import (
	"reflect"
	"testing"
)

// fillAll sets every field of the struct v points to to a non-zero value.
func fillAll(t *testing.T, v any) {
	t.Helper()
	rv := reflect.ValueOf(v).Elem()
	for i := range rv.NumField() {
		f := rv.Field(i)
		switch f.Kind() {
		case reflect.String:
			f.SetString("x" + rv.Type().Field(i).Name)
		case reflect.Bool:
			f.SetBool(true)
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		default:
			t.Fatalf("fillAll: field %s of kind %s", rv.Type().Field(i).Name, f.Kind())
		}
	}
}

// zeroFields lists the fields of struct v left at their zero value.
func zeroFields(v any) []string {
	rv := reflect.ValueOf(v)
	var out []string
	for i := range rv.NumField() {
		if rv.Field(i).IsZero() {
			out = append(out, rv.Type().Field(i).Name)
		}
	}
	return out
}

// The request bodies are this BFF's own types: each maps every member to the domain input, and
// every member of the domain input is fed from the body (a field added on either side without
// the mapping fails here).
func TestRequestTypesMapEveryMember(t *testing.T) {
	tests := []struct {
		name string
		in   any
		out  func(any) any
	}{
		{"address", &addressInput{}, func(v any) any { return v.(*addressInput).domain() }},
		{"order line", &orderLineInput{}, func(v any) any { return v.(*orderLineInput).domain() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fillAll(t, tt.in)
			got := tt.out(tt.in)
			if zero := zeroFields(got); len(zero) > 0 {
				t.Errorf("%T fields not mapped: got %v, want none", got, zero)
			}
			if n, m := reflect.TypeOf(tt.in).Elem().NumField(), reflect.TypeOf(got).NumField(); n != m {
				t.Errorf("%T has %d fields, %T %d: got a member mapped nowhere, want the same members", tt.in, n, got, m)
			}
		})
	}
}
