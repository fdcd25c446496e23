package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go"
)

func apiErr(code, msg string) error {
	return &smithy.GenericAPIError{Code: code, Message: msg, Fault: smithy.FaultClient}
}

func TestMapError(t *testing.T) {
	tests := []struct {
		name       string
		err        error
		op         op
		want       error
		wantStatus int
		wantCode   string
	}{
		{"unknown user at sign-in looks like a wrong password", apiErr("UserNotFoundException", "User does not exist."), opSignIn, ErrInvalidCredentials, 401, "invalid_credentials"},
		{"wrong password", apiErr("NotAuthorizedException", "Incorrect username or password."), opSignIn, ErrInvalidCredentials, 401, "invalid_credentials"},
		{"password attempts exceeded", apiErr("NotAuthorizedException", "Password attempts exceeded"), opSignIn, ErrTooManyRequests, 429, "too_many_requests"},
		{"revoked refresh token", apiErr("NotAuthorizedException", "Refresh Token has been revoked"), opToken, ErrTokenRevoked, 401, "token_revoked"},
		{"user exists", apiErr("UsernameExistsException", "An account with the given email already exists."), opSignUp, ErrUserExists, 409, "user_exists"},
		{"code mismatch", apiErr("CodeMismatchException", "Invalid verification code provided"), opConfirm, ErrCodeMismatch, 400, "code_mismatch"},
		{"unknown user at confirmation", apiErr("UserNotFoundException", "User does not exist."), opConfirm, ErrCodeMismatch, 400, "code_mismatch"},
		{"expired code", apiErr("ExpiredCodeException", "Invalid code provided, please request a code again."), opConfirm, ErrExpiredCode, 400, "code_expired"},
		{"password policy", apiErr("InvalidPasswordException", "Password did not conform with policy: Password must have uppercase characters"), opSignUp, ErrInvalidPassword, 400, "invalid_password"},
		{"not confirmed", apiErr("UserNotConfirmedException", "User is not confirmed."), opSignIn, ErrNotConfirmed, 403, "user_not_confirmed"},
		{"reset required", apiErr("PasswordResetRequiredException", "Password reset required for the user"), opSignIn, ErrPasswordResetNeeded, 403, "password_reset_required"},
		{"throttled", apiErr("TooManyRequestsException", "Rate exceeded"), opSignIn, ErrTooManyRequests, 429, "too_many_requests"},
		{"limit exceeded", apiErr("LimitExceededException", "Attempt limit exceeded, please try after some time."), opConfirm, ErrTooManyRequests, 429, "too_many_requests"},
		{"too many failed attempts", apiErr("TooManyFailedAttemptsException", "Too many failed attempts."), opConfirm, ErrTooManyRequests, 429, "too_many_requests"},
		{"invalid parameter", apiErr("InvalidParameterException", "1 validation error detected"), opSignUp, ErrInvalidInput, 400, "invalid_input"},
		{"internal error", apiErr("InternalErrorException", "boom"), opSignIn, ErrUnavailable, 502, "identity_unavailable"},
		{"network error", errors.New("dial tcp: connection refused"), opSignIn, ErrUnavailable, 502, "identity_unavailable"},
		{"deadline", context.DeadlineExceeded, opSignIn, context.DeadlineExceeded, 504, "timeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := mapError(tt.err, tt.op)
			if !errors.Is(got, tt.want) {
				t.Fatalf("mapError(%v) = %v, want %v", tt.err, got, tt.want)
			}
			st, code := HTTPStatus(got)
			if st != tt.wantStatus || code != tt.wantCode {
				t.Errorf("HTTPStatus(%v) = %d %s, want %d %s", got, st, code, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestQuietFlowsDoNotRevealAccounts(t *testing.T) {
	for _, code := range []string{"UserNotFoundException", "UserNotConfirmedException", "InvalidParameterException", "NotAuthorizedException", "CodeDeliveryFailureException"} {
		t.Run(code, func(t *testing.T) {
			if got := quietUnknownUser(mapError(apiErr(code, "x"), opQuiet)); got != nil {
				t.Errorf("quietUnknownUser(mapError(%s)) = %v, want nil", code, got)
			}
		})
	}
	if got := quietUnknownUser(mapError(apiErr("LimitExceededException", "x"), opQuiet)); !errors.Is(got, ErrTooManyRequests) {
		t.Errorf("quietUnknownUser(LimitExceeded) = %v, want ErrTooManyRequests", got)
	}
}

func TestProblem(t *testing.T) {
	tests := []struct {
		name                      string
		err                       error
		wantStatus                int
		wantHeader, wantDetail    string
		wantChallenge, wantSecret string
	}{
		{"throttle carries Retry-After", mapError(apiErr("LimitExceededException", "x"), opConfirm), http.StatusTooManyRequests, "30", "", "", ""},
		{"sub-second retry rounds up", &ThrottleError{RetryAfter: 200 * time.Millisecond}, http.StatusTooManyRequests, "1", "", "", ""},
		{"policy message is shown", mapError(apiErr("InvalidPasswordException", "Password did not conform with policy: Password not long enough"), opSignUp), 400, "", "Password did not conform with policy: Password not long enough", "", ""},
		{"internal text is not", mapError(apiErr("InternalErrorException", "db host 10.0.0.1 down"), opSignIn), 502, "", "", "", ""},
		{"challenge carries its session", &ChallengeError{Name: "NEW_PASSWORD_REQUIRED", Session: "sess"}, 401, "", "", "NEW_PASSWORD_REQUIRED", "sess"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pe := Problem(tt.err)
			if pe.Status != tt.wantStatus || pe.Header.Get("Retry-After") != tt.wantHeader || pe.Detail != tt.wantDetail {
				t.Errorf("Problem(%v) = %d Retry-After=%q detail=%q, want %d %q %q", tt.err, pe.Status, pe.Header.Get("Retry-After"), pe.Detail, tt.wantStatus, tt.wantHeader, tt.wantDetail)
			}
			if tt.wantChallenge != "" && (pe.Extensions["challenge"] != tt.wantChallenge || pe.Extensions["session"] != tt.wantSecret) {
				t.Errorf("Problem(%v).Extensions = %v, want challenge %s", tt.err, pe.Extensions, tt.wantChallenge)
			}
			if !errors.Is(pe, tt.err) {
				t.Errorf("Problem(%v) does not wrap the cause", tt.err)
			}
		})
	}
}

func TestSecretHash(t *testing.T) {
	// Vector computed independently: base64(HMAC-SHA256("secret-abc", "jane@example.com"+"client123")).
	const want = "nBqFH9Ny6RVC5EtIgIGwHzg1y3x7JCT4TGZOgCq5Uq8="
	if got := SecretHash("jane@example.com", "client123", "secret-abc"); got != want {
		t.Errorf("SecretHash() = %s, want %s", got, want)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"local mode", Config{}, ""},
		{"cognito", Config{UserPoolID: "eu-west-1_x", ClientID: "c", Region: "eu-west-1"}, ""},
		{"no client", Config{UserPoolID: "eu-west-1_x", Region: "eu-west-1"}, "BFF_COGNITO_APP_CLIENT_ID"},
		{"bad endpoint", Config{UserPoolID: "eu-west-1_x", ClientID: "c", Endpoint: "localhost:9229"}, "BFF_COGNITO_ENDPOINT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (tt.wantErr == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("Validate() = %v, want error naming %q", err, tt.wantErr)
			}
		})
	}
}
