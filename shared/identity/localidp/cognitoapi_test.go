package localidp

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"bffsuite.dev/shared/identity"
)

// TestCognitoAPI drives the local IdPs through the real Cognito SDK client (identity.Cognito)
// over CognitoAPI: every flow the BFFs use, and the errors mapped back to identity's.
func TestCognitoAPI(t *testing.T) {
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := WriteKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	const issuer = "http://127.0.0.1:1/local-idp"
	newIdP := func(client string) *IdP {
		p, err := New(Config{Issuer: issuer, KeyFile: keyFile, ClientID: client}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	web, mobile := newIdP("web-client"), newIdP("mobile-client")
	srv := httptest.NewServer(CognitoAPI(web, mobile))
	defer srv.Close()
	awsCfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")}
	client := func(id string) *identity.Cognito {
		c, err := identity.NewCognito(awsCfg, identity.Config{UserPoolID: "us-east-1_local", ClientID: id, Endpoint: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c := client("web-client")
	ctx := context.Background()
	const email, pw = "new@example.com", "Str0ng!Passw0rd"

	res, err := c.SignUp(ctx, identity.SignUpInput{Username: email, Email: email, Password: pw, Attributes: map[string]string{"name": "New"}})
	if err != nil || res.UserSub == "" || res.Confirmed {
		t.Fatalf("SignUp = %+v, %v; want an unconfirmed user with a sub", res, err)
	}
	errorCases := []struct {
		name string
		err  error
		want error
	}{
		{"sign up again", func() error {
			_, err := c.SignUp(ctx, identity.SignUpInput{Username: email, Email: email, Password: pw})
			return err
		}(), identity.ErrUserExists},
		{"sign in unconfirmed", func() error { _, err := c.SignIn(ctx, email, pw); return err }(), identity.ErrNotConfirmed},
		{"wrong code", c.ConfirmSignUp(ctx, email, "000000"), identity.ErrCodeMismatch},
		{"unknown client", func() error { _, err := client("nope").SignIn(ctx, DemoUser, "Demo-Passw0rd!"); return err }(), identity.ErrUnavailable},
	}
	for _, tt := range errorCases {
		if !errors.Is(tt.err, tt.want) {
			t.Errorf("%s: err = %v, want %v", tt.name, tt.err, tt.want)
		}
	}
	var pe *identity.PasswordPolicyError
	if _, err := c.SignUp(ctx, identity.SignUpInput{Username: "weak@example.com", Email: "weak@example.com", Password: "weak"}); !errors.As(err, &pe) {
		t.Errorf("weak password: err = %v, want a PasswordPolicyError", err)
	}
	if err := c.ConfirmSignUp(ctx, email, "123456"); err != nil {
		t.Fatalf("ConfirmSignUp: %v", err)
	}
	tok, err := c.SignIn(ctx, email, pw)
	if err != nil || tok.AccessToken == "" || tok.IDToken == "" || tok.RefreshToken == "" {
		t.Fatalf("SignIn = %+v, %v", tok, err)
	}
	if _, err := c.SignIn(ctx, email, "Wr0ng!Passw0rd"); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Errorf("wrong password: err = %v, want ErrInvalidCredentials", err)
	}
	u, err := c.GetUser(ctx, tok.AccessToken)
	if err != nil || u.Email != email || u.Sub != res.UserSub || u.Attributes["name"] != "New" {
		t.Errorf("GetUser = %+v, %v; want the new user", u, err)
	}
	if r, err := c.Refresh(ctx, email, tok.RefreshToken); err != nil || r.AccessToken == "" {
		t.Errorf("Refresh = %+v, %v", r, err)
	}
	// The user exists in the web client's IdP only, as in `make run`.
	if _, err := client("mobile-client").SignIn(ctx, email, pw); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Errorf("sign in through the mobile client: err = %v, want ErrInvalidCredentials", err)
	}
	if mt, err := client("mobile-client").SignIn(ctx, DemoUser, "Demo-Passw0rd!"); err != nil || unverifiedClaim(mt.AccessToken, "client_id") != "mobile-client" {
		t.Errorf("demo user through the mobile client = %v; want a mobile-client token", err)
	}
	if err := c.GlobalSignOut(ctx, tok.AccessToken); err != nil {
		t.Fatalf("GlobalSignOut: %v", err)
	}
	if _, err := c.GetUser(ctx, tok.AccessToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("GetUser after GlobalSignOut: err = %v, want ErrTokenRevoked", err)
	}
	if _, err := c.Refresh(ctx, email, tok.RefreshToken); !errors.Is(err, identity.ErrTokenRevoked) {
		t.Errorf("Refresh after GlobalSignOut: err = %v, want ErrTokenRevoked", err)
	}
	if err := c.RevokeToken(ctx, "unknown"); err != nil {
		t.Errorf("RevokeToken(unknown) = %v, want nil", err)
	}
}
