package dynamo_test

import (
	"context"
	"testing"
	"time"

	"bffsuite.dev/shared/readmodels"
	"bffsuite.dev/shared/readmodels/readmodeltest"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

func TestReadModelsConformance(t *testing.T) {
	db := testenv.DynamoDB(t).Client()
	readmodeltest.Run(t, func(t *testing.T) readmodels.Backend {
		name := testenv.DynamoDBTablePrefix(t) + "readmodels"
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := dynamo.CreateTable(ctx, db, name, dynamo.ReadModelsTable()); err != nil {
			t.Fatal(err)
		}
		return dynamo.NewReadModels(db, name)
	})
}
