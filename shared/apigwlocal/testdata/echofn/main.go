// Command echofn is the test function of shared/apigwlocal: a real aws-lambda-go handler run
// under the Lambda RIE that answers with the event it received, so tests see the event as a
// deployed function would. Paths change its behaviour: /error fails the invocation, /sleep
// outlasts a short gateway timeout, /inferred answers a payload 2.0 response without
// statusCode, /binary answers a base64 PNG, /cookies sets two cookies, /malformed answers no
// proxy response.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type probe struct {
	Version    string `json:"version"`
	RawPath    string `json:"rawPath"`
	Path       string `json:"path"`
	HTTPMethod string `json:"httpMethod"`
}

func handle(_ context.Context, raw json.RawMessage) (any, error) {
	var p probe
	if err := json.Unmarshal(raw, &p); err != nil {
		return nil, err
	}
	path := p.RawPath
	if p.Version != "2.0" {
		path = p.Path
	}
	v2 := p.Version == "2.0"
	switch {
	case strings.HasSuffix(path, "/error"):
		return nil, errors.New("echofn: asked to fail")
	case strings.HasSuffix(path, "/sleep"):
		time.Sleep(5 * time.Second)
	case strings.HasSuffix(path, "/inferred"):
		return map[string]any{"inferred": true}, nil
	case strings.HasSuffix(path, "/malformed"):
		return "not a proxy response", nil
	case strings.HasSuffix(path, "/binary"):
		png := []byte{0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0xff}
		return map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "image/png"},
			"body": base64.StdEncoding.EncodeToString(png), "isBase64Encoded": true}, nil
	case strings.HasSuffix(path, "/cookies"):
		if v2 {
			return map[string]any{"statusCode": 201, "headers": map[string]string{"Content-Type": "text/plain"},
				"cookies": []string{"a=1; Path=/; HttpOnly", "b=2; Path=/"}, "body": "ok"}, nil
		}
		return map[string]any{"statusCode": 201, "headers": map[string]string{"Content-Type": "text/plain"},
			"multiValueHeaders": map[string][]string{"Set-Cookie": {"a=1; Path=/; HttpOnly", "b=2; Path=/"}}, "body": "ok"}, nil
	}
	return map[string]any{"statusCode": 200, "headers": map[string]string{"Content-Type": "application/json", "X-Echo": "1"},
		"multiValueHeaders": map[string][]string{"X-Multi": {"x", "y"}}, "body": string(raw)}, nil
}

func main() { lambda.Start(handle) }
