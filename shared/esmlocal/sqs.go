package esmlocal

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSOptions configure an SQS event source mapping (aws_lambda_event_source_mapping on a
// queue).
type SQSOptions struct {
	QueueURL string
	// QueueARN is the records' eventSourceARN; read from the queue when empty.
	QueueARN string
	Region   string // default us-east-1
	// BatchSize is the most messages per invoke (default 10, at most 10 per receive here).
	BatchSize int
	// ReportBatchItemFailures is function_response_types = ["ReportBatchItemFailures"].
	ReportBatchItemFailures bool
	// WaitTime is the long-poll wait of each receive (default 1 s; Lambda uses 20 s).
	WaitTime time.Duration
	Logger   *slog.Logger
}

// SQS starts polling the queue and invoking fn until Stop.
func SQS(ctx context.Context, client *sqs.Client, o SQSOptions, fn Invoker) (*Mapping, error) {
	if o.BatchSize <= 0 || o.BatchSize > 10 {
		o.BatchSize = 10
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.WaitTime <= 0 {
		o.WaitTime = time.Second
	}
	if o.QueueARN == "" {
		out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: aws.String(o.QueueURL),
			AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
		if err != nil {
			return nil, fmt.Errorf("esmlocal: queue %s: %w", o.QueueURL, err)
		}
		o.QueueARN = out.Attributes[string(sqstypes.QueueAttributeNameQueueArn)]
	}
	log := logger(o.Logger).With("esm", o.QueueARN)
	return start(ctx, func(ctx context.Context, m *Mapping) {
		for ctx.Err() == nil {
			out, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
				QueueUrl: aws.String(o.QueueURL), MaxNumberOfMessages: int32(o.BatchSize),
				WaitTimeSeconds:             int32(o.WaitTime / time.Second),
				MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameAll},
				MessageAttributeNames:       []string{"All"},
			})
			if err != nil {
				if ctx.Err() == nil {
					m.count(func(s *Stats) { s.PollErrors++ })
					log.Warn("receive failed", "error", err.Error())
					sleep(ctx, 200*time.Millisecond)
				}
				continue
			}
			if len(out.Messages) == 0 {
				continue
			}
			deliverSQS(ctx, client, o, m, log, fn, out.Messages)
		}
	}), nil
}

// SQSEvent is the event Lambda builds from received messages.
func SQSEvent(msgs []sqstypes.Message, queueARN, region string) events.SQSEvent {
	ev := events.SQSEvent{Records: make([]events.SQSMessage, 0, len(msgs))}
	for _, msg := range msgs {
		rec := events.SQSMessage{
			MessageId: aws.ToString(msg.MessageId), ReceiptHandle: aws.ToString(msg.ReceiptHandle),
			Body: aws.ToString(msg.Body), Md5OfBody: aws.ToString(msg.MD5OfBody),
			Md5OfMessageAttributes: aws.ToString(msg.MD5OfMessageAttributes),
			Attributes:             map[string]string{}, MessageAttributes: map[string]events.SQSMessageAttribute{},
			EventSourceARN: queueARN, EventSource: "aws:sqs", AWSRegion: region,
		}
		for k, v := range msg.Attributes {
			rec.Attributes[k] = v
		}
		for k, v := range msg.MessageAttributes {
			rec.MessageAttributes[k] = events.SQSMessageAttribute{StringValue: v.StringValue, BinaryValue: v.BinaryValue,
				DataType: aws.ToString(v.DataType)}
		}
		ev.Records = append(ev.Records, rec)
	}
	return ev
}

func deliverSQS(ctx context.Context, client *sqs.Client, o SQSOptions, m *Mapping, log *slog.Logger, fn Invoker, msgs []sqstypes.Message) {
	payload, err := json.Marshal(SQSEvent(msgs, o.QueueARN, o.Region))
	if err != nil {
		log.Error("encode event", "error", err.Error())
		return
	}
	m.count(func(s *Stats) { s.Invokes++ })
	resp, err := fn(ctx, payload)
	if err != nil {
		// The messages reappear after their visibility timeout; the redrive policy counts.
		m.count(func(s *Stats) { s.FunctionFails++ })
		log.Info("function failed; batch left on the queue", "messages", len(msgs), "error", err.Error())
		return
	}
	keep := map[string]bool{}
	if o.ReportBatchItemFailures {
		known := map[string]bool{}
		for _, msg := range msgs {
			known[aws.ToString(msg.MessageId)] = true
		}
		failed, err := failedItems(resp, known)
		if err != nil {
			m.count(func(s *Stats) { s.FunctionFails++ })
			log.Warn("bad partial batch response; batch left on the queue", "error", err.Error())
			return
		}
		keep = failed
	}
	var entries []sqstypes.DeleteMessageBatchRequestEntry
	for i, msg := range msgs {
		if keep[aws.ToString(msg.MessageId)] {
			continue
		}
		entries = append(entries, sqstypes.DeleteMessageBatchRequestEntry{Id: aws.String(fmt.Sprint(i)), ReceiptHandle: msg.ReceiptHandle})
	}
	if len(entries) == 0 {
		return
	}
	out, err := client.DeleteMessageBatch(context.WithoutCancel(ctx), &sqs.DeleteMessageBatchInput{QueueUrl: aws.String(o.QueueURL), Entries: entries})
	if err != nil {
		log.Warn("delete batch failed; messages will be redelivered", "error", err.Error())
		return
	}
	m.count(func(s *Stats) { s.Processed += len(out.Successful) })
}
