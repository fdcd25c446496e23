package dynamo_test

import (
	"fmt"

	"bffsuite.dev/shared/customers"
	"bffsuite.dev/shared/orders"
)

func placeInput(productID string, i int) orders.PlaceOrderInput {
	return orders.PlaceOrderInput{
		CustomerID: fmt.Sprintf("bench-%d", i%10), Channel: orders.ChannelWeb,
		ShippingAddress: customers.Address{Name: "Bench", Line1: "Road 1", City: "Berlin", PostalCode: "10115", Country: "DE"},
		Lines:           []orders.LineInput{{ProductID: productID, Quantity: 1}},
	}
}
