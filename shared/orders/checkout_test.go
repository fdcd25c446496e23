package orders

import (
	"slices"
	"testing"

	"bffsuite.dev/shared/domain"
)

func TestValidatePayment(t *testing.T) {
	tests := []struct {
		name    string
		in      PlaceOrderInput
		wantBad []string // fields with errors
	}{
		{"no checkout", PlaceOrderInput{Channel: ChannelWeb}, nil},
		{"card with token", PlaceOrderInput{Channel: ChannelWeb, PaymentMethod: PaymentCard, PaymentToken: "tok_visa"}, nil},
		{"card without token", PlaceOrderInput{Channel: ChannelMobile, PaymentMethod: PaymentCard}, []string{"payment_token"}},
		{"token with spaces", PlaceOrderInput{Channel: ChannelWeb, PaymentMethod: PaymentCard, PaymentToken: "tok visa"}, []string{"payment_token"}},
		{"card for a partner", PlaceOrderInput{Channel: ChannelPartner, PaymentMethod: PaymentCard, PaymentToken: "tok_visa"}, []string{"payment_method"}},
		{"on account for a partner", PlaceOrderInput{Channel: ChannelPartner, PaymentMethod: PaymentOnAccount}, nil},
		{"on account for web", PlaceOrderInput{Channel: ChannelWeb, PaymentMethod: PaymentOnAccount}, []string{"payment_method"}},
		{"on account with a token", PlaceOrderInput{Channel: ChannelPartner, PaymentMethod: PaymentOnAccount, PaymentToken: "tok_visa"}, []string{"payment_token"}},
		{"token without checkout", PlaceOrderInput{Channel: ChannelWeb, PaymentToken: "tok_visa"}, []string{"payment_token"}},
		{"unknown method", PlaceOrderInput{Channel: ChannelWeb, PaymentMethod: "cash"}, []string{"payment_method"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := &domain.ValidationError{}
			validatePayment(v, tc.in)
			var got []string
			for _, f := range v.Fields {
				got = append(got, f.Field)
			}
			if !slices.Equal(got, tc.wantBad) {
				t.Errorf("validatePayment(%+v) fields = %v, want %v", tc.in, got, tc.wantBad)
			}
		})
	}
}
