package emulator

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
)

// Decoding a large body costs far more memory than the body (64 concurrent 1 MiB bodies once took
// the standalone emulator to 3.9 GB), so large bodies are decoded a few at a time: with the only
// slot taken, a large body waits (and gives up, changing nothing, when its request ends) while a
// small one goes through.
func TestAttackLargeBodiesWaitForADecodingSlot(t *testing.T) {
	t.Parallel()
	e := New(WithLimits(Limits{LargeBodyDecodes: 1}))
	status, typ := servePost(t.Context(), t, e, "/v1/users", map[string]any{"email": "first@example.com"})
	require.Equal(t, http.StatusCreated, status, typ)
	large := map[string]any{"email": "large@example.com", "padding": strings.Repeat("x", largeBody)}

	release, err := e.cfg.decodeGate.Enter(t.Context()) // the only slot is taken
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	status, typ = servePost(ctx, t, e, "/v1/users", large)
	require.Equal(t, 499, status, typ)
	require.Equal(t, "client_closed_request", typ)
	status, typ = servePost(t.Context(), t, e, "/v1/users", map[string]any{"email": "small@example.com"})
	require.Equal(t, http.StatusCreated, status, "a small body does not wait: %s", typ)
	release()

	status, typ = servePost(t.Context(), t, e, "/v1/users", large)
	require.Equal(t, http.StatusCreated, status, "the refused request created nothing: %s", typ)

	// Without a queue, a large body that finds the slot taken is refused at once.
	e = New(WithLimits(Limits{LargeBodyDecodes: 1, LargeBodyQueue: -1}))
	release, err = e.cfg.decodeGate.Enter(t.Context())
	require.NoError(t, err)
	defer release()
	status, typ = servePost(t.Context(), t, e, "/v1/users", large)
	require.Equal(t, http.StatusTooManyRequests, status, typ)
	require.Equal(t, "too_many_requests", typ)
}

// A search query is evaluated for every user under the project lock: 16,000 operands against
// 10,000 users once held it for 17 s, so a query takes at most maxSearchOperands operands; a list
// of values is a set (20,000 user ids against 10,000 users took 4.6 s).
func TestAttackSearchQueriesAreBounded(t *testing.T) {
	t.Parallel()
	e := New()
	status, typ := servePost(t.Context(), t, e, "/v1/users", map[string]any{"email": "Found@Example.com"})
	require.Equal(t, http.StatusCreated, status, typ)
	operands := func(n int) []any {
		ops := make([]any, n)
		for i := range ops {
			ops[i] = map[string]any{"filter_name": "email_address_fuzzy", "filter_value": "found"}
		}
		return ops
	}
	status, typ = servePost(t.Context(), t, e, "/v1/users/search", map[string]any{"query": map[string]any{"operator": "AND", "operands": operands(maxSearchOperands)}})
	require.Equal(t, http.StatusOK, status, typ)
	status, typ = servePost(t.Context(), t, e, "/v1/users/search", map[string]any{"query": map[string]any{"operator": "AND", "operands": operands(maxSearchOperands + 1)}})
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "bad_request", typ)
}

// serveAs sends one API request to the default project and decodes its JSON answer.
func serveAs(t *testing.T, e *Emulator, path string, body any) (int, map[string]any) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, strings.NewReader(string(raw)))
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(DefaultProjectID+":"+DefaultSecret)))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var out map[string]any
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out), w.Body.String())
	return w.Code, out
}

// Email addresses are compared one way everywhere: the index that finds a contact's owner and
// the comparison of a user's contacts agree. A user with "s@example.com" who adds
// "\u017f@example.com" (long s: a different address to the index, the same one under Unicode case
// folding) and asks for a code there gets it there, not at the first address.
func TestAttackEmailsCompareOneWay(t *testing.T) {
	t.Parallel()
	e := New()
	status, out := serveAs(t, e, "/v1/otps/email/login_or_create", map[string]any{"email": "s@example.com"})
	require.Equal(t, http.StatusOK, status, out)
	msgs := e.Project(DefaultProjectID).Messages("s@example.com")
	require.Len(t, msgs, 1)
	status, out = serveAs(t, e, "/v1/otps/authenticate", map[string]any{"method_id": out["email_id"], "code": msgs[0].Code})
	require.Equal(t, http.StatusOK, status, out)

	status, out = serveAs(t, e, "/v1/otps/email/send", map[string]any{"email": "\u017f@example.com", "user_id": out["user_id"]})
	require.Equal(t, http.StatusOK, status, out)
	all := e.Project(DefaultProjectID).Messages("")
	require.Equal(t, "\u017f@example.com", all[len(all)-1].To, "the code goes to the address it was asked for")
	require.Equal(t, out["email_id"], all[len(all)-1].MethodID)
}

// unreadBody is a request body that notes whether it was read.
type unreadBody struct{ read bool }

func (b *unreadBody) Read([]byte) (int, error) { b.read = true; return 0, io.EOF }

// A request that announces a body over the limit is refused before any of it is read: the
// standalone server used to wait for it until its read timeout (30 s), and to answer
// Expect: 100-continue by asking the client to send it.
func TestAttackOversizedBodyIsRefusedUnread(t *testing.T) {
	t.Parallel()
	e := New()
	body := &unreadBody{}
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/v1/users", body)
	r.ContentLength = MaxBodyBytes + 1
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(DefaultProjectID+":"+DefaultSecret)))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	require.Equal(t, http.StatusBadRequest, w.Code)
	require.Contains(t, w.Body.String(), `"error_type":"bad_request"`)
	require.Contains(t, w.Body.String(), "exceeds")
	require.False(t, body.read, "the body was read")
	require.Equal(t, "close", w.Header().Get("Connection"))
}

// fakeWall is a base clock a test moves by hand.
type fakeWall struct{ ns atomic.Int64 }

func (w *fakeWall) now() time.Time          { return time.Unix(0, w.ns.Load()) }
func (w *fakeWall) advance(d time.Duration) { w.ns.Add(int64(d)) }
func newFakeWall() *fakeWall {
	w := &fakeWall{}
	w.ns.Store(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano())
	return w
}

// postAs sends one API request to project id (auto-provisioned with secret "s") and returns the
// status and error_type.
func postAs(t *testing.T, e *Emulator, id, path string, body any) (int, string) {
	t.Helper()
	raw, err := json.Marshal(body)
	require.NoError(t, err)
	r := httptest.NewRequestWithContext(t.Context(), http.MethodPost, path, strings.NewReader(string(raw)))
	r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(id+":s")))
	w := httptest.NewRecorder()
	e.ServeHTTP(w, r)
	var out struct {
		ErrorType string `json:"error_type"`
	}
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &out))
	return w.Code, out.ErrorType
}

// A shared emulator that has reached its ceilings makes room by evicting the auto-provisioned
// project idle the longest (an hour by default), instead of answering 429 until it is restarted;
// a project in use is never evicted, nor a configured one.
func TestAttackCeilingsEvictIdleProjects(t *testing.T) {
	t.Parallel()
	a, b := "project-test-"+uuid.NewString(), "project-test-"+uuid.NewString()
	user := func(n int) map[string]any { return map[string]any{"email": fmt.Sprintf("u%d@example.com", n)} }

	t.Run("case=projects", func(t *testing.T) {
		t.Parallel()
		wall := newFakeWall()
		e := New(WithAutoProvision(), WithClock(wall.now), WithLimits(Limits{MaxProjects: 2}))
		status, typ := postAs(t, e, a, "/v1/users", user(1))
		require.Equal(t, http.StatusCreated, status, typ)
		wall.advance(time.Hour - time.Second)
		status, typ = postAs(t, e, b, "/v1/users", user(1))
		require.Equal(t, http.StatusTooManyRequests, status, "a project used within the hour stays: %s", typ)
		wall.advance(time.Second)
		status, typ = postAs(t, e, b, "/v1/users", user(1))
		require.Equal(t, http.StatusCreated, status, typ)
		require.Nil(t, e.Project(a), "the idle project was evicted")
		require.NotNil(t, e.Project(DefaultProjectID), "the configured project stays")
		status, _ = postAs(t, e, a, "/v1/users", user(1))
		require.Equal(t, http.StatusTooManyRequests, status, "the project in use stays")
	})
	t.Run("case=never evict", func(t *testing.T) {
		t.Parallel()
		wall := newFakeWall()
		e := New(WithAutoProvision(), WithClock(wall.now), WithLimits(Limits{MaxProjects: 2, EvictIdleAfter: -1}))
		status, typ := postAs(t, e, a, "/v1/users", user(1))
		require.Equal(t, http.StatusCreated, status, typ)
		wall.advance(1000 * time.Hour)
		status, _ = postAs(t, e, b, "/v1/users", user(1))
		require.Equal(t, http.StatusTooManyRequests, status)
	})
	t.Run("case=users across projects", func(t *testing.T) {
		t.Parallel()
		sandbox := int(New().cfg.usage.users.Load()) // the sandbox users every project starts with
		wall := newFakeWall()
		e := New(WithAutoProvision(), WithClock(wall.now), WithLimits(Limits{MaxUsers: 3*sandbox + 2}))
		for n := range 2 {
			status, typ := postAs(t, e, a, "/v1/users", user(n))
			require.Equal(t, http.StatusCreated, status, typ)
		}
		status, typ := postAs(t, e, b, "/v1/users", user(1))
		require.Equal(t, http.StatusTooManyRequests, status, typ)
		wall.advance(time.Hour)
		status, typ = postAs(t, e, b, "/v1/users", user(1))
		require.Equal(t, http.StatusCreated, status, "project A's users made room: %s", typ)
		require.Nil(t, e.Project(a))
	})
}

// With a data directory, auto-provisioned projects loaded at start are evictable like the others
// (counting their idle time from the start), and an evicted project's snapshot is deleted, so that
// a restart does not bring back the projects that filled the emulator.
func TestAttackEvictionWithADataDirectory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, b := "project-test-"+uuid.NewString(), "project-test-"+uuid.NewString()
	wall := newFakeWall()
	start := func() *Emulator {
		return New(WithAutoProvision(), WithDataDir(dir), WithClock(wall.now), WithLimits(Limits{MaxProjects: 2}))
	}
	e := start()
	status, typ := postAs(t, e, a, "/v1/users", map[string]any{"email": "kept@example.com"})
	require.Equal(t, http.StatusCreated, status, typ)
	require.NoError(t, e.Close())

	e = start()
	require.NotNil(t, e.Project(a), "loaded")
	status, _ = postAs(t, e, b, "/v1/users", map[string]any{"email": "new@example.com"})
	require.Equal(t, http.StatusTooManyRequests, status, "a loaded project is not idle before its time")
	wall.advance(time.Hour)
	status, typ = postAs(t, e, b, "/v1/users", map[string]any{"email": "new@example.com"})
	require.Equal(t, http.StatusCreated, status, "the loaded project idle for an hour made room: %s", typ)
	require.NoError(t, e.Close())

	e = start()
	defer func() { require.NoError(t, e.Close()) }()
	require.Nil(t, e.Project(a), "the evicted project's snapshot is gone")
	require.NotNil(t, e.Project(b))
}
