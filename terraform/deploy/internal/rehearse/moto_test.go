package rehearse

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	ddbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"
)

// roleConfig creates a Lambda role named name with the policy statements on moto m, assumes it,
// turns moto's IAM enforcement on and returns the AWS config of the role's session.
func roleConfig(ctx context.Context, t *testing.T, m *Moto, name string, statements []map[string]any) aws.Config {
	t.Helper()
	policy, err := json.Marshal(map[string]any{"Version": "2012-10-17", "Statement": statements})
	if err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	ic := iam.NewFromConfig(adminConfig(m.URL))
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String(name), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ic.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(string(policy))}); err != nil {
		t.Fatal(err)
	}
	creds, err := AssumeRole(ctx, m.URL, aws.ToString(role.Role.Arn), "test-"+name)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetIAM(true); err != nil {
		t.Fatal(err)
	}
	return awsConfig(m.URL, credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken))
}

// The launcher makes moto's IAM enforcement decide on the resources a least-privilege policy
// names: one readable parameter passes, a GetParameters that adds an unreadable one is denied as
// a whole (the bff-mobile breakage), a table outside the policy is denied, and a transaction is
// authorized per item with the item's own action.
func TestMotoEnforcesResourceLevelIAM(t *testing.T) {
	o := requireTools(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx, o.Python, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	admin := adminConfig(m.URL)
	ddb := dynamodb.NewFromConfig(admin)
	var arns []string
	for _, name := range []string{"allowed", "other"} {
		out, err := ddb.CreateTable(ctx, &dynamodb.CreateTableInput{
			TableName: aws.String(name), BillingMode: ddbtypes.BillingModePayPerRequest,
			KeySchema:            []ddbtypes.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: ddbtypes.KeyTypeHash}},
			AttributeDefinitions: []ddbtypes.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: ddbtypes.ScalarAttributeTypeS}},
		})
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.TableDescription.TableArn))
	}
	s := ssm.NewFromConfig(admin)
	for _, n := range []string{"/app/READABLE", "/app/SECRET"} {
		if _, err := s.PutParameter(ctx, &ssm.PutParameterInput{Name: aws.String(n), Value: aws.String("v"), Type: ssmtypes.ParameterTypeSecureString}); err != nil {
			t.Fatal(err)
		}
	}
	asRole := roleConfig(ctx, t, m, "fn", []map[string]any{
		{"Effect": "Allow", "Action": []string{"ssm:GetParameters"}, "Resource": []string{"arn:aws:ssm:" + Region + ":123456789012:parameter/app/READABLE"}},
		{"Effect": "Allow", "Action": []string{"dynamodb:DescribeTable", "dynamodb:PutItem"}, "Resource": []string{arns[0]}},
	})
	rs, rd := ssm.NewFromConfig(asRole), dynamodb.NewFromConfig(asRole)
	put := func(table string) ddbtypes.TransactWriteItem {
		return ddbtypes.TransactWriteItem{Put: &ddbtypes.Put{TableName: aws.String(table), Item: map[string]ddbtypes.AttributeValue{"pk": &ddbtypes.AttributeValueMemberS{Value: "k"}}}}
	}
	tests := []struct {
		name    string
		call    func() error
		allowed bool
	}{
		{name: "GetParameters of the readable name", allowed: true, call: func() error {
			_, err := rs.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/app/READABLE"}, WithDecryption: aws.Bool(true)})
			return err
		}},
		{name: "GetParameters adding an unreadable name", call: func() error {
			_, err := rs.GetParameters(ctx, &ssm.GetParametersInput{Names: []string{"/app/READABLE", "/app/SECRET"}, WithDecryption: aws.Bool(true)})
			return err
		}},
		{name: "DescribeTable of the granted table", allowed: true, call: func() error {
			_, err := rd.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("allowed")})
			return err
		}},
		{name: "DescribeTable of another table", call: func() error {
			_, err := rd.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("other")})
			return err
		}},
		{name: "TransactWriteItems Put on the granted table", allowed: true, call: func() error {
			_, err := rd.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{put("allowed")}})
			return err
		}},
		{name: "TransactWriteItems also putting into another table", call: func() error {
			_, err := rd.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []ddbtypes.TransactWriteItem{put("allowed"), put("other")}})
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if tt.allowed && err != nil {
				t.Errorf("got %v, want allowed", err)
			}
			if !tt.allowed && (err == nil || !strings.Contains(err.Error(), "403")) {
				t.Errorf("got %v, want a 403 denial", err)
			}
		})
	}
}

// With IAM enforced, the user pool's public API (SignUp, InitiateAuth, RevokeToken, ...) answers
// callers whose role has no cognito-idp permission, as on AWS, while an admin API is denied; and
// RevokeToken (which moto 5.2.1 lacks) checks the client secret and revokes the refresh token.
func TestMotoCognitoPublicAPIAndRevokeToken(t *testing.T) {
	o := requireTools(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx, o.Python, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	admin := cip.NewFromConfig(adminConfig(m.URL))
	pool, err := admin.CreateUserPool(ctx, &cip.CreateUserPoolInput{PoolName: aws.String("p")})
	if err != nil {
		t.Fatal(err)
	}
	client, err := admin.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{UserPoolId: pool.UserPool.Id, ClientName: aws.String("web"),
		GenerateSecret: true, ExplicitAuthFlows: []ciptypes.ExplicitAuthFlowsType{ciptypes.ExplicitAuthFlowsTypeAllowUserPasswordAuth, ciptypes.ExplicitAuthFlowsTypeAllowRefreshTokenAuth}})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := client.UserPoolClient.ClientId, aws.ToString(client.UserPoolClient.ClientSecret)
	if err := CreateUser(ctx, m.URL, aws.ToString(pool.UserPool.Id), "u@example.com", "Passw0rd!x"); err != nil {
		t.Fatal(err)
	}
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	ic := iam.NewFromConfig(adminConfig(m.URL))
	role, err := ic.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("fn"), AssumeRolePolicyDocument: aws.String(trust)})
	if err != nil {
		t.Fatal(err)
	}
	creds, err := AssumeRole(ctx, m.URL, aws.ToString(role.Role.Arn), "test-fn")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetIAM(true); err != nil {
		t.Fatal(err)
	}
	c := cip.NewFromConfig(awsConfig(m.URL, credentials.NewStaticCredentialsProvider(creds.AccessKeyID, creds.SecretAccessKey, creds.SessionToken)))
	login := func() (*cip.InitiateAuthOutput, error) {
		return c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: ciptypes.AuthFlowTypeUserPasswordAuth,
			AuthParameters: map[string]string{"USERNAME": "u@example.com", "PASSWORD": "Passw0rd!x"}})
	}
	auth, err := login()
	if err != nil {
		t.Fatalf("InitiateAuth as a role without cognito-idp permissions: got %v, want allowed (a public API)", err)
	}
	refresh := auth.AuthenticationResult.RefreshToken
	if _, err := c.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: pool.UserPool.Id, Username: aws.String("u@example.com")}); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("AdminGetUser as that role: got %v, want a 403 denial", err)
	}
	if _, err := c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: id, Token: refresh, ClientSecret: aws.String("wrong")}); err == nil || !strings.Contains(err.Error(), "NotAuthorized") {
		t.Errorf("RevokeToken with a wrong secret: got %v, want NotAuthorized", err)
	}
	if _, err := c.RevokeToken(ctx, &cip.RevokeTokenInput{ClientId: id, Token: refresh, ClientSecret: aws.String(secret)}); err != nil {
		t.Fatalf("RevokeToken: got %v, want success", err)
	}
	_, err = c.InitiateAuth(ctx, &cip.InitiateAuthInput{ClientId: id, AuthFlow: ciptypes.AuthFlowTypeRefreshTokenAuth,
		AuthParameters: map[string]string{"REFRESH_TOKEN": aws.ToString(refresh)}})
	if err == nil {
		t.Error("refresh with the revoked token: got tokens, want a refusal")
	}
}
