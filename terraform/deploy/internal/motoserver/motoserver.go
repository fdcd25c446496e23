// Package motoserver starts moto_server (the moto AWS emulator, `pip install "moto[server]==5.2.1"`)
// for the deploy tool's tests: Cognito user pools, API Gateway keys and usage plans and DynamoDB
// in one local endpoint. A missing moto_server skips the test locally and fails it when CI is set.
package motoserver

import (
	"compress/gzip"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/apigateway"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"bffsuite.dev/shared/identity/localidp"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/testenv"
)

// Region is the region the tests use against moto.
const Region = testenv.MotoRegion

// Server is a running moto_server.
type Server struct{ *testenv.Moto }

// Start runs moto_server on a free loopback port until the test ends (testenv.StartMoto).
func Start(t testing.TB) *Server {
	t.Helper()
	return &Server{testenv.StartMoto(t)}
}

// PartnerEnv is what Terraform creates for partner onboarding in an environment, made directly
// in moto: a user pool with the partner API resource server (catalog.read, inventory.read,
// orders.read, orders.write), usage plans "silver" and "gold", and the partner registry table.
type PartnerEnv struct {
	UserPoolID, ResourceServer, Table string
	UsagePlans                        map[string]string
}

// ResourceServer is the partner API identifier PartnerEnv uses.
const ResourceServer = "https://partner.bffsuite.dev"

// PartnerEnv creates the partner plumbing of one environment.
func (s *Server) PartnerEnv(t testing.TB) PartnerEnv {
	t.Helper()
	ctx := context.Background()
	cfg := s.AWSConfig()
	cognito, apigw := cip.NewFromConfig(cfg), apigateway.NewFromConfig(cfg)
	pool, err := cognito.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("bffsuite-dev")})
	if err != nil {
		t.Fatalf("create user pool: %v", err)
	}
	env := PartnerEnv{UserPoolID: aws.ToString(pool.UserPool.Id), ResourceServer: ResourceServer, Table: "bffsuite-dev-partners",
		UsagePlans: map[string]string{}}
	var scopes []ciptypes.ResourceServerScopeType
	for _, sc := range []string{"catalog.read", "inventory.read", "orders.read", "orders.write"} {
		scopes = append(scopes, ciptypes.ResourceServerScopeType{ScopeName: aws.String(sc), ScopeDescription: aws.String(sc)})
	}
	if _, err := cognito.CreateResourceServer(ctx, &cip.CreateResourceServerInput{UserPoolId: pool.UserPool.Id,
		Identifier: aws.String(ResourceServer), Name: aws.String("partner-api"), Scopes: scopes}); err != nil {
		t.Fatalf("create resource server: %v", err)
	}
	for _, tier := range []string{"silver", "gold"} {
		up, err := apigw.CreateUsagePlan(ctx, &apigateway.CreateUsagePlanInput{Name: aws.String("bffsuite-dev-partner-" + tier)})
		if err != nil {
			t.Fatalf("create usage plan: %v", err)
		}
		env.UsagePlans[tier] = aws.ToString(up.Id)
	}
	if err := dynamo.CreateTable(ctx, dynamo.NewClient(cfg, s.Endpoint), env.Table, dynamo.PartnersTable()); err != nil {
		t.Fatalf("create registry table: %v", err)
	}
	return env
}

// OutputsJSON renders the environment as `tofu output -json` of an env root shows it.
func (e PartnerEnv) OutputsJSON(t testing.TB) []byte {
	t.Helper()
	val := func(v any) map[string]any { return map[string]any{"sensitive": false, "value": v} }
	b, err := json.Marshal(map[string]any{
		"user_pool_id": val(e.UserPoolID), "resource_server_identifier": val(e.ResourceServer),
		"partner_registry_table": val(e.Table), "partner_usage_plan_ids": val(e.UsagePlans),
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SigningKey returns moto's Cognito signing key and its kid: moto signs every user pool's
// tokens with one fixed key shipped in its package (cognitoidp/resources/jwks-private.json)
// and serves the public half at ENDPOINT/POOL/.well-known/jwks.json. moto has no /oauth2/token,
// so partner (client_credentials) tokens are minted with this key (localidp.MintClientCredentials).
func SigningKey(t testing.TB) (*rsa.PrivateKey, string) {
	t.Helper()
	out, err := exec.Command("python3", "-c", "import moto, os; print(os.path.dirname(moto.__file__))").Output()
	if err != nil {
		testenv.Missing(t, "python3 with moto not found: "+err.Error())
	}
	path := filepath.Join(strings.TrimSpace(string(out)), "cognitoidp", "resources", "jwks-private.json.gz")
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("moto signing key: %v", err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatalf("moto signing key %s: %v", path, err)
	}
	doc, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("moto signing key %s: %v", path, err)
	}
	key, kid, err := localidp.ParseRSAJWK(doc)
	if err != nil {
		t.Fatalf("moto signing key %s: %v", path, err)
	}
	return key, kid
}

// Issuer is the iss claim moto puts in the tokens of a user pool (Cognito's form).
func Issuer(userPoolID string) string {
	region, _, _ := strings.Cut(userPoolID, "_")
	return "https://cognito-idp." + region + ".amazonaws.com/" + userPoolID
}

// JWKSURL is where moto serves a user pool's JWKS.
func (s *Server) JWKSURL(userPoolID string) string {
	return s.Endpoint + "/" + userPoolID + "/.well-known/jwks.json"
}
