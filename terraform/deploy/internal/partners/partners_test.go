package partners

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/testenv"
)

const resourceServer = "https://partner.bffsuite.dev"

// startCognitoLocal runs cognito-local (npm cognito-local@5.3.0, from scripts/install-deps) in a
// temporary directory on a free loopback port and returns a client for it. It stops the process
// when the test ends.
func startCognitoLocal(t *testing.T) *cip.Client {
	t.Helper()
	bin := testenv.RequireTool(t, "cognito-local/node_modules/.bin/cognito-local")
	if _, err := exec.LookPath("node"); err != nil {
		testenv.Missing(t, "node is not on PATH (cognito-local needs it)")
	}
	port := testenv.FreePort(t)
	dir := t.TempDir()
	cmd := exec.Command(bin)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), fmt.Sprintf("PORT=%d", port), "HOST=127.0.0.1")
	logf, err := os.Create(filepath.Join(dir, "cognito-local.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start cognito-local: %v", err)
	}
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
		logf.Close()
	})
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	deadline := time.Now().Add(20 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(logf.Name())
			t.Fatalf("cognito-local did not listen on %s within 20s: %v\n%s", addr, err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	return cip.NewFromConfig(aws.Config{
		Region:      "local",
		Credentials: credentials.NewStaticCredentialsProvider("local", "local", ""),
	}, func(o *cip.Options) { o.BaseEndpoint = aws.String("http://" + addr) })
}

func newPool(t *testing.T, c *cip.Client) string {
	t.Helper()
	out, err := c.CreateUserPool(context.Background(), &cip.CreateUserPoolInput{PoolName: aws.String("partners-test")})
	if err != nil {
		t.Fatalf("CreateUserPool: %v", err)
	}
	return aws.ToString(out.UserPool.Id)
}

func TestManagerCognitoLocal(t *testing.T) {
	client := startCognitoLocal(t)
	ctx := context.Background()
	pool := newPool(t, client)
	m, err := New(client, pool, resourceServer)
	if err != nil {
		t.Fatal(err)
	}
	// A non-partner app client (like the web BFF's) must not show up in List.
	if _, err := client.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: aws.String(pool), ClientName: aws.String("web"),
	}); err != nil {
		t.Fatal(err)
	}

	acme, err := m.Add(ctx, "acme", []string{"orders.write", "orders.read", "orders.read"})
	if err != nil {
		t.Fatalf("Add(acme) = %v", err)
	}
	wantScopes := []string{resourceServer + "/orders.read", resourceServer + "/orders.write"}
	if acme.ClientSecret == "" || acme.ClientID == "" || !acme.Enabled || !reflect.DeepEqual(acme.Scopes, wantScopes) {
		t.Errorf("Add(acme) = %+v, want secret, id, enabled, scopes %q", acme, wantScopes)
	}
	if _, err := m.Add(ctx, "globex", []string{"catalog.read"}); err != nil {
		t.Fatalf("Add(globex) = %v", err)
	}
	if _, err := m.Add(ctx, "acme", []string{"orders.read"}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("Add(acme) again = %v, want ErrConflict", err)
	}

	list, err := m.List(ctx)
	if err != nil {
		t.Fatalf("List() = %v", err)
	}
	var names []string
	for _, p := range list {
		names = append(names, p.Name)
	}
	if want := []string{"acme", "globex"}; !reflect.DeepEqual(names, want) {
		t.Fatalf("List() names = %q, want %q", names, want)
	}
	if list[0].ClientID != acme.ClientID || !reflect.DeepEqual(list[0].Scopes, wantScopes) || !list[0].Enabled {
		t.Errorf("List()[0] = %+v, want acme as added", list[0])
	}

	disabled, err := m.Disable(ctx, "acme")
	if err != nil {
		t.Fatalf("Disable(acme) = %v", err)
	}
	if disabled.Enabled || len(disabled.Scopes) != 0 || disabled.ClientID != acme.ClientID {
		t.Errorf("Disable(acme) = %+v, want same client, disabled, no scopes", disabled)
	}
	list, err = m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if list[0].Enabled || !list[1].Enabled {
		t.Errorf("List() after Disable(acme) = %+v, want acme disabled, globex enabled", list)
	}
	if _, err := m.Disable(ctx, "nobody"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("Disable(nobody) = %v, want ErrNotFound", err)
	}
}

func TestAddValidation(t *testing.T) {
	// Validation fails before any call: a client without endpoint proves no request is needed.
	m, err := New(cip.New(cip.Options{Region: "local"}), "eu-west-1_x", resourceServer)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		scopes []string
		field  string
	}{
		{"Acme", []string{"orders.read"}, "name"},
		{"a", []string{"orders.read"}, "name"},
		{"-acme", []string{"orders.read"}, "name"},
		{"acme", nil, "scopes"},
		{"acme", []string{resourceServer + "/orders.read"}, "scopes[0]"},
		{"acme", []string{"orders read"}, "scopes[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"/"+strings.Join(tt.scopes, ","), func(t *testing.T) {
			_, err := m.Add(context.Background(), tt.name, tt.scopes)
			var v *domain.ValidationError
			if !errors.As(err, &v) || v.Fields[0].Field != tt.field {
				t.Errorf("Add(%q, %q) = %v, want ValidationError on %s", tt.name, tt.scopes, err, tt.field)
			}
		})
	}
}

func TestNewValidation(t *testing.T) {
	c := cip.New(cip.Options{Region: "local"})
	tests := []struct {
		name         string
		pool, server string
	}{
		{"no pool", "", resourceServer},
		{"no server", "eu-west-1_x", ""},
		{"trailing slash", "eu-west-1_x", resourceServer + "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(c, tt.pool, tt.server); err == nil {
				t.Errorf("New(%q, %q) = nil error, want validation error", tt.pool, tt.server)
			}
		})
	}
}
