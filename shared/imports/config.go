package imports

import (
	"errors"
	"fmt"
	"time"
)

// Config is the imports configuration shared by bff-partner and the import worker.
type Config struct {
	// Bucket is the S3 bucket of uploads and reports. Empty: a local directory (Dir), for
	// make run and tests; then bff-partner serves the upload URLs itself and runs the worker
	// in process.
	Bucket string `env:"BFF_IMPORTS_BUCKET"`
	// S3Endpoint overrides the S3 endpoint with path-style addressing (moto in tests).
	S3Endpoint string `env:"BFF_IMPORTS_S3_ENDPOINT"`
	// Table is the DynamoDB table of import records (dynamodb backend).
	Table string `env:"BFF_TABLE_IMPORTS" default:"bff-imports"`
	// Dir is the local blob directory (no bucket); empty: a new temporary directory.
	Dir string `env:"BFF_IMPORTS_DIR"`
	// SigningKey signs the local directory's URLs (no bucket); empty: random per process.
	SigningKey string `env:"BFF_IMPORTS_SIGNING_KEY"`
	// UploadTTL is how long an upload URL (and a report link) is valid.
	UploadTTL time.Duration `env:"BFF_IMPORTS_URL_TTL" default:"15m"`
}

// Validate checks the settings; every error names its variable.
func (c Config) Validate() error {
	var errs []error
	if len(c.Table) < 3 || len(c.Table) > 255 {
		errs = append(errs, fmt.Errorf("BFF_TABLE_IMPORTS: table name %q must have 3-255 characters", c.Table))
	}
	if c.UploadTTL < time.Minute || c.UploadTTL > 12*time.Hour {
		errs = append(errs, fmt.Errorf("BFF_IMPORTS_URL_TTL: %s must be between 1m and 12h", c.UploadTTL))
	}
	if c.Bucket != "" && (c.Dir != "" || c.SigningKey != "") {
		errs = append(errs, errors.New("BFF_IMPORTS_DIR: a local blob directory (and BFF_IMPORTS_SIGNING_KEY) is for runs without BFF_IMPORTS_BUCKET"))
	}
	if c.SigningKey != "" && len(c.SigningKey) < 16 {
		errs = append(errs, errors.New("BFF_IMPORTS_SIGNING_KEY: at least 16 bytes"))
	}
	return errors.Join(errs...)
}
