package emulator_test

// The emulator-only control API, over real HTTP with net/http.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func TestControlHealth(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	status, body := h.Raw(t, "GET", "/emulator/v1/health", nil, "-")
	require.Equal(t, 200, status, "%s", body)
	m := rawObject(t, body)
	require.Equal(t, "ok", m["status"])
	// With (even wrong) credentials it is still public.
	status, _ = h.Raw(t, "GET", "/emulator/v1/health", nil, basic("nope", "nope"))
	require.Equal(t, 200, status)
	status, body = h.Raw(t, "POST", "/emulator/v1/health", nil, "-")
	require.Equal(t, 405, status)
	requireErrorBody(t, 405, body, "method_not_allowed")
}

func TestControlRequiresAuth(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	for _, r := range []struct{ method, path string }{
		{"GET", "/emulator/v1/messages"}, {"GET", "/emulator/v1/clock"}, {"POST", "/emulator/v1/clock"},
		{"POST", "/emulator/v1/reset"}, {"POST", "/emulator/v1/faults"}, {"DELETE", "/emulator/v1/faults"},
		{"GET", "/emulator/v1/requests"},
	} {
		for _, auth := range []string{"-", basic(h.PID, "wrong-secret"), basic("project-test-99999999-9999-4999-8999-999999999999", h.Secret)} {
			status, body := h.Raw(t, r.method, r.path, []byte(`{}`), auth)
			require.Equal(t, 401, status, "%s %s", r.method, r.path)
			requireErrorBody(t, 401, body, "unauthorized_credentials")
		}
	}
}

func TestControlMessages(t *testing.T) {
	t.Parallel()
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	other := h.For(otherProjectID, otherSecret)
	p1, p2 := h.Phone(), h.Phone()
	for _, p := range []string{p1, p2, p1} {
		_, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: p})
		require.NoError(t, err)
	}
	_, err := other.C.OTPs.Sms.LoginOrCreate(other.Ctx, &sms.LoginOrCreateParams{PhoneNumber: h.Phone()})
	require.NoError(t, err)

	type msgs struct {
		Messages []map[string]any `json:"messages"`
	}
	get := func(hh *H, query string) msgs {
		t.Helper()
		status, body := hh.Raw(t, "GET", "/emulator/v1/messages"+query, nil, "")
		require.Equal(t, 200, status, "%s", body)
		var m msgs
		require.NoError(t, json.Unmarshal(body, &m))
		return m
	}
	all := get(h, "")
	require.Len(t, all.Messages, 3, "only this project's messages")
	only1 := get(h, "?to=%2B"+p1[1:])
	require.Len(t, only1.Messages, 2)
	for _, m := range only1.Messages {
		requireKeys(t, m, "", "channel", "type", "to", "code", "method_id", "user_id", "sent_at", "expires_at")
		require.Equal(t, p1, m["to"])
		require.Equal(t, "sms", m["channel"])
		require.Regexp(t, codePattern, m["code"])
		_, err := time.Parse(time.RFC3339, m["sent_at"].(string))
		require.NoError(t, err)
	}
	// Oldest first: the last one is the current code.
	require.Equal(t, h.LastCode(t, p1), only1.Messages[1]["code"])
	require.Empty(t, get(h, "?to=%2B19999999999").Messages)
	// An unencoded '+' (decoded as a space) still finds the number.
	require.Len(t, get(h, "?to=+"+p1[1:]).Messages, 2)
	require.Len(t, get(other, "").Messages, 1)
	// The Go twin agrees.
	require.Len(t, h.E.Project(h.PID).Messages(""), 3)
	require.Nil(t, h.E.Project("project-test-nope"), "a project that does not exist has no handle")
}

func TestControlClock(t *testing.T) {
	t.Parallel()
	base := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h := newH(t, "http", fixedClock(base))
	type clock struct {
		Now time.Time `json:"now"`
	}
	call := func(method string, body string) (int, clock, []byte) {
		t.Helper()
		var b []byte
		if body != "" {
			b = []byte(body)
		}
		status, out := h.Raw(t, method, "/emulator/v1/clock", b, "")
		var c clock
		if status == 200 {
			require.NoError(t, json.Unmarshal(out, &c))
		}
		return status, c, out
	}
	status, c, _ := call("GET", "")
	require.Equal(t, 200, status)
	require.Equal(t, base, c.Now)

	status, c, _ = call("POST", `{"advance":"6m"}`)
	require.Equal(t, 200, status)
	require.Equal(t, base.Add(6*time.Minute), c.Now)
	require.Equal(t, base.Add(6*time.Minute), h.Now())

	set := base.Add(-24 * time.Hour)
	status, c, _ = call("POST", `{"set":"`+set.Format(time.RFC3339)+`"}`)
	require.Equal(t, 200, status)
	require.Equal(t, set, c.Now, "set may move backwards")

	for _, bad := range []string{`{"advance":"-1m"}`, `{"advance":"soon"}`, `{"set":"yesterday"}`, `{"advance":"1m","set":"2030-01-01T00:00:00Z"}`, `{}`, `{"advance":5}`, `not json`} {
		status, _, body := call("POST", bad)
		require.Equal(t, 400, status, bad)
		requireErrorBody(t, 400, body, "bad_request")
	}
	_, c, _ = call("GET", "")
	require.Equal(t, set, c.Now, "refused changes leave the clock alone")

	// The Go twin refuses to go backwards too.
	_, err := h.Clock().Advance(-time.Second)
	require.Error(t, err)

	// The clock drives expiry: a 5-minute session dies when the clock is advanced over HTTP.
	addr := h.Email("clk")
	h.newPasswordUser(t, addr)
	r, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 5})
	require.NoError(t, err)
	require.Equal(t, set.Add(5*time.Minute), *r.Session.ExpiresAt)
	status, _, _ = call("POST", `{"advance":"5m"}`)
	require.Equal(t, 200, status)
	_, err = h.authSession(r.SessionToken)
	requireAPIError(t, h, err, 404, "session_not_found")
}

func TestControlReset(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	addr := h.Email("rst")
	h.verifiedPasswordUser(t, addr)
	pw := h.passwordSession(t, addr)
	h.Advance(t, time.Hour)
	require.NotEmpty(t, h.Messages(""))
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Status: 503, ErrorType: "server_unavailable", Times: -1}))

	status, body := h.Raw(t, "POST", "/emulator/v1/reset", nil, "")
	require.Equal(t, 200, status, "%s", body)

	list, err := h.C.Users.Search(h.Ctx, &users.SearchParams{})
	require.NoError(t, err)
	require.Zero(t, list.ResultsMetadata.Total, "users emptied")
	require.Empty(t, h.Messages(""), "outbox emptied")
	_, err = h.authSession(pw.SessionToken)
	requireAPIError(t, h, err, 404, "session_not_found")
	require.WithinDuration(t, time.Now(), h.Now(), 5*time.Second, "clock back on real time")
	_, err = h.C.RBAC.Policy(h.Ctx, nil)
	require.NoError(t, err, "faults cleared")
	// The sandbox is back.
	_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: emulator.SandboxUserID})
	require.NoError(t, err)
	_, err = h.authSession(emulator.SandboxSessionToken)
	require.NoError(t, err)
	// The address is free again.
	h.newPasswordUser(t, addr)
	// The request log restarts with the reset itself.
	log := h.E.Project(h.PID).Requests()
	require.Equal(t, "/emulator/v1/reset", log[0].Path)
	require.Len(t, log, 7)
	// Go twin.
	h.E.Project(h.PID).Reset()
	require.Empty(t, h.E.Project(h.PID).Requests())
}

func TestControlResetIsPerProject(t *testing.T) {
	t.Parallel()
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	other := h.For(otherProjectID, otherSecret)
	u := other.createUser(t, other.Email("keep"))
	status, _ := h.Raw(t, "POST", "/emulator/v1/reset", nil, "")
	require.Equal(t, 200, status)
	_, err := other.C.Users.Get(other.Ctx, &users.GetParams{UserID: u.UserID})
	require.NoError(t, err)
	require.Equal(t, []string{emulator.DefaultProjectID, otherProjectID}, h.E.Projects())
}

// TestControlClockSetKeepsTicking: after a set, the clock runs on from the time set at the pace
// of its base clock; an advance adds to that.
func TestControlClockSetKeepsTicking(t *testing.T) {
	t.Parallel()
	var base atomic.Int64 // seconds the base clock has moved
	start := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	h := newH(t, "http", emulator.WithClock(func() time.Time { return start.Add(time.Duration(base.Load()) * time.Second) }))
	set := time.Date(2031, 6, 1, 12, 0, 0, 0, time.UTC)
	status, body := h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"set": set.Format(time.RFC3339)})
	require.Equal(t, 200, status, "%v", body)
	base.Add(90)
	require.Equal(t, set.Add(90*time.Second), h.Now(), "time keeps ticking after a set")
	status, body = h.RawJSON(t, "GET", "/emulator/v1/clock", nil)
	require.Equal(t, 200, status)
	require.Equal(t, set.Add(90*time.Second).Format(time.RFC3339Nano), body["now"])
	status, _ = h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"advance": "1h"})
	require.Equal(t, 200, status)
	base.Add(10)
	require.Equal(t, set.Add(time.Hour+100*time.Second), h.Now())
}

// TestControlFaultsCatalogue: faults are checked against the routes and the error catalogue, and
// GET /emulator/v1/faults lists the armed ones with what is left of them.
func TestControlFaultsCatalogue(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	list := func() []any {
		t.Helper()
		status, body := h.RawJSON(t, "GET", "/emulator/v1/faults", nil)
		require.Equal(t, 200, status, "%v", body)
		return body["faults"].([]any)
	}
	require.Empty(t, list())

	for name, bad := range map[string]map[string]any{
		"unknown path":          {"method": "POST", "path": "/v1/nowhere", "status": 500, "error_type": "internal_server_error"},
		"path of another verb":  {"method": "GET", "path": "/v1/otps/sms/send", "status": 500, "error_type": "internal_server_error"},
		"unauthenticated route": {"method": "GET", "path": "/v1/sessions/jwks/" + h.PID, "status": 500, "error_type": "internal_server_error"},
		"unknown error_type":    {"method": "GET", "path": "/v1/rbac/policy", "status": 418, "error_type": "teapot"},
		"status contradicts":    {"method": "GET", "path": "/v1/rbac/policy", "status": 503, "error_type": "internal_server_error"},
		"4xx for a 404 type":    {"method": "GET", "path": "/v1/rbac/policy", "status": 400, "error_type": "user_not_found"},
	} {
		status, body := h.RawJSON(t, "POST", "/emulator/v1/faults", bad)
		require.Equal(t, 400, status, name)
		require.Equal(t, "bad_request", body["error_type"], name)
		require.NotEmpty(t, body["error_message"], name)
	}
	require.Empty(t, list(), "refused faults arm nothing")
	require.Error(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Status: 418, ErrorType: "teapot"}))

	// Without a status, the catalogue's applies.
	status, body := h.RawJSON(t, "POST", "/emulator/v1/faults", map[string]any{"method": "post", "path": "/v1/users/search", "error_type": "too_many_requests", "times": 2})
	require.Equal(t, 200, status, "%v", body)
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Delay: 5 * time.Millisecond, Times: -1}))
	require.Equal(t, []any{
		map[string]any{"method": "POST", "path": "/v1/users/search", "status": float64(429), "error_type": "too_many_requests", "times": float64(2)},
		map[string]any{"method": "GET", "path": "/v1/rbac/policy", "status": float64(0), "error_type": "", "times": float64(-1), "delay": "5ms"},
	}, list())
	_, err := h.C.Users.Search(h.Ctx, &users.SearchParams{})
	requireAPIError(t, h, err, 429, "too_many_requests")
	require.Equal(t, []emulator.Fault{
		{Method: "POST", Path: "/v1/users/search", Status: 429, ErrorType: "too_many_requests", Times: 1},
		{Method: "GET", Path: "/v1/rbac/policy", Times: -1, Delay: 5 * time.Millisecond},
	}, h.E.Project(h.PID).Faults(), "the Go twin agrees, one use later")
	status, _ = h.Raw(t, "DELETE", "/emulator/v1/faults", nil, "")
	require.Equal(t, 200, status)
	require.Empty(t, list())
	require.Empty(t, h.E.Project(h.PID).Faults())
}

func TestControlFaults(t *testing.T) {
	t.Parallel()
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	other := h.For(otherProjectID, otherSecret)
	phone := h.Phone()
	status, body := h.RawJSON(t, "POST", "/emulator/v1/faults", map[string]any{
		"method": "POST", "path": "/v1/otps/sms/login_or_create", "status": 429, "error_type": "too_many_requests", "times": 2,
	})
	require.Equal(t, 200, status, "%v", body)

	// Other paths and other projects are not affected.
	_, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err)
	_, err = other.C.OTPs.Sms.LoginOrCreate(other.Ctx, &sms.LoginOrCreateParams{PhoneNumber: phone})
	require.NoError(t, err)

	for i := 0; i < 2; i++ {
		_, err = h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: phone})
		requireAPIError(t, h, err, 429, "too_many_requests")
	}
	require.Empty(t, h.Messages(phone), "a faulted request changes nothing")
	list, err := h.C.Users.Search(h.Ctx, &users.SearchParams{})
	require.NoError(t, err)
	require.Zero(t, list.ResultsMetadata.Total)
	_, err = h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: phone})
	require.NoError(t, err, "times: 2 is used up")

	// Until cleared (times < 0), then DELETE.
	status, _ = h.RawJSON(t, "POST", "/emulator/v1/faults", map[string]any{
		"method": "GET", "path": "/v1/rbac/policy", "status": 503, "error_type": "server_unavailable", "times": -1,
	})
	require.Equal(t, 200, status)
	for i := 0; i < 3; i++ {
		_, err = h.C.RBAC.Policy(h.Ctx, nil)
		requireAPIError(t, h, err, 503, "server_unavailable")
	}
	status, _ = h.Raw(t, "DELETE", "/emulator/v1/faults", nil, "")
	require.Equal(t, 200, status)
	_, err = h.C.RBAC.Policy(h.Ctx, nil)
	require.NoError(t, err)

	// Default times is 1.
	status, _ = h.RawJSON(t, "POST", "/emulator/v1/faults", map[string]any{
		"method": "post", "path": "/v1/users/search", "status": 500, "error_type": "internal_server_error",
	})
	require.Equal(t, 200, status)
	_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{})
	requireAPIError(t, h, err, 500, "internal_server_error")
	_, err = h.C.Users.Search(h.Ctx, &users.SearchParams{})
	require.NoError(t, err)

	// A delay-only fault.
	status, _ = h.RawJSON(t, "POST", "/emulator/v1/faults", map[string]any{"method": "GET", "path": "/v1/rbac/policy", "delay": "60ms"})
	require.Equal(t, 200, status)
	start := time.Now()
	_, err = h.C.RBAC.Policy(h.Ctx, nil)
	require.NoError(t, err)
	require.GreaterOrEqual(t, time.Since(start), 60*time.Millisecond)

	// Invalid faults.
	for _, bad := range []map[string]any{
		{"path": "/v1/users", "status": 500, "error_type": "x"},
		{"method": "GET", "status": 500, "error_type": "x"},
		{"method": "GET", "path": "/emulator/v1/clock", "status": 500, "error_type": "x"},
		{"method": "GET", "path": "/v1/users/x", "status": 200, "error_type": "x"},
		{"method": "GET", "path": "/v1/users/x", "status": 500},
		{"method": "GET", "path": "/v1/users/x"},
		{"method": "GET", "path": "/v1/users/x", "delay": "2h"},
		{"method": "GET", "path": "/v1/users/x", "delay": "later"},
	} {
		status, m := h.RawJSON(t, "POST", "/emulator/v1/faults", bad)
		require.Equal(t, 400, status, "%v", bad)
		require.Equal(t, "bad_request", m["error_type"])
	}
	// Go twins.
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Status: 503, ErrorType: "server_unavailable"}))
	h.E.Project(h.PID).ClearFaults()
	_, err = h.C.RBAC.Policy(h.Ctx, nil)
	require.NoError(t, err)
}

func TestControlRequestsLog(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	u := h.createUser(t, h.Email("log"))
	_, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "user-test-00000000-0000-4000-8000-000000000099"})
	require.Error(t, err)
	errReqID := string(requireAPIError(t, h, err, 404, "user_not_found").RequestID)

	status, body := h.Raw(t, "GET", "/emulator/v1/requests", nil, "")
	require.Equal(t, 200, status, "%s", body)
	var out struct {
		Requests []map[string]any `json:"requests"`
	}
	require.NoError(t, json.Unmarshal(body, &out))
	require.GreaterOrEqual(t, len(out.Requests), 2)
	var create, get map[string]any
	for _, r := range out.Requests {
		requireKeys(t, r, "", "method", "path", "status", "request_id", "time")
		require.Regexp(t, requestIDPattern, r["request_id"])
		switch {
		case r["method"] == "POST" && r["path"] == "/v1/users":
			create = r
		case r["method"] == "GET" && r["request_id"] == errReqID:
			get = r
		}
	}
	require.NotNil(t, create)
	require.EqualValues(t, 201, create["status"])
	require.Regexp(t, requestIDPattern, create["request_id"])
	require.NotNil(t, get, "the error's request_id is in the log")
	require.EqualValues(t, 404, get["status"])
	require.Equal(t, "user_not_found", get["error_type"])
	require.Equal(t, "/v1/users/user-test-00000000-0000-4000-8000-000000000099", get["path"])
	require.Equal(t, u.RequestID, create["request_id"])
	// Go twin.
	require.NotEmpty(t, h.E.Project(h.PID).Requests())
	// A request refused for a wrong secret is in the log of the project it named.
	n := len(h.E.Project(h.PID).Requests())
	status, _ = h.Raw(t, "GET", "/v1/rbac/policy", nil, basic(h.PID, "wrong"))
	require.Equal(t, http.StatusUnauthorized, status)
	reqs := h.E.Project(h.PID).Requests()
	require.Len(t, reqs, n+1, "a request with a wrong secret is logged for the project it names")
	require.Equal(t, "unauthorized_credentials", reqs[n].ErrorType)
}

// An advance that would overflow the clock is refused, and the clock never moves backwards.
// Regression: {"advance":"2562047h"} once wrapped the offset and a further {"advance":"1h"} put
// the clock ~584 years in the past.
func TestControlClockAdvanceNeverOverflows(t *testing.T) {
	h := newH(t, "inprocess")
	before := h.Now()
	status, _ := h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"advance": "2562047h"})
	require.Equal(t, 400, status, "an advance beyond 100 years is refused")
	require.WithinDuration(t, before, h.Now(), time.Minute, "a refused advance changes nothing")
	status, first := h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"advance": "876000h"})
	require.Equal(t, 200, status, "100 years is the limit")
	t1 := parseTS(t, first["now"].(string))
	status, _ = h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"advance": "1h"})
	require.Equal(t, 400, status)
	require.False(t, h.Now().Before(t1), "the clock never moves backwards")
}

// A set far from real time sets exactly that time or is refused. Regression: {"set":"9999-01-01T00:00:00Z"}
// was clamped and answered 200 with another time.
func TestControlClockSetFarDateIsExactOrRefused(t *testing.T) {
	h := newH(t, "inprocess")
	for _, when := range []string{"9999-01-01T00:00:00Z", "0001-01-01T00:00:00Z"} {
		status, m := h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"set": when})
		if status == 200 {
			require.Equal(t, when, m["now"], "set answered 200 with another time")
		} else {
			require.Equal(t, 400, status)
		}
	}
}

// A request whose client gives up during an injected delay is not processed.
func TestControlFaultCancelledDelayIsNotProcessed(t *testing.T) {
	e := emulator.New(emulator.WithFaults(emulator.DefaultProjectID, emulator.Fault{Method: "POST", Path: "/v1/users", Delay: time.Second}))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "POST", "/v1/users", strings.NewReader(`{"email":"late@example.com"}`))
	r.Header.Set("Authorization", basic(emulator.DefaultProjectID, emulator.DefaultSecret))
	e.ServeHTTP(httptest.NewRecorder(), r)
	reqs := e.Project(emulator.DefaultProjectID).Requests()
	require.Len(t, reqs, 1)
	require.Equal(t, 499, reqs[0].Status)
	var found struct {
		ResultsMetadata struct{ Total int } `json:"results_metadata"`
	}
	status, body := serve(e, "POST", "/v1/users/search", []byte(`{}`), authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Equal(t, 200, status)
	require.NoError(t, json.Unmarshal(body, &found))
	require.Zero(t, found.ResultsMetadata.Total, "the user was not created")
}
