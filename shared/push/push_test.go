package push_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sns"

	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/events"
	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/push"
	"bffsuite.dev/shared/testenv"
)

func TestParseApps(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"", 0, false},
		{"ios=arn:aws:sns:us-east-1:123456789012:app/APNS/shop", 1, false},
		{"ios=arn:aws:sns:us-east-1:123456789012:app/APNS/shop, android=arn:aws:sns:us-east-1:123456789012:app/GCM/shop", 2, false},
		{"web=arn:aws:sns:us-east-1:123456789012:app/GCM/shop", 0, true},
		{"ios=not-an-arn", 0, true},
	}
	for _, tt := range tests {
		got, err := push.ParseApps(tt.in)
		if (err != nil) != tt.wantErr || len(got) != tt.want {
			t.Errorf("ParseApps(%q): got %v, %v; want %d apps, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestNotifierOnMoto: devices registered through Registering get platform endpoints on moto's
// SNS; an event reaches the customer's devices only; a device whose endpoint SNS disabled is
// removed, the others still notified.
func TestNotifierOnMoto(t *testing.T) {
	ctx := context.Background()
	moto := testenv.StartMoto(t)
	client := sns.NewFromConfig(moto.AWSConfig())
	apps := push.Apps{}
	for platform, kind := range map[string]string{devices.PlatformIOS: "APNS", devices.PlatformAndroid: "GCM"} {
		out, err := client.CreatePlatformApplication(ctx, &sns.CreatePlatformApplicationInput{Name: aws.String("shop-" + platform), Platform: aws.String(kind),
			Attributes: map[string]string{"PlatformCredential": "test-credential", "PlatformPrincipal": "test-principal"}})
		if err != nil {
			t.Fatalf("CreatePlatformApplication: %v", err)
		}
		apps[platform] = aws.ToString(out.PlatformApplicationArn)
	}
	var logs bytes.Buffer
	log := logging.New(&logs, logging.Options{Level: slog.LevelInfo})
	reg := push.Registrar{SNS: client, Apps: apps}
	store := push.Registering{Store: devices.NewMemory(), Registrar: reg, Log: log}
	now := time.Now()
	for _, d := range []devices.Device{
		{Token: "ios-token-1", CustomerID: "cus-1", Platform: devices.PlatformIOS, UpdatedAt: now},
		{Token: "android-token-1", CustomerID: "cus-1", Platform: devices.PlatformAndroid, UpdatedAt: now},
		{Token: "ios-token-2", CustomerID: "cus-2", Platform: devices.PlatformIOS, UpdatedAt: now},
	} {
		if _, err := store.Put(ctx, d); err != nil {
			t.Fatalf("Put: %v", err)
		}
	}
	mine, _ := store.List(ctx, "cus-1")
	if len(mine) != 2 || mine[0].EndpointARN == "" || mine[1].EndpointARN == "" {
		t.Fatalf("cus-1 devices: got %+v, want two with endpoint ARNs", mine)
	}
	n := push.Notifier{Devices: store, Registrar: reg, Log: log}
	e := events.Event{ID: events.ID("ord_1", 2), Type: events.OrderShipped, OrderID: "ord_1", OrderVersion: 2, Status: "shipped",
		Owner: events.Owner{CustomerID: "cus-1", Channel: "mobile"}, CorrelationID: "corr-push-1"}
	if err := n.Handle(ctx, e); err != nil {
		t.Fatalf("Handle: %v", err)
	}
	if !strings.Contains(logs.String(), `"sent":2`) || !strings.Contains(logs.String(), `"correlation_id":"corr-push-1"`) {
		t.Errorf("first notification: want sent 2 with the correlation id in %s", logs.String())
	}
	// SNS disables the android endpoint (FCM rejected the token): the device goes away.
	var android devices.Device
	for _, d := range mine {
		if d.Platform == devices.PlatformAndroid {
			android = d
		}
	}
	if _, err := client.SetEndpointAttributes(ctx, &sns.SetEndpointAttributesInput{EndpointArn: aws.String(android.EndpointARN),
		Attributes: map[string]string{"Enabled": "false"}}); err != nil {
		t.Fatalf("SetEndpointAttributes: %v", err)
	}
	logs.Reset()
	if err := n.Handle(ctx, e); err != nil {
		t.Fatalf("Handle after disable: %v", err)
	}
	left, _ := store.List(ctx, "cus-1")
	if len(left) != 1 || left[0].Platform != devices.PlatformIOS {
		t.Errorf("cus-1 devices after disable: got %+v, want only the ios one", left)
	}
	if !strings.Contains(logs.String(), `"sent":1`) || !strings.Contains(logs.String(), `"removed":1`) {
		t.Errorf("second notification: want sent 1 removed 1 in %s", logs.String())
	}
	if other, _ := store.List(ctx, "cus-2"); len(other) != 1 {
		t.Errorf("cus-2 devices: got %d, want 1 (untouched)", len(other))
	}
	// A customer without an endpoint ARN gets one on first notification.
	plain := devices.NewMemory()
	_, _ = plain.Put(ctx, devices.Device{Token: "ios-token-3", CustomerID: "cus-3", Platform: devices.PlatformIOS, UpdatedAt: now})
	e.Owner.CustomerID = "cus-3"
	if err := (push.Notifier{Devices: plain, Registrar: reg, Log: log}).Handle(ctx, e); err != nil {
		t.Fatalf("Handle cus-3: %v", err)
	}
	if ds, _ := plain.List(ctx, "cus-3"); len(ds) != 1 || ds[0].EndpointARN == "" {
		t.Errorf("cus-3 device: got %+v, want an endpoint ARN created on first use", ds)
	}
}
