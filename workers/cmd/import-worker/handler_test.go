package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/store"
)

// TestHandleBatch: the SQS records the worker meets, one batch: an S3 upload notification (the
// aws-lambda-go sample with an upload key), a continuation of an import another run holds, an
// undecodable body, the s3:TestEvent S3 sends when the notification is set up, and a
// notification of a key outside uploads/. Only the busy record is reported for redelivery.
func TestHandleBatch(t *testing.T) {
	ctx := context.Background()
	cl, err := store.Open(ctx, store.Config{Backend: store.BackendEmbedded, Region: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	blob, err := imports.NewDir(t.TempDir(), "http://127.0.0.1", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := imports.NewMemory()
	client := imports.NewClient(st, blob, imports.Options{})
	body := []byte("sku,quantity\nNOPE,1\n")
	up, _, err := client.Create(ctx, "acme", imports.Declaration{Kind: imports.KindInventory, Format: imports.FormatCSV, SizeBytes: int64(len(body))})
	if err != nil {
		t.Fatal(err)
	}
	if err := blob.Put(ctx, imports.UploadKey("acme", up.ID), bytes.NewReader(body), int64(len(body)), "text/csv"); err != nil {
		t.Fatal(err)
	}
	busy, _, err := client.Create(ctx, "acme", imports.Declaration{Kind: imports.KindInventory, Format: imports.FormatCSV, SizeBytes: 1})
	if err != nil {
		t.Fatal(err)
	}
	held := busy
	held.Status, held.LeaseOwner, held.LeaseUntil, held.Version = imports.StatusProcessing, "another-run", time.Now().Add(time.Minute), busy.Version+1
	if err := st.Update(ctx, held, busy.Version); err != nil {
		t.Fatal(err)
	}

	sample, err := os.ReadFile("testdata/s3-event.json")
	if err != nil {
		t.Fatal(err)
	}
	created := strings.Replace(string(sample), "Happy%20Face.jpg", imports.UploadKey("acme", up.ID), 1)
	cont, _ := json.Marshal(imports.Message{PartnerID: "acme", ImportID: busy.ID, Offset: 0})
	ev := events.SQSEvent{Records: []events.SQSMessage{
		{MessageId: "created", Body: created},
		{MessageId: "busy", Body: string(cont)},
		{MessageId: "garbage", Body: "not json"},
		{MessageId: "test-event", Body: `{"Service":"Amazon S3","Event":"s3:TestEvent","Time":"2026-01-09T03:00:00.000Z","Bucket":"bffsuite-dev-imports","RequestId":"5582815E1AEA5ADF","HostId":"8cLeGAmw098X5cv4Zkwcmo8vvZa3eH3eKxsPzbB9wrR+YstdA6Knx4Ip8EXAMPLE"}`},
		{MessageId: "other-key", Body: string(sample)},
	}}
	h := &handler{p: &imports.Processor{Store: st, Blob: blob, Catalog: cl.Catalog}, log: slog.New(slog.DiscardHandler)}
	resp, err := h.handle(ctx, ev)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if !slices.Equal(failed, []string{"busy"}) {
		t.Errorf("batch item failures = %v, want [busy]", failed)
	}
	got, _ := st.Get(ctx, "acme", up.ID)
	if got.Status != imports.StatusCompleted || got.Counts != (imports.Counts{Read: 1, Rejected: 1}) {
		t.Errorf("the notified import: %s %+v, want completed with 1 rejected row", got.Status, got.Counts)
	}
}
