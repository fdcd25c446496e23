package cli

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
)

func lambdaChange(addr string, actions tfjson.Actions, reserved any) *tfjson.ResourceChange {
	return &tfjson.ResourceChange{Address: addr, Type: "aws_lambda_function",
		Change: &tfjson.Change{Actions: actions, After: map[string]any{"reserved_concurrent_executions": reserved}}}
}

func TestReservedConcurrency(t *testing.T) {
	create := tfjson.Actions{tfjson.ActionCreate}
	p := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		lambdaChange(`module.suite.module.lambda["partner"].aws_lambda_function.this`, create, float64(50)),
		lambdaChange(`module.suite.module.lambda["web"].aws_lambda_function.this`, tfjson.Actions{tfjson.ActionNoop}, float64(20)),
		lambdaChange(`module.suite.module.lambda["mobile"].aws_lambda_function.this`, create, float64(-1)),
		lambdaChange(`module.old.aws_lambda_function.this`, tfjson.Actions{tfjson.ActionDelete}, nil),
		{Address: "aws_sqs_queue.q", Type: "aws_sqs_queue", Change: &tfjson.Change{Actions: create, After: map[string]any{"reserved_concurrent_executions": float64(5)}}},
	}}
	total, per := reservedConcurrency(p)
	want := map[string]int{`module.suite.module.lambda["partner"].aws_lambda_function.this`: 50, `module.suite.module.lambda["web"].aws_lambda_function.this`: 20}
	if total != 70 || !reflect.DeepEqual(per, want) {
		t.Errorf("reservedConcurrency = %d, %v, want 70, %v", total, per, want)
	}
}

// recordedLambda serves a recorded GetAccountSettings answer (moto 5.2.1 does not implement
// the call) on a loopback port and points the SDK's Lambda client at it.
func recordedLambda(t *testing.T, file string) {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(deployDir(t), "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || r.URL.Path != "/2016-08-19/account-settings" {
			http.Error(w, `{"message":"unexpected call"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL_LAMBDA": srv.URL, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
		"AWS_REGION": "us-east-1", "AWS_PROFILE": "", "AWS_CONFIG_FILE": filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE": filepath.Join(dir, "credentials"), "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
}

// TestConcurrencyQuota: prod's reserved 50 passes on a default account (1000) and is refused on
// a new account's quota of 10, before apply could fail half-way.
func TestConcurrencyQuota(t *testing.T) {
	p := &tfjson.Plan{ResourceChanges: []*tfjson.ResourceChange{
		lambdaChange(`module.suite.module.lambda["partner"].aws_lambda_function.this`, tfjson.Actions{tfjson.ActionCreate}, float64(50)),
	}}
	tests := []struct {
		file, wantErr string
	}{
		{file: "lambda-account-settings-1000.json"},
		{file: "lambda-account-settings-10.json", wantErr: "reserves 50 concurrent executions, but the account's Lambda concurrency quota is 10"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			recordedLambda(t, tt.file)
			var stderr strings.Builder
			a := &App{Stderr: &stderr}
			err := a.quota(context.Background(), p)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("quota = %v, want nil", err)
				}
			} else if err == nil || !errors.Is(err, errRefused) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("quota = %v, want a refusal containing %q", err, tt.wantErr)
			}
			if !strings.Contains(stderr.String(), "Lambda concurrency: the plan reserves 50") {
				t.Errorf("stderr = %q, want the concurrency line", stderr.String())
			}
		})
	}
	// Nothing reserved: no call at all (no endpoint needed).
	if err := (&App{Stderr: &strings.Builder{}}).quota(context.Background(), &tfjson.Plan{}); err != nil {
		t.Errorf("quota of a plan without reserved concurrency = %v, want nil", err)
	}
}

func TestCheckQuotaBoundary(t *testing.T) {
	for _, tt := range []struct {
		plan, quota int
		refused     bool
	}{{900, 1000, false}, {901, 1000, true}, {50, 150, false}, {51, 150, true}} {
		err := checkQuota(tt.plan, map[string]int{"f": tt.plan}, accountSettings{concurrent: tt.quota})
		if got := err != nil; got != tt.refused {
			t.Errorf("checkQuota(%d, quota %d) = %v, want refused %v", tt.plan, tt.quota, err, tt.refused)
		}
	}
}
