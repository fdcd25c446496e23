// Package identity runs the sign-up and sign-in flows of the suite behind one interface,
// Provider, implemented by the Cognito client (this package) and by the embedded local IdP
// (package localidp). BFF handlers depend on Provider and map its errors once with Problem.
package identity

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"bffsuite.dev/shared/problem"
)

// Tokens are the tokens of a successful sign-in or refresh. RefreshToken is empty after a
// refresh (Cognito does not rotate it unless rotation is on). ExpiresIn is in seconds.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	ExpiresIn    int32  `json:"expires_in"`
	TokenType    string `json:"token_type"`
}

// SignUpInput registers a user. Username is the email in pools whose username is the email.
type SignUpInput struct {
	Username   string
	Password   string
	Email      string
	Attributes map[string]string // other standard or custom: attributes
}

// SignUpResult tells whether the account still needs confirmation and where the code went.
type SignUpResult struct {
	UserSub   string
	Confirmed bool
	// CodeDestination is the masked destination of the confirmation code (e.g. "d***@e***").
	CodeDestination string
}

// User is the profile of the signed-in user.
type User struct {
	Username   string
	Sub        string
	Email      string
	Verified   bool // email_verified
	Attributes map[string]string
}

// Provider is a user pool: Cognito in AWS, the embedded IdP locally.
type Provider interface {
	SignUp(ctx context.Context, in SignUpInput) (*SignUpResult, error)
	ConfirmSignUp(ctx context.Context, username, code string) error
	ResendConfirmationCode(ctx context.Context, username string) error
	// SignIn uses USER_PASSWORD_AUTH. A challenge answers with a *ChallengeError
	// (errors.Is(err, ErrChallengeRequired)).
	SignIn(ctx context.Context, username, password string) (*Tokens, error)
	// RespondNewPassword answers the NEW_PASSWORD_REQUIRED challenge of SignIn.
	RespondNewPassword(ctx context.Context, username, session, newPassword string) (*Tokens, error)
	// Refresh uses REFRESH_TOKEN_AUTH. username (the access token's username claim) is needed
	// only for the SECRET_HASH of app clients with a secret.
	Refresh(ctx context.Context, username, refreshToken string) (*Tokens, error)
	// ForgotPassword answers the same whether or not the user exists.
	ForgotPassword(ctx context.Context, username string) error
	ConfirmForgotPassword(ctx context.Context, username, code, newPassword string) error
	GetUser(ctx context.Context, accessToken string) (*User, error)
	// GlobalSignOut invalidates every refresh token of the user of accessToken.
	GlobalSignOut(ctx context.Context, accessToken string) error
	// RevokeToken revokes one refresh token and the access tokens issued from it.
	RevokeToken(ctx context.Context, refreshToken string) error
}

// Sentinel errors of the flows. They never reveal whether an account exists.
var (
	ErrInvalidCredentials  = errors.New("invalid username or password")
	ErrUserExists          = errors.New("user already exists")
	ErrCodeMismatch        = errors.New("confirmation code mismatch")
	ErrExpiredCode         = errors.New("confirmation code expired")
	ErrInvalidPassword     = errors.New("password does not meet the policy")
	ErrNotConfirmed        = errors.New("user not confirmed")
	ErrTooManyRequests     = errors.New("too many requests")
	ErrChallengeRequired   = errors.New("challenge required")
	ErrTokenRevoked        = errors.New("token revoked or invalid")
	ErrInvalidInput        = errors.New("invalid input")
	ErrPasswordResetNeeded = errors.New("password reset required")
	// ErrUnavailable wraps failures of the identity service itself (network, 5xx, config).
	ErrUnavailable = errors.New("identity provider unavailable")
)

// PasswordPolicyError is ErrInvalidPassword with the pool's policy message, safe to show.
type PasswordPolicyError struct{ Message string }

func (e *PasswordPolicyError) Error() string { return "invalid password: " + e.Message }
func (e *PasswordPolicyError) Unwrap() error { return ErrInvalidPassword }

// ThrottleError is ErrTooManyRequests with the time after which a retry makes sense.
type ThrottleError struct {
	RetryAfter time.Duration
	Cause      error
}

func (e *ThrottleError) Error() string {
	return fmt.Sprintf("too many requests (retry after %s): %v", e.RetryAfter, e.Cause)
}
func (e *ThrottleError) Unwrap() []error { return []error{ErrTooManyRequests, e.Cause} }

// ChallengeError is ErrChallengeRequired: the client must answer Name (NEW_PASSWORD_REQUIRED is
// the one the BFFs support) with Session through RespondNewPassword.
type ChallengeError struct {
	Name     string
	Session  string
	Username string // USER_ID_FOR_SRP, the username to answer with
}

func (e *ChallengeError) Error() string { return "challenge required: " + e.Name }
func (e *ChallengeError) Unwrap() error { return ErrChallengeRequired }

// HTTPStatus maps an identity error to its status and stable problem code. Unknown errors are
// 502 identity_unavailable: the flow failed in the provider, not because of the client.
func HTTPStatus(err error) (status int, code string) {
	switch {
	case errors.Is(err, ErrInvalidCredentials):
		return http.StatusUnauthorized, "invalid_credentials"
	case errors.Is(err, ErrTokenRevoked):
		return http.StatusUnauthorized, "token_revoked"
	case errors.Is(err, ErrChallengeRequired):
		return http.StatusUnauthorized, "challenge_required"
	case errors.Is(err, ErrNotConfirmed):
		return http.StatusForbidden, "user_not_confirmed"
	case errors.Is(err, ErrPasswordResetNeeded):
		return http.StatusForbidden, "password_reset_required"
	case errors.Is(err, ErrUserExists):
		return http.StatusConflict, "user_exists"
	case errors.Is(err, ErrCodeMismatch):
		return http.StatusBadRequest, "code_mismatch"
	case errors.Is(err, ErrExpiredCode):
		return http.StatusBadRequest, "code_expired"
	case errors.Is(err, ErrInvalidPassword):
		return http.StatusBadRequest, "invalid_password"
	case errors.Is(err, ErrInvalidInput):
		return http.StatusBadRequest, "invalid_input"
	case errors.Is(err, ErrTooManyRequests):
		return http.StatusTooManyRequests, "too_many_requests"
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "timeout"
	}
	return http.StatusBadGateway, "identity_unavailable"
}

var titles = map[string]string{
	"invalid_credentials":     "Incorrect username or password.",
	"token_revoked":           "The session has ended; sign in again.",
	"challenge_required":      "A new password is required.",
	"user_not_confirmed":      "The account is not confirmed yet.",
	"password_reset_required": "The password must be reset.",
	"user_exists":             "An account with this username already exists.",
	"code_mismatch":           "The code is incorrect.",
	"code_expired":            "The code has expired; request a new one.",
	"invalid_password":        "The password does not meet the policy.",
	"invalid_input":           "The request is invalid.",
	"too_many_requests":       "Too many attempts; retry later.",
	"timeout":                 "The identity provider did not answer in time.",
	"identity_unavailable":    "The identity provider is unavailable.",
}

// Problem maps an identity error to the problem error the BFFs send: 429 carries Retry-After,
// a password policy failure its policy message, a challenge its name and session.
func Problem(err error) *problem.Error {
	status, code := HTTPStatus(err)
	pe := &problem.Error{Status: status, Code: code, Title: titles[code], Err: err}
	var (
		te *ThrottleError
		pp *PasswordPolicyError
		ce *ChallengeError
	)
	switch {
	case errors.As(err, &te):
		secs := int(te.RetryAfter.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		pe.WithHeader("Retry-After", strconv.Itoa(secs))
	case errors.As(err, &pp):
		pe.Detail = pp.Message
	case errors.As(err, &ce):
		pe.Extensions = map[string]any{"challenge": ce.Name, "session": ce.Session, "username": ce.Username}
	}
	return pe
}
