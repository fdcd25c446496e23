package tfrun

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestProgressRecorded feeds recorded `tofu apply -json` output (OpenTofu 1.12.6 against moto,
// root in testdata/apply-json-root.tf.txt) through Progress, in small chunks as a pipe delivers
// it, and checks the per-resource lines, results and summary.
func TestProgressRecorded(t *testing.T) {
	tests := []struct {
		file        string
		lines       []string
		notLines    []string
		results     int
		failed      []string
		summary     []string
		errContains string
	}{
		{
			file: "apply-tofu-1.12.6-ok.jsonl",
			lines: []string{
				"aws_ssm_parameter.cursor: creating...\n",
				"aws_ssm_parameter.cursor: creating... done in 1s\n",
				"aws_sqs_queue.events: still creating (10s)\n",
				"aws_sqs_queue.events: creating... done in 26s\n",
				"terraform_data.slow: creating... done in 11s\n",
			},
			notLines: []string{"Refresh", "Plan to create", "AWS account ID not found"},
			results:  4,
			summary:  []string{"Apply complete! Resources: 4 added, 0 changed, 0 destroyed.", "slowest: aws_sqs_queue.events 26s, terraform_data.slow 11s"},
		},
		{
			file: "apply-tofu-1.12.6-errored.jsonl",
			lines: []string{
				"terraform_data.slow: destroying...\n",
				"terraform_data.slow: destroying... done in 0s\n",
				"terraform_data.slow: creating... FAILED after 0s\n",
				"aws_ssm_parameter.cursor: creating... done in 0s\n",
			},
			results:     4,
			failed:      []string{"terraform_data.slow"},
			summary:     []string{"failed: terraform_data.slow"},
			errContains: "Error: local-exec provisioner error (terraform_data.slow)\n  Error running command 'echo boom >&2; exit 3': exit status 3. Output: boom",
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			p := NewProgress(&out, nil)
			for len(data) > 0 { // 97-byte chunks: lines arrive split
				n := min(97, len(data))
				if _, err := p.Write(data[:n]); err != nil {
					t.Fatal(err)
				}
				data = data[n:]
			}
			p.Flush()
			got := out.String()
			for _, l := range tt.lines {
				if !strings.Contains(got, l) {
					t.Errorf("progress lacks %q:\n%s", l, got)
				}
			}
			for _, l := range tt.notLines {
				if strings.Contains(got, l) {
					t.Errorf("progress has %q (not a resource apply event):\n%s", l, got)
				}
			}
			res := p.Results()
			if len(res) != tt.results {
				t.Errorf("results = %d, want %d: %+v", len(res), tt.results, res)
			}
			var failed []string
			for _, r := range res {
				if r.Failed {
					failed = append(failed, r.Addr)
				}
			}
			if strings.Join(failed, ",") != strings.Join(tt.failed, ",") {
				t.Errorf("failed = %v, want %v", failed, tt.failed)
			}
			var sum bytes.Buffer
			p.Summary(&sum, 2)
			for _, s := range tt.summary {
				if !strings.Contains(sum.String(), s) {
					t.Errorf("summary lacks %q:\n%s", s, sum.String())
				}
			}
			errs := strings.Join(p.Errors(), "\n")
			if tt.errContains == "" && errs != "" {
				t.Errorf("errors = %q, want none", errs)
			}
			if tt.errContains != "" && !strings.Contains(errs, tt.errContains) {
				t.Errorf("errors = %q, want %q", errs, tt.errContains)
			}
		})
	}
}

func TestProgressLines(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{name: "module resource update", in: `{"type":"apply_complete","hook":{"resource":{"addr":"module.suite.aws_lambda_function.bff[\"web\"]"},"action":"update","elapsed_seconds":3}}`,
			want: "module.suite.aws_lambda_function.bff[\"web\"]: updating... done in 3s\n"},
		{name: "delete progress", in: `{"type":"apply_progress","hook":{"resource":{"addr":"aws_s3_bucket.b"},"action":"delete","elapsed_seconds":20}}`,
			want: "aws_s3_bucket.b: still destroying (20s)\n"},
		{name: "not JSON passes through", in: "panic: boom", want: "panic: boom\n"},
		{name: "other types are quiet", in: `{"type":"refresh_start","hook":{"resource":{"addr":"a.b"}}}`, want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			p := NewProgress(&out, nil)
			_, _ = p.Write([]byte(tt.in + "\n"))
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
	var out, raw bytes.Buffer
	p := NewProgress(&out, &raw)
	_, _ = p.Write([]byte(`{"@message":"Outputs: 0","type":"outputs"}` + "\n"))
	if raw.String() != "Outputs: 0\n" {
		t.Errorf("raw = %q, want the message text in verbose mode", raw.String())
	}
}
