package cost

import (
	"math"
	"testing"
	"time"
)

func TestPerMillion(t *testing.T) {
	p := Prices{LambdaArmPerGBSecond: 0.0000133334, LambdaPerMillion: 0.20, HTTPAPIPerMillion: 1, RESTAPIPerMillion: 3.5}
	tests := []struct {
		name        string
		d           time.Duration
		mem         int
		wantMS      int64
		wantCompute float64
	}{
		// 1 ms at 1024 MB: 1e6 × 0.001 GB-s = 1000 GB-s.
		{"one ms at 1 GB", time.Millisecond, 1024, 1, 1000 * 0.0000133334},
		{"rounds up to the next ms", 1100 * time.Microsecond, 1024, 2, 2000 * 0.0000133334},
		{"at least 1 ms", 50 * time.Microsecond, 512, 1, 500 * 0.0000133334},
		{"half a GB for 10 ms", 10 * time.Millisecond, 512, 10, 5000 * 0.0000133334},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := PerMillion(p, tt.d, tt.mem)
			if got.BilledMS != tt.wantMS {
				t.Errorf("PerMillion(%s, %d).BilledMS = %d, want %d", tt.d, tt.mem, got.BilledMS, tt.wantMS)
			}
			if math.Abs(got.LambdaCompute-tt.wantCompute) > 1e-9 {
				t.Errorf("PerMillion(%s, %d).LambdaCompute = %g, want %g", tt.d, tt.mem, got.LambdaCompute, tt.wantCompute)
			}
			if want := got.LambdaCompute + 0.20 + 1; math.Abs(got.WithHTTPAPI-want) > 1e-9 {
				t.Errorf("PerMillion(%s, %d).WithHTTPAPI = %g, want %g", tt.d, tt.mem, got.WithHTTPAPI, want)
			}
			if want := got.LambdaCompute + 0.20 + 3.5; math.Abs(got.WithRESTAPI-want) > 1e-9 {
				t.Errorf("PerMillion(%s, %d).WithRESTAPI = %g, want %g", tt.d, tt.mem, got.WithRESTAPI, want)
			}
		})
	}
}
