package testenv

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
)

// DynamoDBJar is the DynamoDB Local jar below ToolsDir.
const DynamoDBJar = "dynamodb/package/emulator/DynamoDBLocal.jar"

// DynamoDBLocal is a running DynamoDB Local (in memory, shared DB) on a loopback port.
type DynamoDBLocal struct {
	Endpoint string // http://127.0.0.1:PORT
	cmd      *exec.Cmd
	logs     *bytes.Buffer
	done     chan struct{}
}

// ErrDynamoDBMissing is returned by StartDynamoDBLocal when java or the jar is not installed.
var ErrDynamoDBMissing = errors.New("DynamoDB Local not available")

// StartDynamoDBLocal starts DynamoDB Local on a free port and waits until it answers
// ListTables (the JVM takes a few seconds). Call Stop when done.
func StartDynamoDBLocal(ctx context.Context) (*DynamoDBLocal, error) {
	jar := filepath.Join(ToolsDir(), DynamoDBJar)
	if _, err := os.Stat(jar); err != nil {
		return nil, fmt.Errorf("%w: %s not installed (run .ci/install-deps ddb)", ErrDynamoDBMissing, jar)
	}
	java, err := exec.LookPath("java")
	if err != nil {
		return nil, fmt.Errorf("%w: java not on PATH", ErrDynamoDBMissing)
	}
	port, err := ddbFreePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(jar)
	cmd := exec.Command(java, "-Djava.library.path="+filepath.Join(dir, "DynamoDBLocal_lib"), "-Xmx512m",
		"-jar", jar, "-inMemory", "-sharedDb", "-disableTelemetry", "-port", strconv.Itoa(port))
	cmd.Dir = dir
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start DynamoDB Local: %w", err)
	}
	d := &DynamoDBLocal{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), cmd: cmd, logs: logs, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(d.done) }()
	db := d.Client()
	deadline := time.Now().Add(60 * time.Second)
	for {
		cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := db.ListTables(cctx, &dynamodb.ListTablesInput{})
		cancel()
		if err == nil {
			return d, nil
		}
		select {
		case <-d.done:
			return nil, fmt.Errorf("DynamoDB Local exited during start: %s", strings.TrimSpace(logs.String()))
		case <-ctx.Done():
			d.Stop()
			return nil, fmt.Errorf("wait for DynamoDB Local: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.Stop()
			return nil, fmt.Errorf("DynamoDB Local did not answer within 60s: %v", err)
		}
	}
}

// Client returns an SDK client for d with static test credentials in us-east-1.
func (d *DynamoDBLocal) Client() *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(d.Endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
		// DynamoDB Local sends CRC32 checksums the SDK rejects for some responses.
		DisableValidateResponseChecksum: true,
	})
}

// Stop ends the process and waits for it.
func (d *DynamoDBLocal) Stop() {
	if d == nil || d.cmd.Process == nil {
		return
	}
	_ = d.cmd.Process.Kill()
	select {
	case <-d.done:
	case <-time.After(10 * time.Second):
	}
}

func ddbFreePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

var (
	ddbMu       sync.Mutex
	ddbShared   *DynamoDBLocal
	ddbStartErr error
)

// RunWithDynamoDB is for TestMain: it starts one DynamoDB Local for the package, runs the
// tests and stops it. When DynamoDB Local cannot start, tests still run and DynamoDB(t)
// skips them (or fails them in CI).
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }
func RunWithDynamoDB(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	d, err := StartDynamoDBLocal(ctx)
	cancel()
	ddbMu.Lock()
	ddbShared, ddbStartErr = d, err
	ddbMu.Unlock()
	code := m.Run()
	d.Stop()
	return code
}

// DynamoDB returns the package's DynamoDB Local started by RunWithDynamoDB, or ends the test
// (Skip locally, Fatal when CI is set) when it is unavailable.
func DynamoDB(t testing.TB) *DynamoDBLocal {
	t.Helper()
	ddbMu.Lock()
	d, err := ddbShared, ddbStartErr
	ddbMu.Unlock()
	switch {
	case d != nil:
		return d
	case err != nil:
		Missing(t, err.Error())
	default:
		Missing(t, "DynamoDB Local not started: call testenv.RunWithDynamoDB from TestMain")
	}
	return nil
}

// DynamoDBTablePrefix returns a prefix unique to this test run, e.g. "t3k9x-", so tests can
// share one DynamoDB Local without seeing each other's tables.
func DynamoDBTablePrefix(t testing.TB) string {
	t.Helper()
	return "t" + strings.ToLower(rand.Text()[:10]) + "-"
}
