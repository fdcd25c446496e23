package webhooks

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// SQSEnqueuer sends each task as one message to the delivery queue.
func SQSEnqueuer(client *sqs.Client, queueURL string) Enqueuer {
	return func(ctx context.Context, t Task) error {
		body, err := json.Marshal(t)
		if err != nil {
			return fmt.Errorf("encode task: %w", err)
		}
		_, err = client.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(queueURL), MessageBody: aws.String(string(body))})
		if err != nil {
			return fmt.Errorf("send to delivery queue: %w", err)
		}
		return nil
	}
}

// DecodeTask reads a delivery queue message body.
func DecodeTask(body string) (Task, error) {
	var t Task
	if err := json.Unmarshal([]byte(body), &t); err != nil {
		return Task{}, fmt.Errorf("%w: %v", ErrPermanent, err)
	}
	return t, nil
}
