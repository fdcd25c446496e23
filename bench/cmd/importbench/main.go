// Command importbench measures one side of the bulk import benchmark against a DynamoDB Local
// (benchreport's imports section runs it twice, each in a fresh process, so each process's
// peak RSS is its own):
//
//	-mode import  the import worker's processor (shared/imports) over an inventory CSV of -rows
//	              rows on -skus products: streaming, validation, SKU lookups, conditional stock
//	              writes, checkpoints, all in batches
//	-mode floor   BatchWriteItem of the same rows (one item per row, no validation, no
//	              condition), 25 per call and 16 calls in flight
//
// It prints one JSON line: {"mode", "rows", "seconds", "rows_per_second", "peak_rss_bytes"}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/store/dynamo"
)

// Result is what one run prints.
type Result struct {
	Mode          string  `json:"mode"`
	Rows          int     `json:"rows"`
	Seconds       float64 `json:"seconds"`
	RowsPerSecond float64 `json:"rows_per_second"`
	PeakRSSBytes  int64   `json:"peak_rss_bytes"`
}

func main() {
	mode := flag.String("mode", "import", "import or floor")
	endpoint := flag.String("endpoint", "", "DynamoDB Local endpoint")
	rows := flag.Int("rows", 200_000, "rows")
	skus := flag.Int("skus", 200, "distinct SKUs")
	flag.Parse()
	res, err := run(context.Background(), *mode, *endpoint, *rows, *skus)
	if err != nil {
		fmt.Fprintln(os.Stderr, "importbench:", err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
}

func sku(i int) string { return fmt.Sprintf("BENCH-SKU-%06d", i) }

func run(ctx context.Context, mode, endpoint string, rows, nSKU int) (Result, error) {
	if endpoint == "" {
		return Result{}, errors.New("-endpoint is required")
	}
	db := dynamo.NewClient(aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}, endpoint)
	prefix := fmt.Sprintf("bench%d-", time.Now().UnixNano())
	var table dynamo.Table
	for _, t := range dynamo.Schema() {
		if t.Logical == dynamo.TableCatalog {
			table = t
		}
	}
	cat := prefix + "catalog"
	if err := dynamo.CreateTable(ctx, db, cat, table); err != nil {
		return Result{}, err
	}
	defer db.DeleteTable(context.WithoutCancel(ctx), &dynamodb.DeleteTableInput{TableName: aws.String(cat)})
	store := dynamo.New(db, dynamo.Tables{Catalog: cat})
	var ps []catalog.Product
	for i := range nSKU {
		ps = append(ps, catalog.Product{ID: fmt.Sprintf("p%06d", i), SKU: sku(i), Slug: fmt.Sprintf("p-%06d", i), Name: sku(i),
			Category: "bench", Price: catalog.Money{Amount: 100, Currency: "EUR"}, UpdatedAt: time.Unix(1e9, 0)})
	}
	if err := store.Catalog().PutProducts(ctx, ps); err != nil {
		return Result{}, err
	}
	qty := func(i int) int { return (i * 7919) % 100000 }
	res := Result{Mode: mode, Rows: rows}
	var start time.Time
	switch mode {
	case "import":
		dir, err := os.MkdirTemp("", "importbench-")
		if err != nil {
			return res, err
		}
		defer os.RemoveAll(dir)
		blob, err := imports.NewDir(filepath.Join(dir, "blob"), "http://127.0.0.1", nil, nil)
		if err != nil {
			return res, err
		}
		f, err := os.CreateTemp(dir, "file-*.csv")
		if err != nil {
			return res, err
		}
		w := bufio.NewWriter(f)
		w.WriteString("sku,quantity\n")
		for i := range rows {
			fmt.Fprintf(w, "%s,%d\n", sku(i%nSKU), qty(i))
		}
		if err := w.Flush(); err != nil {
			return res, err
		}
		size, _ := f.Seek(0, 1)
		f.Seek(0, 0)
		st := imports.NewMemory()
		imp, _, err := imports.NewClient(st, blob, imports.Options{}).Create(ctx, "bench", imports.Declaration{Kind: imports.KindInventory, Format: imports.FormatCSV, SizeBytes: size})
		if err != nil {
			return res, err
		}
		if err := blob.Put(ctx, imports.UploadKey("bench", imp.ID), f, size, "text/csv"); err != nil {
			return res, err
		}
		f.Close()
		p := &imports.Processor{Store: st, Blob: blob, Catalog: catalog.New(store.Catalog(), catalog.Options{}),
			Continue: func(context.Context, imports.Message) error { return errors.New("no deadline, no continuation") }}
		start = time.Now()
		if err := p.Handle(ctx, imports.Message{PartnerID: "bench", ImportID: imp.ID, Created: true}); err != nil {
			return res, err
		}
		got, err := st.Get(ctx, "bench", imp.ID)
		if err != nil || got.Status != imports.StatusCompleted || got.Counts.Applied != int64(rows) {
			return res, fmt.Errorf("import ended %s %q %+v (%v)", got.Status, got.Error, got.Counts, err)
		}
	case "floor":
		start = time.Now()
		reqs := make(chan []types.WriteRequest)
		errc := make(chan error, 16)
		var wg sync.WaitGroup
		for range 16 {
			wg.Go(func() {
				for batch := range reqs {
					req := map[string][]types.WriteRequest{cat: batch}
					for len(req) > 0 {
						out, err := db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
						if err != nil {
							errc <- err
							return
						}
						req = out.UnprocessedItems
					}
				}
			})
		}
		for i := 0; i < rows; i += 25 {
			batch := make([]types.WriteRequest, 0, 25)
			for j := i; j < min(i+25, rows); j++ {
				batch = append(batch, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
					"pk":    &types.AttributeValueMemberS{Value: "PRODUCT#" + fmt.Sprintf("p%06d", j%nSKU)},
					"stock": &types.AttributeValueMemberN{Value: strconv.Itoa(qty(j))},
				}}})
			}
			reqs <- batch
		}
		close(reqs)
		wg.Wait()
		select {
		case err := <-errc:
			return res, err
		default:
		}
	default:
		return res, fmt.Errorf("-mode %q: want import or floor", mode)
	}
	res.Seconds = time.Since(start).Seconds()
	res.RowsPerSecond = float64(rows) / res.Seconds
	res.PeakRSSBytes = peakRSS()
	return res, nil
}

// peakRSS is this process's VmHWM.
func peakRSS() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
