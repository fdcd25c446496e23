package testenv

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// CognitoLocalBin is the cognito-local (npm cognito-local@5.3.0) launcher below ToolsDir.
const CognitoLocalBin = "cognito-local/node_modules/.bin/cognito-local"

// CognitoLocal is a running cognito-local with one user pool (email as username, email
// auto-verified so sign-up codes are delivered to its log) and one app client allowing
// USER_PASSWORD_AUTH and REFRESH_TOKEN_AUTH.
type CognitoLocal struct {
	Endpoint   string // http://127.0.0.1:PORT
	UserPoolID string
	ClientID   string
	// Issuer of its tokens: http://127.0.0.1:PORT/{poolId}.
	Issuer string
	// JWKSURL: {Issuer}/.well-known/jwks.json.
	JWKSURL string
	// API is an SDK client for admin calls (AdminConfirmSignUp, CreateGroup...).
	API  *cip.Client
	logs *SyncBuffer
}

// StartCognito starts cognito-local on a free loopback port in a temp working directory (it
// keeps its state in ./.cognito), creates the pool and client through the real SDK, and stops
// it when the test ends. A missing node or cognito-local skips the test (fails it in CI).
func StartCognito(t testing.TB) *CognitoLocal {
	t.Helper()
	bin := RequireTool(t, CognitoLocalBin)
	if _, err := exec.LookPath("node"); err != nil {
		Missing(t, "node not on PATH (cognito-local needs it)")
	}
	port := FreePort(t)
	c := &CognitoLocal{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", port), logs: &SyncBuffer{}}
	cmd := exec.Command(bin)
	cmd.Dir = t.TempDir()
	// PORT and HOST are read by cognito-local's config; HOST also forms the token issuer.
	cmd.Env = append(os.Environ(), "PORT="+strconv.Itoa(port), "HOST=127.0.0.1", "NO_COLOR=1", "FORCE_COLOR=0")
	cmd.Stdout, cmd.Stderr = c.logs, c.logs
	if err := cmd.Start(); err != nil {
		t.Fatalf("StartCognito: start %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})

	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(c.Endpoint + "/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		select {
		case <-done:
			t.Fatalf("StartCognito: cognito-local exited during start:\n%s", c.logs.String())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("StartCognito: cognito-local not ready after 30s:\n%s", c.logs.String())
		}
	}

	c.API = cip.NewFromConfig(c.AWSConfig(), func(o *cip.Options) { o.BaseEndpoint = aws.String(c.Endpoint) })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pool, err := c.API.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName:               aws.String("bffsuite-test"),
		UsernameAttributes:     []ciptypes.UsernameAttributeType{ciptypes.UsernameAttributeTypeEmail},
		AutoVerifiedAttributes: []ciptypes.VerifiedAttributeType{ciptypes.VerifiedAttributeTypeEmail},
	})
	if err != nil {
		t.Fatalf("StartCognito: CreateUserPool: %v", err)
	}
	c.UserPoolID = aws.ToString(pool.UserPool.Id)
	client, err := c.API.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(c.UserPoolID), ClientName: aws.String("bffsuite-test-web"),
		ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	if err != nil {
		t.Fatalf("StartCognito: CreateUserPoolClient: %v", err)
	}
	c.ClientID = aws.ToString(client.UserPoolClient.ClientId)
	c.Issuer = c.Endpoint + "/" + c.UserPoolID
	c.JWKSURL = c.Issuer + "/.well-known/jwks.json"
	return c
}

// AWSConfig is an SDK config for cognito-local: static dummy credentials, a region.
func (c *CognitoLocal) AWSConfig() aws.Config {
	return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("local", "local", "")}
}

// Logs returns what cognito-local printed so far.
func (c *CognitoLocal) Logs() string { return c.logs.String() }

var cognitoCodeRE = regexp.MustCompile(`Code:\s+(\d{6})`)

// LastCode returns the most recent confirmation code cognito-local delivered to its log,
// waiting up to 5s for one that differs from previous (pass "" for any).
func (c *CognitoLocal) LastCode(t testing.TB, previous string) string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := cognitoCodeRE.FindAllStringSubmatch(c.logs.String(), -1); len(m) > 0 {
			if code := m[len(m)-1][1]; code != previous {
				return code
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("CognitoLocal.LastCode: no new code in the log:\n%s", c.logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
