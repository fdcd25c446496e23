package identity

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// TestLazyCognitoLoadsOnFirstCall: nothing is loaded at construction, a failed load answers
// ErrUnavailable and is retried, and a successful one is kept.
func TestLazyCognitoLoadsOnFirstCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"__type":"NotAuthorizedException","message":"Incorrect username or password."}`))
	}))
	defer srv.Close()
	loads, fail := 0, true
	load := func(context.Context) (aws.Config, error) {
		loads++
		if fail {
			return aws.Config{}, errors.New("no credentials")
		}
		return aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider("a", "b", "")}, nil
	}
	c, err := NewLazyCognito(load, Config{Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "client", Endpoint: srv.URL})
	if err != nil {
		t.Fatalf("NewLazyCognito() error = %v", err)
	}
	if loads != 0 {
		t.Fatalf("loads after construction = %d, want 0", loads)
	}
	ctx := context.Background()
	if _, err := c.SignIn(ctx, "jane", "pw"); !errors.Is(err, ErrUnavailable) {
		t.Fatalf("SignIn() with a failing load error = %v, want ErrUnavailable", err)
	}
	fail = false
	for range 2 {
		if _, err := c.SignIn(ctx, "jane", "pw"); !errors.Is(err, ErrInvalidCredentials) {
			t.Fatalf("SignIn() error = %v, want ErrInvalidCredentials", err)
		}
	}
	if got, want := loads, 2; got != want {
		t.Errorf("loads = %d, want %d (one failed, one kept)", got, want)
	}
}
