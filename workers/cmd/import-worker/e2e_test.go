package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/shared/catalog"
	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/rie"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// stack is the real path of an import: moto's S3 (presigned PUT, bucket notification to SQS),
// the SQS event source mapping (shared/esmlocal) and the worker's bootstrap under the Lambda
// emulator, over DynamoDB Local.
type stack struct {
	client  *imports.Client
	store   *imports.DynamoDB
	cat     *catalog.Client
	s3      *s3.Client
	bucket  string
	fn      *rie.Pool
	boot    string
	mapping *esmlocal.Mapping
}

func startStack(t *testing.T, skus []string, timeout time.Duration, batchRows int) *stack {
	t.Helper()
	ctx := context.Background()
	moto := testenv.StartMoto(t)
	ddb := testenv.DynamoDB(t)
	prefix := testenv.DynamoDBTablePrefix(t)
	tables := dynamo.Tables{Catalog: prefix + "catalog"}
	var catTable dynamo.Table
	for _, tb := range dynamo.Schema() {
		if tb.Logical == dynamo.TableCatalog {
			catTable = tb
		}
	}
	if err := dynamo.CreateTable(ctx, ddb.Client(), tables.Catalog, catTable); err != nil {
		t.Fatal(err)
	}
	if err := imports.CreateTable(ctx, ddb.Client(), prefix+"imports"); err != nil {
		t.Fatal(err)
	}
	ds := dynamo.New(ddb.Client(), tables)
	var ps []catalog.Product
	for i, sku := range skus {
		ps = append(ps, catalog.Product{ID: fmt.Sprintf("p%05d", i), SKU: sku, Slug: fmt.Sprintf("p-%05d", i), Name: "Product " + sku,
			Category: "cat", Price: catalog.Money{Amount: 100, Currency: "EUR"}, Stock: 1, UpdatedAt: time.Unix(1e9, 0)})
	}
	if err := ds.Catalog().PutProducts(ctx, ps); err != nil {
		t.Fatal(err)
	}
	awsCfg := moto.AWSConfig()
	s3c := imports.NewS3Client(awsCfg, moto.Endpoint)
	sqsc := sqs.NewFromConfig(awsCfg)
	bucket := "imports-" + strings.TrimSuffix(prefix, "-")
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatal(err)
	}
	q, err := sqsc.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("imports"),
		Attributes: map[string]string{"VisibilityTimeout": strconv.Itoa(int(timeout/time.Second) + 2)}})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsc.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{"QueueArn"}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s3c.PutBucketNotificationConfiguration(ctx, &s3.PutBucketNotificationConfigurationInput{Bucket: aws.String(bucket),
		NotificationConfiguration: &s3types.NotificationConfiguration{QueueConfigurations: []s3types.QueueConfiguration{{
			QueueArn: aws.String(attrs.Attributes["QueueArn"]), Events: []s3types.Event{"s3:ObjectCreated:*"},
			Filter: &s3types.NotificationConfigurationFilter{Key: &s3types.S3KeyFilter{FilterRules: []s3types.FilterRule{{Name: "prefix", Value: aws.String("uploads/")}}}},
		}}}})
	if err != nil {
		t.Fatal(err)
	}
	boot := testenv.BuildBootstrap(t, ".")
	fn, err := rie.Start(ctx, rie.Options{Bootstrap: boot, Binary: testenv.RequireTool(t, "bin/aws-lambda-rie"), Timeout: timeout, MemoryMB: 128,
		FunctionName: "import-worker", Env: map[string]string{
			"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": testenv.MotoRegion,
			"BFF_DYNAMODB_ENDPOINT": ddb.Endpoint, "BFF_TABLE_CATALOG": tables.Catalog, "BFF_TABLE_IMPORTS": prefix + "imports",
			"BFF_IMPORTS_BUCKET": bucket, "BFF_IMPORTS_S3_ENDPOINT": moto.Endpoint,
			"BFF_IMPORTS_QUEUE_URL": aws.ToString(q.QueueUrl), "BFF_IMPORTS_SQS_ENDPOINT": moto.Endpoint,
			"BFF_IMPORTS_BATCH_ROWS": strconv.Itoa(batchRows), "BFF_IMPORTS_MARGIN": "3s",
		}})
	if err != nil {
		t.Fatalf("start the worker under the emulator: %v", err)
	}
	t.Cleanup(func() {
		fn.Close()
		if t.Failed() {
			t.Logf("worker output:\n%s", tail(fn.Logs(), 4000))
		}
	})
	m, err := esmlocal.SQS(ctx, sqsc, esmlocal.SQSOptions{QueueURL: aws.ToString(q.QueueUrl), BatchSize: 1, ReportBatchItemFailures: true}, fn.Invoke)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Stop(context.Background()) })
	st := imports.NewDynamoDB(ddb.Client(), prefix+"imports")
	return &stack{client: imports.NewClient(st, imports.NewS3(s3c, bucket), imports.Options{}), store: st,
		cat: catalog.New(ds.Catalog(), catalog.Options{}), s3: s3c, bucket: bucket, fn: fn, boot: boot, mapping: m}
}

func tail(s string, n int) string { return s[max(0, len(s)-n):] }

func (s *stack) upload(t *testing.T, kind string, body io.ReadSeeker, declared, sent int64) imports.Import {
	t.Helper()
	imp, up, err := s.client.Create(context.Background(), "acme", imports.Declaration{Kind: kind, Format: imports.FormatCSV, SizeBytes: declared})
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(up.URL)
	if sh := u.Query().Get("X-Amz-SignedHeaders"); sh != "content-length;content-type;host" {
		t.Errorf("presigned PUT signs %q, want content-length;content-type;host", sh)
	}
	if exp := u.Query().Get("X-Amz-Expires"); exp != "900" {
		t.Errorf("presigned PUT expires in %s s, want 900", exp)
	}
	req, _ := http.NewRequest(up.Method, up.URL, body)
	req.ContentLength = sent
	req.Header.Set("Content-Type", up.Headers["Content-Type"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("presigned PUT = %d: %s", resp.StatusCode, b)
	}
	return imp
}

func (s *stack) wait(t *testing.T, id string, within time.Duration) imports.Import {
	t.Helper()
	end := time.Now().Add(within)
	for {
		imp, err := s.store.Get(context.Background(), "acme", id)
		if err == nil && imp.Terminal() {
			return imp
		}
		if time.Now().After(end) {
			t.Fatalf("import %s not ended within %s: %+v (%v)", id, within, imp, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func TestImportThroughS3SQSAndTheEmulator(t *testing.T) {
	skus := []string{"SKU-A", "SKU-B", "SKU-C", "SKU-D"}
	s := startStack(t, skus, 20*time.Second, 50)
	var b strings.Builder
	b.WriteString("sku,quantity\n")
	wantRep := imports.ReportHeader
	for i := range 400 {
		switch {
		case i%100 == 7:
			fmt.Fprintf(&b, "SKU-A,%d.5\n", i)
			wantRep += fmt.Sprintf("%d,quantity,not an integer\n", i+2)
		case i%100 == 42:
			fmt.Fprintf(&b, "SKU-Z,%d\n", i)
			wantRep += fmt.Sprintf("%d,sku,unknown SKU\n", i+2)
		default:
			fmt.Fprintf(&b, "%s,%d\n", skus[i%4], i)
		}
	}
	body := b.String()
	imp := s.upload(t, imports.KindInventory, strings.NewReader(body), int64(len(body)), int64(len(body)))
	got := s.wait(t, imp.ID, 60*time.Second)
	if got.Status != imports.StatusCompleted || got.Counts != (imports.Counts{Read: 400, Applied: 392, Rejected: 8}) {
		t.Fatalf("import: %s %q %+v", got.Status, got.Error, got.Counts)
	}
	for i, sku := range skus {
		if p, err := s.cat.GetProductBySKU(context.Background(), sku); err != nil || p.Stock != int64(396+i) {
			t.Errorf("stock of %s = %d (%v), want %d", sku, p.Stock, err, 396+i)
		}
	}
	link, _, err := s.client.ReportLink(context.Background(), got)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(link)
	if err != nil {
		t.Fatal(err)
	}
	rep, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(rep) != wantRep {
		t.Errorf("report (presigned GET):\n%s\nwant:\n%s", rep, wantRep)
	}

	// moto does not check presigned signatures, so a body larger than declared reaches the
	// bucket here (S3 refuses it: Content-Length is signed); the worker refuses it on arrival.
	big := "sku,quantity\nSKU-A,1\nSKU-A,2\n"
	imp = s.upload(t, imports.KindInventory, strings.NewReader(big), int64(len(big))-8, int64(len(big)))
	got = s.wait(t, imp.ID, 30*time.Second)
	if got.Status != imports.StatusFailed || got.Error != fmt.Sprintf("uploaded %d bytes, declared %d", len(big), len(big)-8) {
		t.Errorf("oversized upload: %s %q, want failed", got.Status, got.Error)
	}
	if p, _ := s.cat.GetProductBySKU(context.Background(), "SKU-A"); p.Stock != 396 {
		t.Errorf("stock of SKU-A after the refused upload = %d, want 396", p.Stock)
	}
}

// TestBigInventoryImport imports about 1 million rows (about 50 MB) over several invocations
// and checks the worker's peak RSS (VmHWM of the bootstrap process).
func TestBigInventoryImport(t *testing.T) {
	if testing.Short() {
		t.Skip("the 50 MB import takes a while; not with -short")
	}
	const nSKU, rows = 200, 1_000_000
	skus := make([]string, nSKU)
	for i := range skus {
		skus[i] = fmt.Sprintf("BULK-IMPORT-LOAD-TEST-WAREHOUSE-A-SKU-%04d", i)
	}
	s := startStack(t, skus, 12*time.Second, 20000)
	f, err := os.Create(filepath.Join(t.TempDir(), "inventory.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("sku,quantity\n")
	want := map[string]int64{}
	for i := range rows {
		q := int64(i*7919) % 100000
		fmt.Fprintf(w, "%s,%d\n", skus[i%nSKU], q)
		want[skus[i%nSKU]] = q
	}
	w.Flush()
	size, _ := f.Seek(0, io.SeekCurrent)
	f.Seek(0, io.SeekStart)
	t.Logf("file: %d rows, %.1f MB", rows, float64(size)/1e6)
	start := time.Now()
	imp := s.upload(t, imports.KindInventory, f, size, size)
	f.Close()
	got := s.wait(t, imp.ID, 10*time.Minute)
	elapsed := time.Since(start)
	if got.Status != imports.StatusCompleted || got.Counts != (imports.Counts{Read: rows, Applied: rows}) {
		t.Fatalf("import: %s %q %+v", got.Status, got.Error, got.Counts)
	}
	if got.Invocations < 2 {
		t.Errorf("invocations = %d, want several (12 s function timeout)", got.Invocations)
	}
	for sku, q := range want {
		if p, err := s.cat.GetProductBySKU(context.Background(), sku); err != nil || p.Stock != q {
			t.Fatalf("stock of %s = %d (%v), want %d", sku, p.Stock, err, q)
		}
	}
	hwm, err := vmHWM(s.boot)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d rows in %s (%.0f rows/s) over %d invocations; worker peak RSS (VmHWM) %.1f MiB",
		rows, elapsed.Round(time.Millisecond), float64(rows)/elapsed.Seconds(), got.Invocations, float64(hwm)/(1<<20))
	if hwm >= 128<<20 {
		t.Errorf("worker peak RSS %d bytes, want under 128 MiB", hwm)
	}
}

// vmHWM returns the peak RSS of the running process whose executable is exe.
func vmHWM(exe string) (int64, error) {
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, d := range dirs {
		if target, err := os.Readlink(d + "/exe"); err != nil || target != exe {
			continue
		}
		b, err := os.ReadFile(d + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				return kb << 10, err
			}
		}
	}
	return 0, errors.New("worker process not found")
}
