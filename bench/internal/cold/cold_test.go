package cold

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestParseInit(t *testing.T) {
	rieLog, err := os.ReadFile(filepath.Join("testdata", "rie-output.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		logs   string
		want   time.Duration
		wantOK bool
	}{
		{"INIT REPORT line wins over the REPORT field", string(rieLog), 20990 * time.Microsecond, true},
		{"REPORT field alone", "REPORT RequestId: x\tInit Duration: 12.50 ms\tDuration: 3 ms", 12500 * time.Microsecond, true},
		{"before the first invoke", "exec '/tmp/bootstrap'", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := ParseInit(tt.logs)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("ParseInit(...) = %s, %v, want %s, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []time.Duration
		want time.Duration
	}{
		{nil, 0},
		{[]time.Duration{5}, 5},
		{[]time.Duration{9, 1, 5}, 5},
		{[]time.Duration{4, 1, 3, 2}, 2},
	}
	for _, tt := range tests {
		if got := Median(tt.in); got != tt.want {
			t.Errorf("Median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
