package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

type inner struct {
	Backend string `env:"T_BACKEND" default:"embedded"`
}

func (i *inner) Validate() error {
	if i.Backend != "embedded" && i.Backend != "dynamodb" {
		return errors.New("T_BACKEND must be embedded or dynamodb")
	}
	return nil
}

type sample struct {
	Addr    string        `env:"T_ADDR" default:"127.0.0.1:8081"`
	Budget  time.Duration `env:"T_BUDGET" default:"10s"`
	Max     int64         `env:"T_MAX" default:"1048576"`
	Debug   bool          `env:"T_DEBUG"`
	Ratio   float64       `env:"T_RATIO" default:"0.5"`
	Origins []string      `env:"T_ORIGINS"`
	Secret  string        `env:"T_SECRET_KEY" required:"true"`
	Store   inner
}

func TestLoadFrom(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		want    sample
		wantErr []string
	}{
		{
			name: "defaults",
			env:  map[string]string{"T_SECRET_KEY": "s"},
			want: sample{Addr: "127.0.0.1:8081", Budget: 10 * time.Second, Max: 1 << 20, Ratio: 0.5, Secret: "s", Store: inner{Backend: "embedded"}},
		},
		{
			name: "overrides and lists",
			env:  map[string]string{"T_SECRET_KEY": "s", "T_ADDR": ":9", "T_BUDGET": "250ms", "T_DEBUG": "true", "T_ORIGINS": " http://a, ,http://b ", "T_BACKEND": "dynamodb"},
			want: sample{Addr: ":9", Budget: 250 * time.Millisecond, Max: 1 << 20, Debug: true, Ratio: 0.5, Origins: []string{"http://a", "http://b"}, Secret: "s", Store: inner{Backend: "dynamodb"}},
		},
		{
			name:    "every bad variable named, secrets redacted",
			env:     map[string]string{"T_BUDGET": "soon", "T_MAX": "x", "T_DEBUG": "maybe"},
			wantErr: []string{"T_BUDGET=\"soon\": not a duration", "T_MAX=\"x\": not an integer", "T_DEBUG=\"maybe\"", "T_SECRET_KEY is required"},
		},
		{
			name:    "nested validate names the variable",
			env:     map[string]string{"T_SECRET_KEY": "s", "T_BACKEND": "mysql"},
			wantErr: []string{"T_BACKEND must be embedded or dynamodb"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got sample
			err := LoadFrom(func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &got)
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("LoadFrom(%v) = nil error, want errors %q", tt.env, tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("LoadFrom(%v) error = %q, want it to contain %q", tt.env, err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadFrom(%v) error = %v, want nil", tt.env, err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("LoadFrom(%v) = %+v, want %+v", tt.env, got, tt.want)
			}
		})
	}
}

func TestLoadRedactsSecrets(t *testing.T) {
	type s struct {
		K int `env:"T_API_KEY"`
	}
	err := LoadFrom(func(string) (string, bool) { return "hunter2", true }, &s{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("LoadFrom(secret) error = %v, want an error without the value", err)
	}
}

func TestVars(t *testing.T) {
	got := Vars(sample{})
	var names []string
	for _, v := range got {
		names = append(names, v.Name)
	}
	want := []string{"T_ADDR", "T_BUDGET", "T_MAX", "T_DEBUG", "T_RATIO", "T_ORIGINS", "T_SECRET_KEY", "T_BACKEND"}
	if !reflect.DeepEqual(names, want) {
		t.Errorf("Vars(sample) = %v, want %v", names, want)
	}
	if got[7].Field != "Store.Backend" || got[6].Required != true {
		t.Errorf("Vars(sample) fields = %+v, want Store.Backend and T_SECRET_KEY required", got)
	}
}
