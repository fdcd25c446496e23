package webhookbench

import (
	"context"
	"os"
	"testing"
	"time"

	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

func TestRunMeasuresBothSeries(t *testing.T) {
	moto := testenv.StartMoto(t)
	ddb := testenv.DynamoDB(t)
	r, err := Run(context.Background(), moto.AWSConfig(), ddb.Client(), testenv.DynamoDBTablePrefix(t), 5)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	for name, s := range map[string]Stats{"path": r.Path, "floor": r.Floor} {
		if s.N != 5 || s.P50 <= 0 || s.P99 < s.P50 || s.Max < s.P99 || s.P99 > 15*time.Second {
			t.Errorf("%s: got %+v, want 5 samples with 0 < p50 ≤ p99 ≤ max", name, s)
		}
	}
	t.Logf("path %+v floor %+v", r.Path, r.Floor)
}

func TestStats(t *testing.T) {
	var ds []time.Duration
	for i := 100; i >= 1; i-- {
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	s := stats(ds)
	if s.N != 100 || s.P50 != 51*time.Millisecond || s.P99 != 100*time.Millisecond || s.Max != 100*time.Millisecond {
		t.Errorf("stats: got %+v, want p50 51ms p99 100ms max 100ms", s)
	}
}
