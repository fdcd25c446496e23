package orders

import "testing"

func TestCanTransition(t *testing.T) {
	all := []Status{StatusPending, StatusConfirmed, StatusShipped, StatusDelivered, StatusCancelled}
	allowed := map[[2]Status]bool{
		{StatusPending, StatusConfirmed}:   true,
		{StatusPending, StatusCancelled}:   true,
		{StatusConfirmed, StatusShipped}:   true,
		{StatusConfirmed, StatusCancelled}: true,
		{StatusShipped, StatusDelivered}:   true,
	}
	for _, from := range all {
		for _, to := range all {
			if got, want := CanTransition(from, to), allowed[[2]Status{from, to}]; got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
	if CanTransition("", StatusConfirmed) || Status("LOST").Valid() {
		t.Error("unknown statuses must not transition or be valid")
	}
}
