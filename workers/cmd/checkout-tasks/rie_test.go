package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/rie"
	"bffsuite.dev/shared/testenv"
)

// TestUnderRIE runs the bootstrap under the Lambda Runtime Interface Emulator: a task failure
// reaches the caller as a function error whose errorType is the ASL error name, which is what
// Step Functions matches in Retry and Catch.
func TestUnderRIE(t *testing.T) {
	boot := testenv.BuildLocalBootstrap(t, ".")
	fn := testenv.StartRIE(t, boot, map[string]string{"BFF_DATA_BACKEND": "embedded"})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tests := []struct{ name, event, wantType string }{
		{"unknown order", `{"task":"ReserveStock","order_id":"ord_missing","correlation_id":"c-1","trace_header":""}`, `"errorType":"Checkout.Invalid"`},
		{"unknown task", `{"task":"Refund","order_id":"ord_x"}`, `"errorType":"Checkout.Invalid"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := fn.Invoke(ctx, []byte(tc.event))
			if !errors.Is(err, rie.ErrFunction) || !strings.Contains(strings.ReplaceAll(err.Error(), " ", ""), tc.wantType) {
				t.Errorf("Invoke(%s) = %s, %v, want a function error with %s", tc.event, out, err, tc.wantType)
			}
		})
	}
}
