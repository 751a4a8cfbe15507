package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// stytchError is the shape of every error the server answers.
type stytchError struct {
	StatusCode   int    `json:"status_code"`
	RequestID    string `json:"request_id"`
	ErrorType    string `json:"error_type"`
	ErrorMessage string `json:"error_message"`
	ErrorURL     string `json:"error_url"`
}

// rawExchange writes raw bytes on a new connection to base and reads one response.
func rawExchange(t *testing.T, base, raw string) *http.Response {
	t.Helper()
	u, err := url.Parse(base)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, raw)
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	require.NoError(t, err, "an answer, not a hang or a hang-up")
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// requireStytchError fails unless resp is a Stytch-shaped JSON error with that status and type.
func requireStytchError(t *testing.T, resp *http.Response, status int, errType string) stytchError {
	t.Helper()
	require.Equal(t, status, resp.StatusCode)
	require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
	var e stytchError
	dec := json.NewDecoder(resp.Body)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e))
	require.Equal(t, status, e.StatusCode)
	require.Equal(t, errType, e.ErrorType)
	require.Regexp(t, `^request-id-test-[0-9a-f-]{36}$`, e.RequestID)
	require.NotEmpty(t, e.ErrorMessage)
	require.Equal(t, fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, errType), e.ErrorURL)
	return e
}

const auth = "Authorization: Basic cHJvamVjdC10ZXN0LTAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAwMDAwMDAwMDpzZWNyZXQtdGVzdC1lbXVsYXRvcg==\r\n"

// TestServerAnswersRefusalsAsJSON: what net/http refuses before the emulator sees the request (too
// large headers, a malformed request, an unknown transfer encoding) is answered as a Stytch error,
// and a body shorter than its Content-Length is answered 400 when the read timeout ends, not held.
func TestServerAnswersRefusalsAsJSON(t *testing.T) {
	base, _ := startWith(t, "--data-dir", t.TempDir(), "--max-header-bytes", "2048", "--read-timeout", "300ms")

	t.Run("case=headers too large", func(t *testing.T) {
		resp := rawExchange(t, base, "GET /emulator/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: "+strings.Repeat("a", 16<<10)+"\r\n\r\n")
		requireStytchError(t, resp, 431, "request_header_fields_too_large")
	})
	t.Run("case=malformed request line", func(t *testing.T) {
		resp := rawExchange(t, base, "NOT HTTP AT ALL\r\n\r\n")
		requireStytchError(t, resp, 400, "bad_request")
	})
	t.Run("case=no host", func(t *testing.T) {
		resp := rawExchange(t, base, "GET /emulator/v1/health HTTP/1.1\r\n\r\n")
		e := requireStytchError(t, resp, 400, "bad_request")
		require.Contains(t, e.ErrorMessage, "Host")
	})
	t.Run("case=unknown transfer encoding", func(t *testing.T) {
		resp := rawExchange(t, base, "POST /v1/users HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
		requireStytchError(t, resp, 501, "unsupported_transfer_encoding")
	})
	t.Run("case=body shorter than its length", func(t *testing.T) {
		resp := rawExchange(t, base, "POST /v1/users HTTP/1.1\r\nHost: x\r\n"+auth+"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
		requireStytchError(t, resp, 400, "bad_request")
	})
	t.Run("case=an Expect header other than 100-continue", func(t *testing.T) {
		resp := rawExchange(t, base, "POST /v1/users HTTP/1.1\r\nHost: x\r\n"+auth+"Expect: something\r\nContent-Length: 2\r\n\r\n{}")
		requireStytchError(t, resp, 417, "expectation_failed")
	})
	t.Run("case=OPTIONS *", func(t *testing.T) {
		resp := rawExchange(t, base, "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n")
		requireStytchError(t, resp, 404, "route_not_found")
	})
	t.Run("case=a body announced over the limit, with Expect: 100-continue", func(t *testing.T) {
		// Refused at once: no 100 Continue asks the client to send 20 MB that would be refused.
		resp := rawExchange(t, base, "POST /v1/users HTTP/1.1\r\nHost: x\r\n"+auth+"Expect: 100-continue\r\nContent-Length: 20000000\r\n\r\n")
		e := requireStytchError(t, resp, 400, "bad_request")
		require.Contains(t, e.ErrorMessage, "exceeds")
	})
	t.Run("case=the emulator's own answers are untouched", func(t *testing.T) {
		resp := rawExchange(t, base, "GET /v1/nothing HTTP/1.1\r\nHost: x\r\n"+auth+"\r\n")
		requireStytchError(t, resp, 404, "route_not_found")
	})
}

// TestServerClosesSilentConnections: a connection that sends nothing, or stops after part of its
// headers, is closed by the server (the read timeout), so it holds nothing for long.
func TestServerClosesSilentConnections(t *testing.T) {
	base, _ := startWith(t, "--data-dir", t.TempDir(), "--read-timeout", "200ms", "--idle-timeout", "200ms")
	u, err := url.Parse(base)
	require.NoError(t, err)
	for name, sent := range map[string]string{
		"case=nothing":           "",
		"case=half a header":     "GET /emulator/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"case=idle after answer": "GET /emulator/v1/health HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		t.Run(name, func(t *testing.T) {
			c, err := net.Dial("tcp", u.Host)
			require.NoError(t, err)
			defer c.Close()
			_, err = io.WriteString(c, sent)
			require.NoError(t, err)
			require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
			rest, err := io.ReadAll(c) // returns when the server closes the connection
			if !errors.Is(err, syscall.ECONNRESET) {
				require.NoError(t, err, "closed by the server, not by the test's own deadline")
			}
			if strings.HasSuffix(sent, "\r\n\r\n") {
				require.Contains(t, string(rest), "200 OK")
			}
		})
	}
}

// TestServerCapsConnectionsSheddingTheWaiting: at --max-connections, a new connection is let in by
// closing the one that has waited longest for a request (here, connections stuck in their
// headers), so a client that sends its request at once is served well before their header timeout
// (10 s); the newer waiting connection is kept.
func TestServerCapsConnectionsSheddingTheWaiting(t *testing.T) {
	base, _ := startWith(t, "--data-dir", t.TempDir(), "--max-connections", "2", "--read-timeout", "1m")
	u, err := url.Parse(base)
	require.NoError(t, err)
	var slow []net.Conn
	for range 2 {
		c, err := net.Dial("tcp", u.Host)
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, "GET /emulator/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ")
		require.NoError(t, err)
		slow = append(slow, c)
	}
	client := &http.Client{Timeout: 9 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(base + "/emulator/v1/health")
	require.NoError(t, err, "served before the slow connections' header timeout")
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	require.NoError(t, slow[0].SetReadDeadline(time.Now().Add(time.Minute)))
	rest, err := io.ReadAll(slow[0])
	// Closed by the server: an end of file, or a reset when it closed with our bytes unread.
	if !errors.Is(err, syscall.ECONNRESET) {
		require.NoError(t, err, "the oldest waiting connection was closed by the server, not by the test's deadline")
	}
	require.Empty(t, rest)

	_, err = io.WriteString(slow[1], "1\r\n\r\n")
	require.NoError(t, err)
	resp, err = http.ReadResponse(bufio.NewReader(slow[1]), nil)
	require.NoError(t, err, "the newer one was kept")
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}

// TestServerCapsConnectionsServing: when every connection at the cap is serving a request (its
// request read in full, its handler running), a new one waits to be accepted until one is done,
// rather than costing a file descriptor and a goroutine, and the request in flight is not cut.
func TestServerCapsConnectionsServing(t *testing.T) {
	started, finish := make(chan struct{}), make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/hold" {
			body, _ := io.ReadAll(r.Body)
			require.Equal(t, "{}", string(body), "the handler gets the body read ahead of it")
			close(started)
			<-finish
		}
		_, _ = io.WriteString(w, "ok")
	})
	l := defaultLimits()
	l.maxConns = 1
	base := serveTest(t, h, l)

	u, err := url.Parse(base)
	require.NoError(t, err)
	busy, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer busy.Close()
	_, err = io.WriteString(busy, "POST /hold HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
	require.NoError(t, err)
	<-started

	waiting := &http.Client{Timeout: 500 * time.Millisecond, Transport: &http.Transport{DisableKeepAlives: true}}
	_, err = waiting.Get(base + "/")
	var ne net.Error
	require.True(t, errors.As(err, &ne) && ne.Timeout(), "not served while the only connection serves a request: %v", err)

	close(finish)
	resp, err := http.ReadResponse(bufio.NewReader(busy), nil)
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode, "the request in flight was not cut")

	served := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err = served.Get(base + "/")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
}

// serveTest serves h within l on a loopback port for the test's duration and returns its URL.
func serveTest(t *testing.T, h http.Handler, l limits) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := newServer(h, l, nil)
	done := make(chan error, 1)
	go func() { done <- srv.serve(ln) }()
	t.Cleanup(func() {
		srv.shutdown(time.Second)
		require.NoError(t, <-done)
	})
	return "http://" + ln.Addr().String()
}

// TestServerClosesSlowBodies: a body that does not arrive within --body-timeout (plus a second per
// 64 KiB) is answered 400 and its connection closed, well within the read timeout, so a slow body
// cannot hold a connection (and a place under the cap) for long.
func TestServerClosesSlowBodies(t *testing.T) {
	base, _ := startWith(t, "--data-dir", t.TempDir(), "--read-timeout", "10m", "--body-timeout", "200ms")
	u, err := url.Parse(base)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	defer c.Close()
	_, err = io.WriteString(c, "POST /v1/users HTTP/1.1\r\nHost: x\r\n"+auth+"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\":")
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(time.Minute)))
	r := bufio.NewReader(c)
	resp, err := http.ReadResponse(r, nil)
	require.NoError(t, err, "an answer before the test's own deadline (the read timeout is 10 minutes)")
	e := requireStytchError(t, resp, 400, "bad_request")
	require.Contains(t, e.ErrorMessage, "did not arrive in time")
	require.True(t, resp.Close, "the connection is closed after the answer")
	_, err = r.ReadByte()
	if !errors.Is(err, syscall.ECONNRESET) {
		require.ErrorIs(t, err, io.EOF, "closed by the server, not by the test's deadline")
	}
}

// TestServerKeepsKnownClientsUnderAFlood: at a small --max-connections, a flood of connections that
// send nothing, part of their headers, or part of their bodies is shed among itself: a client that
// completed a request keeps its keep-alive connection (its next request goes out on it), and a new
// client is served.
func TestServerKeepsKnownClientsUnderAFlood(t *testing.T) {
	const capConns, flood = 8, 200
	base, _ := startWith(t, "--data-dir", t.TempDir(), "--max-connections", fmt.Sprint(capConns), "--read-timeout", "2s")
	u, err := url.Parse(base)
	require.NoError(t, err)
	honest := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
	reused := func() bool {
		var got bool
		ctx := httptrace.WithClientTrace(t.Context(), &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { got = i.Reused }})
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/emulator/v1/health", nil)
		require.NoError(t, err)
		resp, err := honest.Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		return got
	}
	reused() // the honest client's connection, now idle between requests

	kinds := []string{
		"", // nothing at all
		"GET /emulator/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: ",
		"POST /v1/users HTTP/1.1\r\nHost: x\r\n" + auth + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"email\":",
	}
	var slow []net.Conn
	for i := range flood {
		c, err := net.Dial("tcp", u.Host)
		require.NoError(t, err)
		defer c.Close()
		_, err = io.WriteString(c, kinds[i%len(kinds)])
		require.NoError(t, err)
		slow = append(slow, c)
	}

	require.True(t, reused(), "the honest client's keep-alive connection survived the flood")
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := fresh.Get(base + "/emulator/v1/health")
	require.NoError(t, err, "a new client is served")
	resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)

	// Every slow connection is closed by the server: shed at once, or cut by the read timeout.
	closed := make(chan error, flood)
	for _, c := range slow {
		go func() {
			_ = c.SetReadDeadline(time.Now().Add(time.Minute))
			_, err := io.ReadAll(c)
			closed <- err
		}()
	}
	for range flood {
		if err := <-closed; !errors.Is(err, syscall.ECONNRESET) {
			require.NoError(t, err, "closed by the server, not by the test's deadline")
		}
	}
}

// TestDefaultMaxConnections: the default cap leaves a few file descriptors for everything else and
// stays within what the process can hold in memory.
func TestDefaultMaxConnections(t *testing.T) {
	for _, tt := range []struct {
		nofile uint64
		want   int
	}{
		{0, 512}, // unknown
		{1, 1},
		{100, 50},
		{1024, 960},
		{20000, 4096},
		{1 << 20, 4096},
	} {
		require.Equal(t, tt.want, defaultMaxConns(tt.nofile), "open-file limit %d", tt.nofile)
	}
}

// TestLogRequests: -v prints one line per request with the method, path, project, status,
// error_type and duration; without it nothing is printed per request.
func TestLogRequests(t *testing.T) {
	base, stderr := startWith(t, "--data-dir", t.TempDir(), "-v")
	require.NoError(t, searchAs(t, base, "project-test-00000000-0000-4000-8000-000000000000", "secret-test-emulator"))
	requireUnauthorized(t, searchAs(t, base, "project-test-00000000-0000-4000-8000-000000000000", "wrong"))
	rawExchange(t, base, "GET /v1/no%0Ahere HTTP/1.1\r\nHost: x\r\n"+auth+"\r\n")
	var lines []string
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, " status=") && !strings.Contains(l, "/jwks/") {
			lines = append(lines, l)
		}
	}
	require.Len(t, lines, 3, "%s", stderr.String())
	require.Contains(t, stderr.String(), "GET /v1/sessions/jwks/project-test-00000000-0000-4000-8000-000000000000 project=project-test-00000000-0000-4000-8000-000000000000 status=200", "the SDK's JWKS fetch, by its path's project")
	require.Regexp(t, `POST /v1/users/search project=project-test-00000000-0000-4000-8000-000000000000 status=200 error_type=- [0-9.]+[µnm]?s$`, lines[0])
	require.Regexp(t, `POST /v1/users/search project=project-test-00000000-0000-4000-8000-000000000000 status=401 error_type=unauthorized_credentials [0-9.]+[µnm]?s$`, lines[1])
	require.Regexp(t, `GET /v1/no\\nhere project=project-test-\S+ status=404 error_type=route_not_found `, lines[2], "a path cannot break the line")

	quiet, stderr := startWith(t, "--data-dir", t.TempDir())
	require.NoError(t, searchAs(t, quiet, "project-test-00000000-0000-4000-8000-000000000000", "secret-test-emulator"))
	require.NotContains(t, stderr.String(), "status=")
}
