package server

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"bffsuite.dev/shared/middleware"
	"bffsuite.dev/shared/problem"
)

// Some requests are refused by net/http itself, before any handler runs, so no middleware
// can answer them: a head larger than http.Server.MaxHeaderBytes (431), an invalid header
// name or value such as a control byte (400), a missing or malformed Host (400), a request
// line that does not parse (400), an HTTP version it does not serve (505), an unknown
// Transfer-Encoding (501), and an Expect other than 100-continue (417). net/http has no hook
// for these (conn.serve in net/http/server.go writes them straight to the connection), so the
// local server wraps its listener: each connection's Write recognises exactly these responses
// and sends an RFC 9457 problem with a stable code and a fresh correlation ID instead.
//
// Recognised shapes (net/http/server.go, Go 1.26), each written by a single Write:
//
//	"HTTP/1.1 " <status> errorHeaders <body>  with errorHeaders =
//	    "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"
//	    and <body> equal to <status>, or "Unsupported transfer encoding" for 501;
//	"HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: …\r\nContent-Length: 0\r\n\r\n"
//	    (sendExpectationFailed, through the response writer).
//
// A handler's response never has these shapes: our engine always sets X-Correlation-ID, and
// net/http writes a handler's own headers before Date and Content-Length. TestProtocolErrors
// sends each case over raw TCP, so a change of net/http's wording fails the tests.
//
// What stays out of reach: these requests were never parsed, so the problem cannot echo the
// client's X-Correlation-ID or name the path (instance); and when a client sends a head over
// the limit, net/http closes the connection after answering, so a client still writing may
// see a reset instead of the answer (net/http documents this as undefined behaviour). A
// connection that fails while reading (a timeout, a reset, a non-HTTP TLS hello counted as a
// common read error) gets no answer at all, so there is nothing to rewrite.

// netHTTPErrorHeaders is what net/http writes after the status of a refused request.
const netHTTPErrorHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

// serverMaxHeaderBytes is net/http's limit on a request's head, above the 64 KiB that
// middleware.HeaderLimit answers with a problem carrying the client's correlation ID.
const serverMaxHeaderBytes = 1 << 20

// problemListener wraps the local server's listener (see above).
type problemListener struct {
	net.Listener
	logger *slog.Logger
}

func (l problemListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &problemConn{Conn: c, logger: l.logger}, nil
}

// problemConn rewrites net/http's plain-text refusals (see above) into problem+json.
type problemConn struct {
	net.Conn
	logger *slog.Logger
}

func (c *problemConn) Write(p []byte) (int, error) {
	out, status, code, ok := rewriteProtocolError(p)
	if !ok {
		return c.Conn.Write(p)
	}
	c.logger.LogAttrs(context.Background(), slog.LevelInfo, "request rejected by the HTTP server",
		slog.Int("status", status), slog.String("code", code), slog.String("correlation_id", correlationOf(out)))
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// CloseWrite keeps net/http's half-close after a 431 (closeWriteAndWait) working.
func (c *problemConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

func correlationOf(resp []byte) string {
	const h = "\r\nX-Correlation-Id: "
	i := bytes.Index(resp, []byte(h))
	if i < 0 {
		return ""
	}
	rest := resp[i+len(h):]
	if j := bytes.Index(rest, []byte("\r\n")); j >= 0 {
		return string(rest[:j])
	}
	return ""
}

// rewriteProtocolError returns the problem+json response replacing p when p is one of
// net/http's own refusals, with its status and code.
func rewriteProtocolError(p []byte) (out []byte, status int, code string, ok bool) {
	const proto = "HTTP/1.1 "
	if len(p) > 4096 || !bytes.HasPrefix(p, []byte(proto)) || len(p) < len(proto)+3 {
		return nil, 0, "", false
	}
	status, err := strconv.Atoi(string(p[len(proto) : len(proto)+3]))
	if err != nil {
		return nil, 0, "", false
	}
	reason := ""
	if i := bytes.Index(p, []byte(netHTTPErrorHeaders)); i > 0 {
		line, body := string(p[len(proto):i]), string(p[i+len(netHTTPErrorHeaders):])
		if body != line && !(status == http.StatusNotImplemented && body == "Unsupported transfer encoding") {
			return nil, 0, "", false
		}
		if _, r, found := strings.Cut(line, ": "); found {
			reason = r // net/http's fixed wording, e.g. "invalid header value"
		}
	} else if !(status == http.StatusExpectationFailed &&
		bytes.HasPrefix(p, []byte("HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\nDate: ")) &&
		bytes.HasSuffix(p, []byte("\r\nContent-Length: 0\r\n\r\n"))) {
		return nil, 0, "", false
	}
	var detail string
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		code, detail = problem.CodeHeaderTooLarge, "The request line and headers are larger than "+strconv.Itoa(serverMaxHeaderBytes)+" bytes."
	case http.StatusBadRequest:
		code, detail = problem.CodeMalformedRequest, "The request is not well-formed HTTP/1.1"
		if reason != "" {
			detail += " (" + reason + ")"
		} else {
			detail += " (request line or a header line cannot be parsed, e.g. a control character in a header)"
		}
		detail += "."
	case http.StatusHTTPVersionNotSupported:
		code, detail = problem.CodeHTTPVersion, "Use HTTP/1.1 (or HTTP/1.0)."
	case http.StatusNotImplemented:
		code, detail = problem.CodeTransferEncoding, "The Transfer-Encoding of the request is not supported; use chunked or none."
	case http.StatusExpectationFailed:
		code, detail = problem.CodeExpectationFailed, "The only supported Expect value is 100-continue."
	default:
		code, detail = problem.CodeBadRequest, "The request cannot be served."
	}
	id := middleware.NewID()
	body, err := problem.Problem{
		Type: problem.TypePrefix + code, Title: http.StatusText(status), Status: status,
		Detail: detail, Code: code, CorrelationID: id,
	}.MarshalJSON()
	if err != nil {
		return nil, 0, "", false
	}
	var b bytes.Buffer
	b.WriteString(proto + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	b.WriteString("Content-Type: " + problem.ContentType + "\r\n")
	b.WriteString("Cache-Control: no-store\r\n")
	b.WriteString("X-Content-Type-Options: nosniff\r\n")
	b.WriteString("X-Correlation-Id: " + id + "\r\n")
	b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	b.WriteString("Connection: close\r\n\r\n")
	b.Write(body)
	return b.Bytes(), status, code, true
}
