package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// MotoRegion is the region tests use against moto.
const MotoRegion = "us-east-1"

// Moto is a running moto_server (the moto AWS emulator, `pip install "moto[server]==5.2.1"`):
// SSM, EventBridge, SQS, SNS, S3, IAM/STS, DynamoDB, Cognito on one endpoint. It runs no
// Lambda code and its Step Functions interpreter is not to be trusted.
type Moto struct {
	// Endpoint is http://127.0.0.1:PORT, for every service.
	Endpoint string
	logs     SyncBuffer
}

// StartMoto runs moto_server on a free loopback port until the test ends. A missing
// moto_server skips the test locally and fails it when CI is set.
func StartMoto(t testing.TB) *Moto {
	t.Helper()
	bin, err := exec.LookPath("moto_server")
	if err != nil {
		Missing(t, `moto_server not on PATH (pip install "moto[server]==5.2.1")`)
	}
	port := FreePort(t)
	s := &Moto{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port)}
	cmd := exec.Command(bin, "-H", "127.0.0.1", "-p", fmt.Sprint(port))
	cmd.Env = append(os.Environ(), fmt.Sprintf("MOTO_PORT=%d", port))
	cmd.Stdout, cmd.Stderr = &s.logs, &s.logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start moto_server: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
		if t.Failed() {
			t.Logf("moto_server output:\n%s", s.logs.String())
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.Endpoint+"/moto-api/", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			return s
		}
		select {
		case <-done:
			t.Fatalf("moto_server exited at start:\n%s", s.logs.String())
		case <-ctx.Done():
			t.Fatalf("moto_server not ready on %s within 30 s:\n%s", s.Endpoint, s.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// AWSConfig is an SDK configuration for the server (static test credentials).
func (s *Moto) AWSConfig() aws.Config {
	return aws.Config{
		Region:       MotoRegion,
		Credentials:  credentials.NewStaticCredentialsProvider("testing", "testing", ""),
		BaseEndpoint: aws.String(s.Endpoint),
	}
}

// Logs is what moto_server printed so far.
func (s *Moto) Logs() string { return s.logs.String() }
