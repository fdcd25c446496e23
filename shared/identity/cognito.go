package identity

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/aws/smithy-go"

	"bffsuite.dev/shared/tracing"
)

// Config of the Cognito identity client, read once at start by shared/config.
type Config struct {
	Region     string `env:"AWS_REGION"`
	UserPoolID string `env:"BFF_COGNITO_USER_POOL_ID"`
	// ClientID is the app client the BFF signs users in with.
	ClientID string `env:"BFF_COGNITO_APP_CLIENT_ID"`
	// ClientSecret of that app client, when it has one (SECRET_HASH is then sent).
	ClientSecret string `env:"BFF_COGNITO_APP_CLIENT_SECRET" secret:"true"`
	// Endpoint overrides the Cognito endpoint (cognito-local: http://127.0.0.1:9229).
	Endpoint string `env:"BFF_COGNITO_ENDPOINT"`
}

// Local reports whether no user pool is configured: the embedded local IdP is then the default.
func (c Config) Local() bool { return c.UserPoolID == "" }

// PublicConfig is the Config of a public app client, one without a secret (bff-mobile signs in
// with the mobile app's client). It has no BFF_COGNITO_APP_CLIENT_SECRET field on purpose: a
// `secret:"true"` field makes the SSM loader request <prefix>BFF_COGNITO_APP_CLIENT_SECRET at
// cold start, in the same GetParameters call as the BFF's real secrets, and a role that may not
// read that parameter gets the whole call denied.
type PublicConfig struct {
	Region     string `env:"AWS_REGION"`
	UserPoolID string `env:"BFF_COGNITO_USER_POOL_ID"`
	// ClientID is the public app client the BFF signs users in with.
	ClientID string `env:"BFF_COGNITO_APP_CLIENT_ID"`
	// Endpoint overrides the Cognito endpoint (cognito-local: http://127.0.0.1:9229).
	Endpoint string `env:"BFF_COGNITO_ENDPOINT"`
}

// Config returns the full Config (no client secret).
func (c PublicConfig) Config() Config {
	return Config{Region: c.Region, UserPoolID: c.UserPoolID, ClientID: c.ClientID, Endpoint: c.Endpoint}
}

// Local reports whether no user pool is configured.
func (c PublicConfig) Local() bool { return c.Config().Local() }

// Validate names the variable at fault.
func (c PublicConfig) Validate() error { return c.Config().Validate() }

// Validate names the variable at fault.
func (c Config) Validate() error {
	if c.Local() {
		return nil
	}
	var errs []error
	if c.ClientID == "" {
		errs = append(errs, errors.New("BFF_COGNITO_APP_CLIENT_ID: required when BFF_COGNITO_USER_POOL_ID is set"))
	}
	if c.Region == "" && c.Endpoint == "" {
		errs = append(errs, errors.New("AWS_REGION: required when BFF_COGNITO_USER_POOL_ID is set"))
	}
	if c.Endpoint != "" && !strings.HasPrefix(c.Endpoint, "http://") && !strings.HasPrefix(c.Endpoint, "https://") {
		errs = append(errs, fmt.Errorf("BFF_COGNITO_ENDPOINT: %q must be an http(s) URL", c.Endpoint))
	}
	return errors.Join(errs...)
}

// Cognito is the Provider over the Cognito user pools API. Build it once.
type Cognito struct {
	api          cognitoAPI
	clientID     string
	clientSecret string
}

var _ Provider = (*Cognito)(nil)

// NewCognito builds the client from an AWS config (credentials and region) and cfg.
func NewCognito(awsCfg aws.Config, cfg Config) (*Cognito, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Cognito{api: newCognitoClient(awsCfg, cfg), clientID: cfg.ClientID, clientSecret: cfg.ClientSecret}, nil
}

// NewLazyCognito validates cfg now and builds the client on the first call, from the AWS
// configuration that load returns then (awsconf.Load: one load per process).
func NewLazyCognito(load func(context.Context) (aws.Config, error), cfg Config) (*Cognito, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	api := &lazyAPI{load: load, build: func(awsCfg aws.Config) *cip.Client { return newCognitoClient(awsCfg, cfg) }}
	return &Cognito{api: api, clientID: cfg.ClientID, clientSecret: cfg.ClientSecret}, nil
}

func newCognitoClient(awsCfg aws.Config, cfg Config) *cip.Client {
	return cip.NewFromConfig(awsCfg, func(o *cip.Options) {
		// Each Cognito call is a client span under the request's span, and its failures count
		// in the request's metrics, as DynamoDB calls do.
		o.TracerProvider = tracing.AWS(nil)
		if cfg.Region != "" {
			o.Region = cfg.Region
		}
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
		}
	})
}

// SecretHash is Base64(HMAC-SHA256(clientSecret, username + clientID)), the SECRET_HASH
// Cognito requires from app clients with a secret.
func SecretHash(username, clientID, clientSecret string) string {
	m := hmac.New(sha256.New, []byte(clientSecret))
	m.Write([]byte(username + clientID))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

func (c *Cognito) secretHash(username string) *string {
	if c.clientSecret == "" {
		return nil
	}
	return aws.String(SecretHash(username, c.clientID, c.clientSecret))
}

// SignUp registers a user.
func (c *Cognito) SignUp(ctx context.Context, in SignUpInput) (*SignUpResult, error) {
	attrs := make([]types.AttributeType, 0, len(in.Attributes)+1)
	if in.Email != "" {
		attrs = append(attrs, types.AttributeType{Name: aws.String("email"), Value: aws.String(in.Email)})
	}
	for k, v := range in.Attributes {
		attrs = append(attrs, types.AttributeType{Name: aws.String(k), Value: aws.String(v)})
	}
	out, err := c.api.SignUp(ctx, &cip.SignUpInput{
		ClientId: aws.String(c.clientID), Username: aws.String(in.Username), Password: aws.String(in.Password),
		SecretHash: c.secretHash(in.Username), UserAttributes: attrs,
	})
	if err != nil {
		return nil, fmt.Errorf("sign up: %w", mapError(err, opSignUp))
	}
	r := &SignUpResult{UserSub: aws.ToString(out.UserSub), Confirmed: out.UserConfirmed}
	if out.CodeDeliveryDetails != nil {
		r.CodeDestination = aws.ToString(out.CodeDeliveryDetails.Destination)
	}
	return r, nil
}

// ConfirmSignUp confirms a user with the emailed code.
func (c *Cognito) ConfirmSignUp(ctx context.Context, username, code string) error {
	_, err := c.api.ConfirmSignUp(ctx, &cip.ConfirmSignUpInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), ConfirmationCode: aws.String(code),
		SecretHash: c.secretHash(username),
	})
	if err != nil {
		return fmt.Errorf("confirm sign up: %w", mapError(err, opConfirm))
	}
	return nil
}

// ResendConfirmationCode sends the sign-up code again; it answers nil for unknown users.
func (c *Cognito) ResendConfirmationCode(ctx context.Context, username string) error {
	_, err := c.api.ResendConfirmationCode(ctx, &cip.ResendConfirmationCodeInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), SecretHash: c.secretHash(username),
	})
	if err != nil {
		return quietUnknownUser(fmt.Errorf("resend confirmation code: %w", mapError(err, opQuiet)))
	}
	return nil
}

// SignIn runs USER_PASSWORD_AUTH.
func (c *Cognito) SignIn(ctx context.Context, username, password string) (*Tokens, error) {
	params := map[string]string{"USERNAME": username, "PASSWORD": password}
	if h := c.secretHash(username); h != nil {
		params["SECRET_HASH"] = *h
	}
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(c.clientID), AuthFlow: types.AuthFlowTypeUserPasswordAuth, AuthParameters: params,
	})
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", mapError(err, opSignIn))
	}
	if out.ChallengeName != "" {
		return nil, &ChallengeError{Name: string(out.ChallengeName), Session: aws.ToString(out.Session), Username: out.ChallengeParameters["USER_ID_FOR_SRP"]}
	}
	return tokens(out.AuthenticationResult)
}

// RespondNewPassword answers NEW_PASSWORD_REQUIRED.
func (c *Cognito) RespondNewPassword(ctx context.Context, username, session, newPassword string) (*Tokens, error) {
	params := map[string]string{"USERNAME": username, "NEW_PASSWORD": newPassword}
	if h := c.secretHash(username); h != nil {
		params["SECRET_HASH"] = *h
	}
	out, err := c.api.RespondToAuthChallenge(ctx, &cip.RespondToAuthChallengeInput{
		ClientId: aws.String(c.clientID), ChallengeName: types.ChallengeNameTypeNewPasswordRequired,
		Session: aws.String(session), ChallengeResponses: params,
	})
	if err != nil {
		return nil, fmt.Errorf("respond new password: %w", mapError(err, opChallenge))
	}
	if out.ChallengeName != "" {
		return nil, &ChallengeError{Name: string(out.ChallengeName), Session: aws.ToString(out.Session), Username: username}
	}
	return tokens(out.AuthenticationResult)
}

// Refresh runs REFRESH_TOKEN_AUTH.
func (c *Cognito) Refresh(ctx context.Context, username, refreshToken string) (*Tokens, error) {
	params := map[string]string{"REFRESH_TOKEN": refreshToken}
	if h := c.secretHash(username); h != nil {
		params["SECRET_HASH"] = *h
	}
	out, err := c.api.InitiateAuth(ctx, &cip.InitiateAuthInput{
		ClientId: aws.String(c.clientID), AuthFlow: types.AuthFlowTypeRefreshTokenAuth, AuthParameters: params,
	})
	if err != nil {
		return nil, fmt.Errorf("refresh: %w", mapError(err, opToken))
	}
	return tokens(out.AuthenticationResult)
}

// ForgotPassword sends a reset code. It answers nil whether or not the user exists.
func (c *Cognito) ForgotPassword(ctx context.Context, username string) error {
	_, err := c.api.ForgotPassword(ctx, &cip.ForgotPasswordInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), SecretHash: c.secretHash(username),
	})
	if err != nil {
		return quietUnknownUser(fmt.Errorf("forgot password: %w", mapError(err, opQuiet)))
	}
	return nil
}

// ConfirmForgotPassword sets a new password with the reset code.
func (c *Cognito) ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error {
	_, err := c.api.ConfirmForgotPassword(ctx, &cip.ConfirmForgotPasswordInput{
		ClientId: aws.String(c.clientID), Username: aws.String(username), ConfirmationCode: aws.String(code),
		Password: aws.String(newPassword), SecretHash: c.secretHash(username),
	})
	if err != nil {
		return fmt.Errorf("confirm forgot password: %w", mapError(err, opConfirm))
	}
	return nil
}

// GetUser returns the profile of the access token's user.
func (c *Cognito) GetUser(ctx context.Context, accessToken string) (*User, error) {
	out, err := c.api.GetUser(ctx, &cip.GetUserInput{AccessToken: aws.String(accessToken)})
	if err != nil {
		return nil, fmt.Errorf("get user: %w", mapError(err, opToken))
	}
	u := &User{Username: aws.ToString(out.Username), Attributes: make(map[string]string, len(out.UserAttributes))}
	for _, a := range out.UserAttributes {
		u.Attributes[aws.ToString(a.Name)] = aws.ToString(a.Value)
	}
	u.Sub, u.Email, u.Verified = u.Attributes["sub"], u.Attributes["email"], u.Attributes["email_verified"] == "true"
	return u, nil
}

// GlobalSignOut signs the user out of every device.
func (c *Cognito) GlobalSignOut(ctx context.Context, accessToken string) error {
	if _, err := c.api.GlobalSignOut(ctx, &cip.GlobalSignOutInput{AccessToken: aws.String(accessToken)}); err != nil {
		return fmt.Errorf("global sign out: %w", mapError(err, opToken))
	}
	return nil
}

// RevokeToken revokes a refresh token.
func (c *Cognito) RevokeToken(ctx context.Context, refreshToken string) error {
	in := &cip.RevokeTokenInput{ClientId: aws.String(c.clientID), Token: aws.String(refreshToken)}
	if c.clientSecret != "" {
		in.ClientSecret = aws.String(c.clientSecret)
	}
	if _, err := c.api.RevokeToken(ctx, in); err != nil {
		return fmt.Errorf("revoke token: %w", mapError(err, opToken))
	}
	return nil
}

func tokens(r *types.AuthenticationResultType) (*Tokens, error) {
	if r == nil || r.AccessToken == nil {
		return nil, fmt.Errorf("authentication result without tokens: %w", ErrUnavailable)
	}
	t := &Tokens{
		AccessToken: aws.ToString(r.AccessToken), IDToken: aws.ToString(r.IdToken), RefreshToken: aws.ToString(r.RefreshToken),
		ExpiresIn: r.ExpiresIn, TokenType: aws.ToString(r.TokenType),
	}
	if t.TokenType == "" {
		t.TokenType = "Bearer"
	}
	return t, nil
}

// op names the flow an error came from: the same Cognito code means different things per flow.
type op int

const (
	opSignUp op = iota
	opSignIn
	opChallenge
	opConfirm
	opToken
	opQuiet // flows that must not reveal whether the user exists
)

var errUnknownUser = errors.New("unknown user")

// quietUnknownUser turns "no such user" into success for flows that must answer the same
// whether or not the account exists.
func quietUnknownUser(err error) error {
	if errors.Is(err, errUnknownUser) {
		return nil
	}
	return err
}

// Retry-After hints per throttling exception: Cognito sends no header of its own.
const (
	retryThrottled      = 1 * time.Second
	retryLimitExceeded  = 30 * time.Second
	retryFailedAttempts = 60 * time.Second
)

// mapError maps a Cognito exception (smithy APIError code) to this package's errors. The
// result wraps the original error for the log.
func mapError(err error, o op) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return err
		}
		return errors.Join(ErrUnavailable, err)
	}
	wrap := func(s error) error { return fmt.Errorf("%w (%s)", s, ae.ErrorCode()) }
	switch ae.ErrorCode() {
	case "UserNotFoundException":
		switch o {
		case opQuiet:
			return errUnknownUser
		case opConfirm:
			return wrap(ErrCodeMismatch)
		case opToken:
			return wrap(ErrTokenRevoked)
		}
		return wrap(ErrInvalidCredentials)
	case "NotAuthorizedException":
		if strings.Contains(strings.ToLower(ae.ErrorMessage()), "attempts exceeded") {
			return &ThrottleError{RetryAfter: retryFailedAttempts, Cause: err}
		}
		if o == opToken {
			return wrap(ErrTokenRevoked)
		}
		if o == opQuiet {
			// e.g. a confirmed user asking for a sign-up code again: do not reveal the state.
			return errUnknownUser
		}
		if o == opConfirm {
			return wrap(ErrCodeMismatch)
		}
		return wrap(ErrInvalidCredentials)
	case "InvalidPasswordException":
		if o == opSignIn {
			// Some emulators answer a wrong password so; Cognito says NotAuthorized.
			return wrap(ErrInvalidCredentials)
		}
		return &PasswordPolicyError{Message: policyMessage(ae.ErrorMessage())}
	case "UsernameExistsException", "AliasExistsException":
		return wrap(ErrUserExists)
	case "CodeMismatchException":
		return wrap(ErrCodeMismatch)
	case "ExpiredCodeException":
		return wrap(ErrExpiredCode)
	case "UserNotConfirmedException":
		if o == opQuiet {
			return errUnknownUser
		}
		return wrap(ErrNotConfirmed)
	case "PasswordResetRequiredException":
		return wrap(ErrPasswordResetNeeded)
	case "TooManyRequestsException":
		return &ThrottleError{RetryAfter: retryThrottled, Cause: err}
	case "LimitExceededException":
		return &ThrottleError{RetryAfter: retryLimitExceeded, Cause: err}
	case "TooManyFailedAttemptsException":
		return &ThrottleError{RetryAfter: retryFailedAttempts, Cause: err}
	case "InvalidParameterException":
		if o == opQuiet {
			// "no registered/verified email": reveals that the account exists, so stay quiet.
			return errUnknownUser
		}
		return wrap(ErrInvalidInput)
	case "CodeDeliveryFailureException":
		if o == opQuiet {
			return errUnknownUser
		}
	}
	return fmt.Errorf("%w: %w", ErrUnavailable, err)
}

// policyMessage keeps Cognito's password policy text ("Password did not conform with policy:
// Password must have uppercase characters") and drops anything else.
func policyMessage(msg string) string {
	if i := strings.Index(msg, "Password "); i >= 0 && strings.Contains(msg, "polic") {
		return msg[i:]
	}
	return "The password does not meet the password policy."
}
