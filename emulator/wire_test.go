package emulator_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/existingpassword"
	pwsession "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/session"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/rbac"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
	"golang.org/x/crypto/bcrypt"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// The wire-conformance test: for every emulated endpoint, the emulator's success and
// error bodies are compared with the field lists of stytch-go v16's own response types — a key the
// SDK does not know, or a key of the SDK type the body lacks, fails — and IDs, tokens and
// timestamps are checked for Stytch's formats.

// wireOptional lists SDK keys a body may leave out, per object, with the reason.
var wireOptional = map[string]string{
	// An authentication factor carries only the sub-object of its own type.
	"AuthenticationFactor.*_factor": "only the factor's own sub-object is present",
	// The verdict appears only when an authorization_check was sent.
	"AuthenticateResponse.verdict": "only with authorization_check",
	// error_details appears only on errors that have details.
	"Error.error_details": "only on errors with details",
	// The JWKS carries x5tS256, the real API's spelling (see wireAllowedExtra).
	"JWK.x5t_s256": "sent as x5tS256, as the real API does",
	// Users and sessions carry no WebAuthn, OAuth, wallet or biometric registrations here, and
	// their element types are therefore never rendered.
}

// wireAllowedExtra lists keys the real API sends that the SDK type spells differently.
var wireAllowedExtra = map[string]string{
	"JWK.x5tS256": "the real JWKS says x5tS256; stytch-go's struct tag says x5t_s256",
}

// wireCase is one endpoint with a request that succeeds, the SDK type of its body, and a request
// that fails.
type wireCase struct {
	route     string // "METHOD /path" as in emulator.Routes()
	path      string // the concrete path (defaults to the route's)
	body      any
	sdkType   any
	status    int
	errPath   string
	errBody   any
	errStatus int
}

func TestWireConformance(t *testing.T) {
	e := emulator.New(emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret))
	w := &wireClient{t: t, e: e}
	const pw = "wire-correct-horse-battery-91!"

	// State the cases need, made through the API itself.
	created := wireDo[passwords.CreateResponse](w, "POST", "/v1/passwords", map[string]any{"email": "wire@example.com", "password": pw, "session_duration_minutes": 60})
	emailSent := wireDo[email.SendResponse](w, "POST", "/v1/otps/email/send", map[string]any{"email": "wire@example.com"})
	wireDo[otp.AuthenticateResponse](w, "POST", "/v1/otps/authenticate", map[string]any{"method_id": emailSent.EmailID, "code": w.code("wire@example.com"), "session_token": created.SessionToken})
	session := wireDo[passwords.AuthenticateResponse](w, "POST", "/v1/passwords/authenticate", map[string]any{"email": "wire@example.com", "password": pw, "session_duration_minutes": 60})
	smsSent := wireDo[sms.SendResponse](w, "POST", "/v1/otps/sms/send", map[string]any{"phone_number": "+15555550001", "session_token": session.SessionToken})
	other := wireDo[users.CreateResponse](w, "POST", "/v1/users", map[string]any{"email": "other@example.com", "phone_number": "+15555550002", "external_id": "wire-ext-1"})
	totpCreated := wireDo[totps.CreateResponse](w, "POST", "/v1/totps", map[string]any{"user_id": other.UserID})
	bhash, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	require.NoError(t, err)
	wireDo[passwords.MigrateResponse](w, "POST", "/v1/passwords/migrate", map[string]any{"email": "migrated@example.com", "hash": string(bhash), "hash_type": "bcrypt", "set_email_verified": true})
	wireDo[passwords.MigrateResponse](w, "POST", "/v1/passwords/migrate", map[string]any{"email": "migrated2@example.com", "hash": string(bhash), "hash_type": "bcrypt"})
	wireDo[pwemail.ResetStartResponse](w, "POST", "/v1/passwords/email/reset/start", map[string]any{"email": "migrated@example.com"})
	resetToken := e.Project(emulator.DefaultProjectID).Messages("migrated@example.com")[0].Token
	totpCode, err := totp.GenerateCode(totpCreated.Secret, e.Project(emulator.DefaultProjectID).Clock().Now())
	require.NoError(t, err)
	deletable := wireDo[users.CreateResponse](w, "POST", "/v1/users", map[string]any{"email": "deletable@example.com", "phone_number": "+15555550003"})
	wireDo[mlemail.LoginOrCreateResponse](w, "POST", "/v1/magic_links/email/login_or_create", map[string]any{"email": "wire-ml@example.com"})
	linkToken := e.Project(emulator.DefaultProjectID).Messages("wire-ml@example.com")[0].Token
	wireDo[mlemail.InviteResponse](w, "POST", "/v1/magic_links/email/invite", map[string]any{"email": "wire-revoke@example.com"})
	single := wireDo[users.CreateResponse](w, "POST", "/v1/users", map[string]any{"email": "single@example.com"})
	unknownUser := "user-test-00000000-0000-4000-8000-000000000000"
	unknownMethod := "phone-number-test-00000000-0000-4000-8000-000000000000"

	cases := []wireCase{
		{route: "POST /v1/users", body: map[string]any{"email": "new@example.com"}, sdkType: users.CreateResponse{}, status: 201, errBody: map[string]any{"email": "wire@example.com"}, errStatus: 400},
		{route: "POST /v1/users/search", body: map[string]any{"limit": 1}, sdkType: users.SearchResponse{}, status: 200, errBody: map[string]any{"limit": 5000}, errStatus: 400},
		{route: "GET /v1/users/{}", path: "/v1/users/" + created.UserID, sdkType: users.GetResponse{}, status: 200, errPath: "/v1/users/" + unknownUser, errStatus: 404},
		{route: "PUT /v1/users/{}", path: "/v1/users/" + created.UserID, body: map[string]any{"name": map[string]any{"first_name": "Ada"}}, sdkType: users.UpdateResponse{}, status: 200, errPath: "/v1/users/" + unknownUser, errStatus: 404},
		{route: "DELETE /v1/users/emails/{}", path: "/v1/users/emails/" + deletable.EmailID, sdkType: users.DeleteEmailResponse{}, status: 200, errPath: "/v1/users/emails/email-test-00000000-0000-4000-8000-000000000000", errStatus: 404},
		{route: "DELETE /v1/users/phone_numbers/{}", path: "/v1/users/phone_numbers/" + deletable.PhoneID, sdkType: users.DeletePhoneNumberResponse{}, status: 200, errPath: "/v1/users/phone_numbers/" + unknownMethod, errStatus: 404},
		{route: "DELETE /v1/users/passwords/{}", path: "/v1/users/passwords/" + "PASSWORD_OF_MIGRATED", sdkType: users.DeletePasswordResponse{}, status: 200, errPath: "/v1/users/passwords/password-test-00000000-0000-4000-8000-000000000000", errStatus: 404},
		{route: "POST /v1/passwords", body: map[string]any{"email": "another@example.com", "password": pw, "session_duration_minutes": 30}, sdkType: passwords.CreateResponse{}, status: 200, errBody: map[string]any{"email": "weak@example.com", "password": "password"}, errStatus: 400},
		{route: "POST /v1/passwords/authenticate", body: map[string]any{"email": "wire@example.com", "password": pw, "session_duration_minutes": 30}, sdkType: passwords.AuthenticateResponse{}, status: 200, errBody: map[string]any{"email": "wire@example.com", "password": "wrong-password"}, errStatus: 401},
		{route: "POST /v1/passwords/strength_check", body: map[string]any{"password": "p@ssword1"}, sdkType: passwords.StrengthCheckResponse{}, status: 200, errBody: map[string]any{}, errStatus: 400},
		{route: "POST /v1/passwords/migrate", body: map[string]any{"email": "migrated3@example.com", "hash": string(bhash), "hash_type": "bcrypt"}, sdkType: passwords.MigrateResponse{}, status: 200, errBody: map[string]any{"email": "x@example.com", "hash": "nope", "hash_type": "bcrypt"}, errStatus: 400},
		{route: "POST /v1/passwords/email/reset/start", body: map[string]any{"email": "wire@example.com"}, sdkType: pwemail.ResetStartResponse{}, status: 200, errBody: map[string]any{"email": "nobody@example.com"}, errStatus: 404},
		{route: "POST /v1/passwords/email/reset", body: map[string]any{"token": resetToken, "password": pw + "x", "session_duration_minutes": 30}, sdkType: pwemail.ResetResponse{}, status: 200, errBody: map[string]any{"token": resetToken, "password": pw}, errStatus: 401},
		{route: "POST /v1/passwords/existing_password/reset", body: map[string]any{"email": "migrated@example.com", "existing_password": pw + "x", "new_password": pw + "y", "session_duration_minutes": 30}, sdkType: existingpassword.ResetResponse{}, status: 200, errBody: map[string]any{"email": "migrated@example.com", "existing_password": "wrong", "new_password": pw + "z"}, errStatus: 401},
		{route: "POST /v1/otps/sms/send", body: map[string]any{"phone_number": "+15555550002"}, sdkType: sms.SendResponse{}, status: 200, errBody: map[string]any{"phone_number": "555"}, errStatus: 400},
		{route: "POST /v1/otps/sms/login_or_create", body: map[string]any{"phone_number": "+15555550004"}, sdkType: sms.LoginOrCreateResponse{}, status: 200, errBody: map[string]any{"phone_number": "+445555550004"}, errStatus: 400},
		{route: "POST /v1/otps/whatsapp/send", body: map[string]any{"phone_number": "+15555550002"}, sdkType: whatsapp.SendResponse{}, status: 200, errBody: map[string]any{"phone_number": "+15555559999"}, errStatus: 404},
		{route: "POST /v1/otps/whatsapp/login_or_create", body: map[string]any{"phone_number": "+15555550005"}, sdkType: whatsapp.LoginOrCreateResponse{}, status: 200, errBody: map[string]any{"phone_number": "+1555", "expiration_minutes": 3}, errStatus: 400},
		{route: "POST /v1/otps/email/send", body: map[string]any{"email": "other@example.com"}, sdkType: email.SendResponse{}, status: 200, errBody: map[string]any{"email": "not-an-email"}, errStatus: 400},
		{route: "POST /v1/otps/email/login_or_create", body: map[string]any{"email": "loc@example.com"}, sdkType: email.LoginOrCreateResponse{}, status: 200, errBody: map[string]any{"email": "loc@example.com", "expiration_minutes": 11}, errStatus: 400},
		{route: "POST /v1/otps/authenticate", body: map[string]any{"method_id": smsSent.PhoneID, "code": "CODE_OF_SMS", "session_token": session.SessionToken}, sdkType: otp.AuthenticateResponse{}, status: 200, errBody: map[string]any{"method_id": smsSent.PhoneID, "code": "000001"}, errStatus: 404},
		{route: "POST /v1/magic_links/email/send", body: map[string]any{"email": "wire@example.com"}, sdkType: mlemail.SendResponse{}, status: 200, errBody: map[string]any{"email": "nobody-ml@example.com"}, errStatus: 404},
		{route: "POST /v1/magic_links/email/login_or_create", body: map[string]any{"email": "wire-loc-ml@example.com"}, sdkType: mlemail.LoginOrCreateResponse{}, status: 200, errBody: map[string]any{"email": "wire-loc-ml@example.com", "login_magic_link_url": "https://evil.example.com/"}, errStatus: 400},
		{route: "POST /v1/magic_links/email/invite", body: map[string]any{"email": "wire-invite@example.com", "name": map[string]any{"first_name": "Ada"}}, sdkType: mlemail.InviteResponse{}, status: 200, errBody: map[string]any{"email": "wire@example.com"}, errStatus: 400},
		{route: "POST /v1/magic_links/email/revoke_invite", body: map[string]any{"email": "wire-revoke@example.com"}, sdkType: mlemail.RevokeInviteResponse{}, status: 200, errBody: map[string]any{"email": "wire-revoke@example.com"}, errStatus: 404},
		{route: "POST /v1/magic_links", body: map[string]any{"user_id": other.UserID}, sdkType: magiclinks.CreateResponse{}, status: 200, errBody: map[string]any{"user_id": unknownUser}, errStatus: 404},
		{route: "POST /v1/magic_links/authenticate", body: map[string]any{"token": linkToken, "session_duration_minutes": 30}, sdkType: magiclinks.AuthenticateResponse{}, status: 200, errBody: map[string]any{"token": linkToken}, errStatus: 401},
		{route: "POST /v1/totps", body: map[string]any{"user_id": session.UserID}, sdkType: totps.CreateResponse{}, status: 200, errBody: map[string]any{"user_id": unknownUser}, errStatus: 404},
		{route: "POST /v1/totps/authenticate", body: map[string]any{"user_id": other.UserID, "totp_code": totpCode}, sdkType: totps.AuthenticateResponse{}, status: 200, errBody: map[string]any{"user_id": other.UserID, "totp_code": "12345"}, errStatus: 400},
		{route: "POST /v1/totps/recovery_codes", body: map[string]any{"user_id": other.UserID}, sdkType: totps.RecoveryCodesResponse{}, status: 200, errBody: map[string]any{"user_id": unknownUser}, errStatus: 404},
		{route: "POST /v1/totps/recover", body: map[string]any{"user_id": other.UserID, "recovery_code": totpCreated.RecoveryCodes[0], "session_duration_minutes": 10}, sdkType: totps.RecoverResponse{}, status: 200, errBody: map[string]any{"user_id": other.UserID, "recovery_code": "zzzz-zzzz-zzzz"}, errStatus: 401},
		{route: "GET /v1/sessions", path: "/v1/sessions?user_id=" + created.UserID, sdkType: sessions.GetResponse{}, status: 200, errPath: "/v1/sessions?user_id=" + unknownUser, errStatus: 404},
		{route: "POST /v1/sessions/authenticate", body: map[string]any{"session_token": session.SessionToken}, sdkType: sessions.AuthenticateResponse{}, status: 200, errBody: map[string]any{"session_token": emulator.SandboxMissingSessionToken}, errStatus: 404},
		{route: "GET /v1/sessions/jwks/{}", path: "/v1/sessions/jwks/" + emulator.DefaultProjectID, sdkType: sessions.GetJWKSResponse{}, status: 200},
		{route: "GET /v1/rbac/policy", sdkType: rbac.PolicyResponse{}, status: 200},
		{route: "DELETE /v1/users/totps/{}", path: "/v1/users/totps/" + totpCreated.TOTPID, sdkType: users.DeleteTOTPResponse{}, status: 200, errPath: "/v1/users/totps/totp-test-00000000-0000-4000-8000-000000000000", errStatus: 404},
		{route: "POST /v1/sessions/revoke", body: map[string]any{"session_id": "SESSION_ID_OF_CREATED"}, sdkType: sessions.RevokeResponse{}, status: 200, errBody: map[string]any{}, errStatus: 400},
		{route: "POST /v1/passwords/session/reset", body: map[string]any{"session_token": "SESSION_OF_ANOTHER", "password": pw + "w"}, sdkType: pwsession.ResetResponse{}, status: 200, errBody: map[string]any{"password": pw}, errStatus: 400},
		{route: "PUT /v1/users/{}/exchange_primary_factor", path: "/v1/users/" + single.UserID + "/exchange_primary_factor", body: map[string]any{"email_address": "exchanged@example.com"}, sdkType: users.ExchangePrimaryFactorResponse{}, status: 200, errBody: map[string]any{}, errStatus: 400},
		{route: "DELETE /v1/users/{}/external_id", path: "/v1/users/" + other.UserID + "/external_id", sdkType: users.DeleteOAuthRegistrationResponse{}, status: 200, errPath: "/v1/users/" + unknownUser + "/external_id", errStatus: 404},
		{route: "DELETE /v1/users/webauthn_registrations/{}", path: "/v1/users/webauthn_registrations/webauthn-registration-test-00000000-0000-4000-8000-000000000000", sdkType: stytcherror.Error{}, status: 404},
		{route: "DELETE /v1/users/biometric_registrations/{}", path: "/v1/users/biometric_registrations/biometric-registration-test-00000000-0000-4000-8000-000000000000", sdkType: stytcherror.Error{}, status: 404},
		{route: "DELETE /v1/users/crypto_wallets/{}", path: "/v1/users/crypto_wallets/crypto-wallet-test-00000000-0000-4000-8000-000000000000", sdkType: stytcherror.Error{}, status: 404},
		{route: "DELETE /v1/users/oauth/{}", path: "/v1/users/oauth/oauth-user-registration-test-00000000-0000-4000-8000-000000000000", sdkType: stytcherror.Error{}, status: 404},
		{route: "DELETE /v1/users/{}", path: "/v1/users/" + deletable.UserID, sdkType: users.DeleteResponse{}, status: 200, errPath: "/v1/users/" + unknownUser, errStatus: 404},
	}

	covered := map[string]bool{}
	for _, tc := range cases {
		t.Run(tc.route, func(t *testing.T) {
			w.t = t
			defer func(parent *testing.T) { w.t = parent }(t)
			covered[tc.route] = true
			path := tc.path
			if path == "" {
				path = strings.SplitN(tc.route, " ", 2)[1]
			}
			body := w.fill(tc.body, created)
			path = w.fillPath(path)
			status, raw := w.raw(strings.SplitN(tc.route, " ", 2)[0], path, body)
			require.Equal(t, tc.status, status, "body: %s", raw)
			wireCompare(t, raw, reflect.TypeOf(tc.sdkType))
			wireFormats(t, raw)
			if tc.errStatus != 0 {
				epath := tc.errPath
				if epath == "" {
					epath = path
				}
				status, raw := w.raw(strings.SplitN(tc.route, " ", 2)[0], epath, w.fill(tc.errBody, created))
				require.Equal(t, tc.errStatus, status, "error body: %s", raw)
				wireCompare(t, raw, reflect.TypeOf(stytcherror.Error{}))
				wireFormats(t, raw)
			}
		})
	}
	for _, r := range emulator.Routes() {
		if strings.Contains(r, "/emulator/") {
			continue
		}
		require.True(t, covered[r], "route %s has no wire-conformance case", r)
	}
}

// wireClient sends raw requests to the emulator and keeps the values the cases refer to.
type wireClient struct {
	t *testing.T
	e *emulator.Emulator
}

func (w *wireClient) raw(method, path string, body any) (int, []byte) {
	var raw []byte
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		raw = b
	}
	return serve(w.e, method, path, raw, authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
}

// code is the latest OTP code sent to a phone or email.
func (w *wireClient) code(to string) string {
	msgs := w.e.Project(emulator.DefaultProjectID).Messages(to)
	require.NotEmpty(w.t, msgs, "no message to %s", to)
	return msgs[len(msgs)-1].Code
}

// fill replaces placeholders that can only be computed when the case runs.
func (w *wireClient) fill(body any, created passwords.CreateResponse) any {
	m, ok := body.(map[string]any)
	if !ok {
		return body
	}
	out := map[string]any{}
	for k, v := range m {
		switch v {
		case "CODE_OF_SMS":
			v = w.code("+15555550001")
		case "SESSION_ID_OF_CREATED":
			v = created.Session.SessionID
		case "SESSION_OF_ANOTHER":
			// a fresh session with a recent password factor, for the session reset
			fresh := wireDo[passwords.AuthenticateResponse](w, "POST", "/v1/passwords/authenticate", map[string]any{"email": "wire@example.com", "password": "wire-correct-horse-battery-91!", "session_duration_minutes": 30})
			v = fresh.SessionToken
		}
		out[k] = v
	}
	return out
}

func (w *wireClient) fillPath(path string) string {
	if strings.Contains(path, "PASSWORD_OF_MIGRATED") {
		var got users.SearchResponse
		_, raw := w.raw("POST", "/v1/users/search", map[string]any{"query": map[string]any{"operator": "AND", "operands": []any{map[string]any{"filter_name": "email_address", "filter_value": []string{"migrated2@example.com"}}}}})
		require.NoError(w.t, json.Unmarshal(raw, &got))
		require.Len(w.t, got.Results, 1)
		path = strings.Replace(path, "PASSWORD_OF_MIGRATED", got.Results[0].Password.PasswordID, 1)
	}
	return path
}

// wireDo sends a request that must succeed and decodes it into the SDK type.
func wireDo[T any](w *wireClient, method, path string, body any) T {
	w.t.Helper()
	status, raw := w.raw(method, path, body)
	require.Less(w.t, status, 300, "%s %s: %s", method, path, raw)
	var out T
	require.NoError(w.t, json.Unmarshal(raw, &out))
	return out
}

// wireCompare fails on keys the SDK type does not know and on keys of the SDK type the body lacks.
func wireCompare(t *testing.T, raw []byte, typ reflect.Type) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var problems []string
	wireWalk(v, typ, typ.Name(), &problems)
	sort.Strings(problems)
	require.Empty(t, problems, "body: %s", raw)
}

func wireWalk(v any, typ reflect.Type, path string, problems *[]string) {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	switch typ.Kind() {
	case reflect.Struct:
		if typ == reflect.TypeOf(time.Time{}) {
			return
		}
		obj, ok := v.(map[string]any)
		if !ok {
			if v != nil {
				*problems = append(*problems, fmt.Sprintf("%s: want an object, got %T", path, v))
			}
			return
		}
		fields := map[string]reflect.StructField{}
		for i := range typ.NumField() {
			f := typ.Field(i)
			name := strings.Split(f.Tag.Get("json"), ",")[0]
			if name == "" || name == "-" {
				continue
			}
			fields[name] = f
		}
		for k, val := range obj {
			f, ok := fields[k]
			if !ok {
				if _, allowed := wireAllowedExtra[typ.Name()+"."+k]; !allowed {
					*problems = append(*problems, fmt.Sprintf("%s.%s: key unknown to stytch-go's %s", path, k, typ.Name()))
				}
				continue
			}
			wireWalk(val, f.Type, path+"."+k, problems)
		}
		for name := range fields {
			if _, ok := obj[name]; ok {
				continue
			}
			if _, opt := wireOptional[typ.Name()+"."+name]; opt {
				continue
			}
			if strings.HasSuffix(name, "_factor") && typ.Name() == "AuthenticationFactor" {
				continue
			}
			*problems = append(*problems, fmt.Sprintf("%s.%s: missing (stytch-go's %s has it)", path, name, typ.Name()))
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			if v != nil {
				*problems = append(*problems, fmt.Sprintf("%s: want an array, got %T", path, v))
			}
			return
		}
		for i, el := range arr {
			wireWalk(el, typ.Elem(), fmt.Sprintf("%s[%d]", path, i), problems)
		}
	}
}

var (
	wireUUID      = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`
	wireIDFormats = map[string]*regexp.Regexp{
		"user_id":       regexp.MustCompile(`^(user-test-` + wireUUID + `)?$`),
		"session_id":    regexp.MustCompile(`^(session-test-` + wireUUID + `)?$`),
		"email_id":      regexp.MustCompile(`^(email-test-` + wireUUID + `)?$`),
		"phone_id":      regexp.MustCompile(`^(phone-number-test-` + wireUUID + `)?$`),
		"totp_id":       regexp.MustCompile(`^(totp-test-` + wireUUID + `)?$`),
		"request_id":    regexp.MustCompile(`^(request-id-test-` + wireUUID + `)?$`),
		"kid":           regexp.MustCompile(`^(jwk-test-` + wireUUID + `)?$`),
		"password_id":   regexp.MustCompile(`^(password-test-` + wireUUID + `)?$`),
		"session_token": regexp.MustCompile(`^([A-Za-z0-9_-]{44})?$`),
	}
	wireTimestamp = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$`)
)

// wireFormats checks every ID, token and timestamp in a body, wherever it appears.
func wireFormats(t *testing.T, raw []byte) {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal(raw, &v))
	var bad []string
	var walk func(v any, key string)
	walk = func(v any, key string) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				walk(val, k)
			}
		case []any:
			for _, el := range x {
				walk(el, key)
			}
		case string:
			if re, ok := wireIDFormats[key]; ok && !re.MatchString(x) {
				bad = append(bad, fmt.Sprintf("%s=%q", key, x))
			}
			if strings.HasSuffix(key, "_at") && !wireTimestamp.MatchString(x) {
				bad = append(bad, fmt.Sprintf("%s=%q is not a whole-second RFC 3339 UTC time", key, x))
			}
		}
	}
	walk(v, "")
	slices.Sort(bad)
	require.Empty(t, bad, "body: %s", raw)
	var status struct {
		StatusCode int `json:"status_code"`
	}
	require.NoError(t, json.Unmarshal(raw, &status))
	require.NotZero(t, status.StatusCode)
}
