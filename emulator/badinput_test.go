package emulator_test

// Bad input on every route of emulator.Routes(): malformed JSON, wrong JSON types, bodies over
// 1 MiB, missing required fields, no/bad/wrong credentials, unknown routes and wrong methods must
// all get a Stytch-shaped 4xx (never a 5xx) and leave the project's state unchanged.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// seeded is an emulator with one fully set-up user (verified email and phone, password, session).
type seeded struct {
	e            *emulator.Emulator
	pid, secret  string
	userID       string
	email        string
	emailID      string
	phoneID      string
	sessionToken string
	sessionID    string
	sessionJWT   string
}

var seedBase = time.Now().UTC().Truncate(time.Second)

// seed builds an emulator (fixed clock, DefaultProjectID plus otherProjectID) with a seeded user.
func seed(t testing.TB) *seeded {
	t.Helper()
	e := emulator.New(fixedClock(seedBase),
		emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret),
		emulator.WithProject(otherProjectID, otherSecret))
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL), stytchapi.WithSkipJWKSInitialization())
	require.NoError(t, err)
	s := &seeded{e: e, pid: emulator.DefaultProjectID, secret: emulator.DefaultSecret, email: "seed@example.com"}
	created, err := c.Passwords.Create(t.Context(), &passwords.CreateParams{Email: s.email, Password: strongPassword, SessionDurationMinutes: 600})
	require.NoError(t, err)
	s.userID, s.emailID = created.UserID, created.EmailID
	require.Empty(t, e.Project(s.pid).Messages(s.email))
	// Verify the email, then attach and verify a phone.
	status, body := serve(e, "POST", "/v1/otps/email/send", []byte(`{"email":"seed@example.com"}`), authHeader(s.pid, s.secret))
	require.Equal(t, 200, status, "%s", body)
	msgs := e.Project(s.pid).Messages(s.email)
	_, err = c.OTPs.Authenticate(t.Context(), &otp.AuthenticateParams{MethodID: s.emailID, Code: msgs[len(msgs)-1].Code})
	require.NoError(t, err)
	sent, err := c.OTPs.Sms.Send(t.Context(), &sms.SendParams{PhoneNumber: "+15550009999", UserID: s.userID})
	require.NoError(t, err)
	s.phoneID = sent.PhoneID
	msgs = e.Project(s.pid).Messages("+15550009999")
	_, err = c.OTPs.Authenticate(t.Context(), &otp.AuthenticateParams{MethodID: s.phoneID, Code: msgs[len(msgs)-1].Code})
	require.NoError(t, err)
	s.sessionToken, s.sessionID, s.sessionJWT = created.SessionToken, created.Session.SessionID, created.SessionJWT
	return s
}

// fingerprint is the observable state of both projects, the outbox and the clock.
func (s *seeded) fingerprint(t testing.TB) string {
	t.Helper()
	status, body := serve(s.e, "GET", "/v1/sessions?user_id="+s.userID, nil, authHeader(s.pid, s.secret))
	if status != 200 {
		return fmt.Sprintf("sessions-status=%d", status) + stateFingerprint(t, s.e, s.pid, s.secret)
	}
	var sess struct {
		Sessions []map[string]any `json:"sessions"`
	}
	require.NoError(t, json.Unmarshal(body, &sess))
	for _, x := range sess.Sessions {
		delete(x, "last_accessed_at")
	}
	sj, _ := json.Marshal(sess.Sessions)
	return stateFingerprint(t, s.e, s.pid, s.secret) + " | " + stateFingerprint(t, s.e, otherProjectID, otherSecret) +
		" | sessions=" + string(sj) + " | clock=" + s.e.Project(s.pid).Clock().Now().String()
}

// routeSpec says how to call a route: its concrete path, a plausible body, the field sets whose
// removal must be refused.
type routeSpec struct {
	path     string
	body     map[string]any // nil: the route reads no body
	required [][]string
	// missingPath is the path to use for the "missing" case of a query parameter.
	missingPath string
}

const (
	ghostUser    = "user-test-00000000-0000-4000-8000-0000000000ff"
	ghostEmailID = "email-test-00000000-0000-4000-8000-0000000000ff"
	ghostPhoneID = "phone-number-test-00000000-0000-4000-8000-0000000000ff"
)

func sessionFields() map[string]any {
	return map[string]any{"session_token": "", "session_jwt": "", "session_duration_minutes": 60, "session_custom_claims": map[string]any{"k": "v"}}
}

func with(m map[string]any, extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

// specs covers every route of emulator.Routes(); TestBadInputCoversEveryRoute fails when a route
// is added without a spec.
func specs(s *seeded) map[string]routeSpec {
	sp := sessionFields()
	attrs := map[string]any{"ip_address": "1.2.3.4", "user_agent": "ua"}
	name := map[string]any{"first_name": "A", "middle_name": "B", "last_name": "C"}
	return map[string]routeSpec{
		"POST /v1/users": {path: "/v1/users", body: map[string]any{"email": "new@example.com", "phone_number": "+15550001234",
			"name": name, "attributes": attrs, "create_user_as_pending": false, "trusted_metadata": map[string]any{},
			"untrusted_metadata": map[string]any{}, "external_id": "ext-1", "roles": []any{"r"}},
			required: [][]string{{"email", "phone_number"}}},
		"POST /v1/users/search": {path: "/v1/users/search", body: map[string]any{"cursor": "", "limit": 10,
			"query": map[string]any{"operator": "AND", "operands": []any{map[string]any{"filter_name": "status", "filter_value": "active"}}}}},
		"GET /v1/users/{}":                  {path: "/v1/users/" + s.userID},
		"PUT /v1/users/{}":                  {path: "/v1/users/" + s.userID, body: map[string]any{"name": name, "attributes": attrs, "trusted_metadata": map[string]any{}, "untrusted_metadata": map[string]any{}, "external_id": "ext-2", "roles": []any{"r"}}},
		"DELETE /v1/users/{}":               {path: "/v1/users/" + ghostUser},
		"DELETE /v1/users/emails/{}":        {path: "/v1/users/emails/" + ghostEmailID},
		"DELETE /v1/users/phone_numbers/{}": {path: "/v1/users/phone_numbers/" + ghostPhoneID},
		"DELETE /v1/users/passwords/{}":     {path: "/v1/users/passwords/password-test-00000000-0000-4000-8000-0000000000ff"},
		"DELETE /v1/users/totps/{}":         {path: "/v1/users/totps/totp-test-00000000-0000-4000-8000-0000000000ff"},
		"PUT /v1/users/{}/exchange_primary_factor": {path: "/v1/users/" + ghostUser + "/exchange_primary_factor", body: map[string]any{"email_address": "exchange@example.com"},
			required: [][]string{{"email_address", "phone_number"}}},
		"DELETE /v1/users/{}/external_id":             {path: "/v1/users/" + ghostUser + "/external_id"},
		"DELETE /v1/users/webauthn_registrations/{}":  {path: "/v1/users/webauthn_registrations/webauthn-registration-test-00000000-0000-4000-8000-0000000000ff"},
		"DELETE /v1/users/biometric_registrations/{}": {path: "/v1/users/biometric_registrations/biometric-registration-test-00000000-0000-4000-8000-0000000000ff"},
		"DELETE /v1/users/crypto_wallets/{}":          {path: "/v1/users/crypto_wallets/crypto-wallet-test-00000000-0000-4000-8000-0000000000ff"},
		"DELETE /v1/users/oauth/{}":                   {path: "/v1/users/oauth/oauth-user-registration-test-00000000-0000-4000-8000-0000000000ff"},

		"POST /v1/passwords": {path: "/v1/passwords", body: with(sp, map[string]any{"email": "pw-new@example.com", "password": strongPassword,
			"trusted_metadata": map[string]any{}, "untrusted_metadata": map[string]any{}, "name": name}),
			required: [][]string{{"email"}, {"password"}}},
		"POST /v1/passwords/authenticate": {path: "/v1/passwords/authenticate", body: with(sp, map[string]any{"email": s.email, "password": strongPassword}),
			required: [][]string{{"email"}, {"password"}}},
		"POST /v1/passwords/strength_check": {path: "/v1/passwords/strength_check", body: map[string]any{"password": "pw", "email": "a@example.com"},
			required: [][]string{{"password"}}},
		"POST /v1/passwords/migrate": {path: "/v1/passwords/migrate", body: map[string]any{"email": "mig@example.com",
			"hash": "$2a$04$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "hash_type": "bcrypt",
			"md_5_config": map[string]any{"prepend_salt": "a", "append_salt": "b"}, "sha_1_config": map[string]any{"prepend_salt": "a", "append_salt": "b"},
			"sha_512_config":   map[string]any{"prepend_salt": "a", "append_salt": "b"},
			"argon_2_config":   map[string]any{"salt": "s", "iteration_amount": 1, "memory": 64, "threads": 1, "key_length": 32},
			"scrypt_config":    map[string]any{"salt": "c2FsdA==", "n_parameter": 16, "r_parameter": 1, "p_parameter": 1, "key_length": 32},
			"pbkdf_2_config":   map[string]any{"salt": "c2FsdA==", "iteration_amount": 1, "key_length": 32, "algorithm": "sha256"},
			"trusted_metadata": map[string]any{}, "untrusted_metadata": map[string]any{}, "set_email_verified": true, "name": name,
			"phone_number": "+15550004321", "set_phone_number_verified": true, "external_id": "ext-3", "roles": []any{"r"}},
			required: [][]string{{"email"}, {"hash"}, {"hash_type"}}},
		"POST /v1/passwords/email/reset/start": {path: "/v1/passwords/email/reset/start", body: map[string]any{"email": s.email,
			"reset_password_redirect_url": "https://x", "reset_password_expiration_minutes": 30, "login_redirect_url": "https://y",
			"locale": "en", "code_challenge": "c", "reset_password_template_id": "t"},
			required: [][]string{{"email"}}},
		"POST /v1/passwords/email/reset": {path: "/v1/passwords/email/reset", body: with(sp, map[string]any{"token": "dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZQ==",
			"password": strongPassword, "code_verifier": "v"}),
			required: [][]string{{"token"}, {"password"}}},
		"POST /v1/passwords/existing_password/reset": {path: "/v1/passwords/existing_password/reset", body: with(sp, map[string]any{"email": s.email,
			"existing_password": strongPassword, "new_password": strongPassword + "-new"}),
			required: [][]string{{"email"}, {"existing_password"}, {"new_password"}}},
		"POST /v1/passwords/session/reset": {path: "/v1/passwords/session/reset", body: with(sp, map[string]any{"password": strongPassword + "-s", "session_token": s.sessionToken}),
			required: [][]string{{"password"}, {"session_token"}}},

		"POST /v1/otps/sms/send":                 {path: "/v1/otps/sms/send", body: otpBody("phone_number", "+15550002222", s), required: [][]string{{"phone_number"}}},
		"POST /v1/otps/whatsapp/send":            {path: "/v1/otps/whatsapp/send", body: otpBody("phone_number", "+15550002222", s), required: [][]string{{"phone_number"}}},
		"POST /v1/otps/email/send":               {path: "/v1/otps/email/send", body: otpBody("email", "otp-new@example.com", s), required: [][]string{{"email"}}},
		"POST /v1/otps/sms/login_or_create":      {path: "/v1/otps/sms/login_or_create", body: locBody("phone_number", "+15550003333"), required: [][]string{{"phone_number"}}},
		"POST /v1/otps/whatsapp/login_or_create": {path: "/v1/otps/whatsapp/login_or_create", body: locBody("phone_number", "+15550003333"), required: [][]string{{"phone_number"}}},
		"POST /v1/otps/email/login_or_create":    {path: "/v1/otps/email/login_or_create", body: locBody("email", "loc-new@example.com"), required: [][]string{{"email"}}},
		"POST /v1/otps/authenticate": {path: "/v1/otps/authenticate", body: with(sp, map[string]any{"method_id": s.phoneID, "code": "123456",
			"attributes": attrs, "options": map[string]any{"ip_match_required": false, "user_agent_match_required": false}}),
			required: [][]string{{"method_id"}, {"code"}}},

		"POST /v1/magic_links/email/send": {path: "/v1/magic_links/email/send", body: with(mlBody(s.email, attrs), map[string]any{"user_id": s.userID, "session_token": "", "session_jwt": ""}),
			required: [][]string{{"email"}}},
		"POST /v1/magic_links/email/login_or_create": {path: "/v1/magic_links/email/login_or_create", body: with(mlBody("ml-new@example.com", attrs), map[string]any{"create_user_as_pending": true}),
			required: [][]string{{"email"}}},
		"POST /v1/magic_links/email/invite": {path: "/v1/magic_links/email/invite", body: map[string]any{"email": "ml-inv@example.com", "invite_template_id": "t",
			"attributes": attrs, "name": name, "invite_magic_link_url": emulator.DefaultRedirectURL, "invite_expiration_minutes": 60, "locale": "en",
			"trusted_metadata": map[string]any{}, "untrusted_metadata": map[string]any{}},
			required: [][]string{{"email"}}},
		"POST /v1/magic_links/email/revoke_invite": {path: "/v1/magic_links/email/revoke_invite", body: map[string]any{"email": "ml-inv@example.com"}, required: [][]string{{"email"}}},
		"POST /v1/magic_links":                     {path: "/v1/magic_links", body: map[string]any{"user_id": s.userID, "expiration_minutes": 60, "attributes": attrs}, required: [][]string{{"user_id"}}},
		"POST /v1/magic_links/authenticate": {path: "/v1/magic_links/authenticate", body: with(sp, map[string]any{"token": "dG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZW4tdG9rZQ==",
			"attributes": attrs, "options": map[string]any{"ip_match_required": false, "user_agent_match_required": false}, "code_verifier": "", "telemetry_id": ""}),
			required: [][]string{{"token"}}},

		"POST /v1/totps": {path: "/v1/totps", body: map[string]any{"user_id": s.userID, "expiration_minutes": 60}, required: [][]string{{"user_id"}}},
		"POST /v1/totps/authenticate": {path: "/v1/totps/authenticate", body: with(sp, map[string]any{"user_id": s.userID, "totp_code": "123456"}),
			required: [][]string{{"user_id"}, {"totp_code"}}},
		"POST /v1/totps/recovery_codes": {path: "/v1/totps/recovery_codes", body: map[string]any{"user_id": s.userID}, required: [][]string{{"user_id"}}},
		"POST /v1/totps/recover": {path: "/v1/totps/recover", body: with(sp, map[string]any{"user_id": s.userID, "recovery_code": "abcd-efgh-ijkl"}),
			required: [][]string{{"user_id"}, {"recovery_code"}}},

		"GET /v1/sessions": {path: "/v1/sessions?user_id=" + s.userID, missingPath: "/v1/sessions"},
		"POST /v1/sessions/authenticate": {path: "/v1/sessions/authenticate", body: with(sp, map[string]any{"session_token": s.sessionToken,
			"authorization_check": map[string]any{"resource_id": "r", "action": "a"}}),
			required: [][]string{{"session_token"}}},
		"POST /v1/sessions/revoke": {path: "/v1/sessions/revoke", body: map[string]any{"session_id": s.sessionID, "session_token": "", "session_jwt": ""},
			required: [][]string{{"session_id"}}},
		"GET /v1/sessions/jwks/{}": {path: "/v1/sessions/jwks/" + s.pid},
		"GET /v1/rbac/policy":      {path: "/v1/rbac/policy"},

		"GET /emulator/v1/health":   {path: "/emulator/v1/health"},
		"GET /emulator/v1/messages": {path: "/emulator/v1/messages?to=" + s.email},
		"GET /emulator/v1/clock":    {path: "/emulator/v1/clock"},
		"POST /emulator/v1/clock":   {path: "/emulator/v1/clock", body: map[string]any{"advance": "1s", "set": ""}, required: [][]string{{"advance"}}},
		"POST /emulator/v1/reset":   {path: "/emulator/v1/reset"},
		"POST /emulator/v1/faults": {path: "/emulator/v1/faults", body: map[string]any{"method": "GET", "path": "/v1/rbac/policy", "status": 500,
			"error_type": "internal_server_error", "times": 1, "delay": "0s"}, required: [][]string{{"method"}, {"path"}}},
		"DELETE /emulator/v1/faults": {path: "/emulator/v1/faults"},
		"GET /emulator/v1/faults":    {path: "/emulator/v1/faults"},
		"GET /emulator/v1/requests":  {path: "/emulator/v1/requests"},

		"GET /emulator/v1/summary":        {path: "/emulator/v1/summary"},
		"GET /emulator/v1/users":          {path: "/emulator/v1/users?query=" + s.email},
		"GET /emulator/v1/sessions":       {path: "/emulator/v1/sessions?user_id=" + s.userID},
		"DELETE /emulator/v1/sessions/{}": {path: "/emulator/v1/sessions/" + s.sessionID},
		"DELETE /emulator/v1/clock":       {path: "/emulator/v1/clock"},
		"POST /emulator/v1/export":        {path: "/emulator/v1/export"},
		"POST /emulator/v1/import": {path: "/emulator/v1/import", body: map[string]any{"snapshot": map[string]any{
			"format": "stytch-emulator-project", "version": 1, "saved_at": "2026-01-01T00:00:00Z", "project": map[string]any{"project_id": s.pid}}},
			required: [][]string{{"snapshot"}}},
		"POST /emulator/v1/sessions/age": {path: "/emulator/v1/sessions/age", body: map[string]any{"by": "1m"}, required: [][]string{{"by"}}},
	}
}

func otpBody(field, value string, s *seeded) map[string]any {
	return map[string]any{field: value, "expiration_minutes": 5, "attributes": map[string]any{"ip_address": "", "user_agent": ""},
		"locale": "en", "user_id": s.userID, "session_token": "", "session_jwt": "", "login_template_id": "", "signup_template_id": ""}
}

func mlBody(addr string, attrs map[string]any) map[string]any {
	return map[string]any{"email": addr, "login_magic_link_url": emulator.DefaultRedirectURL, "signup_magic_link_url": emulator.DefaultRedirectURL,
		"login_expiration_minutes": 60, "signup_expiration_minutes": 60, "login_template_id": "t", "signup_template_id": "t",
		"attributes": attrs, "code_challenge": "", "locale": "en"}
}

func locBody(field, value string) map[string]any {
	return map[string]any{field: value, "expiration_minutes": 5, "attributes": map[string]any{"ip_address": "", "user_agent": ""},
		"create_user_as_pending": true, "locale": "en", "login_template_id": "", "signup_template_id": ""}
}

// publicRoutes need no credentials.
var publicRoutes = []string{"GET /emulator/v1/health", "GET /v1/sessions/jwks/{}"}

// freeForm fields are JSON objects of any content: their inner values have no wrong type.
var freeForm = map[string]bool{"session_custom_claims": true, "trusted_metadata": true, "untrusted_metadata": true}

// wrongTyped returns a value of another JSON type than v.
func wrongTyped(v any) any {
	switch v.(type) {
	case string:
		return 12345
	case int, float64:
		return "12"
	case bool:
		return "true"
	case map[string]any:
		return []any{1, 2}
	case []any:
		return "not-an-array"
	}
	return nil
}

// badCase is one malformed request.
type badCase struct {
	name string
	path string
	body []byte
	hdr  http.Header
	// want4xx: the request must be refused (else only "no 5xx, Stytch-shaped if an error").
	want4xx    bool
	wantStatus int
	wantType   string
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// badCases builds the malformed requests of one route.
func badCases(route string, sp routeSpec, s *seeded) []badCase {
	ok := authHeader(s.pid, s.secret)
	public := slices.Contains(publicRoutes, route)
	decodes := sp.body != nil
	var out []badCase
	add := func(c badCase) { out = append(out, c) }

	goodBody := []byte(nil)
	if decodes {
		goodBody = mustJSON(sp.body)
	}
	if !public {
		add(badCase{name: "no-auth", path: sp.path, body: goodBody, hdr: http.Header{"Content-Type": {"application/json"}}, want4xx: true, wantStatus: 401, wantType: "unauthorized_credentials"})
		add(badCase{name: "wrong-secret", path: sp.path, body: goodBody, hdr: authHeader(s.pid, "secret-test-wrong"), want4xx: true, wantStatus: 401, wantType: "unauthorized_credentials"})
		add(badCase{name: "other-projects-secret", path: sp.path, body: goodBody, hdr: authHeader(s.pid, otherSecret), want4xx: true, wantStatus: 401, wantType: "unauthorized_credentials"})
		add(badCase{name: "unknown-project", path: sp.path, body: goodBody, hdr: authHeader("project-test-99999999-9999-4999-8999-999999999999", s.secret), want4xx: true, wantStatus: 401, wantType: "unauthorized_credentials"})
		add(badCase{name: "live-project", path: sp.path, body: goodBody, hdr: authHeader("project-live-99999999-9999-4999-8999-999999999999", "secret-live-x"), want4xx: true, wantStatus: 401, wantType: "unauthorized_credentials"})
		for hname, hv := range map[string]string{
			"bearer":        "Bearer " + s.secret,
			"basic-garbage": "Basic !!!not-base64!!!",
			"basic-nocolon": "Basic " + "cHJvamVjdC10ZXN0LW5vLWNvbG9u",
			"no-scheme":     "justonetoken",
		} {
			add(badCase{name: "auth-" + hname, path: sp.path, body: goodBody, hdr: http.Header{"Authorization": {hv}}, want4xx: true,
				wantStatus: 400, wantType: "invalid_authorization_header"})
		}
	}
	huge := append([]byte(`{"email":"`), bytes.Repeat([]byte("a"), emulator.MaxBodyBytes)...)
	huge = append(huge, []byte(`"}`)...)
	add(badCase{name: "huge-body", path: sp.path, body: huge, hdr: ok, want4xx: true, wantStatus: 400})
	for bname, b := range map[string]string{
		"truncated":     `{"email":`,
		"garbage":       `not json at all`,
		"array":         `[1,2,3]`,
		"string":        `"hello"`,
		"number":        `42`,
		"trailing-data": `{} {}`,
		"bad-utf8":      "{\"email\":\"\xff\xfe\"",
		"nested-deep":   strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	} {
		c := badCase{name: "malformed-" + bname, path: sp.path, body: []byte(b), hdr: ok, want4xx: decodes}
		if decodes {
			c.wantStatus = 400
		}
		add(c)
	}
	if !decodes {
		if sp.missingPath != "" {
			add(badCase{name: "missing-query", path: sp.missingPath, hdr: ok, want4xx: true, wantStatus: 400})
		}
		return out
	}
	// Wrong JSON types, top-level and one level down.
	for k, v := range sp.body {
		if w := wrongTyped(v); w != nil {
			add(badCase{name: "wrong-type-" + k, path: sp.path, body: mustJSON(with(sp.body, map[string]any{k: w})), hdr: ok, want4xx: true, wantStatus: 400})
		}
		if inner, isObj := v.(map[string]any); isObj && !freeForm[k] {
			for ik, iv := range inner {
				if w := wrongTyped(iv); w != nil {
					add(badCase{name: "wrong-type-" + k + "." + ik, path: sp.path,
						body: mustJSON(with(sp.body, map[string]any{k: with(inner, map[string]any{ik: w})})), hdr: ok, want4xx: true, wantStatus: 400})
				}
			}
		}
		if _, isNum := v.(int); isNum {
			for nname, n := range map[string]string{"overflow": "1e40", "fraction": "1.5"} {
				b := mustJSON(sp.body)
				raw := map[string]json.RawMessage{}
				_ = json.Unmarshal(b, &raw)
				raw[k] = json.RawMessage(n)
				add(badCase{name: "number-" + nname + "-" + k, path: sp.path, body: mustJSON(raw), hdr: ok, want4xx: true, wantStatus: 400})
			}
		}
	}
	// Missing required fields.
	for _, set := range sp.required {
		b := with(sp.body, nil)
		for _, k := range set {
			delete(b, k)
		}
		add(badCase{name: "missing-" + strings.Join(set, "+"), path: sp.path, body: mustJSON(b), hdr: ok, want4xx: true})
		// An explicit null is the same as missing.
		nb := with(sp.body, nil)
		for _, k := range set {
			nb[k] = nil
		}
		add(badCase{name: "null-" + strings.Join(set, "+"), path: sp.path, body: mustJSON(nb), hdr: ok, want4xx: true})
	}
	return out
}

// checkBad runs one bad request in-process and checks the answer and the state.
func checkBad(t *testing.T, s *seeded, method string, c badCase) int {
	t.Helper()
	before := s.fingerprint(t)
	msgsBefore := len(s.e.Project(s.pid).Messages(""))
	status, body := serve(s.e, method, c.path, c.body, c.hdr)
	require.Less(t, status, 500, "%s %s [%s]: never a 5xx: %s", method, c.path, c.name, body)
	if c.want4xx {
		require.GreaterOrEqual(t, status, 400, "%s %s [%s] must be refused: %s", method, c.path, c.name, body)
	}
	if c.wantStatus != 0 {
		require.Equal(t, c.wantStatus, status, "%s %s [%s]: %s", method, c.path, c.name, body)
	}
	if status >= 400 {
		requireErrorBody(t, status, body, c.wantType)
		requireNoGoWords(t, body)
		require.Equal(t, before, s.fingerprint(t), "%s %s [%s]: state changed by a refused request", method, c.path, c.name)
		require.Equal(t, msgsBefore, len(s.e.Project(s.pid).Messages("")))
	}
	return status
}

func TestBadInputEveryRoute(t *testing.T) {
	t.Parallel()
	for _, route := range emulator.Routes() {
		t.Run(strings.ReplaceAll(route, "/", "_"), func(t *testing.T) {
			t.Parallel()
			s := seed(t)
			sp, ok := specs(s)[route]
			require.True(t, ok, "no spec for %s", route)
			method := strings.SplitN(route, " ", 2)[0]
			for _, c := range badCases(route, sp, s) {
				if checkBad(t, s, method, c) < 400 && route == "POST /emulator/v1/reset" {
					// The reset takes no body and did its job: start again from a seeded state.
					s = seed(t)
				}
			}
		})
	}
}

func TestBadInputCoversEveryRoute(t *testing.T) {
	t.Parallel()
	s := seed(t)
	sp := specs(s)
	for _, r := range emulator.Routes() {
		require.Contains(t, sp, r, "add a routeSpec for the new route")
	}
	require.Len(t, sp, len(emulator.Routes()), "a spec for a route that no longer exists")
}

// TestBadInputOverHTTP repeats the transport-level cases (credentials, malformed and huge bodies)
// over a real socket.
func TestBadInputOverHTTP(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t)
	client := &http.Client{Timeout: 20 * time.Second}
	huge := append([]byte(`{"password":"`), bytes.Repeat([]byte("x"), emulator.MaxBodyBytes+10)...)
	huge = append(huge, '"', '}')
	for _, route := range emulator.Routes() {
		method, pattern, _ := strings.Cut(route, " ")
		path := strings.ReplaceAll(pattern, "{}", ghostUser)
		cases := []struct {
			name string
			body []byte
			auth string
		}{
			{"no-auth", []byte(`{}`), ""},
			{"bad-auth", []byte(`{}`), "Basic %%%"},
			{"malformed", []byte(`{"a":`), basic(emulator.DefaultProjectID, emulator.DefaultSecret)},
			{"huge", huge, basic(emulator.DefaultProjectID, emulator.DefaultSecret)},
		}
		for _, c := range cases {
			req, err := http.NewRequest(method, ts.URL+path, bytes.NewReader(c.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := client.Do(req)
			require.NoError(t, err, "%s %s", route, c.name)
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			require.NoError(t, err)
			require.Less(t, resp.StatusCode, 500, "%s [%s]: %s", route, c.name, b)
			require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
			if resp.StatusCode >= 400 {
				requireErrorBody(t, resp.StatusCode, b, "")
			}
			if c.name == "huge" {
				require.Equal(t, 400, resp.StatusCode, "%s: %s", route, b)
			}
			if c.name != "huge" && c.name != "malformed" && !slices.Contains(publicRoutes, route) {
				require.GreaterOrEqual(t, resp.StatusCode, 400, "%s [%s]", route, c.name)
			}
		}
	}
}

func TestUnknownRouteAndWrongMethod(t *testing.T) {
	t.Parallel()
	s := seed(t)
	ok := authHeader(s.pid, s.secret)
	for _, path := range []string{"/", "/v1", "/v1/", "/v1/nope", "/v2/users", "/v1/magic_links/email/nope", "/v1/oauth/nope",
		"/v1/users/a/b/c", "/emulator/v1/nope", "/v1/sessions/jwks/", "/v1/totps/nope/x", "/%2e%2e/etc/passwd"} {
		for _, hdr := range []http.Header{ok, nil} {
			status, body := serve(s.e, "POST", path, []byte(`{}`), hdr)
			require.Equal(t, 404, status, "%s: %s", path, body)
			requireErrorBody(t, 404, body, "route_not_found")
		}
	}

	// Wrong methods: for each route's concrete path, any method no route serves there.
	routes := emulator.Routes()
	serves := func(method, path string) bool {
		for _, r := range routes {
			m, pattern, _ := strings.Cut(r, " ")
			if m == method && patternMatches(pattern, path) {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, r := range routes {
		_, pattern, _ := strings.Cut(r, " ")
		path := strings.ReplaceAll(pattern, "{}", "some-id")
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"} {
			if serves(m, path) {
				continue
			}
			before := s.fingerprint(t)
			status, body := serve(s.e, m, path, []byte(`{}`), ok)
			require.Equal(t, 405, status, "%s %s: %s", m, path, body)
			requireErrorBody(t, 405, body, "method_not_allowed")
			require.Equal(t, before, s.fingerprint(t))
			checked++
		}
	}
	require.Greater(t, checked, 50)
}

// patternMatches matches a route pattern with at most one {} segment.
func patternMatches(pattern, path string) bool {
	prefix, suffix, has := strings.Cut(pattern, "{}")
	if !has {
		return pattern == path
	}
	if !strings.HasPrefix(path, prefix) || !strings.HasSuffix(path, suffix) || len(path) <= len(prefix)+len(suffix) {
		return false
	}
	return !strings.Contains(path[len(prefix):len(path)-len(suffix)], "/")
}

// TestBadInputCrossProject: another project's valid credentials reach none of this project's
// objects, and change nothing here.
func TestBadInputCrossProject(t *testing.T) {
	t.Parallel()
	s := seed(t)
	other := authHeader(otherProjectID, otherSecret)
	reqs := []struct {
		method, path string
		body         any
		status       int
		errType      string
	}{
		{"GET", "/v1/users/" + s.userID, nil, 404, "user_not_found"},
		{"PUT", "/v1/users/" + s.userID, map[string]any{"name": map[string]any{"first_name": "X"}}, 404, "user_not_found"},
		{"DELETE", "/v1/users/" + s.userID, nil, 404, "user_not_found"},
		{"DELETE", "/v1/users/emails/" + s.emailID, nil, 404, "email_not_found"},
		{"DELETE", "/v1/users/phone_numbers/" + s.phoneID, nil, 404, "phone_number_not_found"},
		{"GET", "/v1/sessions?user_id=" + s.userID, nil, 404, "user_not_found"},
		{"POST", "/v1/sessions/authenticate", map[string]any{"session_token": s.sessionToken}, 404, "session_not_found"},
		{"POST", "/v1/sessions/revoke", map[string]any{"session_id": s.sessionID}, 404, "session_not_found"},
		{"POST", "/v1/sessions/revoke", map[string]any{"session_token": s.sessionToken}, 404, "session_not_found"},
		{"POST", "/v1/passwords/authenticate", map[string]any{"email": s.email, "password": strongPassword}, 404, "email_not_found"},
		{"POST", "/v1/otps/authenticate", map[string]any{"method_id": s.phoneID, "code": "123456"}, 404, "otp_code_not_found"},
		{"POST", "/v1/otps/sms/send", map[string]any{"phone_number": "+15550007777", "user_id": s.userID}, 404, "user_not_found"},
		{"POST", "/v1/totps", map[string]any{"user_id": s.userID}, 404, "user_not_found"},
		{"POST", "/v1/totps/recovery_codes", map[string]any{"user_id": s.userID}, 404, "user_not_found"},
		{"POST", "/v1/passwords/email/reset/start", map[string]any{"email": s.email}, 404, "email_not_found"},
	}
	for _, r := range reqs {
		before := s.fingerprint(t)
		var b []byte
		if r.body != nil {
			b = mustJSON(r.body)
		}
		status, body := serve(s.e, r.method, r.path, b, other)
		require.Equal(t, r.status, status, "%s %s: %s", r.method, r.path, body)
		requireErrorBody(t, status, body, r.errType)
		require.Equal(t, before, s.fingerprint(t), "%s %s", r.method, r.path)
	}
	// The session JWT of this project is refused there as well.
	status, body := serve(s.e, "POST", "/v1/sessions/authenticate", mustJSON(map[string]any{"session_jwt": s.sessionJWT}), other)
	require.True(t, status >= 400 && status < 500, "%d %s", status, body)
	requireErrorBody(t, status, body, "")
	// And the seeded session is still fine at home.
	status, body = serve(s.e, "POST", "/v1/sessions/authenticate", mustJSON(map[string]any{"session_token": s.sessionToken}), authHeader(s.pid, s.secret))
	require.Equal(t, 200, status, "%s", body)
}

// TestBadInputStateProbe double-checks the fingerprint notices real changes (so "unchanged" means
// something).
func TestBadInputStateProbe(t *testing.T) {
	t.Parallel()
	s := seed(t)
	before := s.fingerprint(t)
	status, body := serve(s.e, "PUT", "/v1/users/"+s.userID, []byte(`{"name":{"first_name":"Changed"}}`), authHeader(s.pid, s.secret))
	require.Equal(t, 200, status, "%s", body)
	require.NotEqual(t, before, s.fingerprint(t))
	before = s.fingerprint(t)
	status, _ = serve(s.e, "POST", "/v1/sessions/revoke", []byte(fmt.Sprintf(`{"session_id":%q}`, s.sessionID)), authHeader(s.pid, s.secret))
	require.Equal(t, 200, status)
	require.NotEqual(t, before, s.fingerprint(t))
}
