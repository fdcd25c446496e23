package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"bffsuite.dev/shared/tracing"
	"github.com/aws/aws-lambda-go/lambda"
	"github.com/gin-gonic/gin"
)

// OnLambda reports whether the process runs inside the Lambda runtime.
func OnLambda() bool { return os.Getenv("AWS_LAMBDA_RUNTIME_API") != "" }

// RunOptions configures Run.
type RunOptions struct {
	Name   string // the BFF's name, for logs
	Addr   string // local listen address
	Config Config
	Logger *slog.Logger
	// Listening, when set, is called with the bound address once the local server accepts
	// connections (tests and make run use it).
	Listening func(addr net.Addr)
	// Tracing continues each Lambda invocation's trace and flushes its spans at the end of the
	// invocation (tracing.WrapLambda); locally it is shut down (flushed) when Run returns.
	Tracing *tracing.Provider
}

// Run serves engine until ctx ends: on Lambda (AWS_LAMBDA_RUNTIME_API set) through the
// runtime API, otherwise on a local http.Server with timeouts and graceful shutdown.
func Run(ctx context.Context, engine *gin.Engine, opts RunOptions) error {
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	if OnLambda() {
		h := tracing.WrapLambda(NewLambdaHandler(engine, opts.Config, logger), opts.Tracing)
		lambda.StartWithOptions(h, lambda.WithContext(ctx))
		return nil // not reached: the runtime exits the process
	}
	err := serveLocal(ctx, engine, opts, logger)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if terr := opts.Tracing.Shutdown(sctx); terr != nil {
		logger.Warn("tracing shutdown failed", slog.String("error", terr.Error()))
	}
	return err
}

func serveLocal(ctx context.Context, h http.Handler, opts RunOptions, logger *slog.Logger) error {
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s (BFF_ADDR): %w", opts.Addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      opts.Config.GatewayTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	logger.Info("listening", slog.String("bff", opts.Name), slog.String("addr", "http://"+ln.Addr().String()))
	if opts.Listening != nil {
		opts.Listening(ln.Addr())
	}
	select {
	case err := <-errc:
		return fmt.Errorf("serve %s: %w", opts.Name, err)
	case <-ctx.Done():
	}
	timeout := opts.Config.ShutdownTimeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	sctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	logger.Info("shutting down", slog.String("bff", opts.Name))
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown %s: %w", opts.Name, err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// LambdaTag leaves the local-only pieces out of a build: the embedded data backend with its
// seed data and fault injector (shared/store), and the local identity provider
// (shared/coldstart). Such a build serves only Cognito and DynamoDB.
const LambdaTag = "bff.lambda"

// LambdaBuildTags are the build tags of every shipped Lambda bootstrap (make lambda, bffdeploy
// build, make bench's cold starts and sizes): lambda.norpc drops aws-lambda-go's unused net/rpc
// mode, nomsgpack drops Gin's MessagePack binding (the BFFs bind JSON only, about 0.9 MB per
// binary), and LambdaTag the local-only pieces.
const LambdaBuildTags = "lambda.norpc,nomsgpack," + LambdaTag

// LocalLambdaBuildTags are LambdaBuildTags without LambdaTag: the same release build with the
// embedded data and the local IdP, for running a bootstrap on local data under the emulator
// (RIE tests) and for make bench's warm load on embedded data. Never shipped.
const LocalLambdaBuildTags = "lambda.norpc,nomsgpack"
