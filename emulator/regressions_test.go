package emulator_test

// Regression tests for emulator bugs found while writing the SDK test suite (each comment keeps
// the original minimal repro).

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// BUG 1 (clock.go Advance): the offset overflows and the clock jumps ~584 years BACKWARDS.
// Repro: POST /emulator/v1/clock {"advance":"2562047h"} → now ≈ 2318; then {"advance":"1h"} →
// 200 with now ≈ 1734. design.md §3.2: "Time never moves backwards unless set says so".
func TestRegressionClockAdvanceOverflowMovesBackwards(t *testing.T) {
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

// BUG 2 (clock.go Set): a set outside ±292 years of the base clock is silently clamped (time.Sub
// saturates) and answered 200 with another time. Repro: POST /emulator/v1/clock
// {"set":"9999-01-01T00:00:00Z"} → 200 {"now":"2318-…"}. It should set it, or refuse with a 400.
func TestRegressionClockSetFarDateSilentlyClamped(t *testing.T) {
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

// BUG 3 (totps.go createTOTP): the QR code is rendered BEFORE the user lookup, from the raw
// user_id; a user_id of ~3000 characters overflows the QR capacity and the API answers 500
// internal_server_error (bad input must get a 4xx: here 404 user_not_found).
// Repro: POST /v1/totps {"user_id":"uuuu…(3000 chars)"} → 500.
func TestRegressionTOTPCreateLongUserIDIs500(t *testing.T) {
	e := emulator.New(emulator.WithLogger(t.Logf))
	status, body := serve(e, "POST", "/v1/totps", []byte(`{"user_id":"`+strings.Repeat("u", 3000)+`"}`),
		authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Less(t, status, 500, "%.200s", body)
	requireErrorBody(t, status, body, "user_not_found")
}

// BUG 4 (users.go deleteMethod + totps.go createTOTP): the sandbox user's TOTP can be deleted, after
// which POST /v1/totps for the sandbox user PANICS (index out of range on u.totps[0]). In-process
// (Transport/HTTPClient) the panic unwinds into the caller; over HTTP the connection is dropped.
// Repro: DELETE /v1/users/totps/totp-test-9f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a, then
// POST /v1/totps {"user_id":"user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd"}.
func TestRegressionSandboxTOTPDeleteThenCreatePanics(t *testing.T) {
	e := emulator.New()
	hdr := authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
	status, body := serve(e, "GET", "/v1/users/"+emulator.SandboxUserID, nil, hdr)
	require.Equal(t, 200, status)
	totpID := rawObject(t, body)["totps"].([]any)[0].(map[string]any)["totp_id"].(string)
	serve(e, "DELETE", "/v1/users/totps/"+totpID, nil, hdr)
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		status, body = serve(e, "POST", "/v1/totps", []byte(`{"user_id":"`+emulator.SandboxUserID+`"}`), hdr)
	}()
	require.Nil(t, panicked, "POST /v1/totps panicked")
	require.Less(t, status, 500, "%s", body)
}

// BUG 5 (users.go deleteMethod): the sandbox fixtures can be deleted method by method (only the
// sandbox user itself is protected), after which the sandbox values stop working in that project.
// Repro: POST /v1/otps/sms/send {"phone_number":"+10000000000"} → phone_id; DELETE
// /v1/users/phone_numbers/<phone_id> → 200; POST /v1/otps/sms/send {"phone_number":"+10000000000"}
// → 404 phone_number_not_found. Sandbox values must answer the same in every project (§8).
func TestRegressionSandboxPhoneCanBeDeleted(t *testing.T) {
	h := newH(t, "inprocess")
	s, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err)
	_, _ = h.C.Users.DeletePhoneNumber(h.Ctx, &users.DeletePhoneNumberParams{PhoneID: s.PhoneID})
	again, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err, "the sandbox phone must keep working")
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: again.PhoneID, Code: emulator.SandboxCode})
	require.NoError(t, err)
}

// BUG 6 (sessions.go authenticateSession): the sandbox session's expiry is changed by
// session_duration_minutes, so the fixed sandbox token (always 200, §8) can be made to expire.
// Repro: POST /v1/sessions/authenticate {"session_token":"WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY",
// "session_duration_minutes":5}; advance the clock 6 minutes; the same request → 404 session_not_found.
func TestRegressionSandboxSessionTokenCanExpire(t *testing.T) {
	h := newH(t, "inprocess")
	_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: emulator.SandboxSessionToken, SessionDurationMinutes: 5})
	require.NoError(t, err)
	h.Advance(t, 6*time.Minute)
	_, err = h.authSession(emulator.SandboxSessionToken)
	require.NoError(t, err, "the sandbox session token must always authenticate")
}

// BUG 7 (users.go compileFilter): search filter names listed in stytch-api.md §4.1
// (created_at_between, oauth_provider, webauthn_registration_verified/_id, crypto_wallet_id/
// _address/_verified) are refused with 400 user_search_filter_name_not_recognized. They should be
// accepted (matching nothing for the factor types the emulator does not model).
// Repro: POST /v1/users/search {"query":{"operator":"AND","operands":[{"filter_name":
// "created_at_between","filter_value":{"greater_than":"2020-01-01T00:00:00Z","less_than":"2100-01-01T00:00:00Z"}}]}}.
func TestRegressionSearchDocumentedFiltersRefused(t *testing.T) {
	h := newH(t, "inprocess")
	u := h.createUser(t, h.Email("between"))
	for name, value := range map[string]any{
		"created_at_between":             map[string]any{"greater_than": "2000-01-01T00:00:00Z", "less_than": "2200-01-01T00:00:00Z"},
		"oauth_provider":                 "google",
		"webauthn_registration_verified": true,
		"webauthn_registration_id":       []string{"webauthn-registration-test-00000000-0000-4000-8000-000000000000"},
		"crypto_wallet_id":               []string{"crypto-wallet-test-00000000-0000-4000-8000-000000000000"},
		"crypto_wallet_address":          []string{"0x6df2dB4Fb3DA35d241901Bd53367770BF03123f1"},
		"crypto_wallet_verified":         true,
	} {
		resp, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Query: &users.SearchUsersQuery{
			Operator: users.SearchUsersQueryOperatorAND, Operands: []map[string]any{{"filter_name": name, "filter_value": value}}}})
		require.NoError(t, err, "filter %s", name)
		if name == "created_at_between" {
			require.Len(t, resp.Results, 1)
			require.Equal(t, u.UserID, resp.Results[0].UserID)
		}
	}
}

// BUG 8 (validate.go checkSMSCountry): "SMS only to US and Canada by default" is implemented as
// "any +1 number", so NANP numbers of other countries (e.g. Jamaica +1 876, Bahamas +1 242) are
// accepted. stytch-api.md §6: "International SMS outside US/CA is off by default
// (invalid_phone_number_country_code)". Repro: POST /v1/otps/sms/login_or_create
// {"phone_number":"+18765550123"} → 200 (want 400 invalid_phone_number_country_code).
func TestRegressionSMSToNonUSCanadaNANPNumberAccepted(t *testing.T) {
	h := newH(t, "inprocess")
	for _, number := range []string{"+18765550123", "+12425550123"} {
		_, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: number})
		require.Error(t, err, number)
		require.Equal(t, "invalid_phone_number_country_code", errType(err), number)
	}
}

// DOC MISMATCH (stytch-api.md §8, from Stytch's .NET integration test): "GET /v1/sessions?user_id=
// <sandbox user> from another project → 404 user_not_found (sandbox user isn't in your Project)".
// The emulator answers 200 with the sandbox session. Repro: GET /v1/sessions?user_id=
// user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd → 200.
func TestRegressionSandboxUserSessionsListedDespiteDoc(t *testing.T) {
	e := emulator.New()
	status, body := serve(e, "GET", "/v1/sessions?user_id="+emulator.SandboxUserID, nil, authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Equal(t, http.StatusNotFound, status, "%s", body)
	requireErrorBody(t, status, body, "user_not_found")
}

// Regressions from the code review.

// A second email verified without a session does not flag the password: the user already proved
// an email of theirs.
func TestRegressionSecondEmailDoesNotRequireReset(t *testing.T) {
	h := newH(t, "inprocess")
	created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: "first@example.com", Password: strongPassword, SessionDurationMinutes: 30})
	require.NoError(t, err)
	sent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: "first@example.com"})
	require.NoError(t, err)
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: h.LastCode(t, "first@example.com"), SessionToken: created.SessionToken})
	require.NoError(t, err)
	second, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: "second@example.com", UserID: created.UserID})
	require.NoError(t, err)
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: second.EmailID, Code: h.LastCode(t, "second@example.com")})
	require.NoError(t, err)
	_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: "first@example.com", Password: strongPassword})
	require.NoError(t, err)
}

// The sandbox user never locks, however many wrong codes a test sends.
func TestRegressionSandboxUserNeverLocks(t *testing.T) {
	h := newH(t, "inprocess", emulator.WithLockout(2, time.Hour, time.Hour))
	for range 3 {
		_, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: emulator.SandboxUserID, TOTPCode: "123456"})
		require.Error(t, err)
	}
	_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: emulator.SandboxEmail, Password: "anything at all"})
	require.NoError(t, err)
}

// The 4 KB limit applies to a session's merged custom claims, not to each request's.
func TestRegressionMergedCustomClaimsLimit(t *testing.T) {
	h := newH(t, "inprocess")
	created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: "claims@example.com", Password: strongPassword, SessionDurationMinutes: 30})
	require.NoError(t, err)
	big := strings.Repeat("x", 1500)
	for i, want := range []bool{true, true, false} { // 1.5 KB, 3 KB, then 4.5 KB: refused
		_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{
			SessionToken:        created.SessionToken,
			SessionCustomClaims: map[string]any{fmt.Sprintf("k%d", i): big},
		})
		if want {
			require.NoError(t, err, "round %d", i)
		} else {
			requireAPIError(t, h, err, 400, "custom_claims_too_large")
		}
	}
	got, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: created.SessionToken})
	require.NoError(t, err)
	require.Len(t, got.Session.CustomClaims, 2, "the refused request changed nothing")
}

// A request whose client gives up during an injected delay is not processed.
func TestRegressionCancelledDelayIsNotProcessed(t *testing.T) {
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

// Bad options fail Build with the reason and make New panic, never silently used or answered
// with a 500 on every later request.
func TestRegressionBadOptionsReported(t *testing.T) {
	for name, opt := range map[string]emulator.Option{
		"cost":          emulator.WithPasswordCost(3),
		"rotation":      emulator.WithTokenRotation("sometimes", 0),
		"key":           emulator.WithSigningKeyPEM([]byte("not a key"), ""),
		"fault":         emulator.WithFaults(emulator.DefaultProjectID, emulator.Fault{Method: "GET", Path: "/v1/nowhere", Status: 500, ErrorType: "internal_server_error"}),
		"fault project": emulator.WithFaults("project-test-nope", emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Status: 500, ErrorType: "internal_server_error"}),
	} {
		e, err := emulator.Build(opt)
		require.Error(t, err, name)
		require.Nil(t, e, name)
		require.PanicsWithValue(t, "emulator: "+err.Error(), func() { emulator.New(opt) }, name)
	}
	e, err := emulator.Build()
	require.NoError(t, err)
	status, _ := serve(e, "GET", "/emulator/v1/health", nil, nil)
	require.Equal(t, 200, status)
}

// A new code to a still-unverified phone restarts its 5-minute window.
func TestRegressionResendRestartsUnverifiedWindow(t *testing.T) {
	h := newH(t, "inprocess")
	h.verifiedPasswordUser(t, "window@example.com")
	login, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: "window@example.com", Password: strongPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)
	phone := h.Phone()
	_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: login.SessionToken})
	require.NoError(t, err)
	h.Advance(t, 4*time.Minute)
	sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: login.SessionToken})
	require.NoError(t, err)
	h.Advance(t, 3*time.Minute) // 7 minutes after the first code, 3 after the second
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: login.SessionToken})
	// The code itself expired after 2 minutes.
	requireAPIError(t, h, err, 401, "unable_to_auth_otp_code")
	got, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: login.UserID})
	require.NoError(t, err)
	require.Len(t, got.PhoneNumbers, 1, "the phone is still attached: its window restarted at the second code")
}
