package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
)

// limits bound what one client can hold of the server: time, header bytes and connections.
type limits struct {
	readTimeout    time.Duration // a whole request, headers and body
	writeTimeout   time.Duration // from the end of the headers to the end of the response
	idleTimeout    time.Duration // an idle keep-alive connection
	maxHeaderBytes int
	maxConns       int
	bodyTimeout    time.Duration // a request's body, plus a second per minBodyRate bytes of it
}

// maxHeaderTimeout bounds reading a request's headers, within readTimeout.
const maxHeaderTimeout = 10 * time.Second

// defaultLimits are the server's bounds unless flags say otherwise. Requests are small (bodies are
// at most 1 MiB) and quick, but an injected fault may delay a response by up to a minute, so the
// write timeout is above that.
func defaultLimits() limits {
	return limits{
		readTimeout:    30 * time.Second,
		writeTimeout:   90 * time.Second,
		idleTimeout:    60 * time.Second,
		maxHeaderBytes: 64 << 10,
		maxConns:       defaultMaxConns(openFileLimit()),
		bodyTimeout:    bodyGrace,
	}
}

// Bounds of the default connection cap: the file descriptors kept for everything but connections,
// and the most connections by default (each costs a goroutine and its buffers, some 20 KiB), with
// the cap used when the file limit is unknown.
const (
	reservedFiles   = 64
	maxDefaultConns = 4096
	fallbackConns   = 512
)

// defaultMaxConns is the default connection cap for a process allowed nofile open files: what the
// limit allows beyond reservedFiles, up to maxDefaultConns; fallbackConns when nofile is unknown.
func defaultMaxConns(nofile uint64) int {
	switch {
	case nofile == 0:
		return fallbackConns
	case nofile <= 2*reservedFiles:
		return max(1, int(nofile/2))
	default:
		return int(min(nofile-reservedFiles, maxDefaultConns))
	}
}

// check refuses a bound that would turn a limit off.
func (l limits) check() error {
	for name, d := range map[string]time.Duration{"--read-timeout": l.readTimeout, "--write-timeout": l.writeTimeout, "--idle-timeout": l.idleTimeout, "--body-timeout": l.bodyTimeout} {
		if d <= 0 {
			return fmt.Errorf("%s %s: want more than 0", name, d)
		}
	}
	if l.maxHeaderBytes < 1024 {
		return fmt.Errorf("--max-header-bytes %d: want at least 1024", l.maxHeaderBytes)
	}
	if l.maxConns < 1 {
		return fmt.Errorf("--max-connections %d: want at least 1", l.maxConns)
	}
	return nil
}

// server is the emulator's HTTP server with its limits and its two-step shutdown.
type server struct {
	http  *http.Server
	conns *connLimit
	// stop ends the context of every request: the shutdown's grace is over.
	stop context.CancelFunc
}

// newServer serves h within l; reqLog, when not nil, gets one line per request.
func newServer(h http.Handler, l limits, reqLog *log.Logger) *server {
	base, stop := context.WithCancel(context.Background())
	conns := newConnLimit(l.maxConns)
	return &server{
		conns: conns,
		stop:  stop,
		http: &http.Server{
			Handler:           frontDoor{next: conns.readBodies(h, l.bodyTimeout, l.readTimeout), stopping: base.Done(), log: reqLog},
			ReadHeaderTimeout: min(maxHeaderTimeout, l.readTimeout),
			ReadTimeout:       l.readTimeout,
			WriteTimeout:      l.writeTimeout,
			IdleTimeout:       l.idleTimeout,
			MaxHeaderBytes:    l.maxHeaderBytes,
			BaseContext:       func(net.Listener) context.Context { return base },
			// OPTIONS * reaches the emulator (a JSON 404) instead of net/http's empty 200.
			DisableGeneralOptionsHandler: true,
			ConnState:                    conns.connState,
			ConnContext:                  conns.connContext,
		},
	}
}

// serve accepts connections on ln, at most the limit's at once (see connLimit), until shutdown.
func (s *server) serve(ln net.Listener) error {
	err := s.http.Serve(s.conns.listener(refusalListener{ln}))
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// shutdown stops accepting connections and waits up to grace for the requests in flight. Those
// still running then have their context ended, so that they are answered 503 (the emulator stops
// waiting on an injected delay), and get a second to be written before every connection is closed.
func (s *server) shutdown(grace time.Duration) {
	defer s.stop()
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if s.http.Shutdown(ctx) == nil {
		return
	}
	s.stop()
	ctx, cancel = context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if s.http.Shutdown(ctx) != nil {
		_ = s.http.Close()
	}
}

// frontDoor logs each request when asked, and answers 503 for a request the shutdown cut before
// the emulator answered it.
type frontDoor struct {
	next     http.Handler
	stopping <-chan struct{}
	log      *log.Logger
}

// maxLoggedPath bounds the path in a request log line.
const maxLoggedPath = 200

func (d frontDoor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	d.next.ServeHTTP(rec, r)
	if rec.status == 0 {
		select {
		case <-d.stopping:
			rec.Header().Set("Connection", "close")
			writeRefusal(rec, http.StatusServiceUnavailable, "server_unavailable", "The emulator is shutting down; the request was not processed.")
		default:
			rec.status, rec.errorType = 499, "client_closed_request" // the client went away first
		}
	}
	if d.log == nil {
		return
	}
	path := r.URL.Path
	if len(path) > maxLoggedPath {
		path = path[:maxLoggedPath] + "..."
	}
	errType := rec.errorType
	if errType == "" {
		errType = "-"
	}
	d.log.Printf("%s %s project=%s status=%d error_type=%s %s", r.Method, printable(path), projectOf(r), rec.status, errType,
		time.Since(start).Round(time.Microsecond))
}

// projectOf returns the project_id of a request's Basic credentials (or of the JWKS path, which
// the SDKs fetch without them), or "-".
func projectOf(r *http.Request) string {
	id, _, ok := r.BasicAuth()
	if !ok {
		id, _ = strings.CutPrefix(r.URL.Path, "/v1/sessions/jwks/")
		if id == r.URL.Path {
			id = ""
		}
	}
	if id == "" {
		return "-"
	}
	if len(id) > 64 {
		id = id[:64] + "..."
	}
	return printable(id)
}

// printable escapes what a client sent, so that a log line stays one line of text.
func printable(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// maxErrorBody bounds what recorder keeps of an error body to find its error_type.
const maxErrorBody = 4 << 10

// recorder notes a response's status and, for an error, its error_type.
type recorder struct {
	http.ResponseWriter
	status    int
	errorType string
	errBody   []byte
}

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && len(r.errBody) < maxErrorBody {
		r.errBody = append(r.errBody, p[:min(len(p), maxErrorBody-len(r.errBody))]...)
		var e struct {
			ErrorType string `json:"error_type"`
		}
		if json.Unmarshal(r.errBody, &e) == nil {
			r.errorType = e.ErrorType
		}
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// refusal is a Stytch-shaped error body for an answer the emulator itself did not give.
func refusal(status int, errorType, message string) []byte {
	b, err := json.Marshal(struct {
		StatusCode   int    `json:"status_code"`
		RequestID    string `json:"request_id"`
		ErrorType    string `json:"error_type"`
		ErrorMessage string `json:"error_message"`
		ErrorURL     string `json:"error_url"`
	}{status, "request-id-test-" + uuid.NewString(), errorType, message, fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, errorType)})
	if err != nil { // a struct of strings and an int always encodes
		panic(fmt.Sprintf("stytch-emulator: encode refusal: %v", err))
	}
	return b
}

// writeRefusal answers a Stytch-shaped error through w.
func writeRefusal(w http.ResponseWriter, status int, errorType, message string) {
	body := refusal(status, errorType, message)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// refusalListener hands out connections whose net/http-level refusals are Stytch-shaped JSON.
type refusalListener struct{ net.Listener }

func (l refusalListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return refusalConn{c}, nil
}

// refusalConn rewrites the plain-text answers net/http writes on its own, before any handler
// runs, to a request it cannot parse: 431 for headers beyond MaxHeaderBytes, 400 for a malformed
// request, 501 for an unknown transfer encoding. net/http writes each in one Write, in one fixed
// form (status line, these headers, a one-line body), which no response of the emulator has: its
// answers are JSON.
type refusalConn struct{ net.Conn }

// netHTTPRefusalHeaders are the headers of net/http's own refusals.
const netHTTPRefusalHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c refusalConn) Write(p []byte) (int, error) {
	out, ok := rewriteRefusal(p)
	if !ok {
		return c.Conn.Write(p)
	}
	if _, err := c.Conn.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

// rewriteRefusal returns the JSON form of one of net/http's plain-text refusals, or false when p is
// not one.
func rewriteRefusal(p []byte) ([]byte, bool) {
	if bytes.HasPrefix(p, []byte(netHTTPExpectationFailed)) && bytes.HasSuffix(p, []byte("\r\nContent-Length: 0\r\n\r\n")) &&
		bytes.Count(p, []byte("\r\n")) == 5 {
		return refusalResponse("417 Expectation Failed", refusal(http.StatusExpectationFailed, "expectation_failed",
			"The request's Expect header is not supported: only 100-continue is.")), true
	}
	rest, ok := bytes.CutPrefix(p, []byte("HTTP/1.1 "))
	if !ok || len(rest) < 4 || (rest[0] != '4' && rest[0] != '5') || rest[3] != ' ' {
		return nil, false
	}
	statusLine, text, ok := bytes.Cut(rest, []byte(netHTTPRefusalHeaders))
	if !ok || bytes.ContainsAny(statusLine, "\r\n") || bytes.ContainsAny(text, "\r\n") {
		return nil, false
	}
	status, err := strconv.Atoi(string(statusLine[:3]))
	if err != nil {
		return nil, false
	}
	var body []byte
	switch status {
	case http.StatusRequestHeaderFieldsTooLarge:
		body = refusal(status, "request_header_fields_too_large", "The request's headers are too large.")
	case http.StatusNotImplemented:
		body = refusal(status, "unsupported_transfer_encoding", "The request's Transfer-Encoding is not supported.")
	default:
		// "400 Bad Request" or "400 Bad Request: missing required Host header".
		_, detail, _ := strings.Cut(string(text), ": ")
		msg := "The request is not valid HTTP."
		if detail != "" {
			msg = "The request is not valid HTTP: " + detail + "."
		}
		body = refusal(status, "bad_request", msg)
	}
	return refusalResponse(string(statusLine), body), true
}

// netHTTPExpectationFailed starts net/http's answer to an Expect header other than 100-continue:
// its status line and headers (Connection, Date, Content-Length: 0), with no body, in one Write.
const netHTTPExpectationFailed = "HTTP/1.1 417 Expectation Failed\r\nConnection: close\r\n"

// refusalResponse is a whole HTTP response carrying a refusal's JSON body, closing the connection.
func refusalResponse(statusLine string, body []byte) []byte {
	var out bytes.Buffer
	fmt.Fprintf(&out, "HTTP/1.1 %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n", statusLine, len(body))
	out.Write(body)
	return out.Bytes()
}
