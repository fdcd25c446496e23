package projectorbench

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// TestRun: a small run measures both consumers over every event, and the projector's read
// model is right afterwards (every order counted once: placed then confirmed is one order).
func TestRun(t *testing.T) {
	db := testenv.DynamoDB(t).Client()
	o := Options{Orders: 40, Customers: 5, Products: 6, Concurrency: 4}
	r, err := Run(context.Background(), db, testenv.DynamoDBTablePrefix(t), o)
	if err != nil {
		t.Fatal(err)
	}
	if r.Events != 80 || r.Projector <= 0 || r.Floor <= 0 {
		t.Fatalf("result = %+v, want 80 events timed twice", r)
	}
	md := r.Markdown()
	for _, want := range []string{"events/s", "÷ floor", "projector", "floor"} {
		if !strings.Contains(md, want) {
			t.Errorf("section lacks %q:\n%s", want, md)
		}
	}
	// The same events into a table kept for checking: 8 orders per customer.
	name := testenv.DynamoDBTablePrefix(t) + "check"
	if err := dynamo.CreateTable(context.Background(), db, name, dynamo.ReadModelsTable()); err != nil {
		t.Fatal(err)
	}
	groups := Events(o, time.Now())
	rm := dynamo.NewReadModels(db, name)
	if _, err := drive(context.Background(), groups, 4, newProjector(rm).Handle); err != nil {
		t.Fatal(err)
	}
	s, err := readmodels.NewClient(rm, readmodels.Config{}, nil).Summary(context.Background(), "cus-bench-000")
	if err != nil || s.OrderCount != 8 {
		t.Errorf("summary = %+v, %v; want 8 orders", s, err)
	}
}
