// Package drift detects drift between Stytch implementations: it records the normalised shape of
// every Stytch response a suite run gets (status, error_type, the kinds and formats of the body's
// fields, never their values), saves it to a directory, and compares two recordings (say, the
// emulator against the real sandbox) into a Report of every difference.
//
// Wire a Recorder's Wrap into the HTTP transport of the Stytch client (target.WithTransport), tag
// each scenario's context with WithScenario, Save the Recorder at the end of the run, and later
// Compare two Loaded recordings. The emulator's control API and stytch-go's background JWKS fetches
// are not recorded (see Recorder.Wrap), nor calls made under a context marked Unrecorded: a
// scenario's set-up and clean-up, which differ by target. Scenarios skipped on a target are
// recorded as such (Recorder.Skip), and Compare lists them apart, not as differences.
package drift

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"strings"
	"sync"
)

// NoScenario is the scenario of calls made with a context that WithScenario did not tag.
const NoScenario = "(no scenario)"

// maxBody bounds the part of a response body read to find its shape.
const maxBody = 16 << 20

// scenarioKey is the context key of WithScenario.
type scenarioKey struct{}

// WithScenario returns a copy of ctx under which the calls a Recorder sees are recorded as part
// of the scenario name.
func WithScenario(ctx context.Context, name string) context.Context {
	return context.WithValue(ctx, scenarioKey{}, name)
}

// ScenarioFrom returns the scenario name WithScenario put in ctx, and whether there is one.
func ScenarioFrom(ctx context.Context) (string, bool) {
	name, ok := ctx.Value(scenarioKey{}).(string)
	return name, ok
}

// unrecordedKey is the context key of Unrecorded.
type unrecordedKey struct{}

// Unrecorded returns a copy of ctx under which a Recorder records nothing. Mark with it the calls
// that are not the scenario's own but its set-up and clean-up, which differ by target by design
// (on an emulator a fresh user is created and verified where the sandbox uses its fixed sandbox
// user; the users created are deleted afterwards): recorded, they would make every comparison of
// two targets differ. The scenario's own calls (its When and Then steps) stay recorded.
func Unrecorded(ctx context.Context) context.Context {
	return context.WithValue(ctx, unrecordedKey{}, true)
}

// IsUnrecorded reports whether ctx was marked by Unrecorded.
func IsUnrecorded(ctx context.Context) bool {
	v, _ := ctx.Value(unrecordedKey{}).(bool)
	return v
}

// Recorder records the calls going through the transports it wraps, by scenario. It is safe for
// concurrent use by parallel scenarios; the calls of one scenario are kept in the order they were
// sent (make them one after the other for a stable order). Create it with NewRecorder.
type Recorder struct {
	mu        sync.Mutex
	scenarios map[string][]*Call
	skipped   map[string]string
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder {
	return &Recorder{scenarios: map[string][]*Call{}, skipped: map[string]string{}}
}

// Skip records that the scenario was skipped on this run's target, and why (for instance "target
// sandbox lacks clock-control"). Compare lists a scenario skipped on either side apart, as not
// compared, instead of reporting it as a difference. An empty reason is recorded as "skipped".
func (r *Recorder) Skip(scenario, reason string) {
	if reason == "" {
		reason = "skipped"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.skipped[scenario] = reason
}

// Wrap returns a transport that sends each request through next (http.DefaultTransport when nil)
// and records it under the scenario of its context (NoScenario without one): method, masked path,
// status, error_type and the response body's Shape. The caller still gets the whole body.
//
// Not recorded, since only an emulator has them, their timing is not the scenario's, or they are
// not the scenario's own:
//   - the emulator's control API, every path under /emulator/ (the sandbox has none);
//   - GET .../sessions/jwks/{project_id}, the JWKS fetches stytch-go makes in the background when
//     the client is created and on its own schedule afterwards;
//   - requests whose context is marked Unrecorded (a scenario's set-up and clean-up).
func (r *Recorder) Wrap(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return &transport{r: r, next: next}
}

// Recording returns a copy of what has been recorded so far, with no label. A call still in flight
// has Status 0.
func (r *Recorder) Recording() Recording {
	r.mu.Lock()
	defer r.mu.Unlock()
	rec := Recording{Scenarios: make(map[string][]Call, len(r.scenarios)), Skipped: maps.Clone(r.skipped)}
	for name, calls := range r.scenarios {
		out := make([]Call, len(calls))
		for i, c := range calls {
			out[i] = *c
			out[i].Shape = maps.Clone(c.Shape)
		}
		rec.Scenarios[name] = out
	}
	return rec
}

// Save writes what has been recorded so far into dir, as Recording.Save does.
func (r *Recorder) Save(dir string) error { return r.Recording().Save(dir) }

// start reserves the call's place in its scenario.
func (r *Recorder) start(scenario string, c *Call) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.scenarios[scenario] = append(r.scenarios[scenario], c)
}

// finish fills in the outcome of a started call.
func (r *Recorder) finish(c *Call, status int, errorType string, shape Shape) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c.Status, c.ErrorType, c.Shape = status, errorType, shape
}

// transport is the RoundTripper of Wrap.
type transport struct {
	r    *Recorder
	next http.RoundTripper
}

// RoundTrip sends req and records the exchange.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if !recorded(req) || IsUnrecorded(req.Context()) {
		return t.next.RoundTrip(req)
	}
	scenario, ok := ScenarioFrom(req.Context())
	if !ok {
		scenario = NoScenario
	}
	c := &Call{Method: req.Method, Path: MaskPath(req.URL.Path)}
	t.r.start(scenario, c)
	resp, err := t.next.RoundTrip(req)
	if err != nil {
		t.r.finish(c, 0, "", nil)
		return resp, err
	}
	shape, errorType := readShape(resp)
	t.r.finish(c, resp.StatusCode, errorType, shape)
	return resp, nil
}

// recorded reports whether a request is recorded (see Wrap).
func recorded(req *http.Request) bool {
	p := req.URL.Path
	if strings.HasPrefix(p, "/emulator/") {
		return false
	}
	return !(req.Method == http.MethodGet && strings.Contains(p, "/sessions/jwks/"))
}

// readShape reads resp's body, puts back a body that gives the caller the same bytes, and returns
// the body's shape and error_type.
func readShape(resp *http.Response) (Shape, string) {
	if resp.Body == nil || resp.Body == http.NoBody {
		return nil, ""
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil || len(data) > maxBody {
		// Give the caller what was read and then the rest (or the error) from the original body.
		resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(data), resp.Body), Closer: resp.Body}
		return Shape{RootPath: TypeUnread}, ""
	}
	_ = resp.Body.Close() // fully read: nothing left to lose
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return ShapeOf(data), errorTypeOf(data)
}

// replayBody is a response body read partly by the recorder.
type replayBody struct {
	io.Reader
	io.Closer
}

// errorTypeOf returns the top-level error_type string of a JSON body, if any.
func errorTypeOf(body []byte) string {
	var e struct {
		ErrorType any `json:"error_type"`
	}
	if json.Unmarshal(body, &e) != nil {
		return ""
	}
	s, _ := e.ErrorType.(string)
	return s
}
