package esmlocal_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"bffsuite.dev/shared/esmlocal"
	"bffsuite.dev/shared/rie"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// recorder is an in-process consumer that remembers what it saw and fails on demand.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.seen = append(r.seen, s)
	r.mu.Unlock()
}

func (r *recorder) got() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.seen)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func newQueue(t *testing.T, c *sqs.Client, name string, attrs map[string]string) (url, arn string) {
	t.Helper()
	out, err := c.CreateQueue(context.Background(), &sqs.CreateQueueInput{QueueName: aws.String(name), Attributes: attrs})
	if err != nil {
		t.Fatalf("create queue %s: %v", name, err)
	}
	a, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: out.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.QueueUrl), a.Attributes["QueueArn"]
}

func queueBodies(t *testing.T, c *sqs.Client, url string) []string {
	t.Helper()
	out, err := c.ReceiveMessage(context.Background(), &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), MaxNumberOfMessages: 10})
	if err != nil {
		t.Fatal(err)
	}
	var b []string
	for _, m := range out.Messages {
		b = append(b, aws.ToString(m.Body))
	}
	slices.Sort(b)
	return b
}

// depth is the number of messages in the queue, visible or in flight.
func depth(t *testing.T, c *sqs.Client, url string) int {
	t.Helper()
	a, err := c.GetQueueAttributes(context.Background(), &sqs.GetQueueAttributesInput{QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible}})
	if err != nil {
		t.Fatal(err)
	}
	var n, m int
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessages"], &n)
	fmt.Sscan(a.Attributes["ApproximateNumberOfMessagesNotVisible"], &m)
	return n + m
}

func TestSQS(t *testing.T) {
	moto := testenv.StartMoto(t)
	c := sqs.NewFromConfig(moto.AWSConfig())
	tests := []struct {
		name    string
		report  bool
		respond func(ev events.SQSEvent) (any, error)
		// wantProcessed bodies deleted after success; wantDLQ bodies redriven after 2 receives.
		wantProcessed int
		wantDLQ       []string
	}{
		{"success deletes the batch", false, func(events.SQSEvent) (any, error) { return nil, nil }, 4, nil},
		{"function error leaves the batch, redrive moves it", false,
			func(events.SQSEvent) (any, error) { return nil, errors.New("boom") }, 0, []string{"m0", "m1", "m2", "m3"}},
		{"partial batch keeps only the failed message", true, func(ev events.SQSEvent) (any, error) {
			var r events.SQSEventResponse
			for _, rec := range ev.Records {
				if rec.Body == "m2" {
					r.BatchItemFailures = append(r.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
				}
			}
			return r, nil
		}, 3, []string{"m2"}},
		{"unknown item identifier fails the whole batch", true, func(events.SQSEvent) (any, error) {
			return events.SQSEventResponse{BatchItemFailures: []events.SQSBatchItemFailure{{ItemIdentifier: "nope"}}}, nil
		}, 0, []string{"m0", "m1", "m2", "m3"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dlqURL, dlqARN := newQueue(t, c, fmt.Sprintf("dlq-%d", i), nil)
			url, _ := newQueue(t, c, fmt.Sprintf("q-%d", i), map[string]string{
				"VisibilityTimeout": "1",
				"RedrivePolicy":     fmt.Sprintf(`{"deadLetterTargetArn":%q,"maxReceiveCount":"2"}`, dlqARN),
			})
			for j := range 4 {
				if _, err := c.SendMessage(context.Background(), &sqs.SendMessageInput{QueueUrl: aws.String(url),
					MessageBody: aws.String(fmt.Sprintf("m%d", j)),
					MessageAttributes: map[string]sqstypes.MessageAttributeValue{
						"correlation_id": {DataType: aws.String("String"), StringValue: aws.String("c-1")}}}); err != nil {
					t.Fatal(err)
				}
			}
			rec := &recorder{}
			m, err := esmlocal.SQS(context.Background(), c, esmlocal.SQSOptions{QueueURL: url, ReportBatchItemFailures: tt.report},
				esmlocal.Handler(func(_ context.Context, ev events.SQSEvent) (any, error) {
					for _, r := range ev.Records {
						if r.EventSource != "aws:sqs" || r.MessageAttributes["correlation_id"].StringValue == nil {
							t.Errorf("record %+v: want eventSource aws:sqs and the message attribute", r)
						}
						rec.add(r.Body)
					}
					return tt.respond(ev)
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Stop(context.Background())
			waitFor(t, "processed and redriven messages", func() bool {
				return m.Stats().Processed == tt.wantProcessed && depth(t, c, dlqURL) == len(tt.wantDLQ)
			})
			time.Sleep(1500 * time.Millisecond) // one more visibility timeout: nothing else may move
			if got := m.Stats().Processed; got != tt.wantProcessed {
				t.Errorf("processed: got %d, want %d", got, tt.wantProcessed)
			}
			_ = m.Stop(context.Background())
			if got := queueBodies(t, c, dlqURL); !slices.Equal(got, tt.wantDLQ) {
				t.Errorf("DLQ: got %v, want %v", got, tt.wantDLQ)
			}
		})
	}
}

// streamTable creates a table with a NEW_AND_OLD_IMAGES stream and returns its stream ARN.
func streamTable(t *testing.T, db *dynamodb.Client) (table, streamARN string) {
	t.Helper()
	table = testenv.DynamoDBTablePrefix(t) + "orders"
	out, err := db.CreateTable(context.Background(), &dynamodb.CreateTableInput{
		TableName:            aws.String(table),
		AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: ddbtypes.KeyTypeHash}},
		BillingMode:          ddbtypes.BillingModePayPerRequest,
		StreamSpecification:  &ddbtypes.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: ddbtypes.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatalf("create table: %v", err)
	}
	return table, aws.ToString(out.TableDescription.LatestStreamArn)
}

func ddbClients(t *testing.T) (*dynamodb.Client, *dynamodbstreams.Client) {
	d := testenv.DynamoDB(t)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	return dynamodb.NewFromConfig(cfg, func(o *dynamodb.Options) { o.BaseEndpoint = aws.String(d.Endpoint) }),
		dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(d.Endpoint) })
}

func put(t *testing.T, db *dynamodb.Client, table string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(table),
			Item: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: id},
				"n": &ddbtypes.AttributeValueMemberN{Value: "7"}, "tags": &ddbtypes.AttributeValueMemberL{Value: []ddbtypes.AttributeValue{
					&ddbtypes.AttributeValueMemberS{Value: "x"}}}}}); err != nil {
			t.Fatal(err)
		}
	}
}

func TestStreamDeliversLambdaShapedRecordsInOrder(t *testing.T) {
	db, streams := ddbClients(t)
	table, arn := streamTable(t, db)
	put(t, db, table, "a", "b", "c")
	if _, err := db.TransactWriteItems(context.Background(), &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{
		{Update: &ddbtypes.Update{TableName: aws.String(table), Key: map[string]ddbtypes.AttributeValue{"id": &ddbtypes.AttributeValueMemberS{Value: "a"}},
			UpdateExpression: aws.String("SET n = :n"), ExpressionAttributeValues: map[string]ddbtypes.AttributeValue{":n": &ddbtypes.AttributeValueMemberN{Value: "8"}}}},
	}}); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	m, err := esmlocal.Stream(context.Background(), streams, esmlocal.StreamOptions{StreamARN: arn, BatchSize: 2},
		esmlocal.Handler(func(_ context.Context, ev events.DynamoDBEvent) (any, error) {
			for _, r := range ev.Records {
				n := r.Change.NewImage["n"].Number()
				if r.EventSourceArn != arn || r.EventSource != "aws:dynamodb" || r.Change.SequenceNumber == "" {
					t.Errorf("record %+v: want the stream ARN, aws:dynamodb and a sequence number", r)
				}
				if r.EventName == "MODIFY" && r.Change.OldImage["n"].Number() != "7" {
					t.Errorf("MODIFY old image n: got %q, want 7", r.Change.OldImage["n"].Number())
				}
				rec.add(r.EventName + ":" + r.Change.Keys["id"].String() + ":" + n + ":" + r.Change.NewImage["tags"].List()[0].String())
			}
			return nil, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop(context.Background())
	want := []string{"INSERT:a:7:x", "INSERT:b:7:x", "INSERT:c:7:x", "MODIFY:a:8:x"}
	waitFor(t, "4 records", func() bool { return len(rec.got()) >= 4 })
	if got := rec.got(); !slices.Equal(got, want) {
		t.Errorf("records: got %v, want %v", got, want)
	}
	if got := m.Stats().Invokes; got != 2 {
		t.Errorf("invokes with BatchSize 2: got %d, want 2", got)
	}
}

func TestStreamFailures(t *testing.T) {
	tests := []struct {
		name string
		opts esmlocal.StreamOptions
		// failOn makes the handler fail while it sees that id (times: how often; -1 always).
		failOn string
		times  int
		report bool
		// want is the order of ids the handler saw; wantGivenUp the ids described to OnFailure.
		want        []string
		wantGivenUp int
	}{
		{"partial failure resumes from the lowest failed record", esmlocal.StreamOptions{ReportBatchItemFailures: true},
			"b", 1, true, []string{"a", "b", "c", "d", "b", "c", "d"}, 0},
		{"poison record bisected and given up, the rest flows",
			esmlocal.StreamOptions{BisectBatchOnFunctionError: true, MaximumRetryAttempts: esmlocal.Int(1)},
			"c", -1, false, nil, 1},
		{"transient error retried whole", esmlocal.StreamOptions{}, "a", 2, false,
			[]string{"a", "a", "a", "b", "c", "d"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, streams := ddbClients(t)
			table, arn := streamTable(t, db)
			put(t, db, table, "a", "b", "c", "d")
			rec := &recorder{}
			var mu sync.Mutex
			fails := 0
			var givenUp []map[string]any
			o := tt.opts
			o.StreamARN, o.RetryDelay = arn, 10*time.Millisecond
			o.OnFailure = func(_ context.Context, b []byte) error {
				var v map[string]any
				if err := json.Unmarshal(b, &v); err != nil {
					t.Errorf("on-failure record: %v", err)
				}
				mu.Lock()
				givenUp = append(givenUp, v)
				mu.Unlock()
				return nil
			}
			m, err := esmlocal.Stream(context.Background(), streams, o,
				esmlocal.Handler(func(_ context.Context, ev events.DynamoDBEvent) (events.DynamoDBEventResponse, error) {
					var resp events.DynamoDBEventResponse
					for _, r := range ev.Records {
						id := r.Change.Keys["id"].String()
						rec.add(id)
						mu.Lock()
						fail := id == tt.failOn && (tt.times < 0 || fails < tt.times)
						if fail {
							fails++
						}
						mu.Unlock()
						if fail && !tt.report {
							return resp, errors.New("poison " + id)
						}
						if fail {
							resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: r.Change.SequenceNumber})
						}
					}
					return resp, nil
				}))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Stop(context.Background())
			wantDone := 4 - tt.wantGivenUp
			waitFor(t, "the shard to flow", func() bool { s := m.Stats(); return s.Processed == wantDone && s.GivenUp == tt.wantGivenUp })
			time.Sleep(200 * time.Millisecond)
			got := rec.got()
			if tt.want != nil && !slices.Equal(got, tt.want) {
				t.Errorf("handler saw %v, want %v", got, tt.want)
			}
			for _, id := range []string{"a", "b", "c", "d"} {
				if id != tt.failOn && !slices.Contains(got, id) {
					t.Errorf("record %s never delivered (saw %v)", id, got)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(givenUp) != min(tt.wantGivenUp, 1) {
				t.Fatalf("on-failure records: got %d, want %d", len(givenUp), tt.wantGivenUp)
			}
			if tt.wantGivenUp > 0 {
				info := givenUp[0]["DDBStreamBatchInfo"].(map[string]any)
				if info["batchSize"] != float64(1) || info["streamArn"] != arn ||
					!strings.HasPrefix(fmt.Sprint(givenUp[0]["requestContext"].(map[string]any)["condition"]), "RetryAttempts") {
					t.Errorf("on-failure record: got %v, want one record of the stream, RetryAttemptsExhausted", givenUp[0])
				}
			}
		})
	}
}

// A pool of bootstraps under the Lambda RIE is an Invoker as it is.
var _ esmlocal.Invoker = (*rie.Pool)(nil).Invoke

// trimmedIterators is an HTTP transport in front of DynamoDB Local that reproduces its
// TrimmedDataAccessException bug (aws/aws-sdk-java#2923: an iterator taken on a fresh stream
// before its first record is answered TrimmedDataAccessException forever): every GetRecords
// with one of the first `poison` iterators GetShardIterator returned fails that way.
type trimmedIterators struct {
	next     http.RoundTripper
	mu       sync.Mutex
	poison   int
	poisoned map[string]bool
	answered int
}

func (tr *trimmedIterators) RoundTrip(r *http.Request) (*http.Response, error) {
	target := r.Header.Get("X-Amz-Target")
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
	}
	if strings.HasSuffix(target, ".GetRecords") {
		var in struct{ ShardIterator string }
		_ = json.Unmarshal(body, &in)
		tr.mu.Lock()
		bad := tr.poisoned[in.ShardIterator]
		if bad {
			tr.answered++
		}
		tr.mu.Unlock()
		if bad {
			msg := `{"__type":"com.amazonaws.dynamodb.v20120810#TrimmedDataAccessException","message":"The operation attempted to read past the oldest stream record in a shard."}`
			return &http.Response{StatusCode: 400, Status: "400 Bad Request", Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
				Header: http.Header{"Content-Type": {"application/x-amz-json-1.0"}}, Body: io.NopCloser(strings.NewReader(msg)),
				ContentLength: int64(len(msg)), Request: r}, nil
		}
	}
	resp, err := tr.next.RoundTrip(r)
	if err != nil || !strings.HasSuffix(target, ".GetShardIterator") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var out struct{ ShardIterator string }
	_ = json.Unmarshal(b, &out)
	tr.mu.Lock()
	if tr.poison > 0 && out.ShardIterator != "" {
		tr.poison--
		tr.poisoned[out.ShardIterator] = true
	}
	tr.mu.Unlock()
	return resp, nil
}

// TestStreamRenewsTrimmedIterator: a mapping whose shard iterator is answered
// TrimmedDataAccessException (DynamoDB Local, mapping started at TRIM_HORIZON before the
// first write) re-describes the stream, takes a fresh iterator and delivers every record
// once, in order.
func TestStreamRenewsTrimmedIterator(t *testing.T) {
	db, _ := ddbClients(t)
	table, arn := streamTable(t, db)
	tr := &trimmedIterators{next: http.DefaultTransport, poison: 1, poisoned: map[string]bool{}}
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
		HTTPClient: &http.Client{Transport: tr}}
	streams := dynamodbstreams.NewFromConfig(cfg, func(o *dynamodbstreams.Options) { o.BaseEndpoint = aws.String(testenv.DynamoDB(t).Endpoint) })
	rec := &recorder{}
	m, err := esmlocal.Stream(context.Background(), streams, esmlocal.StreamOptions{StreamARN: arn, PollInterval: 20 * time.Millisecond},
		esmlocal.Handler(func(_ context.Context, ev events.DynamoDBEvent) (any, error) {
			for _, r := range ev.Records {
				rec.add(r.Change.Keys["id"].String())
			}
			return nil, nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop(context.Background())
	time.Sleep(300 * time.Millisecond) // the poller meets the trimmed iterator first
	put(t, db, table, "first", "second")
	waitFor(t, "2 records", func() bool { return len(rec.got()) >= 2 })
	put(t, db, table, "third")
	waitFor(t, "3 records", func() bool { return len(rec.got()) >= 3 })
	time.Sleep(200 * time.Millisecond)
	if got, want := rec.got(), []string{"first", "second", "third"}; !slices.Equal(got, want) {
		t.Errorf("records: got %v, want %v", got, want)
	}
	tr.mu.Lock()
	answered := tr.answered
	tr.mu.Unlock()
	if answered == 0 {
		t.Errorf("TrimmedDataAccessException answers: got 0, want at least 1 (the test reproduced nothing)")
	}
	if got := m.Stats(); got.Processed != 3 {
		t.Errorf("processed: got %d, want 3", got.Processed)
	}
}
