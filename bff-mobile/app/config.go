package app

import (
	"errors"
	"fmt"
	"time"

	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/platform"
	"bffsuite.dev/shared/push"
)

// Config is the mobile BFF's configuration, read once at start with config.Load.
type Config struct {
	Addr     string `env:"BFF_ADDR" default:"127.0.0.1:8082"`
	Platform platform.Config
	// Identity is the Cognito app client of the mobile app (sign-in flows); its ClientID is
	// also the only app client whose access tokens this BFF accepts. The client is public (no
	// secret), so the config has no secret to resolve from SSM for it.
	Identity identity.PublicConfig
	Versions VersionConfig
	// GzipMinBytes is the smallest response body that is gzipped for clients accepting it.
	GzipMinBytes int `env:"BFF_MOBILE_GZIP_MIN_BYTES" default:"1024"`
	// CatalogMaxAge is how long the app may reuse catalog responses without revalidating.
	CatalogMaxAge time.Duration `env:"BFF_MOBILE_CATALOG_MAX_AGE" default:"60s"`
	// FeedPartTimeout bounds each optional part of the feed (categories, active orders).
	FeedPartTimeout time.Duration `env:"BFF_MOBILE_FEED_PART_TIMEOUT" default:"800ms"`
	// IdempotencyTable and DevicesTable are used with the DynamoDB backend only.
	IdempotencyTable string `env:"BFF_TABLE_IDEMPOTENCY" default:"bff-idempotency"`
	DevicesTable     string `env:"BFF_TABLE_DEVICES" default:"bff-devices"`

	// --- mobile push (issue 18; shared/push) ---
	// PushPlatformApps are the SNS platform applications "ios=<arn>,android=<arn>": a device
	// that registers gets its platform endpoint there. Empty: none is created.
	PushPlatformApps string `env:"BFF_PUSH_PLATFORM_APPLICATIONS"`
}

// Validate checks the mobile BFF's own settings (nested structs validate themselves).
func (c Config) Validate() error {
	var errs []error
	if _, err := push.ParseApps(c.PushPlatformApps); err != nil {
		errs = append(errs, fmt.Errorf("BFF_PUSH_PLATFORM_APPLICATIONS: %w", err))
	}
	if c.GzipMinBytes < 0 {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_GZIP_MIN_BYTES: %d must not be negative", c.GzipMinBytes))
	}
	if c.CatalogMaxAge < 0 || c.CatalogMaxAge > 24*time.Hour {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_CATALOG_MAX_AGE: %s must be between 0 and 24h", c.CatalogMaxAge))
	}
	if c.FeedPartTimeout <= 0 {
		errs = append(errs, fmt.Errorf("BFF_MOBILE_FEED_PART_TIMEOUT: %s must be positive", c.FeedPartTimeout))
	}
	return errors.Join(errs...)
}
