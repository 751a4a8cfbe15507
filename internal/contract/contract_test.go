package contract_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/internal/contract"
)

// exchange sends one request to a fresh emulator and returns the request and the recorded answer.
func exchange(t *testing.T, method, path, body string) (*http.Request, *httptest.ResponseRecorder) {
	t.Helper()
	e := emulator.New()
	req := httptest.NewRequest(method, "http://emulator.test"+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret)))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return req, rec
}

// mutate decodes a JSON object, applies f and encodes it again.
func mutate(t *testing.T, body []byte, f func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m))
	f(m)
	out, err := json.Marshal(m)
	require.NoError(t, err)
	return out
}

// TestCheckerRefusesDrift proves the contract can fail: a conforming answer passes, and the same
// answer with a renamed field, an undeclared field, a null outside the allowed list or a value of
// the wrong type does not.
func TestCheckerRefusesDrift(t *testing.T) {
	c, err := contract.New()
	require.NoError(t, err)
	reqBody := `{"email":"drift@example.com","name":{"first_name":"Ada"}}`
	req, rec := exchange(t, "POST", "/v1/users", reqBody)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	good := rec.Body.Bytes()
	require.NoError(t, c.Check(req, []byte(reqBody), rec.Code, rec.Header(), good), "the emulator's answer conforms")

	for name, tc := range map[string]struct {
		f    func(m map[string]any)
		want string
	}{
		"renamed top-level field": {func(m map[string]any) { m["userid"] = m["user_id"]; delete(m, "user_id") }, "userid"},
		"renamed nested field": {func(m map[string]any) {
			u := m["user"].(map[string]any)
			u["userid"] = u["user_id"]
			delete(u, "user_id")
		}, "userid"},
		"undeclared field":         {func(m map[string]any) { m["fidelity"] = true }, "fidelity"},
		"undeclared nested field":  {func(m map[string]any) { m["user"].(map[string]any)["nickname"] = "x" }, "nickname"},
		"null outside the list":    {func(m map[string]any) { m["user"].(map[string]any)["status"] = nil }, "status"},
		"wrong type":               {func(m map[string]any) { m["status_code"] = "201" }, "status_code"},
		"missing required field":   {func(m map[string]any) { delete(m["user"].(map[string]any), "emails") }, "emails"},
		"undeclared name property": {func(m map[string]any) { m["user"].(map[string]any)["name"].(map[string]any)["nick"] = "" }, "nick"},
	} {
		t.Run(name, func(t *testing.T) {
			err := c.Check(req, []byte(reqBody), rec.Code, rec.Header(), mutate(t, good, tc.f))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
		})
	}

	// The allowed nulls are allowed: external_id and the lock times are null on this user.
	require.Contains(t, string(good), `"external_id":null`)
}

// TestCheckerErrorShape: every 4xx/5xx must be Stytch's error shape.
func TestCheckerErrorShape(t *testing.T) {
	c, err := contract.New()
	require.NoError(t, err)
	req, rec := exchange(t, "GET", "/v1/users/user-test-00000000-0000-4000-8000-000000000000", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	good := rec.Body.Bytes()
	require.NoError(t, c.Check(req, nil, rec.Code, rec.Header(), good))
	for name, f := range map[string]func(m map[string]any){
		"extra key":        func(m map[string]any) { m["error"] = "x" },
		"no error_url":     func(m map[string]any) { delete(m, "error_url") },
		"status mismatch":  func(m map[string]any) { m["status_code"] = 400 },
		"empty message":    func(m map[string]any) { m["error_message"] = "" },
		"bad request id":   func(m map[string]any) { m["request_id"] = "abc" },
		"error_type camel": func(m map[string]any) { m["error_type"] = "userNotFound" },
	} {
		t.Run(name, func(t *testing.T) {
			require.Error(t, c.Check(req, nil, rec.Code, rec.Header(), mutate(t, good, f)))
		})
	}
	require.Error(t, c.Check(req, nil, rec.Code, rec.Header(), []byte("not found")), "a non-JSON error body")
}

// TestCheckerRefusesLenientSuccess: a request the description refuses must not succeed, and a
// success on a path the description lacks is refused.
func TestCheckerRefusesLenientSuccess(t *testing.T) {
	c, err := contract.New()
	require.NoError(t, err)
	ok := []byte(`{"request_id":"request-id-test-00000000-0000-4000-8000-000000000000","status_code":200}`)
	h := http.Header{"Content-Type": {"application/json"}}
	// sessions.get requires the user_id query parameter.
	req := httptest.NewRequest("GET", "http://emulator.test/v1/sessions", nil)
	err = c.Check(req, nil, http.StatusOK, h, ok)
	require.ErrorContains(t, err, "refuses")
	// A route the description does not have.
	req = httptest.NewRequest("POST", "http://emulator.test/v1/made_up", bytes.NewReader(nil))
	require.ErrorContains(t, c.Check(req, nil, http.StatusOK, h, ok), "no such operation")
}

// BenchmarkCheck measures the check of one exchange (a users.create request and its 201 answer):
// the cost the contract adds to every request of the suite.
func BenchmarkCheck(b *testing.B) {
	c, err := contract.New()
	if err != nil {
		b.Fatal(err)
	}
	reqBody := `{"email":"bench@example.com"}`
	e := emulator.New()
	req := httptest.NewRequest("POST", "http://emulator.test/v1/users", strings.NewReader(reqBody))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret)))
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	for b.Loop() {
		if err := c.Check(req, []byte(reqBody), rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
