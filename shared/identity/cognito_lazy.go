package identity

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
)

// cognitoAPI is the part of the Cognito user pools client that Cognito calls.
type cognitoAPI interface {
	SignUp(ctx context.Context, in *cip.SignUpInput, optFns ...func(*cip.Options)) (*cip.SignUpOutput, error)
	ConfirmSignUp(ctx context.Context, in *cip.ConfirmSignUpInput, optFns ...func(*cip.Options)) (*cip.ConfirmSignUpOutput, error)
	ResendConfirmationCode(ctx context.Context, in *cip.ResendConfirmationCodeInput, optFns ...func(*cip.Options)) (*cip.ResendConfirmationCodeOutput, error)
	InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error)
	RespondToAuthChallenge(ctx context.Context, in *cip.RespondToAuthChallengeInput, optFns ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error)
	ForgotPassword(ctx context.Context, in *cip.ForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ForgotPasswordOutput, error)
	ConfirmForgotPassword(ctx context.Context, in *cip.ConfirmForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error)
	GetUser(ctx context.Context, in *cip.GetUserInput, optFns ...func(*cip.Options)) (*cip.GetUserOutput, error)
	GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error)
	RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, optFns ...func(*cip.Options)) (*cip.RevokeTokenOutput, error)
}

var _ cognitoAPI = (*cip.Client)(nil)

// lazyAPI builds the Cognito client on its first call, so a cold start that serves no
// identity flow neither loads the AWS configuration nor builds the client. A failed load is
// returned (mapped to ErrUnavailable by mapError) and tried again on the next call.
type lazyAPI struct {
	load  func(context.Context) (aws.Config, error)
	build func(aws.Config) *cip.Client

	mu     sync.Mutex
	client *cip.Client
}

func (l *lazyAPI) get(ctx context.Context) (*cip.Client, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.client == nil {
		cfg, err := l.load(ctx)
		if err != nil {
			return nil, err
		}
		l.client = l.build(cfg)
	}
	return l.client, nil
}

func (l *lazyAPI) SignUp(ctx context.Context, in *cip.SignUpInput, optFns ...func(*cip.Options)) (*cip.SignUpOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.SignUp(ctx, in, optFns...)
}

func (l *lazyAPI) ConfirmSignUp(ctx context.Context, in *cip.ConfirmSignUpInput, optFns ...func(*cip.Options)) (*cip.ConfirmSignUpOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.ConfirmSignUp(ctx, in, optFns...)
}

func (l *lazyAPI) ResendConfirmationCode(ctx context.Context, in *cip.ResendConfirmationCodeInput, optFns ...func(*cip.Options)) (*cip.ResendConfirmationCodeOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.ResendConfirmationCode(ctx, in, optFns...)
}

func (l *lazyAPI) InitiateAuth(ctx context.Context, in *cip.InitiateAuthInput, optFns ...func(*cip.Options)) (*cip.InitiateAuthOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.InitiateAuth(ctx, in, optFns...)
}

func (l *lazyAPI) RespondToAuthChallenge(ctx context.Context, in *cip.RespondToAuthChallengeInput, optFns ...func(*cip.Options)) (*cip.RespondToAuthChallengeOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.RespondToAuthChallenge(ctx, in, optFns...)
}

func (l *lazyAPI) ForgotPassword(ctx context.Context, in *cip.ForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ForgotPasswordOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.ForgotPassword(ctx, in, optFns...)
}

func (l *lazyAPI) ConfirmForgotPassword(ctx context.Context, in *cip.ConfirmForgotPasswordInput, optFns ...func(*cip.Options)) (*cip.ConfirmForgotPasswordOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.ConfirmForgotPassword(ctx, in, optFns...)
}

func (l *lazyAPI) GetUser(ctx context.Context, in *cip.GetUserInput, optFns ...func(*cip.Options)) (*cip.GetUserOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.GetUser(ctx, in, optFns...)
}

func (l *lazyAPI) GlobalSignOut(ctx context.Context, in *cip.GlobalSignOutInput, optFns ...func(*cip.Options)) (*cip.GlobalSignOutOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.GlobalSignOut(ctx, in, optFns...)
}

func (l *lazyAPI) RevokeToken(ctx context.Context, in *cip.RevokeTokenInput, optFns ...func(*cip.Options)) (*cip.RevokeTokenOutput, error) {
	api, err := l.get(ctx)
	if err != nil {
		return nil, err
	}
	return api.RevokeToken(ctx, in, optFns...)
}
