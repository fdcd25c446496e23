package asltest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"sync"

	"github.com/aws/aws-lambda-go/lambda/messages"
)

// errorDocRE matches the runtime's error document ({"errorMessage":...,"errorType":...}).
var errorDocRE = regexp.MustCompile(`^\s*\{\s*"error(Message|Type)"\s*:`)

// InvokeURL returns a TaskFunc that invokes a Lambda function through an Invoke-API URL, such
// as a function's bootstrap under the Lambda Runtime Interface Emulator
// (http://127.0.0.1:PORT/2015-03-31/functions/function/invocations): the effective input is
// the event, and a function error (X-Amz-Function-Error, or the runtime's error document) comes
// back as the messages.InvokeResponse_Error the runtime reported, so the States error name is
// the errorType the real Go runtime chose. Calls are serialised: one emulator runs one invoke
// at a time.
func InvokeURL(url string) TaskFunc {
	var mu sync.Mutex
	return func(ctx context.Context, call TaskCall) (json.RawMessage, error) {
		mu.Lock()
		defer mu.Unlock()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(call.Input))
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: err.Error()}
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			return nil, messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: err.Error()}
		}
		if resp.StatusCode != http.StatusOK {
			return nil, messages.InvokeResponse_Error{Type: "Lambda.ServiceException", Message: fmt.Sprintf("invoke status %d: %s", resp.StatusCode, body)}
		}
		if resp.Header.Get("X-Amz-Function-Error") != "" || errorDocRE.Match(body) {
			var doc messages.InvokeResponse_Error
			if err := json.Unmarshal(body, &doc); err != nil || doc.Type == "" {
				return nil, messages.InvokeResponse_Error{Type: "Lambda.Unknown", Message: string(body)}
			}
			return nil, doc
		}
		return body, nil
	}
}
