package emulator_test

// Shared test helpers: a harness that drives the emulator through the official stytch-go SDK both
// in-process (e.HTTPClient-style transport, emulator.InProcessURL) and over real HTTP
// (emulator.NewTestServer), a capturing http.RoundTripper so every raw response body can be checked
// against the SDK's own response types with DisallowUnknownFields, and assertion helpers for
// Stytch-shaped errors and the key sets of Stytch's user, session and auth responses.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// strongPassword passes the default zxcvbn policy.
const strongPassword = "correct-horse-battery-staple-91!"

// Extra projects for multi-project tests.
const (
	otherProjectID = "project-test-22222222-2222-4222-8222-222222222222"
	otherSecret    = "secret-test-other-project"
)

var (
	requestIDPattern = regexp.MustCompile(`^request-id-test-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	uuidSuffix       = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`
	userIDPattern    = regexp.MustCompile(`^user-test-` + uuidSuffix)
	emailIDPattern   = regexp.MustCompile(`^email-test-` + uuidSuffix)
	phoneIDPattern   = regexp.MustCompile(`^phone-number-test-` + uuidSuffix)
	sessionIDPattern = regexp.MustCompile(`^session-test-` + uuidSuffix)
	totpIDPattern    = regexp.MustCompile(`^totp-test-` + uuidSuffix)
	tokenPattern     = regexp.MustCompile(`^[A-Za-z0-9_-]{44}$`)
	codePattern      = regexp.MustCompile(`^[0-9]{6}$`)
	recoveryPattern  = regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`)
)

// Key sets of Stytch's user, session and auth objects (its user-object doc page and stytch-go's types): every one must be present in a real response.
var (
	userKeys = []string{"user_id", "emails", "status", "phone_numbers", "webauthn_registrations", "providers",
		"totps", "crypto_wallets", "biometric_registrations", "is_locked", "roles", "name", "created_at",
		"password", "trusted_metadata", "untrusted_metadata", "external_id", "lock_created_at", "lock_expires_at"}
	userArrayKeys = []string{"emails", "phone_numbers", "webauthn_registrations", "providers", "totps",
		"crypto_wallets", "biometric_registrations", "roles"}
	sessionKeys = []string{"session_id", "user_id", "authentication_factors", "roles", "started_at",
		"last_accessed_at", "expires_at", "attributes", "custom_claims"}
	factorKeys = []string{"type", "delivery_method", "last_authenticated_at", "created_at", "updated_at"}
	authKeys   = []string{"request_id", "status_code", "user_id", "session_token", "session_jwt", "user",
		"session", "user_device"}
	errorKeys = []string{"status_code", "request_id", "error_type", "error_message", "error_url"}
)

// exchange is one captured HTTP round trip.
type exchange struct {
	Method string
	Path   string
	Status int
	Body   []byte
}

// capture is an http.RoundTripper that records every response body (and hands the SDK an
// identical copy), so tests can inspect exactly what the emulator sent.
// Every exchange is also checked against Stytch's OpenAPI description (see contract_test.go);
// the violations fail the test that made the request.
type capture struct {
	inner      http.RoundTripper
	mu         sync.Mutex
	log        []exchange
	violations []error
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	reqBody, r, err := readRequestBody(r)
	if err != nil {
		return nil, err
	}
	resp, err := c.inner.RoundTrip(r)
	if err != nil {
		return resp, err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	verr := checkContract(r, reqBody, resp.StatusCode, resp.Header, b)
	c.mu.Lock()
	c.log = append(c.log, exchange{Method: r.Method, Path: r.URL.Path, Status: resp.StatusCode, Body: b})
	if verr != nil {
		c.violations = append(c.violations, verr)
	}
	c.mu.Unlock()
	return resp, nil
}

// contractViolations returns the exchanges so far that broke Stytch's OpenAPI contract.
func (c *capture) contractViolations() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.violations...)
}

// last returns the most recent exchange that is not a JWKS fetch (the SDK refreshes those in the
// background).
func (c *capture) last(t testing.TB) exchange {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := len(c.log) - 1; i >= 0; i-- {
		if !strings.Contains(c.log[i].Path, "/v1/sessions/jwks/") {
			return c.log[i]
		}
	}
	t.Fatal("no response captured")
	return exchange{}
}

func (c *capture) all() []exchange {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]exchange(nil), c.log...)
}

// H is one emulator driven through the SDK, in-process or over HTTP.
type H struct {
	T      *testing.T
	Mode   string // "inprocess" or "http"
	E      *emulator.Emulator
	C      *stytchapi.API
	PID    string
	Secret string
	Base   string       // base URL given to the SDK
	HTTP   *http.Client // capturing client that reaches the emulator (for raw requests)
	Cap    *capture
	Ctx    context.Context
	seq    atomic.Int64
}

// both runs fn as two subtests, "inprocess" and "http", each on a fresh emulator built from opts,
// with an SDK client of DefaultProjectID (add emulator.WithProject(DefaultProjectID, DefaultSecret)
// when giving other projects).
func both(t *testing.T, fn func(t *testing.T, h *H), opts ...emulator.Option) {
	t.Helper()
	for _, mode := range []string{"inprocess", "http"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			fn(t, newH(t, mode, opts...))
		})
	}
}

// newH builds an emulator and an SDK client of DefaultProjectID in the given mode.
func newH(t *testing.T, mode string, opts ...emulator.Option) *H {
	t.Helper()
	h := &H{T: t, Mode: mode, PID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret, Ctx: context.Background()}
	var inner http.RoundTripper
	switch mode {
	case "inprocess":
		h.E = emulator.New(opts...)
		inner = h.E.Transport()
		h.Base = emulator.InProcessURL
	case "http":
		ts := emulator.NewTestServer(t, opts...)
		h.E = ts.Emulator
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		inner = tr
		h.Base = ts.URL
	default:
		t.Fatalf("unknown mode %q", mode)
	}
	h.Cap = &capture{inner: inner}
	t.Cleanup(func() {
		for _, v := range h.Cap.contractViolations() {
			t.Errorf("OpenAPI contract: %v", v)
		}
	})
	h.HTTP = &http.Client{Transport: h.Cap, Timeout: 30 * time.Second}
	h.C = h.sdk(t, h.PID, h.Secret)
	return h
}

// sdk returns a stytch-go client for a project on this harness's transport and base URL.
func (h *H) sdk(t testing.TB, pid, secret string, extra ...stytchapi.Option) *stytchapi.API {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // stops the SDK's background JWKS refresher
	opts := append([]stytchapi.Option{
		stytchapi.WithHTTPClient(h.HTTP),
		stytchapi.WithBaseURI(h.Base),
		stytchapi.WithInitializationContext(ctx),
	}, extra...)
	c, err := stytchapi.NewClient(pid, secret, opts...)
	require.NoError(t, err)
	return c
}

// For returns a harness for another project of the same emulator (same transport, same capture).
func (h *H) For(pid, secret string) *H {
	h.T.Helper()
	o := &H{T: h.T, Mode: h.Mode, E: h.E, PID: pid, Secret: secret, Base: h.Base, HTTP: h.HTTP, Cap: h.Cap, Ctx: h.Ctx}
	o.C = o.sdk(h.T, pid, secret)
	return o
}

// Clock is the harness project's virtual clock.
func (h *H) Clock() *emulator.Clock { return h.E.Project(h.PID).Clock() }

// Now is the project's virtual time.
func (h *H) Now() time.Time { return h.Clock().Now() }

// Advance moves the project's clock forward.
func (h *H) Advance(t testing.TB, d time.Duration) time.Time {
	t.Helper()
	now, err := h.Clock().Advance(d)
	require.NoError(t, err)
	return now
}

// Last is the most recent captured exchange.
func (h *H) Last(t testing.TB) exchange { t.Helper(); return h.Cap.last(t) }

// Email returns a fresh, unique email address.
func (h *H) Email(tag string) string {
	return fmt.Sprintf("%s-%d-%d@example.com", tag, h.seq.Add(1), time.Now().UnixNano()%1_000_000)
}

var phoneSeq atomic.Int64

// Phone returns a fresh, unique +1 (US) E.164 number.
func (h *H) Phone() string { return fmt.Sprintf("+1555%07d", phoneSeq.Add(1)%10_000_000) }

// Messages is the outbox of the harness project for a recipient.
func (h *H) Messages(to string) []emulator.Message { return h.E.Project(h.PID).Messages(to) }

// LastCode is the code of the newest OTP message to a recipient.
func (h *H) LastCode(t testing.TB, to string) string {
	t.Helper()
	msgs := h.Messages(to)
	require.NotEmpty(t, msgs, "no message to %s", to)
	m := msgs[len(msgs)-1]
	require.Equal(t, "otp", m.Type)
	require.Regexp(t, codePattern, m.Code)
	return m.Code
}

// Raw performs a raw request through the harness transport. auth "" sends the project's Basic
// credentials, "-" sends none, anything else is the Authorization header as given.
func (h *H) Raw(t testing.TB, method, path string, body []byte, auth string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(h.Ctx, method, h.Base+path, rd)
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/json")
	switch auth {
	case "":
		req.Header.Set("Authorization", basic(h.PID, h.Secret))
	case "-":
	default:
		req.Header.Set("Authorization", auth)
	}
	resp, err := h.HTTP.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, b
}

// RawJSON is Raw with a JSON-encoded body (nil: no body) and a decoded response.
func (h *H) RawJSON(t testing.TB, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var b []byte
	if body != nil {
		var err error
		b, err = json.Marshal(body)
		require.NoError(t, err)
	}
	status, out := h.Raw(t, method, path, b, "")
	var m map[string]any
	require.NoError(t, json.Unmarshal(out, &m), "body: %s", out)
	return status, m
}

func basic(pid, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(pid+":"+secret))
}

// serve runs one request through e.ServeHTTP with an httptest recorder.
func serve(e *emulator.Emulator, method, path string, body []byte, header http.Header) (int, []byte) {
	var rd io.Reader = http.NoBody
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://emulator.test"+path, rd)
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	recordContract(req, body, rec.Code, rec.Header(), rec.Body.Bytes())
	return rec.Code, rec.Body.Bytes()
}

// authHeader is the Basic header of a project as an http.Header.
func authHeader(pid, secret string) http.Header {
	return http.Header{"Authorization": {basic(pid, secret)}, "Content-Type": {"application/json"}}
}

// ---- strict decoding and key checks ----

// strictDecode decodes body into T refusing unknown fields: the emulator must not send anything the
// SDK does not know.
func strictDecode[T any](t testing.TB, body []byte) T {
	t.Helper()
	var v T
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&v), "strict decode into %T of %s", v, body)
	return v
}

// strictLast checks the last captured response: HTTP status wantStatus, body strictly decodable
// into T, top-level keys present, request_id/status_code well-formed. It returns the decoded value
// and the raw object.
func strictLast[T any](t testing.TB, h *H, wantStatus int, keys ...string) (T, map[string]any) {
	t.Helper()
	x := h.Last(t)
	require.Equal(t, wantStatus, x.Status, "status of %s %s: %s", x.Method, x.Path, x.Body)
	v := strictDecode[T](t, x.Body)
	m := rawObject(t, x.Body)
	requireKeys(t, m, "", keys...)
	requireKeys(t, m, "", "request_id", "status_code")
	require.Regexp(t, requestIDPattern, m["request_id"])
	require.EqualValues(t, wantStatus, m["status_code"])
	return v, m
}

func rawObject(t testing.TB, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "body: %s", body)
	return m
}

// requireKeys asserts that the object at path (dot-separated, "" for m itself) has every key.
func requireKeys(t testing.TB, m map[string]any, path string, keys ...string) {
	t.Helper()
	obj := m
	if path != "" {
		o, ok := dig(m, path).(map[string]any)
		require.True(t, ok, "%s is not an object in %v", path, m)
		obj = o
	}
	for _, k := range keys {
		_, ok := obj[k]
		require.True(t, ok, "key %q missing at %q in %v", k, path, obj)
	}
}

// dig walks a dot-separated path through nested objects.
func dig(m map[string]any, path string) any {
	var cur any = m
	for _, seg := range strings.Split(path, ".") {
		o, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = o[seg]
	}
	return cur
}

// requireUserShape checks a raw user object: every key of the user object, arrays never null, nulls where the
// real API sends them, well-formed ids.
func requireUserShape(t testing.TB, u map[string]any) {
	t.Helper()
	requireKeys(t, u, "", userKeys...)
	for _, k := range userArrayKeys {
		_, ok := u[k].([]any)
		require.True(t, ok, "user.%s must be an array, got %#v", k, u[k])
	}
	require.Regexp(t, userIDPattern, u["user_id"])
	requireKeys(t, u, "name", "first_name", "middle_name", "last_name")
	_, ok := u["trusted_metadata"].(map[string]any)
	require.True(t, ok, "trusted_metadata must be an object")
	_, ok = u["untrusted_metadata"].(map[string]any)
	require.True(t, ok, "untrusted_metadata must be an object")
	_, err := time.Parse(time.RFC3339, u["created_at"].(string))
	require.NoError(t, err)
	if pw := u["password"]; pw != nil {
		requireKeys(t, pw.(map[string]any), "", "password_id", "requires_reset")
	}
	if u["is_locked"] == false {
		require.Nil(t, u["lock_created_at"])
		require.Nil(t, u["lock_expires_at"])
	}
	for _, e := range u["emails"].([]any) {
		requireKeys(t, e.(map[string]any), "", "email_id", "email", "verified")
		require.Regexp(t, emailIDPattern, e.(map[string]any)["email_id"])
	}
	for _, p := range u["phone_numbers"].([]any) {
		requireKeys(t, p.(map[string]any), "", "phone_id", "phone_number", "verified")
		require.Regexp(t, phoneIDPattern, p.(map[string]any)["phone_id"])
	}
	for _, x := range u["totps"].([]any) {
		requireKeys(t, x.(map[string]any), "", "totp_id", "verified")
	}
	require.Contains(t, u["roles"], "stytch_user")
}

// requireSessionShape checks a raw session object.
func requireSessionShape(t testing.TB, s map[string]any) {
	t.Helper()
	requireKeys(t, s, "", sessionKeys...)
	require.Regexp(t, sessionIDPattern, s["session_id"])
	requireKeys(t, s, "attributes", "ip_address", "user_agent")
	_, ok := s["custom_claims"].(map[string]any)
	require.True(t, ok, "custom_claims must be an object")
	_, ok = s["roles"].([]any)
	require.True(t, ok, "roles must be an array")
	for _, k := range []string{"started_at", "last_accessed_at", "expires_at"} {
		_, err := time.Parse(time.RFC3339, s[k].(string))
		require.NoError(t, err, k)
	}
	factors, ok := s["authentication_factors"].([]any)
	require.True(t, ok, "authentication_factors must be an array")
	for _, f := range factors {
		fm := f.(map[string]any)
		requireKeys(t, fm, "", factorKeys...)
		sub := 0
		for k := range fm {
			if strings.HasSuffix(k, "_factor") {
				sub++
			}
		}
		switch fm["type"] {
		case "password":
			require.Equal(t, "knowledge", fm["delivery_method"])
			require.Zero(t, sub, "password factor carries no *_factor: %v", fm)
		case "otp":
			if fm["delivery_method"] == "email" {
				requireKeys(t, fm, "email_factor", "email_id", "email_address")
			} else {
				requireKeys(t, fm, "phone_number_factor", "phone_id", "phone_number")
			}
			require.Equal(t, 1, sub)
		case "totp":
			require.Equal(t, "authenticator_app", fm["delivery_method"])
			requireKeys(t, fm, "authenticator_app_factor", "totp_id")
		case "recovery_codes":
			require.Equal(t, "recovery_code", fm["delivery_method"])
			requireKeys(t, fm, "recovery_code_factor", "totp_recovery_code_id")
		}
	}
}

// requireAuthShape checks a standard auth response: every key,
// user complete, session complete or null, token/JWT empty when there is no session.
func requireAuthShape(t testing.TB, m map[string]any, wantSession bool) {
	t.Helper()
	requireKeys(t, m, "", authKeys...)
	requireUserShape(t, m["user"].(map[string]any))
	require.Nil(t, m["user_device"])
	if wantSession {
		requireSessionShape(t, m["session"].(map[string]any))
		require.Regexp(t, tokenPattern, m["session_token"])
		require.NotEmpty(t, m["session_jwt"])
	} else {
		require.Nil(t, m["session"], "session must be null without session_duration_minutes")
		require.Equal(t, "", m["session_token"])
		require.Equal(t, "", m["session_jwt"])
	}
}

// ---- errors ----

// requireErrorBody checks a Stytch-shaped error body of HTTP status code status.
func requireErrorBody(t testing.TB, status int, body []byte, wantType string) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "error body must be JSON: %q", body)
	requireKeys(t, m, "", errorKeys...)
	require.EqualValues(t, status, m["status_code"], "status_code must equal the HTTP status: %s", body)
	require.Regexp(t, requestIDPattern, m["request_id"])
	et, _ := m["error_type"].(string)
	require.NotEmpty(t, et, "error_type: %s", body)
	msg, _ := m["error_message"].(string)
	require.NotEmpty(t, msg, "error_message: %s", body)
	require.Equal(t, fmt.Sprintf("https://stytch.com/docs/api/errors/%d#%s", status, et), m["error_url"])
	if wantType != "" {
		require.Equal(t, wantType, et, "body: %s", body)
	}
	// It also decodes into the SDK's error type with no unknown field.
	_ = strictDecode[stytcherror.Error](t, body)
	return m
}

// requireAPIError asserts that err is a stytch-go API error of the given status and type, and that
// the body the emulator sent for it is Stytch-shaped.
func requireAPIError(t testing.TB, h *H, err error, status int, errType string) stytcherror.Error {
	t.Helper()
	require.Error(t, err)
	var se stytcherror.Error
	require.True(t, errors.As(err, &se), "not a stytcherror.Error: %v", err)
	require.Equal(t, status, se.StatusCode, "%v", err)
	require.Equal(t, errType, string(se.ErrorType), "%v", err)
	if h != nil {
		x := h.Last(t)
		require.Equal(t, status, x.Status)
		requireErrorBody(t, status, x.Body, errType)
	}
	return se
}

// errType returns the Stytch error_type of err ("" when it is not an API error).
func errType(err error) string {
	var se stytcherror.Error
	if errors.As(err, &se) {
		return string(se.ErrorType)
	}
	return ""
}

// ---- flows ----

// parseTS parses an RFC 3339 timestamp.
func parseTS(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	require.NoError(t, err)
	return v
}

// newPasswordUser creates a password user (unverified email) without a session.
func (h *H) newPasswordUser(t testing.TB, addr string) *passwords.CreateResponse {
	t.Helper()
	resp, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword})
	require.NoError(t, err)
	return resp
}

// verifyEmail verifies a user's email through an email OTP authenticated with sessionToken (a
// session of the user), as Stytch's "email verification after password creation" guide does, and
// returns the authenticate response. With sessionToken "" the OTP is authenticated outside any
// session: for a user with a password and an unverified email that sets requires_reset on the
// password (Stytch's account-takeover protection), so pass "" only to test that rule.
func (h *H) verifyEmail(t testing.TB, addr, sessionToken string) *otp.AuthenticateResponse {
	t.Helper()
	sent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
	require.NoError(t, err)
	resp, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: h.LastCode(t, addr), SessionToken: sessionToken})
	require.NoError(t, err)
	return resp
}

// verifiedPasswordUser signs a password user up and verifies the email the way Stytch's "email
// verification after password creation" guide does: passwords.create with a session, then an email
// OTP authenticated with that session, so the password stays usable. The sign-up session is then
// revoked (the user signs out): the user starts with a verified email, a usable password and no
// session. The returned response is that of passwords.create, with its (revoked) session cleared.
func (h *H) verifiedPasswordUser(t testing.TB, addr string) *passwords.CreateResponse {
	t.Helper()
	created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)
	require.NotNil(t, created.Session)
	v := h.verifyEmail(t, addr, created.SessionToken)
	require.Equal(t, created.Session.SessionID, v.Session.SessionID, "the email OTP is added to the sign-up session")
	require.True(t, v.User.Emails[0].Verified)
	require.NotNil(t, v.User.Password)
	require.False(t, v.User.Password.RequiresReset, "verified with the user's session: the password stays usable")
	_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionID: created.Session.SessionID})
	require.NoError(t, err)
	created.Session, created.SessionToken, created.SessionJWT = nil, "", ""
	return created
}

// passwordSession authenticates by password with a session of 60 minutes.
func (h *H) passwordSession(t testing.TB, addr string) *passwords.AuthenticateResponse {
	t.Helper()
	resp, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)
	require.NotNil(t, resp.Session)
	return resp
}

// smsStepUp sends an SMS code to phone with the session and authenticates it with the session.
func (h *H) smsStepUp(t testing.TB, token, phone string) *otp.AuthenticateResponse {
	t.Helper()
	sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: token})
	require.NoError(t, err)
	resp, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: token, SessionDurationMinutes: 60})
	require.NoError(t, err)
	return resp
}

// createUser creates a user with an email through the Users API.
func (h *H) createUser(t testing.TB, addr string) *users.CreateResponse {
	t.Helper()
	resp, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: addr})
	require.NoError(t, err)
	return resp
}

// authSession authenticates a session token through the SDK.
func (h *H) authSession(token string) (*sessions.AuthenticateResponse, error) {
	return h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: token})
}

// factorTypes lists "type/delivery_method" of a session's factors.
func factorTypes(s *sessions.Session) []string {
	out := make([]string, 0, len(s.AuthenticationFactors))
	for _, f := range s.AuthenticationFactors {
		out = append(out, string(f.Type)+"/"+string(f.DeliveryMethod))
	}
	return out
}

// findFactor returns the factor of a type/delivery pair.
func findFactor(t testing.TB, s *sessions.Session, typ, delivery string) sessions.AuthenticationFactor {
	t.Helper()
	for _, f := range s.AuthenticationFactors {
		if string(f.Type) == typ && string(f.DeliveryMethod) == delivery {
			return f
		}
	}
	t.Fatalf("no %s/%s factor in %v", typ, delivery, factorTypes(s))
	return sessions.AuthenticationFactor{}
}

// fixedClock returns a base time source frozen at t (advance it with the emulator's Clock).
func fixedClock(t time.Time) emulator.Option {
	return emulator.WithClock(func() time.Time { return t })
}

// stateFingerprint captures the observable state of a project: every user (search) and the outbox
// size, for "state unchanged" checks.
func stateFingerprint(t testing.TB, e *emulator.Emulator, pid, secret string) string {
	t.Helper()
	status, body := serve(e, "POST", "/v1/users/search", []byte(`{"limit":1000}`), authHeader(pid, secret))
	require.Equal(t, http.StatusOK, status, "%s", body)
	var m struct {
		Results         []map[string]any `json:"results"`
		ResultsMetadata struct {
			Total int `json:"total"`
		} `json:"results_metadata"`
	}
	require.NoError(t, json.Unmarshal(body, &m))
	users, _ := json.Marshal(m.Results)
	return fmt.Sprintf("total=%d messages=%d users=%s", m.ResultsMetadata.Total, len(e.Project(pid).Messages("")), users)
}
