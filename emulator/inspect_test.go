package emulator_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// inspectorReads are the control API's read endpoints that the inspector page polls.
var inspectorReads = []string{
	"/emulator/v1/summary", "/emulator/v1/users", "/emulator/v1/users?query=example", "/emulator/v1/sessions",
	"/emulator/v1/faults", "/emulator/v1/messages", "/emulator/v1/requests", "/emulator/v1/clock",
}

// mfaUser runs the MFA guide's flow for a fresh user of h's project (password, then an SMS code
// sent and authenticated with the session) and installs a fault, so the project has a user, a
// session with two factors, messages and a fault. It returns what identifies them.
func mfaUser(t *testing.T, h *H) (addr, phone, userID, sessionID, code string) {
	t.Helper()
	addr, phone = h.Email("insp"), h.Phone()
	userID = h.verifiedPasswordUser(t, addr).UserID
	pw := h.passwordSession(t, addr)
	stepped := h.smsStepUp(t, pw.SessionToken, phone)
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "POST", Path: "/v1/otps/sms/send", Status: 429, ErrorType: "too_many_requests", Times: -1}))
	return addr, phone, userID, stepped.Session.SessionID, h.LastCode(t, phone)
}

func TestInspectorSeesOneProjectOnly(t *testing.T) {
	t.Parallel()
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	other := h.For(otherProjectID, otherSecret)
	addr, phone, userID, sessionID, code := mfaUser(t, h)
	oAddr, oPhone, oUserID, oSessionID, oCode := mfaUser(t, other)

	for _, path := range inspectorReads {
		status, body := h.Raw(t, "GET", path, nil, "")
		require.Equal(t, http.StatusOK, status, "%s: %s", path, body)
		status, oBody := h.Raw(t, "GET", path, nil, basic(otherProjectID, otherSecret))
		require.Equal(t, http.StatusOK, status, "%s: %s", path, oBody)
		for _, secret := range []string{oAddr, oPhone, oUserID, oSessionID, oCode, otherProjectID} {
			require.NotContains(t, string(body), secret, "%s shows the other project's %s", path, secret)
		}
		for _, secret := range []string{addr, phone, userID, sessionID, code, h.PID} {
			require.NotContains(t, string(oBody), secret, "%s shows the first project's %s", path, secret)
		}
		// Wrong or missing credentials see nothing.
		for _, auth := range []string{"-", basic(h.PID, otherSecret), basic(otherProjectID, h.Secret), basic("project-test-99999999-9999-4999-8999-999999999999", h.Secret)} {
			status, body := h.Raw(t, "GET", path, nil, auth)
			require.Equal(t, http.StatusUnauthorized, status, "%s", path)
			requireErrorBody(t, 401, body, "unauthorized_credentials")
		}
	}
	// The first project's users and sessions are there (so the absence above means something).
	_, users := h.RawJSON(t, "GET", "/emulator/v1/users?query="+addr, nil)
	require.Len(t, users["users"], 1)
	_, sess := h.RawJSON(t, "GET", "/emulator/v1/sessions?user_id="+userID, nil)
	require.Len(t, sess["sessions"], 1)

	// Revoking another project's session with one's own credentials finds nothing and changes nothing.
	status, body := h.Raw(t, "DELETE", "/emulator/v1/sessions/"+oSessionID, nil, "")
	require.Equal(t, http.StatusNotFound, status)
	requireErrorBody(t, 404, body, "session_not_found")
	_, oSess := other.RawJSON(t, "GET", "/emulator/v1/sessions?user_id="+oUserID, nil)
	require.Len(t, oSess["sessions"], 1, "the other project's session is untouched")
	// The same for the write endpoints added for the inspector.
	for _, r := range []struct{ method, path string }{{"DELETE", "/emulator/v1/sessions/" + sessionID}, {"DELETE", "/emulator/v1/clock"}} {
		status, body := h.Raw(t, r.method, r.path, nil, basic(otherProjectID, h.Secret))
		require.Equal(t, http.StatusUnauthorized, status, "%s %s", r.method, r.path)
		requireErrorBody(t, 401, body, "unauthorized_credentials")
	}
}

func TestInspectorUsers(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	addr, phone, userID, _, _ := mfaUser(t, h)
	second := h.createUser(t, h.Email("second"))

	type resp struct {
		Users []struct {
			UserID string `json:"user_id"`
			Emails []struct {
				Email    string `json:"email"`
				Verified bool   `json:"verified"`
			} `json:"emails"`
			PhoneNumbers []struct {
				PhoneNumber string `json:"phone_number"`
				Verified    bool   `json:"verified"`
			} `json:"phone_numbers"`
			Password *struct {
				PasswordID string `json:"password_id"`
			} `json:"password"`
			IsLocked       bool `json:"is_locked"`
			Sandbox        bool `json:"sandbox"`
			FailedAttempts int  `json:"failed_attempts"`
			Sessions       int  `json:"sessions"`
		} `json:"users"`
		Total int `json:"total"`
	}
	get := func(query string) resp {
		t.Helper()
		status, body := h.Raw(t, "GET", "/emulator/v1/users?query="+query, nil, "")
		require.Equal(t, http.StatusOK, status, "%s", body)
		var r resp
		require.NoError(t, json.Unmarshal(body, &r))
		return r
	}
	ids := func(r resp) []string {
		var out []string
		for _, u := range r.Users {
			out = append(out, u.UserID)
		}
		return out
	}
	// Everyone, newest first, the sandbox fixture last (created in 2021) and marked.
	all := get("")
	require.Equal(t, []string{second.UserID, userID, emulator.SandboxUserID}, ids(all))
	require.Equal(t, 3, all.Total)
	require.True(t, all.Users[2].Sandbox)
	// By email (any case), phone (with the "+" encoded), id and part of an id.
	for _, q := range []string{strings.ToUpper(addr), "%2B" + phone[1:], userID, userID[len(userID)-12:]} {
		require.Equal(t, []string{userID}, ids(get(q)), "query %q", q)
	}
	u := get(addr).Users[0]
	require.Equal(t, addr, u.Emails[0].Email)
	require.True(t, u.Emails[0].Verified)
	require.Equal(t, phone, u.PhoneNumbers[0].PhoneNumber)
	require.True(t, u.PhoneNumbers[0].Verified)
	require.NotNil(t, u.Password)
	require.Equal(t, 1, u.Sessions)
	require.False(t, u.IsLocked)
	require.Empty(t, get("nobody-has-this").Users)

	// A failed password attempt shows as a failed attempt.
	_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: "wrong-password-123!"})
	require.Error(t, err)
	require.Equal(t, 1, get(addr).Users[0].FailedAttempts)

	// Bounds.
	status, body := h.Raw(t, "GET", "/emulator/v1/users?limit=1", nil, "")
	require.Equal(t, http.StatusOK, status)
	var one resp
	require.NoError(t, json.Unmarshal(body, &one))
	require.Len(t, one.Users, 1)
	require.Equal(t, 3, one.Total)
	for _, bad := range []string{"?limit=0", "?limit=501", "?limit=x", "?query=" + strings.Repeat("a", 201)} {
		status, body := h.Raw(t, "GET", "/emulator/v1/users"+bad, nil, "")
		require.Equal(t, http.StatusBadRequest, status, bad)
		requireErrorBody(t, 400, body, "bad_request")
	}
}

func TestInspectorSessionsAndRevoke(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newH(t, "http", fixedClock(base))
	_, phone, userID, sessionID, _ := mfaUser(t, h)
	h.Advance(t, 2*time.Minute)

	type factor struct {
		Type                string `json:"type"`
		DeliveryMethod      string `json:"delivery_method"`
		CreatedAt           string `json:"created_at"`
		LastAuthenticatedAt string `json:"last_authenticated_at"`
		PhoneNumberFactor   *struct {
			PhoneNumber string `json:"phone_number"`
		} `json:"phone_number_factor"`
	}
	var r struct {
		Now      time.Time `json:"now"`
		Total    int       `json:"total"`
		Sessions []struct {
			SessionID             string   `json:"session_id"`
			UserID                string   `json:"user_id"`
			UserLabel             string   `json:"user_label"`
			ExpiresAt             string   `json:"expires_at"`
			Tokens                int      `json:"tokens"`
			Sandbox               bool     `json:"sandbox"`
			AuthenticationFactors []factor `json:"authentication_factors"`
		} `json:"sessions"`
	}
	status, body := h.Raw(t, "GET", "/emulator/v1/sessions", nil, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	require.NoError(t, json.Unmarshal(body, &r))
	require.True(t, base.Add(2*time.Minute).Equal(r.Now), "now is the project's clock")
	require.Equal(t, 2, r.Total, "the MFA session and the sandbox fixture")
	s := r.Sessions[0]
	require.Equal(t, sessionID, s.SessionID, "the most recently active first")
	require.Equal(t, userID, s.UserID)
	require.Equal(t, 2, s.Tokens, "the step-up rotated the token")
	require.False(t, s.Sandbox)
	require.True(t, r.Sessions[1].Sandbox)
	require.Len(t, s.AuthenticationFactors, 2)
	require.Equal(t, "password", s.AuthenticationFactors[0].Type)
	require.Equal(t, "otp", s.AuthenticationFactors[1].Type)
	require.Equal(t, phone, s.AuthenticationFactors[1].PhoneNumberFactor.PhoneNumber)
	require.Equal(t, "2026-03-01T12:00:00Z", s.AuthenticationFactors[1].LastAuthenticatedAt)
	require.Equal(t, "2026-03-01T13:00:00Z", s.ExpiresAt)

	// One user's sessions.
	_, m := h.RawJSON(t, "GET", "/emulator/v1/sessions?user_id="+emulator.SandboxUserID, nil)
	require.Len(t, m["sessions"], 1)

	// The summary counts them (the sandbox fixture's session aside).
	_, sum := h.RawJSON(t, "GET", "/emulator/v1/summary", nil)
	require.Equal(t, float64(1), sum["sessions"])
	require.Equal(t, float64(2), sum["users"])
	require.Equal(t, "2m0s", sum["offset"])

	// Revoke: the session's tokens stop working; the sandbox session cannot be revoked; an
	// unknown id is a 404. Faults on /v1/ paths do not apply to the control API.
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "POST", Path: "/v1/sessions/revoke", Status: 429, ErrorType: "too_many_requests", Times: -1}))
	status, body = h.Raw(t, "DELETE", "/emulator/v1/sessions/"+sessionID, nil, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	_, m = h.RawJSON(t, "GET", "/emulator/v1/sessions?user_id="+userID, nil)
	require.Empty(t, m["sessions"])
	status, body = h.Raw(t, "DELETE", "/emulator/v1/sessions/"+sessionID, nil, "")
	require.Equal(t, http.StatusNotFound, status)
	requireErrorBody(t, 404, body, "session_not_found")
	status, body = h.Raw(t, "DELETE", "/emulator/v1/sessions/session-test-fe6c042b-6286-479f-8a4f-b046a6c46509", nil, "")
	require.Equal(t, http.StatusBadRequest, status)
	requireErrorBody(t, 400, body, "bad_request")
	_, err := h.authSession(emulator.SandboxSessionToken)
	require.NoError(t, err, "the sandbox session lives")
}

func TestInspectorFaultsClockAndLog(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	h := newH(t, "http", fixedClock(base))
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "post", Path: "/v1/otps/sms/send", Status: 429, ErrorType: "too_many_requests", Times: -3}))
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "GET", Path: "/v1/users/x", Delay: 2 * time.Second, Times: 2}))
	status, body := h.Raw(t, "GET", "/emulator/v1/faults", nil, "")
	require.Equal(t, http.StatusOK, status)
	var faults struct {
		Faults json.RawMessage `json:"faults"`
	}
	require.NoError(t, json.Unmarshal(body, &faults))
	require.JSONEq(t, `[
		{"method":"POST","path":"/v1/otps/sms/send","status":429,"error_type":"too_many_requests","times":-3},
		{"method":"GET","path":"/v1/users/x","status":0,"error_type":"","times":2,"delay":"2s"}]`,
		string(faults.Faults))

	// Back to real time.
	h.Advance(t, time.Hour)
	_, m := h.RawJSON(t, "DELETE", "/emulator/v1/clock", nil)
	require.Equal(t, "2026-03-01T12:00:00Z", m["now"])
	require.True(t, base.Equal(h.Now()))
	_, m = h.RawJSON(t, "GET", "/emulator/v1/summary", nil)
	require.Equal(t, "0s", m["offset"])

	// Reads of the control API are not logged; control actions and API calls are.
	before := h.E.Project(h.PID).Requests()
	for _, path := range inspectorReads {
		status, _ := h.Raw(t, "GET", path, nil, "")
		require.Equal(t, http.StatusOK, status)
	}
	require.Equal(t, before, h.E.Project(h.PID).Requests())
	h.RawJSON(t, "POST", "/emulator/v1/clock", map[string]any{"advance": "1m"})
	h.createUser(t, h.Email("logged"))
	after := h.E.Project(h.PID).Requests()
	require.Len(t, after, len(before)+2)
	require.Equal(t, "/emulator/v1/clock", after[len(after)-2].Path)
	require.Equal(t, "/v1/users", after[len(after)-1].Path)
	_, m = h.RawJSON(t, "GET", "/emulator/v1/summary", nil)
	require.Equal(t, after[len(after)-1].RequestID, m["last_request_id"])
}

func TestInspectorResetLinkInOutbox(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	addr := h.Email("reset")
	h.verifiedPasswordUser(t, addr)
	for _, tc := range []struct{ redirect, prefix string }{
		{"", "http://localhost:3000/authenticate?stytch_token_type=reset_password&token="},
		{"https://app.example.com/reset?from=mail", "https://app.example.com/reset?from=mail&stytch_token_type=reset_password&token="},
	} {
		_, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, ResetPasswordRedirectURL: tc.redirect})
		require.NoError(t, err)
		msgs := h.Messages(addr)
		m := msgs[len(msgs)-1]
		require.Equal(t, "password_reset", m.Type)
		require.True(t, strings.HasPrefix(m.URL, tc.prefix), m.URL)
		require.NotEmpty(t, m.Token)
	}
}

func TestInspectorPageIsServed(t *testing.T) {
	t.Parallel()
	h := newH(t, "http")
	for _, tc := range []struct{ path, contentType, contains string }{
		{"/emulator/ui/", "text/html", `<script src="app.js" defer></script>`},
		{"/emulator/ui/app.js", "text/javascript", "use strict"},
		{"/emulator/ui/style.css", "text/css", ".timeline"},
	} {
		req, err := http.NewRequest("GET", h.Base+tc.path, nil)
		require.NoError(t, err)
		resp, err := h.HTTP.Do(req)
		require.NoError(t, err)
		b := new(strings.Builder)
		_, err = io.Copy(b, resp.Body)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, tc.path)
		require.Contains(t, resp.Header.Get("Content-Type"), tc.contentType, tc.path)
		require.Contains(t, b.String(), tc.contains, tc.path)
		require.Contains(t, resp.Header.Get("Content-Security-Policy"), "default-src 'none'", tc.path)
		require.Equal(t, "DENY", resp.Header.Get("X-Frame-Options"))
		require.NotContains(t, b.String(), "https://", "%s loads nothing from elsewhere", tc.path)
	}
	// Without the slash: a redirect (the client follows it).
	noRedirect := &http.Client{Transport: h.HTTP.Transport, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noRedirect.Get(h.Base + "/emulator/ui")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusMovedPermanently, resp.StatusCode)
	require.Equal(t, "/emulator/ui/", resp.Header.Get("Location"))
	// Unknown files and other methods are Stytch-shaped errors.
	status, body := h.Raw(t, "GET", "/emulator/ui/nope.js", nil, "-")
	require.Equal(t, http.StatusNotFound, status)
	requireErrorBody(t, 404, body, "route_not_found")
	status, body = h.Raw(t, "POST", "/emulator/ui/", nil, "-")
	require.Equal(t, http.StatusMethodNotAllowed, status)
	requireErrorBody(t, 405, body, "method_not_allowed")
}
