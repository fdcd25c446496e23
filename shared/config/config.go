// Package config loads one typed configuration struct from environment variables.
//
// Fields carry `env:"NAME"` and optionally `default:"value"` and `required:"true"` tags;
// nested and embedded structs are walked. Supported kinds: string, bool, int/int64, float64,
// time.Duration, []string (comma separated, blanks dropped) and any type implementing
// encoding.TextUnmarshaler. Every error names the variable, and Load reports all bad
// variables at once, so a misconfigured Lambda fails its cold start with one clear message.
// After loading, any struct (or nested struct) with a `Validate() error` method is validated.
package config

import (
	"encoding"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Var describes one environment variable a config struct reads.
type Var struct {
	Name     string
	Default  string
	Required bool
	// Secret marks values that must not come from the plain Lambda environment in AWS; the
	// secrets package resolves them from SSM Parameter Store (`secret:"true"` tag).
	Secret bool
	Field  string // Go field path, e.g. "Store.Backend"
}

// LookupFunc finds a variable; os.LookupEnv in production, a map in tests.
type LookupFunc func(name string) (string, bool)

// Load fills dst (a pointer to struct) from the process environment.
func Load(dst any) error { return LoadFrom(os.LookupEnv, dst) }

// LoadFrom fills dst from lookup. It applies defaults, parses every variable, then runs
// Validate methods. The returned error lists every problem, each naming its variable.
func LoadFrom(lookup LookupFunc, dst any) error {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("config: Load needs a pointer to a struct, got %T", dst)
	}
	var errs []error
	walk(rv.Elem(), "", func(f reflect.Value, v Var) {
		raw, ok := lookup(v.Name)
		if !ok || raw == "" {
			if v.Required && v.Default == "" {
				errs = append(errs, fmt.Errorf("%s is required", v.Name))
				return
			}
			raw = v.Default
		}
		if raw == "" {
			return
		}
		if err := set(f, raw); err != nil {
			shown := redact(v.Name, raw)
			if v.Secret {
				shown = "<redacted>"
			}
			errs = append(errs, fmt.Errorf("%s=%q: %w", v.Name, shown, err))
		}
	})
	if len(errs) > 0 {
		return errors.Join(errs...)
	}
	return validate(rv.Elem())
}

// Vars lists the environment variables that a config struct of v's type reads, in field order.
// Terraform consistency tests use it to check that every Lambda sets what its BFF reads.
func Vars(v any) []Var {
	rv := reflect.New(reflect.TypeOf(v)).Elem()
	if rv.Kind() == reflect.Pointer {
		rv = reflect.New(rv.Type().Elem()).Elem()
	}
	var out []Var
	walk(rv, "", func(_ reflect.Value, v Var) { out = append(out, v) })
	return out
}

func walk(s reflect.Value, prefix string, fn func(reflect.Value, Var)) {
	t := s.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		f := s.Field(i)
		name := sf.Tag.Get("env")
		if name == "" {
			if f.Kind() == reflect.Struct && !isLeaf(f) {
				walk(f, prefix+sf.Name+".", fn)
			}
			continue
		}
		fn(f, Var{Name: name, Default: sf.Tag.Get("default"), Required: sf.Tag.Get("required") == "true",
			Secret: sf.Tag.Get("secret") == "true", Field: prefix + sf.Name})
	}
}

var (
	durationType    = reflect.TypeOf(time.Duration(0))
	unmarshalerType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

func isLeaf(f reflect.Value) bool {
	return f.Addr().Type().Implements(unmarshalerType) || f.Type() == reflect.TypeOf(time.Time{})
}

func set(f reflect.Value, raw string) error {
	if f.CanAddr() && f.Addr().Type().Implements(unmarshalerType) {
		return f.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw))
	}
	if f.Type() == durationType {
		d, err := time.ParseDuration(raw)
		if err != nil {
			return fmt.Errorf("not a duration (like 250ms or 5s)")
		}
		f.SetInt(int64(d))
		return nil
	}
	switch f.Kind() {
	case reflect.String:
		f.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return fmt.Errorf("not a boolean (true or false)")
		}
		f.SetBool(b)
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, err := strconv.ParseInt(raw, 10, f.Type().Bits())
		if err != nil {
			return fmt.Errorf("not an integer")
		}
		f.SetInt(n)
	case reflect.Float64:
		x, err := strconv.ParseFloat(raw, 64)
		if err != nil {
			return fmt.Errorf("not a number")
		}
		f.SetFloat(x)
	case reflect.Slice:
		if f.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("unsupported list type %s", f.Type())
		}
		var items []string
		for _, p := range strings.Split(raw, ",") {
			if p = strings.TrimSpace(p); p != "" {
				items = append(items, p)
			}
		}
		f.Set(reflect.ValueOf(items))
	default:
		return fmt.Errorf("unsupported field type %s", f.Type())
	}
	return nil
}

type validator interface{ Validate() error }

// validate runs Validate on nested structs first, then on s itself.
func validate(s reflect.Value) error {
	var errs []error
	t := s.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		f := s.Field(i)
		// Embedded structs are left to method promotion (or to the outer Validate, which shadows it),
		// so a promoted Validate never runs twice. Named nested structs are validated here.
		if sf.IsExported() && !sf.Anonymous && sf.Tag.Get("env") == "" && f.Kind() == reflect.Struct && !isLeaf(f) {
			if err := validate(f); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if v, ok := s.Addr().Interface().(validator); ok {
		if err := v.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// redact hides values of variables whose names say they hold secrets.
func redact(name, raw string) string {
	n := strings.ToUpper(name)
	for _, s := range []string{"SECRET", "KEY", "TOKEN", "PASSWORD"} {
		if strings.Contains(n, s) {
			return "<redacted>"
		}
	}
	return raw
}
