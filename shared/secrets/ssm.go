package secrets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// SSM returns a GetFunc calling SSM GetParameters (WithDecryption) in cfg's region with cfg's
// credentials. AWS_ENDPOINT_URL_SSM (or AWS_ENDPOINT_URL) overrides the endpoint, as in the SDK.
func SSM(cfg aws.Config) GetFunc {
	endpoint := os.Getenv("AWS_ENDPOINT_URL_SSM")
	if endpoint == "" {
		endpoint = os.Getenv("AWS_ENDPOINT_URL")
	}
	if endpoint == "" {
		endpoint = "https://ssm." + cfg.Region + ".amazonaws.com"
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	signer := v4.NewSigner()
	return func(ctx context.Context, names []string) (map[string]string, error) {
		if cfg.Region == "" {
			return nil, errors.New("AWS_REGION is not set")
		}
		if cfg.Credentials == nil {
			return nil, errors.New("no AWS credentials")
		}
		body, err := json.Marshal(struct {
			Names          []string
			WithDecryption bool
		}{names, true})
		if err != nil {
			return nil, err
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(endpoint, "/")+"/", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "AmazonSSM.GetParameters")
		creds, err := cfg.Credentials.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("retrieve credentials: %w", err)
		}
		sum := sha256.Sum256(body)
		if err := signer.SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), "ssm", cfg.Region, time.Now()); err != nil {
			return nil, fmt.Errorf("sign request: %w", err)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, fmt.Errorf("GetParameters: %w", err)
		}
		defer resp.Body.Close()
		raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err != nil {
			return nil, fmt.Errorf("GetParameters: read response: %w", err)
		}
		return decodeGetParameters(resp.StatusCode, raw)
	}
}

// decodeGetParameters reads a GetParameters response of the AWS JSON 1.1 protocol.
func decodeGetParameters(status int, raw []byte) (map[string]string, error) {
	if status != http.StatusOK {
		var e struct {
			Type    string `json:"__type"`
			Message string `json:"message"`
		}
		_ = json.Unmarshal(raw, &e)
		code := e.Type[strings.LastIndex(e.Type, "#")+1:]
		if code == "" {
			code = http.StatusText(status)
		}
		return nil, fmt.Errorf("GetParameters: %d %s: %s", status, code, e.Message)
	}
	var out struct {
		Parameters []struct {
			Name  string
			Value string
		}
		InvalidParameters []string
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("GetParameters: decode response: %w", err)
	}
	values := make(map[string]string, len(out.Parameters))
	for _, p := range out.Parameters {
		values[p.Name] = p.Value
	}
	return values, nil
}
