package secrets

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// There is no local SSM peer on this machine, so these tests check Load's own logic (which
// names it asks for, batching, precedence, errors) against a recorded parameter store, and
// ssm_test.go checks the request SSM() signs and sends and the decoding of response bodies
// shaped as AWS documents them; the real GetParameters call is exercised only in AWS.
type recordedStore struct {
	params map[string]string
	calls  [][]string
	err    error
}

func (r *recordedStore) get(_ context.Context, names []string) (map[string]string, error) {
	r.calls = append(r.calls, names)
	if r.err != nil {
		return nil, r.err
	}
	out := map[string]string{}
	for _, n := range names {
		if v, ok := r.params[n]; ok {
			out[n] = v
		}
	}
	return out, nil
}

type inner struct {
	Cursor string `env:"T_CURSOR_KEY" secret:"true"`
}

type cfgT struct {
	Plain   string `env:"T_PLAIN" default:"p"`
	Session string `env:"T_SESSION_KEYS" secret:"true" required:"true"`
	Store   inner
}

func TestLoadWith(t *testing.T) {
	const prefix = "/bffsuite/dev/web/"
	tests := []struct {
		name        string
		env         map[string]string
		params      map[string]string
		want        cfgT
		wantCalls   int
		wantErr     string
		wantAskedOf []string
	}{
		{
			name:        "secrets from SSM",
			params:      map[string]string{prefix + "T_SESSION_KEYS": "k1", prefix + "T_CURSOR_KEY": "c1"},
			want:        cfgT{Plain: "p", Session: "k1", Store: inner{Cursor: "c1"}},
			wantCalls:   1,
			wantAskedOf: []string{prefix + "T_SESSION_KEYS", prefix + "T_CURSOR_KEY"},
		},
		{
			name:        "environment wins and is not fetched",
			env:         map[string]string{"T_SESSION_KEYS": "from-env"},
			params:      map[string]string{prefix + "T_CURSOR_KEY": "c1"},
			want:        cfgT{Plain: "p", Session: "from-env", Store: inner{Cursor: "c1"}},
			wantCalls:   1,
			wantAskedOf: []string{prefix + "T_CURSOR_KEY"},
		},
		{
			name:      "missing required secret names the variable",
			params:    map[string]string{},
			wantCalls: 1,
			wantErr:   "T_SESSION_KEYS is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &recordedStore{params: tt.params}
			var got cfgT
			err := LoadWith(context.Background(), store.get, prefix, func(k string) (string, bool) { v, ok := tt.env[k]; return v, ok }, &got)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadWith() error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadWith() error = %v", err)
			}
			if got != tt.want {
				t.Errorf("LoadWith() = %+v, want %+v", got, tt.want)
			}
			if len(store.calls) != tt.wantCalls || strings.Join(store.calls[0], ",") != strings.Join(tt.wantAskedOf, ",") {
				t.Errorf("GetParameters calls = %v, want %d asking for %v", store.calls, tt.wantCalls, tt.wantAskedOf)
			}
		})
	}
}

func TestLoadWithErrors(t *testing.T) {
	var got cfgT
	err := LoadWith(context.Background(), (&recordedStore{err: errors.New("AccessDeniedException: not authorized")}).get, "/p/", func(string) (string, bool) { return "", false }, &got)
	if err == nil || !strings.Contains(err.Error(), "BFF_SECRETS_SSM_PREFIX") || !strings.Contains(err.Error(), "T_SESSION_KEYS") {
		t.Errorf("LoadWith(SSM denied) = %v, want an error naming the prefix variable and the secrets", err)
	}
	if err := LoadWith(context.Background(), (&recordedStore{}).get, "no-slash", func(string) (string, bool) { return "", false }, &got); err == nil {
		t.Errorf("LoadWith(bad prefix) = nil, want an error")
	}
}
