package server

import (
	"strings"
	"testing"
)

// TestRewriteProtocolErrorShapes: only net/http's own refusals are rewritten; responses that
// went through a handler (Date, handler headers) pass unchanged, whatever their status.
func TestRewriteProtocolErrorShapes(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		rewrite bool
		code    string
	}{
		{"431", "HTTP/1.1 431 Request Header Fields Too Large" + netHTTPErrorHeaders + "431 Request Header Fields Too Large", true, "header_too_large"},
		{"400 with reason", "HTTP/1.1 400 Bad Request: invalid header value" + netHTTPErrorHeaders + "400 Bad Request: invalid header value", true, "malformed_request"},
		{"501", "HTTP/1.1 501 Not Implemented" + netHTTPErrorHeaders + "Unsupported transfer encoding", true, "transfer_encoding_not_supported"},
		{"417", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Wed, 02 Dec 2026 20:00:00 GMT\r\nContent-Length: 0\r\n\r\n", true, "expectation_failed"},
		{"handler text/plain 400", "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\nDate: Wed, 02 Dec 2026 20:00:00 GMT\r\nContent-Length: 3\r\n\r\nbad", false, ""},
		{"handler 431 problem", "HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Type: application/problem+json\r\nX-Correlation-Id: abcdefgh\r\nDate: Wed, 02 Dec 2026 20:00:00 GMT\r\nContent-Length: 2\r\n\r\n{}", false, ""},
		{"body differs from status", "HTTP/1.1 400 Bad Request" + netHTTPErrorHeaders + "something else", false, ""},
		{"handler 417 with a body", "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: Wed, 02 Dec 2026 20:00:00 GMT\r\nContent-Length: 2\r\n\r\n{}", false, ""},
		{"body chunk", "HTTP/1.1 200 OK", false, ""},
		{"not a response", "hello", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, _, code, ok := rewriteProtocolError([]byte(tt.raw))
			if ok != tt.rewrite || code != tt.code {
				t.Fatalf("rewriteProtocolError = %v %q, want %v %q", ok, code, tt.rewrite, tt.code)
			}
			if ok && (!strings.Contains(string(out), "Content-Type: application/problem+json\r\n") || !strings.Contains(string(out), `"code":"`+tt.code+`"`)) {
				t.Errorf("rewritten response = %q, want problem+json with code %s", out, tt.code)
			}
		})
	}
}
