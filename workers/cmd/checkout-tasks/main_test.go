package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/aws/aws-lambda-go/lambda/messages"

	"bffsuite.dev/shared/checkout"
	"bffsuite.dev/shared/store"
)

func TestHandlerReportsASLErrorName(t *testing.T) {
	clients, err := store.Open(context.Background(), store.Config{Backend: store.BackendEmbedded})
	if err != nil {
		t.Fatal(err)
	}
	h := handler(&checkout.Tasks{Orders: clients.Orders, Payments: clients.Payments})
	tests := []struct {
		name, input, wantType string
	}{
		{"unknown task", `{"task":"Nope","order_id":"ord_x"}`, checkout.ErrNameInvalid},
		{"missing order", `{"task":"ReserveStock","order_id":"ord_missing"}`, checkout.ErrNameInvalid},
		{"not json", `[`, checkout.ErrNameInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h(context.Background(), json.RawMessage(tc.input))
			var ie messages.InvokeResponse_Error
			if !errors.As(err, &ie) || ie.Type != tc.wantType || ie.Message == "" {
				t.Errorf("handler(%s) error = %#v, want InvokeResponse_Error of type %s", tc.input, err, tc.wantType)
			}
		})
	}
}
