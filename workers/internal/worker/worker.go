// Package worker is what every event-side function shares at cold start: its logger (JSON on
// stdout, the Lambda log level winning) and its metrics writer (EMF lines on stdout, or off).
package worker

import (
	"fmt"
	"io"
	"log/slog"
	"os"

	"bffsuite.dev/shared/logging"
	"bffsuite.dev/shared/metrics"
)

// Config is the part of every worker's configuration read at cold start.
type Config struct {
	LogLevel string `env:"BFF_LOG_LEVEL" default:"info"`
	Metrics  metrics.Config
}

// Runtime is what a worker's handler logs and measures with.
type Runtime struct {
	Name    string
	Logger  *slog.Logger
	Metrics metrics.Config
	// Out receives the EMF lines (stdout on Lambda, where CloudWatch Logs extracts them).
	Out io.Writer
}

// New builds the runtime of the worker called name.
func New(name string, cfg Config) (*Runtime, error) {
	level, ok := logging.ParseLevel(cfg.LogLevel)
	if !ok {
		return nil, fmt.Errorf("BFF_LOG_LEVEL: %q is not one of debug, info, warn, error", cfg.LogLevel)
	}
	return &Runtime{Name: name, Logger: logging.New(os.Stdout, logging.Options{Level: level, Service: name}),
		Metrics: cfg.Metrics, Out: os.Stdout}, nil
}

// Recorder returns a fresh recorder for one invocation, nil when metrics are off (a nil
// Recorder records nothing).
func (r *Runtime) Recorder() *metrics.Recorder {
	if !r.Metrics.Enabled() {
		return nil
	}
	return metrics.New(r.Metrics.Namespace, r.Name)
}

// Flush writes the invocation's metrics; a failure is logged, never returned (metrics never
// fail an invocation).
func (r *Runtime) Flush(rec *metrics.Recorder) {
	if rec == nil {
		return
	}
	if err := rec.Flush(r.Out); err != nil {
		r.Logger.Warn("metrics not written", "error", err.Error())
	}
}
