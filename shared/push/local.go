package push

import (
	"context"
	"log/slog"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
)

// LocalApps are placeholder platform applications for LogSNS (make run).
var LocalApps = Apps{
	"ios":     "arn:aws:sns:local:000000000000:app/APNS/local",
	"android": "arn:aws:sns:local:000000000000:app/GCM/local",
}

// LogSNS is the SNS of `make run`: it creates endpoints named after the token and logs each
// notification instead of sending it.
type LogSNS struct{ Log *slog.Logger }

var _ SNS = LogSNS{}

// CreatePlatformEndpoint implements SNS.
func (l LogSNS) CreatePlatformEndpoint(_ context.Context, in *sns.CreatePlatformEndpointInput, _ ...func(*sns.Options)) (*sns.CreatePlatformEndpointOutput, error) {
	return &sns.CreatePlatformEndpointOutput{EndpointArn: aws.String(aws.ToString(in.PlatformApplicationArn) + "/endpoint")}, nil
}

// Publish implements SNS.
func (l LogSNS) Publish(ctx context.Context, in *sns.PublishInput, _ ...func(*sns.Options)) (*sns.PublishOutput, error) {
	l.Log.InfoContext(ctx, "push notification (local: logged, not sent)", "target", aws.ToString(in.TargetArn), "message", aws.ToString(in.Message))
	return &sns.PublishOutput{MessageId: aws.String("local")}, nil
}

// DeleteEndpoint implements SNS.
func (l LogSNS) DeleteEndpoint(context.Context, *sns.DeleteEndpointInput, ...func(*sns.Options)) (*sns.DeleteEndpointOutput, error) {
	return &sns.DeleteEndpointOutput{}, nil
}
