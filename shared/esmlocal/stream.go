package esmlocal

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	st "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// StreamOptions configure a DynamoDB stream event source mapping.
type StreamOptions struct {
	StreamARN string
	Region    string // default us-east-1
	// StartingPosition is "TRIM_HORIZON" (default) or "LATEST"; shards found later start at
	// their beginning.
	StartingPosition string
	// BatchSize is the most records per invoke (default 100).
	BatchSize int
	// MaximumRetryAttempts bounds the retries of a failing batch; -1 (the default, as in
	// Lambda) retries until it succeeds.
	MaximumRetryAttempts *int
	// BisectBatchOnFunctionError splits a failing batch in two and retries each half.
	BisectBatchOnFunctionError bool
	// ReportBatchItemFailures is function_response_types = ["ReportBatchItemFailures"]: the
	// batch resumes from the lowest sequence number reported failed.
	ReportBatchItemFailures bool
	// OnFailure receives the description of a batch given up (the JSON Lambda sends to an
	// on-failure destination); nil drops it. See SendToQueue.
	OnFailure func(ctx context.Context, record []byte) error
	// PollInterval is the wait between empty reads (default 100 ms; Lambda polls 4 times a
	// second) and RetryDelay the first wait before a retry (default 100 ms, doubled, at most
	// 2 s).
	PollInterval, RetryDelay time.Duration
	// FunctionARN names the function in OnFailure records.
	FunctionARN string
	Logger      *slog.Logger
}

// SendToQueue is an OnFailure that sends the record to an SQS queue, as an on-failure
// destination does.
func SendToQueue(client *sqs.Client, queueURL string) func(context.Context, []byte) error {
	return func(ctx context.Context, record []byte) error {
		_, err := client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(record))})
		return err
	}
}

// Stream starts reading every shard of the stream and invoking fn until Stop.
func Stream(ctx context.Context, client *dynamodbstreams.Client, o StreamOptions, fn Invoker) (*Mapping, error) {
	if o.BatchSize <= 0 {
		o.BatchSize = 100
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.StartingPosition == "" {
		o.StartingPosition = "TRIM_HORIZON"
	}
	if o.StartingPosition != "TRIM_HORIZON" && o.StartingPosition != "LATEST" {
		return nil, fmt.Errorf("esmlocal: StartingPosition %q: want TRIM_HORIZON or LATEST", o.StartingPosition)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 100 * time.Millisecond
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = 100 * time.Millisecond
	}
	// Fail at start on a stream that cannot be read, not in the background.
	if _, err := client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(o.StreamARN)}); err != nil {
		return nil, fmt.Errorf("esmlocal: stream %s: %w", o.StreamARN, err)
	}
	s := &streamPoller{client: client, o: o, fn: fn, log: logger(o.Logger).With("esm", o.StreamARN),
		started: map[string]bool{}, finished: map[string]bool{}}
	return start(ctx, s.run), nil
}

type streamPoller struct {
	client *dynamodbstreams.Client
	o      StreamOptions
	fn     Invoker
	log    *slog.Logger

	mu       sync.Mutex
	started  map[string]bool
	finished map[string]bool
}

func (s *streamPoller) run(ctx context.Context, m *Mapping) {
	var wg sync.WaitGroup
	defer wg.Wait()
	first := true
	for ctx.Err() == nil {
		shards, err := s.shards(ctx)
		if err != nil {
			if ctx.Err() == nil {
				m.count(func(st *Stats) { st.PollErrors++ })
				s.log.Warn("describe stream failed", "error", err.Error())
			}
		}
		for _, sh := range shards {
			id := aws.ToString(sh.ShardId)
			s.mu.Lock()
			// A child shard starts after its parent is read to its end (per-key order).
			parent := aws.ToString(sh.ParentShardId)
			ready := !s.started[id] && (parent == "" || s.finished[parent] || !known(shards, parent))
			if ready {
				s.started[id] = true
			}
			s.mu.Unlock()
			if !ready {
				continue
			}
			pos := st.ShardIteratorTypeTrimHorizon
			if first && s.o.StartingPosition == "LATEST" {
				pos = st.ShardIteratorTypeLatest
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				s.readShard(ctx, m, id, pos)
			}()
		}
		first = false
		sleep(ctx, 10*s.o.PollInterval)
	}
}

func known(shards []st.Shard, id string) bool {
	for _, sh := range shards {
		if aws.ToString(sh.ShardId) == id {
			return true
		}
	}
	return false
}

func (s *streamPoller) shards(ctx context.Context) ([]st.Shard, error) {
	var all []st.Shard
	var start *string
	for {
		out, err := s.client.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(s.o.StreamARN), ExclusiveStartShardId: start})
		if err != nil {
			return all, err
		}
		all = append(all, out.StreamDescription.Shards...)
		if out.StreamDescription.LastEvaluatedShardId == nil {
			return all, nil
		}
		start = out.StreamDescription.LastEvaluatedShardId
	}
}

func (s *streamPoller) readShard(ctx context.Context, m *Mapping, shardID string, pos st.ShardIteratorType) {
	it, err := s.client.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(s.o.StreamARN),
		ShardId: aws.String(shardID), ShardIteratorType: pos})
	if err != nil {
		s.log.Warn("shard iterator failed", "shard", shardID, "error", err.Error())
		s.mu.Lock()
		s.started[shardID] = false // try again on the next discovery
		s.mu.Unlock()
		return
	}
	iter := it.ShardIterator
	last := "" // sequence number of the last record handled (processed or given up)
	for iter != nil && ctx.Err() == nil {
		out, err := s.client.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			m.count(func(st *Stats) { st.PollErrors++ })
			if renewable(err) {
				s.log.Info("shard iterator no longer valid; renewing it", "shard", shardID, "after_sequence", last, "error", err.Error())
				fresh, gone := s.renew(ctx, shardID, last)
				if gone {
					iter = nil
					break
				}
				if fresh != nil {
					iter = fresh
				}
			} else {
				s.log.Warn("get records failed", "shard", shardID, "error", err.Error())
			}
			sleep(ctx, s.o.PollInterval)
			continue
		}
		for i := 0; i < len(out.Records) && ctx.Err() == nil; i += s.o.BatchSize {
			batch := out.Records[i:min(i+s.o.BatchSize, len(out.Records))]
			s.process(ctx, m, shardID, batch)
			if ctx.Err() == nil {
				last = aws.ToString(batch[len(batch)-1].Dynamodb.SequenceNumber)
			}
		}
		iter = out.NextShardIterator
		if len(out.Records) == 0 {
			sleep(ctx, s.o.PollInterval)
		}
	}
	if iter == nil {
		s.mu.Lock()
		s.finished[shardID] = true
		s.mu.Unlock()
	}
}

// renewable reports whether a GetRecords error means the iterator itself is bad, so retrying
// it can never succeed: TrimmedDataAccessException (DynamoDB Local answers it forever to a
// TRIM_HORIZON iterator taken before the stream's first record; in AWS, an iterator behind
// the 24 h trim horizon) and ExpiredIteratorException (an iterator older than 15 minutes).
func renewable(err error) bool {
	var trimmed *st.TrimmedDataAccessException
	var expired *st.ExpiredIteratorException
	return errors.As(err, &trimmed) || errors.As(err, &expired)
}

// renew re-describes the stream and returns a fresh iterator on the shard just after the last
// record handled (its beginning when none was), so no record is skipped or delivered twice;
// when that position was trimmed, the oldest record still kept. gone is true when the shard
// is no longer listed (the poller's discovery takes over its children). A failed call returns
// nil, false: the caller keeps its iterator and renews again after its next failed read.
func (s *streamPoller) renew(ctx context.Context, shardID, last string) (iter *string, gone bool) {
	shards, err := s.shards(ctx)
	if err == nil && !known(shards, shardID) {
		s.log.Info("shard no longer listed", "shard", shardID)
		return nil, true
	}
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(s.o.StreamARN), ShardId: aws.String(shardID),
		ShardIteratorType: st.ShardIteratorTypeTrimHorizon}
	if last != "" {
		in.ShardIteratorType, in.SequenceNumber = st.ShardIteratorTypeAfterSequenceNumber, aws.String(last)
	}
	out, err := s.client.GetShardIterator(ctx, in)
	if err != nil && last != "" && renewable(err) {
		s.log.Warn("records after the checkpoint were trimmed; resuming at the trim horizon", "shard", shardID, "after_sequence", last)
		in.ShardIteratorType, in.SequenceNumber = st.ShardIteratorTypeTrimHorizon, nil
		out, err = s.client.GetShardIterator(ctx, in)
	}
	if err != nil {
		s.log.Warn("renew shard iterator failed; retrying", "shard", shardID, "error", err.Error())
		return nil, false
	}
	return out.ShardIterator, false
}

// process delivers one batch until it is done or given up; it returns only then (or when ctx
// ends), so the shard never moves past a record still failing.
func (s *streamPoller) process(ctx context.Context, m *Mapping, shardID string, records []st.Record) {
	maxRetries := -1
	if s.o.MaximumRetryAttempts != nil {
		maxRetries = *s.o.MaximumRetryAttempts
	}
	work := [][]st.Record{records}
	attempts, delay := 0, s.o.RetryDelay
	for len(work) > 0 && ctx.Err() == nil {
		batch := work[0]
		rest, whole := s.invoke(ctx, m, batch)
		m.count(func(st *Stats) { st.Processed += len(batch) - len(rest) })
		if len(rest) == 0 {
			work, attempts, delay = work[1:], 0, s.o.RetryDelay
			continue
		}
		attempts++
		if maxRetries >= 0 && attempts > maxRetries {
			s.giveUp(ctx, m, shardID, rest, attempts)
			work, attempts, delay = work[1:], 0, s.o.RetryDelay
			continue
		}
		if whole && s.o.BisectBatchOnFunctionError && len(rest) > 1 {
			half := len(rest) / 2
			work = append([][]st.Record{rest[:half], rest[half:]}, work[1:]...)
			continue
		}
		work[0] = rest
		if !sleep(ctx, delay) {
			return
		}
		delay = min(2*delay, 2*time.Second)
	}
}

// invoke runs fn on batch and returns the records still to retry (none on success) and
// whether the whole batch failed.
func (s *streamPoller) invoke(ctx context.Context, m *Mapping, batch []st.Record) ([]st.Record, bool) {
	payload, err := json.Marshal(map[string]any{"Records": s.eventRecords(batch)})
	if err != nil {
		s.log.Error("encode event", "error", err.Error())
		return batch, true
	}
	m.count(func(st *Stats) { st.Invokes++ })
	resp, err := s.fn(ctx, payload)
	if err != nil {
		m.count(func(st *Stats) { st.FunctionFails++ })
		s.log.Info("function failed; batch will be retried", "records", len(batch), "error", err.Error())
		return batch, true
	}
	if !s.o.ReportBatchItemFailures {
		return nil, false
	}
	known := map[string]bool{}
	for _, r := range batch {
		known[aws.ToString(r.Dynamodb.SequenceNumber)] = true
	}
	failed, err := failedItems(resp, known)
	if err != nil {
		m.count(func(st *Stats) { st.FunctionFails++ })
		s.log.Warn("bad partial batch response; batch will be retried", "error", err.Error())
		return batch, true
	}
	for i, r := range batch { // records are in sequence order: the first failed is the lowest
		if failed[aws.ToString(r.Dynamodb.SequenceNumber)] {
			return batch[i:], i == 0
		}
	}
	return nil, false
}

func (s *streamPoller) giveUp(ctx context.Context, m *Mapping, shardID string, batch []st.Record, attempts int) {
	m.count(func(st *Stats) { st.GivenUp += len(batch) })
	first, last := batch[0].Dynamodb, batch[len(batch)-1].Dynamodb
	rec := map[string]any{
		"requestContext": map[string]any{"requestId": fmt.Sprintf("esmlocal-%d", time.Now().UnixNano()),
			"functionArn": s.o.FunctionARN, "condition": "RetryAttemptsExhausted", "approximateInvokeCount": attempts},
		"responseContext": map[string]any{"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
		"version":         "1.0",
		"timestamp":       time.Now().UTC().Format(time.RFC3339Nano),
		"DDBStreamBatchInfo": map[string]any{
			"shardId": shardID, "startSequenceNumber": aws.ToString(first.SequenceNumber),
			"endSequenceNumber":               aws.ToString(last.SequenceNumber),
			"approximateArrivalOfFirstRecord": arrival(first), "approximateArrivalOfLastRecord": arrival(last),
			"batchSize": len(batch), "streamArn": s.o.StreamARN,
		},
	}
	s.log.Warn("batch given up after retries", "shard", shardID, "records", len(batch),
		"first_sequence", aws.ToString(first.SequenceNumber), "attempts", attempts)
	if s.o.OnFailure == nil {
		return
	}
	b, _ := json.Marshal(rec)
	if err := s.o.OnFailure(context.WithoutCancel(ctx), b); err != nil {
		s.log.Error("on-failure destination failed", "error", err.Error())
	}
}

func arrival(r *st.StreamRecord) string {
	if r.ApproximateCreationDateTime == nil {
		return ""
	}
	return r.ApproximateCreationDateTime.UTC().Format(time.RFC3339)
}

// eventRecords renders stream records as Lambda's DynamoDB event records.
func (s *streamPoller) eventRecords(batch []st.Record) []map[string]any {
	out := make([]map[string]any, 0, len(batch))
	for _, r := range batch {
		d := r.Dynamodb
		change := map[string]any{
			"Keys": image(d.Keys), "SequenceNumber": aws.ToString(d.SequenceNumber),
			"SizeBytes": aws.ToInt64(d.SizeBytes), "StreamViewType": string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			change["ApproximateCreationDateTime"] = d.ApproximateCreationDateTime.Unix()
		}
		if d.NewImage != nil {
			change["NewImage"] = image(d.NewImage)
		}
		if d.OldImage != nil {
			change["OldImage"] = image(d.OldImage)
		}
		region := aws.ToString(r.AwsRegion)
		if region == "" {
			region = s.o.Region
		}
		out = append(out, map[string]any{
			"eventID": aws.ToString(r.EventID), "eventName": string(r.EventName), "eventVersion": aws.ToString(r.EventVersion),
			"eventSource": "aws:dynamodb", "awsRegion": region, "dynamodb": change, "eventSourceARN": s.o.StreamARN,
		})
	}
	return out
}

func image(m map[string]st.AttributeValue) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = attr(v)
	}
	return out
}

// attr is one attribute value in DynamoDB JSON ({"S": "..."}), as Lambda's event carries it.
func attr(v st.AttributeValue) map[string]any {
	switch v := v.(type) {
	case *st.AttributeValueMemberS:
		return map[string]any{"S": v.Value}
	case *st.AttributeValueMemberN:
		return map[string]any{"N": v.Value}
	case *st.AttributeValueMemberB:
		return map[string]any{"B": base64.StdEncoding.EncodeToString(v.Value)}
	case *st.AttributeValueMemberBOOL:
		return map[string]any{"BOOL": v.Value}
	case *st.AttributeValueMemberNULL:
		return map[string]any{"NULL": v.Value}
	case *st.AttributeValueMemberSS:
		return map[string]any{"SS": v.Value}
	case *st.AttributeValueMemberNS:
		return map[string]any{"NS": v.Value}
	case *st.AttributeValueMemberBS:
		bs := make([]string, len(v.Value))
		for i, b := range v.Value {
			bs[i] = base64.StdEncoding.EncodeToString(b)
		}
		return map[string]any{"BS": bs}
	case *st.AttributeValueMemberM:
		return map[string]any{"M": image(v.Value)}
	case *st.AttributeValueMemberL:
		l := make([]any, len(v.Value))
		for i, e := range v.Value {
			l[i] = attr(e)
		}
		return map[string]any{"L": l}
	}
	return map[string]any{"NULL": true}
}

// Int is a helper for the *int options: esmlocal.Int(2).
func Int(n int) *int { return &n }
