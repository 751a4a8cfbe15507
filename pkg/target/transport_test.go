package target_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// pathLog is a WithTransport wrapper that logs the paths of the requests passing through.
type pathLog struct {
	mu    sync.Mutex
	paths []string
	nexts []http.RoundTripper // the transports it was given
}

func (l *pathLog) wrap(next http.RoundTripper) http.RoundTripper {
	l.mu.Lock()
	l.nexts = append(l.nexts, next)
	l.mu.Unlock()
	return &logTransport{l: l, next: next}
}

// logTransport is the transport pathLog.wrap returns.
type logTransport struct {
	l    *pathLog
	next http.RoundTripper
}

func (t *logTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	t.l.mu.Lock()
	t.l.paths = append(t.l.paths, r.URL.Path)
	t.l.mu.Unlock()
	return t.next.RoundTrip(r)
}

// sawUserGet reports whether a GET /v1/users/{id} went through the wrapper, and whether any
// control API call did.
func (l *pathLog) saw() (userGet, control bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, p := range l.paths {
		userGet = userGet || strings.HasPrefix(p, "/v1/users/")
		control = control || strings.HasPrefix(p, "/emulator/")
	}
	return userGet, control
}

// callUser makes one stytch-go call through tg's client (the sandbox user exists everywhere).
func callUser(t *testing.T, tg target.Target) {
	t.Helper()
	_, err := tg.Client().Users.Get(context.Background(), &users.GetParams{UserID: emulator.SandboxUserID})
	require.NoError(t, err)
}

func TestWithTransport_InProcess(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var l pathLog
	tg, err := openAs[*target.InProcess](ctx, target.NewInProcessOpener(nil, target.WithTransport(l.wrap)))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	callUser(t, tg)
	userGet, control := l.saw()
	assert.True(t, userGet, "the stytch-go call goes through the wrapper")
	assert.False(t, control, "control API calls do not")
	require.NotEmpty(t, l.nexts)
	assert.NotSame(t, http.DefaultTransport, l.nexts[0], "in process, the emulator's transport is wrapped")
}

func TestWithTransport_Remote(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	var l pathLog
	o, err := target.NewRemoteOpener(ts.URL, target.WithTransport(l.wrap))
	require.NoError(t, err)
	tg, err := openAs[*target.Remote](ctx, o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	callUser(t, tg)
	_, err = tg.Control().Now(ctx)
	require.NoError(t, err)
	userGet, control := l.saw()
	assert.True(t, userGet)
	assert.False(t, control, "control API calls do not go through the wrapper")
	require.NotEmpty(t, l.nexts)
	assert.Same(t, http.DefaultTransport, l.nexts[0], "a client without a transport: http.DefaultTransport is wrapped")
}

func TestWithTransport_SandboxWrapsGivenClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t)
	var inner pathLog
	hc := &http.Client{Transport: inner.wrap(http.DefaultTransport)}
	given := hc.Transport
	var l pathLog
	creds := target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}
	tg, err := newSandbox(ctx, creds, target.WithBaseURL(ts.URL), target.WithHTTPClient(hc), target.WithTransport(l.wrap))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	callUser(t, tg)
	userGet, _ := l.saw()
	assert.True(t, userGet)
	innerGet, _ := inner.saw()
	assert.True(t, innerGet, "the wrapper calls the given client's transport")
	require.NotEmpty(t, l.nexts)
	assert.Same(t, given, l.nexts[0])
	assert.Same(t, given, hc.Transport, "the given client is not modified")
}

func TestWithTransport_UnsetChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t)
	var inner pathLog
	hc := &http.Client{Transport: inner.wrap(http.DefaultTransport)}
	creds := target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}
	tg, err := newSandbox(ctx, creds, target.WithBaseURL(ts.URL), target.WithHTTPClient(hc), target.WithTransport(nil))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	callUser(t, tg)
	userGet, _ := inner.saw()
	assert.True(t, userGet)
}
