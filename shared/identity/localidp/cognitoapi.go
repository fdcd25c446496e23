package localidp

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"bffsuite.dev/shared/identity"
)

// CognitoAPI serves the Cognito user pools API (AWS JSON 1.1: POST with X-Amz-Target
// AWSCognitoIdentityProviderService.<Operation>) for the operations identity.Cognito calls,
// over local IdPs chosen by the request's ClientId (one IdP per app client, as `make run`
// runs one per BFF; they share key and issuer). Operations that carry only an access token
// (GetUser, GlobalSignOut) go to the IdP of the token's client_id.
//
// It lets a BFF run as deployed (BFF_COGNITO_USER_POOL_ID set, under the Lambda RIE, where the
// local IdP refuses to start) against the local IdP of the process in front of it:
// BFF_COGNITO_ENDPOINT points here. Errors are Cognito's exception types ({"__type": ...}),
// which identity.Cognito maps back to the identity errors. For local use only, like the IdP.
func CognitoAPI(idps ...*IdP) http.Handler {
	byClient := make(map[string]*IdP, len(idps))
	for _, p := range idps {
		byClient[p.ClientID()] = p
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			cognitoError(w, http.StatusMethodNotAllowed, "InvalidAction", "POST only")
			return
		}
		op, ok := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "AWSCognitoIdentityProviderService.")
		if !ok {
			cognitoError(w, http.StatusBadRequest, "InvalidAction", "missing or unknown X-Amz-Target")
			return
		}
		var in cognitoInput
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<10)).Decode(&in); err != nil {
			cognitoError(w, http.StatusBadRequest, "SerializationException", "body is not JSON")
			return
		}
		clientID := in.ClientID
		if clientID == "" && in.AccessToken != "" {
			clientID = unverifiedClaim(in.AccessToken, "client_id")
		}
		p, ok := byClient[clientID]
		if !ok {
			if in.AccessToken != "" {
				cognitoError(w, http.StatusBadRequest, "NotAuthorizedException", "Invalid Access Token")
				return
			}
			cognitoError(w, http.StatusBadRequest, "ResourceNotFoundException", "User pool client "+clientID+" does not exist.")
			return
		}
		out, err := serveCognito(r.Context(), p, op, in)
		if err != nil {
			writeCognitoError(w, err)
			return
		}
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		_ = json.NewEncoder(w).Encode(out)
	})
}

type cognitoInput struct {
	ClientID           string            `json:"ClientId"`
	Username           string            `json:"Username"`
	Password           string            `json:"Password"`
	ConfirmationCode   string            `json:"ConfirmationCode"`
	AuthFlow           string            `json:"AuthFlow"`
	AuthParameters     map[string]string `json:"AuthParameters"`
	ChallengeName      string            `json:"ChallengeName"`
	ChallengeResponses map[string]string `json:"ChallengeResponses"`
	Session            string            `json:"Session"`
	AccessToken        string            `json:"AccessToken"`
	Token              string            `json:"Token"`
	UserAttributes     []struct {
		Name  string `json:"Name"`
		Value string `json:"Value"`
	} `json:"UserAttributes"`
}

func serveCognito(ctx context.Context, p *IdP, op string, in cognitoInput) (any, error) {
	switch op {
	case "SignUp":
		su := identity.SignUpInput{Username: in.Username, Password: in.Password, Attributes: map[string]string{}}
		for _, a := range in.UserAttributes {
			if a.Name == "email" {
				su.Email = a.Value
				continue
			}
			su.Attributes[a.Name] = a.Value
		}
		res, err := p.SignUp(ctx, su)
		if err != nil {
			return nil, err
		}
		out := map[string]any{"UserConfirmed": res.Confirmed, "UserSub": res.UserSub}
		if res.CodeDestination != "" {
			out["CodeDeliveryDetails"] = map[string]string{"AttributeName": "email", "DeliveryMedium": "EMAIL", "Destination": res.CodeDestination}
		}
		return out, nil
	case "ConfirmSignUp":
		return struct{}{}, p.ConfirmSignUp(ctx, in.Username, in.ConfirmationCode)
	case "ResendConfirmationCode":
		return struct{}{}, p.ResendConfirmationCode(ctx, in.Username)
	case "InitiateAuth":
		var t *identity.Tokens
		var err error
		switch in.AuthFlow {
		case "USER_PASSWORD_AUTH":
			t, err = p.SignIn(ctx, in.AuthParameters["USERNAME"], in.AuthParameters["PASSWORD"])
		case "REFRESH_TOKEN_AUTH", "REFRESH_TOKEN":
			t, err = p.Refresh(ctx, in.AuthParameters["USERNAME"], in.AuthParameters["REFRESH_TOKEN"])
		default:
			return nil, &cognitoErr{"InvalidParameterException", "AuthFlow " + in.AuthFlow + " is not supported by the local IdP"}
		}
		return authResult(t, err)
	case "RespondToAuthChallenge":
		if in.ChallengeName != "NEW_PASSWORD_REQUIRED" {
			return nil, &cognitoErr{"InvalidParameterException", "ChallengeName " + in.ChallengeName + " is not supported by the local IdP"}
		}
		return authResult(p.RespondNewPassword(ctx, in.ChallengeResponses["USERNAME"], in.Session, in.ChallengeResponses["NEW_PASSWORD"]))
	case "ForgotPassword":
		if err := p.ForgotPassword(ctx, in.Username); err != nil {
			return nil, err
		}
		return map[string]any{"CodeDeliveryDetails": map[string]string{"AttributeName": "email", "DeliveryMedium": "EMAIL"}}, nil
	case "ConfirmForgotPassword":
		return struct{}{}, p.ConfirmForgotPassword(ctx, in.Username, in.ConfirmationCode, in.Password)
	case "GetUser":
		u, err := p.GetUser(ctx, in.AccessToken)
		if err != nil {
			return nil, err
		}
		attrs := make([]map[string]string, 0, len(u.Attributes))
		for k, v := range u.Attributes {
			attrs = append(attrs, map[string]string{"Name": k, "Value": v})
		}
		return map[string]any{"Username": u.Username, "UserAttributes": attrs}, nil
	case "GlobalSignOut":
		return struct{}{}, p.GlobalSignOut(ctx, in.AccessToken)
	case "RevokeToken":
		return struct{}{}, p.RevokeToken(ctx, in.Token)
	}
	return nil, &cognitoErr{"InvalidAction", "operation " + op + " is not served by the local IdP"}
}

func authResult(t *identity.Tokens, err error) (any, error) {
	var ch *identity.ChallengeError
	if errors.As(err, &ch) {
		return map[string]any{"ChallengeName": ch.Name, "Session": ch.Session,
			"ChallengeParameters": map[string]string{"USER_ID_FOR_SRP": ch.Username}}, nil
	}
	if err != nil {
		return nil, err
	}
	res := map[string]any{"AccessToken": t.AccessToken, "IdToken": t.IDToken, "ExpiresIn": t.ExpiresIn, "TokenType": t.TokenType}
	if t.RefreshToken != "" {
		res["RefreshToken"] = t.RefreshToken
	}
	return map[string]any{"AuthenticationResult": res, "ChallengeParameters": map[string]string{}}, nil
}

type cognitoErr struct{ typ, msg string }

func (e *cognitoErr) Error() string { return e.typ + ": " + e.msg }

// writeCognitoError answers the Cognito exception that identity.Cognito maps back to err.
func writeCognitoError(w http.ResponseWriter, err error) {
	var ce *cognitoErr
	var pe *identity.PasswordPolicyError
	var te *identity.ThrottleError
	switch {
	case errors.As(err, &ce):
		cognitoError(w, http.StatusBadRequest, ce.typ, ce.msg)
	case errors.As(err, &pe):
		cognitoError(w, http.StatusBadRequest, "InvalidPasswordException", "Password did not conform with policy: "+pe.Message)
	case errors.As(err, &te):
		cognitoError(w, http.StatusBadRequest, "TooManyRequestsException", "Too many requests")
	case errors.Is(err, identity.ErrInvalidPassword):
		cognitoError(w, http.StatusBadRequest, "InvalidPasswordException", "Password did not conform with policy: "+err.Error())
	case errors.Is(err, identity.ErrUserExists):
		cognitoError(w, http.StatusBadRequest, "UsernameExistsException", "An account with the given email already exists.")
	case errors.Is(err, identity.ErrCodeMismatch):
		cognitoError(w, http.StatusBadRequest, "CodeMismatchException", "Invalid verification code provided, please try again.")
	case errors.Is(err, identity.ErrExpiredCode):
		cognitoError(w, http.StatusBadRequest, "ExpiredCodeException", "Invalid code provided, please request a code again.")
	case errors.Is(err, identity.ErrNotConfirmed):
		cognitoError(w, http.StatusBadRequest, "UserNotConfirmedException", "User is not confirmed.")
	case errors.Is(err, identity.ErrPasswordResetNeeded):
		cognitoError(w, http.StatusBadRequest, "PasswordResetRequiredException", "Password reset required for the user")
	case errors.Is(err, identity.ErrTokenRevoked):
		cognitoError(w, http.StatusBadRequest, "NotAuthorizedException", "Access Token has been revoked")
	case errors.Is(err, identity.ErrInvalidCredentials):
		cognitoError(w, http.StatusBadRequest, "NotAuthorizedException", "Incorrect username or password.")
	case errors.Is(err, identity.ErrInvalidInput):
		cognitoError(w, http.StatusBadRequest, "InvalidParameterException", "Invalid parameter")
	default:
		cognitoError(w, http.StatusInternalServerError, "InternalErrorException", "internal error")
	}
}

func cognitoError(w http.ResponseWriter, status int, typ, msg string) {
	w.Header().Set("Content-Type", "application/x-amz-json-1.1")
	w.Header().Set("X-Amzn-Errortype", typ)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"__type": typ, "message": msg})
}

// unverifiedClaim reads a string claim of a token without verifying it (to choose the IdP,
// which then verifies the token).
func unverifiedClaim(tok, name string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return ""
	}
	s, _ := m[name].(string)
	return s
}
