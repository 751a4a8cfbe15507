package drift_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/pkg/drift"
)

// fakeTransport answers each request with the status and body its function gives, and logs the
// paths it saw.
type fakeTransport struct {
	mu     sync.Mutex
	paths  []string
	answer func(r *http.Request) (int, string, error)
}

func (f *fakeTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	f.mu.Lock()
	f.paths = append(f.paths, r.URL.Path)
	f.mu.Unlock()
	status, body, err := f.answer(r)
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: status,
		Header:     http.Header{"Content-Type": {"application/json"}},
		Body:       io.NopCloser(strings.NewReader(body)),
		Request:    r,
	}, nil
}

// send sends a request through rt and returns the body the caller reads.
func send(t *testing.T, ctx context.Context, rt http.RoundTripper, method, url string) (string, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b), nil
}

func TestRecorder_Records(t *testing.T) {
	t.Parallel()
	userBody := `{"status_code":200,"request_id":"request-id-test-` + testUUID + `","user_id":"user-test-` + testUUID + `","emails":[]}`
	errBody := `{"status_code":404,"error_type":"user_not_found","error_message":"no"}`
	fake := &fakeTransport{answer: func(r *http.Request) (int, string, error) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			return 404, errBody, nil
		case strings.HasPrefix(r.URL.Path, "/broken"):
			return 0, "", errors.New("connection refused")
		case r.Method == http.MethodDelete:
			return 204, "", nil
		}
		return 200, userBody, nil
	}}
	rec := drift.NewRecorder()
	rt := rec.Wrap(fake)
	ctx := drift.WithScenario(context.Background(), "users")
	const base = "http://stytch.emulator.invalid"

	body, err := send(t, ctx, rt, "GET", base+"/v1/users/user-test-"+testUUID+"?x=1")
	require.NoError(t, err)
	assert.Equal(t, userBody, body, "the caller reads the whole body")
	body, err = send(t, ctx, rt, "GET", base+"/v1/users/missing")
	require.NoError(t, err)
	assert.Equal(t, errBody, body)
	_, err = send(t, ctx, rt, "DELETE", base+"/v1/users/user-test-"+testUUID)
	require.NoError(t, err)
	_, err = send(t, ctx, rt, "POST", base+"/broken")
	require.ErrorContains(t, err, "connection refused", "transport errors reach the caller")

	// Not recorded, but sent.
	_, err = send(t, ctx, rt, "GET", base+"/emulator/v1/clock")
	require.NoError(t, err)
	_, err = send(t, ctx, rt, "GET", base+"/v1/sessions/jwks/project-test-"+testUUID)
	require.NoError(t, err)
	// No scenario.
	_, err = send(t, context.Background(), rt, "POST", base+"/v1/sessions/authenticate")
	require.NoError(t, err)

	assert.Len(t, fake.paths, 7, "every request is sent")
	got := rec.Recording()
	assert.Empty(t, got.Label)
	assert.Equal(t, map[string][]drift.Call{
		"users": {
			{Method: "GET", Path: "/v1/users/{user_id}", Status: 200, Shape: drift.Shape{
				"$": "object", "status_code": "number", "request_id": "request_id", "user_id": "user_id", "emails": "empty_array",
			}},
			{Method: "GET", Path: "/v1/users/missing", Status: 404, ErrorType: "user_not_found", Shape: drift.Shape{
				"$": "object", "status_code": "number", "error_type": "string", "error_message": "string",
			}},
			{Method: "DELETE", Path: "/v1/users/{user_id}", Status: 204},
			{Method: "POST", Path: "/broken", Status: 0},
		},
		drift.NoScenario: {
			{Method: "POST", Path: "/v1/sessions/authenticate", Status: 200, Shape: drift.ShapeOf([]byte(userBody))},
		},
	}, got.Scenarios)

	// The copy is the caller's.
	got.Scenarios["users"][0].Shape["$"] = "changed"
	assert.Equal(t, "object", rec.Recording().Scenarios["users"][0].Shape["$"])
}

func TestScenarioFrom(t *testing.T) {
	t.Parallel()
	_, ok := drift.ScenarioFrom(context.Background())
	assert.False(t, ok)
	name, ok := drift.ScenarioFrom(drift.WithScenario(context.Background(), "x"))
	assert.True(t, ok)
	assert.Equal(t, "x", name)
}

// TestRecorder_NilNextIsDefaultTransport: Wrap(nil) sends through http.DefaultTransport, for real,
// and records the exchange.
func TestRecorder_NilNextIsDefaultTransport(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		_, _ = io.WriteString(w, `{"status_code":404,"error_type":"user_not_found","error_message":"no such user"}`)
	}))
	t.Cleanup(srv.Close)

	rec := drift.NewRecorder()
	rt := rec.Wrap(nil)
	require.NotNil(t, rt)
	body, err := send(t, drift.WithScenario(context.Background(), "default transport"), rt, "GET", srv.URL+"/v1/users/missing")
	require.NoError(t, err)
	assert.Contains(t, body, "user_not_found", "the caller still reads the body")
	assert.EqualValues(t, 1, hits.Load(), "the request reached the server")
	assert.Equal(t, map[string][]drift.Call{
		"default transport": {{Method: "GET", Path: "/v1/users/missing", Status: 404, ErrorType: "user_not_found", Shape: drift.Shape{
			"$": "object", "status_code": "number", "error_type": "string", "error_message": "string",
		}}},
	}, rec.Recording().Scenarios)
}

func TestRecorder_ConcurrentScenarios(t *testing.T) {
	t.Parallel()
	fake := &fakeTransport{answer: func(*http.Request) (int, string, error) { return 200, `{"ok":true}`, nil }}
	rec := drift.NewRecorder()
	rt := rec.Wrap(fake)
	const scenarios, calls = 16, 25
	var wg sync.WaitGroup
	for s := range scenarios {
		wg.Go(func() {
			ctx := drift.WithScenario(context.Background(), fmt.Sprintf("scenario %d", s))
			for c := range calls {
				_, err := send(t, ctx, rt, "POST", fmt.Sprintf("http://h/v1/step/%d", c))
				assert.NoError(t, err)
			}
		})
	}
	wg.Add(1)
	go func() { // Saving while recording is safe.
		defer wg.Done()
		assert.NoError(t, rec.Save(t.TempDir()))
	}()
	wg.Wait()
	got := rec.Recording().Scenarios
	require.Len(t, got, scenarios)
	for s := range scenarios {
		cs := got[fmt.Sprintf("scenario %d", s)]
		require.Len(t, cs, calls)
		for c, call := range cs {
			assert.Equal(t, fmt.Sprintf("/v1/step/%d", c), call.Path, "calls keep their order")
		}
	}
}

func TestSaveLoad(t *testing.T) {
	t.Parallel()
	rec := drift.Recording{Scenarios: map[string][]drift.Call{
		"Step-up: the <original> token & more!": {
			{Method: "POST", Path: "/v1/passwords", Status: 200, Shape: drift.Shape{"$": "object", "user_id": "user_id", "b": "bool", "a": "number"}},
			{Method: "POST", Path: "/v1/sessions/authenticate", Status: 404, ErrorType: "session_not_found", Shape: drift.Shape{"$": "object"}},
		},
		drift.NoScenario: {{Method: "DELETE", Path: "/v1/users/{user_id}", Status: 204}},
		"no calls":       {},
	}}
	dir1, dir2 := t.TempDir(), filepath.Join(t.TempDir(), "nested", "dir")
	require.NoError(t, rec.Save(dir1))
	require.NoError(t, rec.Save(dir2), "Save creates the directory")

	entries, err := os.ReadDir(dir1)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		a, err := os.ReadFile(filepath.Join(dir1, e.Name()))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(dir2, e.Name()))
		require.NoError(t, err)
		assert.Equal(t, string(a), string(b), "deterministic")
	}
	assert.ElementsMatch(t, []string{
		drift.FileName("Step-up: the <original> token & more!"),
		drift.FileName(drift.NoScenario),
		drift.FileName("no calls"),
	}, names)
	assert.Regexp(t, `^step-up-the-original-token-more-[0-9a-f]{8}\.json$`, drift.FileName("Step-up: the <original> token & more!"))
	assert.Regexp(t, `^no-scenario-[0-9a-f]{8}\.json$`, drift.FileName(drift.NoScenario))
	assert.Regexp(t, `^scenario-[0-9a-f]{8}\.json$`, drift.FileName("!!!"))
	assert.NotEqual(t, drift.FileName("a b"), drift.FileName("a-b"), "the hash tells apart names of the same slug")
	assert.LessOrEqual(t, len(drift.FileName(strings.Repeat("long name ", 40))), 60+1+8+5)

	data, err := os.ReadFile(filepath.Join(dir1, drift.FileName("Step-up: the <original> token & more!")))
	require.NoError(t, err)
	assert.Equal(t, `{
  "version": 1,
  "scenario": "Step-up: the <original> token & more!",
  "calls": [
    {
      "method": "POST",
      "path": "/v1/passwords",
      "status": 200,
      "shape": {
        "$": "object",
        "a": "number",
        "b": "bool",
        "user_id": "user_id"
      }
    },
    {
      "method": "POST",
      "path": "/v1/sessions/authenticate",
      "status": 404,
      "error_type": "session_not_found",
      "shape": {
        "$": "object"
      }
    }
  ]
}
`, string(data), "indented, sorted keys, no HTML escaping")

	got, err := drift.Load(dir1)
	require.NoError(t, err)
	assert.Equal(t, dir1, got.Label)
	assert.Equal(t, rec.Scenarios, got.Scenarios)
	assert.True(t, drift.Compare(rec, got).Empty())
}

func TestLoad_Errors(t *testing.T) {
	t.Parallel()
	_, err := drift.Load(filepath.Join(t.TempDir(), "missing"))
	require.ErrorIs(t, err, os.ErrNotExist)

	empty := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(empty, "notes.txt"), []byte("not json"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(empty, "sub.json"), 0o755))
	got, err := drift.Load(empty)
	require.NoError(t, err, "other files and directories are skipped")
	assert.Empty(t, got.Scenarios)

	for name, content := range map[string]string{
		"garbage":       `{`,
		"unknown field": `{"version":1,"scenario":"x","calls":[],"extra":1}`,
		"version":       `{"version":2,"scenario":"x","calls":[]}`,
	} {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "x.json"), []byte(content), 0o644))
		_, err := drift.Load(dir)
		require.Error(t, err, name)
		assert.Contains(t, err.Error(), "x.json", name)
	}

	dup := t.TempDir()
	for _, f := range []string{"a.json", "b.json"} {
		require.NoError(t, os.WriteFile(filepath.Join(dup, f), []byte(`{"version":1,"scenario":"same","calls":[]}`), 0o644))
	}
	_, err = drift.Load(dup)
	require.ErrorContains(t, err, `scenario "same" is in both`)
}

// TestRecorder_Unrecorded: calls made under an Unrecorded context (a scenario's set-up and
// clean-up) are sent but not recorded; the scenario's other calls are, in order.
func TestRecorder_Unrecorded(t *testing.T) {
	t.Parallel()
	fake := &fakeTransport{answer: func(*http.Request) (int, string, error) { return 200, `{"status_code":200}`, nil }}
	rec := drift.NewRecorder()
	rt := rec.Wrap(fake)
	ctx := drift.WithScenario(context.Background(), "s")
	const base = "http://stytch.emulator.invalid"
	assert.False(t, drift.IsUnrecorded(ctx))
	setup := drift.Unrecorded(ctx)
	assert.True(t, drift.IsUnrecorded(setup))
	name, ok := drift.ScenarioFrom(setup)
	assert.True(t, ok && name == "s", "Unrecorded keeps the scenario")

	for _, c := range []struct {
		ctx  context.Context
		path string
	}{{setup, "/v1/passwords"}, {ctx, "/v1/passwords/authenticate"}, {setup, "/v1/users/x"}, {ctx, "/v1/sessions/authenticate"}} {
		_, err := send(t, c.ctx, rt, "POST", base+c.path)
		require.NoError(t, err)
	}
	assert.Len(t, fake.paths, 4, "every request is sent")
	var got []string
	for _, c := range rec.Recording().Scenarios["s"] {
		got = append(got, c.Path)
	}
	assert.Equal(t, []string{"/v1/passwords/authenticate", "/v1/sessions/authenticate"}, got)
}

// TestSaveLoad_Skipped: skipped scenarios are saved with their reason and loaded back into
// Skipped; a scenario that only ran has no "skipped" key, so older files read the same.
func TestSaveLoad_Skipped(t *testing.T) {
	t.Parallel()
	rec := drift.NewRecorder()
	rec.Skip("an expired code", "target sandbox lacks clock-control")
	rec.Skip("no reason", "")
	fake := &fakeTransport{answer: func(*http.Request) (int, string, error) { return 200, `{}`, nil }}
	_, err := send(t, drift.WithScenario(context.Background(), "ran"), rec.Wrap(fake), "POST", "http://x.invalid/v1/passwords")
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, rec.Save(dir))
	raw, err := os.ReadFile(filepath.Join(dir, drift.FileName("an expired code")))
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"skipped": "target sandbox lacks clock-control"`)
	raw, err = os.ReadFile(filepath.Join(dir, drift.FileName("ran")))
	require.NoError(t, err)
	assert.NotContains(t, string(raw), `"skipped"`)

	got, err := drift.Load(dir)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"an expired code": "target sandbox lacks clock-control", "no reason": "skipped"}, got.Skipped)
	assert.Equal(t, []string{"ran"}, keys(got.Scenarios), "skipped scenarios without calls are not in Scenarios")
}

// keys returns a map's keys, sorted.
func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
