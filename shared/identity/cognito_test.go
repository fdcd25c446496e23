package identity_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"bffsuite.dev/shared/auth"
	"bffsuite.dev/shared/identity"
	"bffsuite.dev/shared/testenv"
	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	ciptypes "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
)

// TestCognitoFlowsAgainstCognitoLocal runs the identity client against a real cognito-local and
// verifies the tokens it issues with auth.Verifier and cognito-local's JWKS.
func TestCognitoFlowsAgainstCognitoLocal(t *testing.T) {
	cl := testenv.StartCognito(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	p, err := identity.NewCognito(cl.AWSConfig(), identity.Config{UserPoolID: cl.UserPoolID, ClientID: cl.ClientID, Endpoint: cl.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	v, err := auth.New(auth.Config{UserPoolID: cl.UserPoolID, Issuer: cl.Issuer, JWKSURL: cl.JWKSURL, ClientIDs: []string{cl.ClientID}, Leeway: 5 * time.Second})
	if err != nil {
		t.Fatalf("auth.New() error = %v", err)
	}
	const email, password = "jane@example.com", "Passw0rd!jane"

	res, err := p.SignUp(ctx, identity.SignUpInput{Username: email, Password: password, Email: email})
	if err != nil {
		t.Fatalf("SignUp() error = %v", err)
	}
	if res.Confirmed || res.UserSub == "" {
		t.Fatalf("SignUp() = %+v, want unconfirmed with a sub", res)
	}
	code := cl.LastCode(t, "")

	steps := []struct {
		name string
		err  error
		want error
	}{
		{"sign up again", second(p.SignUp(ctx, identity.SignUpInput{Username: email, Password: password, Email: email})), identity.ErrUserExists},
		{"sign in before confirmation", second(p.SignIn(ctx, email, password)), identity.ErrNotConfirmed},
		{"confirm with a wrong code", p.ConfirmSignUp(ctx, email, wrong(code)), identity.ErrCodeMismatch},
		{"confirm an unknown user", p.ConfirmSignUp(ctx, "nobody@example.com", code), identity.ErrCodeMismatch},
		{"confirm", p.ConfirmSignUp(ctx, email, code), nil},
		{"wrong password", second(p.SignIn(ctx, email, "Wr0ng!password")), identity.ErrInvalidCredentials},
		{"unknown user", second(p.SignIn(ctx, "nobody@example.com", password)), identity.ErrInvalidCredentials},
		{"forgot password of an unknown user", p.ForgotPassword(ctx, "nobody@example.com"), nil},
	}
	for _, s := range steps {
		if !errors.Is(s.err, s.want) || (s.want == nil && s.err != nil) {
			t.Fatalf("%s: error = %v, want %v", s.name, s.err, s.want)
		}
	}

	// Groups show up in the tokens as cognito:groups.
	if _, err := cl.API.CreateGroup(ctx, &cip.CreateGroupInput{UserPoolId: aws.String(cl.UserPoolID), GroupName: aws.String("customers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := cl.API.AdminAddUserToGroup(ctx, &cip.AdminAddUserToGroupInput{UserPoolId: aws.String(cl.UserPoolID), Username: aws.String(email), GroupName: aws.String("customers")}); err != nil {
		t.Fatal(err)
	}

	tok, err := p.SignIn(ctx, email, password)
	if err != nil {
		t.Fatalf("SignIn() error = %v", err)
	}
	if tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" || tok.TokenType != "Bearer" {
		t.Fatalf("SignIn() = %+v, want access, id and refresh tokens", tok)
	}
	pr, err := v.Verify(ctx, tok.AccessToken, auth.Access{Groups: []string{"customers"}})
	if err != nil {
		t.Fatalf("Verify(access token of cognito-local) error = %v", err)
	}
	if pr.Subject != res.UserSub || pr.ClientID != cl.ClientID || pr.Machine || !slices.Contains(pr.Groups, "customers") {
		t.Errorf("Verify(access token) = %+v, want sub %s, client %s, group customers", pr, res.UserSub, cl.ClientID)
	}
	idp, err := v.Verify(ctx, tok.IDToken, auth.Access{Use: auth.UseID})
	if err != nil {
		t.Fatalf("Verify(id token of cognito-local) error = %v", err)
	}
	if idp.Email != email || idp.Subject != res.UserSub {
		t.Errorf("Verify(id token) = %+v, want email %s", idp, email)
	}
	if _, err := v.Verify(ctx, tok.IDToken, auth.Access{}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(id token as access token) error = %v, want ErrInvalidToken", err)
	}
	if _, err := v.Verify(ctx, tok.AccessToken, auth.Access{Clients: []string{"another-client"}}); !errors.Is(err, auth.ErrInvalidToken) {
		t.Errorf("Verify(access token of another client) error = %v, want ErrInvalidToken", err)
	}

	u, err := p.GetUser(ctx, tok.AccessToken)
	if err != nil {
		t.Fatalf("GetUser() error = %v", err)
	}
	if u.Email != email || u.Sub != res.UserSub {
		t.Errorf("GetUser() = %+v, want email %s sub %s", u, email, res.UserSub)
	}

	ref, err := p.Refresh(ctx, pr.Username, tok.RefreshToken)
	if err != nil {
		t.Fatalf("Refresh() error = %v", err)
	}
	if _, err := v.Verify(ctx, ref.AccessToken, auth.Access{}); err != nil {
		t.Errorf("Verify(refreshed access token) error = %v", err)
	}
	if _, err := p.Refresh(ctx, pr.Username, "not-a-refresh-token"); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("Refresh(garbage) error = %v, want ErrTokenRevoked", err)
	}

	// Password reset: same answer for known and unknown users, code from the log.
	if err := p.ForgotPassword(ctx, email); err != nil {
		t.Fatalf("ForgotPassword() error = %v", err)
	}
	reset := cl.LastCode(t, code)
	if err := p.ConfirmForgotPassword(ctx, email, wrong(reset), "N3w!Password"); !errors.Is(err, identity.ErrCodeMismatch) {
		t.Errorf("ConfirmForgotPassword(wrong code) error = %v, want ErrCodeMismatch", err)
	}
	if err := p.ConfirmForgotPassword(ctx, email, reset, "N3w!Password"); err != nil {
		t.Fatalf("ConfirmForgotPassword() error = %v", err)
	}
	tok2, err := p.SignIn(ctx, email, "N3w!Password")
	if err != nil {
		t.Fatalf("SignIn(new password) error = %v", err)
	}

	if err := p.RevokeToken(ctx, tok2.RefreshToken); err != nil {
		t.Fatalf("RevokeToken() error = %v", err)
	}
	if _, err := p.Refresh(ctx, pr.Username, tok2.RefreshToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("Refresh(revoked) error = %v, want ErrTokenRevoked", err)
	}
}

func TestCognitoNewPasswordChallengeAgainstCognitoLocal(t *testing.T) {
	cl := testenv.StartCognito(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p, err := identity.NewCognito(cl.AWSConfig(), identity.Config{UserPoolID: cl.UserPoolID, ClientID: cl.ClientID, Endpoint: cl.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	const email = "invited@example.com"
	if _, err := cl.API.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: aws.String(cl.UserPoolID), Username: aws.String(email), TemporaryPassword: aws.String("Temp0rary!pw"),
		MessageAction: ciptypes.MessageActionTypeSuppress, UserAttributes: []ciptypes.AttributeType{{Name: aws.String("email"), Value: aws.String(email)}}}); err != nil {
		t.Fatal(err)
	}
	_, err = p.SignIn(ctx, email, "Temp0rary!pw")
	var ch *identity.ChallengeError
	if !errors.As(err, &ch) || ch.Name != "NEW_PASSWORD_REQUIRED" || ch.Session == "" {
		t.Fatalf("SignIn(temporary password) error = %v, want a NEW_PASSWORD_REQUIRED challenge", err)
	}
	if st, code := identity.HTTPStatus(err); st != 401 || code != "challenge_required" {
		t.Errorf("HTTPStatus(challenge) = %d %s, want 401 challenge_required", st, code)
	}
	username := ch.Username
	if username == "" {
		username = email
	}
	tok, err := p.RespondNewPassword(ctx, username, ch.Session, "Perm4nent!pw")
	if err != nil {
		t.Fatalf("RespondNewPassword() error = %v", err)
	}
	if tok.AccessToken == "" {
		t.Errorf("RespondNewPassword() = %+v, want tokens", tok)
	}
}

func second[T any](_ T, err error) error { return err }

func wrong(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}
