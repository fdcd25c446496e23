// Package push sends order status changes to the customer's registered mobile devices through
// SNS mobile push. A device (shared/devices) gets an SNS platform endpoint under the platform
// application of its platform (APNs for ios, FCM for android) when it registers (Registering
// wraps the devices store bff-mobile writes) or, failing that, on its first notification. When
// SNS reports an endpoint disabled (the push service rejected the token: app uninstalled,
// token rotated) the device and its endpoint are removed.
//
// Delivery is at least once: an event handled twice may notify twice; the notification
// carries the event id as its collapse id (APNs apns-collapse-id, FCM collapse_key), so the
// device shows it once.
package push

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"

	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
)

// SNS is the part of the SNS client push uses.
type SNS interface {
	CreatePlatformEndpoint(ctx context.Context, in *sns.CreatePlatformEndpointInput, optFns ...func(*sns.Options)) (*sns.CreatePlatformEndpointOutput, error)
	Publish(ctx context.Context, in *sns.PublishInput, optFns ...func(*sns.Options)) (*sns.PublishOutput, error)
	DeleteEndpoint(ctx context.Context, in *sns.DeleteEndpointInput, optFns ...func(*sns.Options)) (*sns.DeleteEndpointOutput, error)
}

// Apps maps a device platform (devices.PlatformIOS, devices.PlatformAndroid) to its SNS
// platform application ARN. A platform without one gets no push.
type Apps map[string]string

// ParseApps reads "ios=arn:...,android=arn:..." (empty: none).
func ParseApps(s string) (Apps, error) {
	out := Apps{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok || (k != devices.PlatformIOS && k != devices.PlatformAndroid) || !strings.HasPrefix(v, "arn:") || !strings.Contains(v, ":app/") {
			return nil, fmt.Errorf("%q: want ios=<platform application ARN> or android=<ARN>", part)
		}
		out[k] = v
	}
	return out, nil
}

// Registrar creates platform endpoints.
type Registrar struct {
	SNS  SNS
	Apps Apps
}

// Endpoint returns the platform endpoint ARN of d, creating it (CreatePlatformEndpoint is
// idempotent for a token it knows with the same attributes). "" when d's platform has no app.
func (r Registrar) Endpoint(ctx context.Context, d devices.Device) (string, error) {
	app := r.Apps[d.Platform]
	if app == "" {
		return "", nil
	}
	out, err := r.SNS.CreatePlatformEndpoint(ctx, &sns.CreatePlatformEndpointInput{PlatformApplicationArn: aws.String(app),
		Token: aws.String(d.Token), CustomUserData: aws.String(d.CustomerID)})
	if err != nil {
		return "", fmt.Errorf("create platform endpoint: %w", err)
	}
	return aws.ToString(out.EndpointArn), nil
}

// Registering is a devices.Store that creates the SNS platform endpoint of each device it
// registers and keeps its ARN on the device. An SNS failure does not fail the registration:
// the notifier creates a missing endpoint on first use.
type Registering struct {
	devices.Store
	Registrar Registrar
	Log       *slog.Logger
}

// Put implements devices.Store.
func (s Registering) Put(ctx context.Context, d devices.Device) (bool, error) {
	if err := devices.Validate(d); err != nil {
		return false, err
	}
	if arn, err := s.Registrar.Endpoint(ctx, d); err != nil {
		if s.Log != nil {
			s.Log.WarnContext(ctx, "push endpoint not created; retried on first notification", "platform", d.Platform, "error", err.Error())
		}
	} else {
		d.EndpointARN = arn
	}
	return s.Store.Put(ctx, d)
}

// Notifier sends order events to the owning customer's devices.
type Notifier struct {
	Devices   devices.Store
	Registrar Registrar
	Log       *slog.Logger
}

// Notification is the user-visible text of an event.
func Notification(e events.Event) (title, body string) {
	ref := e.OrderID
	switch e.Type {
	case events.OrderPlaced:
		return "Order received", "We received your order " + ref + "."
	case events.OrderConfirmed:
		return "Order confirmed", "Your order " + ref + " is confirmed."
	case events.OrderShipped:
		return "Order shipped", "Your order " + ref + " is on its way."
	case events.OrderDelivered:
		return "Order delivered", "Your order " + ref + " was delivered."
	case events.OrderCancelled:
		return "Order cancelled", "Your order " + ref + " was cancelled."
	}
	return "Order update", "Your order " + ref + " changed."
}

// Message is the SNS JSON message (MessageStructure json) of e: one payload per push service.
func Message(e events.Event) (string, error) {
	title, body := Notification(e)
	data := map[string]string{"event_id": e.ID, "type": string(e.Type), "order_id": e.OrderID, "status": e.Status}
	apns, err := json.Marshal(map[string]any{"aps": map[string]any{"alert": map[string]string{"title": title, "body": body}, "thread-id": e.OrderID}, "data": data})
	if err != nil {
		return "", err
	}
	gcm, err := json.Marshal(map[string]any{"notification": map[string]string{"title": title, "body": body}, "data": data, "collapse_key": e.ID})
	if err != nil {
		return "", err
	}
	msg, err := json.Marshal(map[string]string{"default": body, "APNS": string(apns), "APNS_SANDBOX": string(apns), "GCM": string(gcm)})
	return string(msg), err
}

// Handle notifies e's customer. Devices whose endpoint SNS reports disabled or gone are
// removed. It fails (for a retry) only when the devices cannot be read or a publish fails
// for another reason.
func (n Notifier) Handle(ctx context.Context, e events.Event) error {
	ctx = logging.WithCorrelationID(ctx, e.CorrelationID)
	if e.Owner.CustomerID == "" {
		return nil
	}
	ds, err := n.Devices.List(ctx, e.Owner.CustomerID)
	if err != nil {
		return err
	}
	msg, err := Message(e)
	if err != nil {
		return fmt.Errorf("push message: %w", err)
	}
	var errs []error
	sent, removed := 0, 0
	for _, d := range ds {
		arn := d.EndpointARN
		if arn == "" {
			if arn, err = n.Registrar.Endpoint(ctx, d); err != nil {
				errs = append(errs, err)
				continue
			}
			if arn == "" {
				continue // no platform application for this platform
			}
			d.EndpointARN = arn
			if _, err := n.Devices.Put(ctx, d); err != nil {
				errs = append(errs, err)
			}
		}
		_, err := n.Registrar.SNS.Publish(ctx, &sns.PublishInput{TargetArn: aws.String(arn), Message: aws.String(msg), MessageStructure: aws.String("json"),
			MessageAttributes: map[string]snstypes.MessageAttributeValue{
				"AWS.SNS.MOBILE.APNS.COLLAPSE_ID": {DataType: aws.String("String"), StringValue: aws.String(e.ID)},
			}})
		if stale(err) {
			removed++
			_ = n.Devices.Delete(ctx, d.CustomerID, d.Token)
			_, _ = n.Registrar.SNS.DeleteEndpoint(ctx, &sns.DeleteEndpointInput{EndpointArn: aws.String(arn)})
			n.Log.InfoContext(ctx, "push endpoint disabled; device removed", "event_id", e.ID, "platform", d.Platform)
			continue
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("publish: %w", err))
			continue
		}
		sent++
	}
	n.Log.InfoContext(ctx, "push notification", "event_id", e.ID, "type", string(e.Type), "customer_id", e.Owner.CustomerID,
		"devices", len(ds), "sent", sent, "removed", removed)
	return errors.Join(errs...)
}

// stale reports an SNS answer meaning the endpoint will never deliver again.
func stale(err error) bool {
	var disabled *snstypes.EndpointDisabledException
	var notFound *snstypes.NotFoundException
	return errors.As(err, &disabled) || errors.As(err, &notFound)
}
