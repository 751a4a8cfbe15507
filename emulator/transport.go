package emulator

import (
	"net/http"
	"net/http/httptest"

	"github.com/jarcoal/httpmock"
)

// Responder returns an httpmock.Responder that answers every request from the emulator, in memory.
// Register it on an httpmock.MockTransport to mix the emulator with other mocks.
func (e *Emulator) Responder() httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, r)
		resp := rec.Result()
		resp.Request = r
		return resp, nil
	}
}

// Transport returns an http.RoundTripper that serves every request from the emulator with no
// socket, whatever the host: an httpmock.MockTransport whose fallback is Responder.
func (e *Emulator) Transport() http.RoundTripper {
	t := httpmock.NewMockTransport()
	t.RegisterNoResponder(e.Responder())
	return t
}

// HTTPClient returns an *http.Client on Transport, for
// stytchapi.NewClient(id, secret, stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(InProcessURL)).
func (e *Emulator) HTTPClient() *http.Client { return &http.Client{Transport: e.Transport()} }

// InProcessURL is a base URL to give an SDK whose HTTP client is HTTPClient(): the host is never
// resolved, since no request leaves the process.
const InProcessURL = "http://stytch.emulator.invalid"

// TB is the part of testing.TB that NewTestServer needs.
type TB interface {
	Helper()
	Cleanup(func())
}

// TestServer is an Emulator served by httptest on a loopback port. Make it with NewTestServer; the
// zero value is not usable.
type TestServer struct {
	// Emulator is the emulator being served.
	*Emulator
	// URL is the base URL, e.g. http://127.0.0.1:53211 (no trailing slash).
	URL string
	// Server is the underlying httptest server.
	Server *httptest.Server
}

// NewTestServer starts New(opts...) on a loopback httptest server and closes it in t.Cleanup.
func NewTestServer(t TB, opts ...Option) *TestServer {
	t.Helper()
	e := New(opts...)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	return &TestServer{Emulator: e, URL: srv.URL, Server: srv}
}
