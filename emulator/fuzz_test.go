package emulator_test

// Fuzz targets for the emulator's HTTP surface. Their seed corpora (f.Add below and the files in
// testdata/fuzz/<Target>/) run with every `go test`; fuzz with e.g.
//
//	go test ./emulator -run '^$' -fuzz FuzzRequestDecoding -fuzztime 60s
//	go test ./emulator -run '^$' -fuzz FuzzHTTPSurface -fuzztime 60s
//
// Properties: no panic, never a 5xx, a Stytch-shaped JSON error body for every 4xx, a JSON body
// with request_id and a matching status_code for every success, and no state change on errors.

import (
	"bytes"
	"encoding/json"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

var fuzzBase = time.Date(2030, 6, 1, 12, 0, 0, 0, time.UTC)

// fuzzTarget is a small, fresh emulator with one user holding a verified phone and a session.
// Placeholders in fuzz inputs ($USER, $PHONE_ID, $TOKEN, $SESSION_ID, $PID) are replaced by its ids.
type fuzzTarget struct {
	e                               *emulator.Emulator
	userID, phoneID, token, session string
	jwt                             string
	replacer                        *strings.Replacer
}

func newFuzzTarget(t *testing.T) *fuzzTarget {
	t.Helper()
	e := emulator.New(fixedClock(fuzzBase))
	hdr := authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
	status, body := serve(e, "POST", "/v1/otps/sms/login_or_create", []byte(`{"phone_number":"+15550101010"}`), hdr)
	require.Equal(t, 200, status, "%s", body)
	var sent struct {
		UserID  string `json:"user_id"`
		PhoneID string `json:"phone_id"`
	}
	require.NoError(t, json.Unmarshal(body, &sent))
	code := e.Project(emulator.DefaultProjectID).Messages("+15550101010")[0].Code
	status, body = serve(e, "POST", "/v1/otps/authenticate",
		[]byte(`{"method_id":"`+sent.PhoneID+`","code":"`+code+`","session_duration_minutes":60}`), hdr)
	require.Equal(t, 200, status, "%s", body)
	var auth struct {
		SessionToken string `json:"session_token"`
		SessionJWT   string `json:"session_jwt"`
		Session      struct {
			SessionID string `json:"session_id"`
		} `json:"session"`
	}
	require.NoError(t, json.Unmarshal(body, &auth))
	ft := &fuzzTarget{e: e, userID: sent.UserID, phoneID: sent.PhoneID, token: auth.SessionToken, session: auth.Session.SessionID, jwt: auth.SessionJWT}
	ft.replacer = strings.NewReplacer("$USER", ft.userID, "$PHONE_ID", ft.phoneID, "$TOKEN", ft.token,
		"$SESSION_ID", ft.session, "$JWT", ft.jwt, "$PID", emulator.DefaultProjectID)
	return ft
}

// fingerprint is the observable state: users, sessions of the user, outbox, clock.
func (ft *fuzzTarget) fingerprint(t *testing.T) string {
	t.Helper()
	hdr := authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
	_, sess := serve(ft.e, "GET", "/v1/sessions?user_id="+ft.userID, nil, hdr)
	var s struct {
		Sessions []map[string]any `json:"sessions"`
	}
	_ = json.Unmarshal(sess, &s)
	for _, x := range s.Sessions {
		delete(x, "last_accessed_at")
	}
	sj, _ := json.Marshal(s.Sessions)
	return stateFingerprint(t, ft.e, emulator.DefaultProjectID, emulator.DefaultSecret) + " sessions=" + string(sj) +
		" clock=" + ft.e.Project(emulator.DefaultProjectID).Clock().Now().String()
}

// serveRecovering runs a request and turns a panic into a test failure.
func serveRecovering(t *testing.T, e *emulator.Emulator, req *http.Request) (status int, body []byte) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("panic serving %s %s: %v", req.Method, req.URL, r)
		}
	}()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// checkAnswer asserts the response properties common to both fuzz targets.
func checkAnswer(t *testing.T, method, target string, status int, body []byte) {
	t.Helper()
	if status >= 500 {
		t.Fatalf("%s %s: 5xx %d: %s", method, target, status, body)
	}
	if status >= 400 {
		requireErrorBody(t, status, body, "")
		requireNoGoWords(t, body)
		return
	}
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "%s %s: success body is not a JSON object: %q", method, target, body)
	require.Regexp(t, requestIDPattern, m["request_id"])
	require.EqualValues(t, status, m["status_code"])
}

type routeSeed struct {
	route string
	body  string
}

// fuzzSeeds are plausible and implausible bodies for every route (placeholders allowed).
var fuzzSeeds = []routeSeed{
	{"POST /v1/users", `{"email":"new@example.com","name":{"first_name":"A"},"external_id":"x-1"}`},
	{"POST /v1/users", `{"email":5}`},
	{"POST /v1/users", `{"phone_number":"+15550102020","create_user_as_pending":"yes"}`},
	{"POST /v1/users/search", `{"limit":2,"query":{"operator":"OR","operands":[{"filter_name":"user_id","filter_value":["$USER"]}]}}`},
	{"POST /v1/users/search", `{"cursor":"bm90LWEtY3Vyc29y","limit":-1}`},
	{"POST /v1/users/search", `{"query":{"operands":[{"filter_name":"created_at_greater_than","filter_value":"2020-01-01T00:00:00Z"}]}}`},
	{"GET /v1/users/{}", ``},
	{"PUT /v1/users/{}", `{"trusted_metadata":{"a":null},"roles":["x"],"external_id":"ext"}`},
	{"PUT /v1/users/{}", `{"name":"not an object"}`},
	{"DELETE /v1/users/{}", ``},
	{"DELETE /v1/users/emails/{}", `{}`},
	{"DELETE /v1/users/phone_numbers/{}", ``},
	{"DELETE /v1/users/passwords/{}", ``},
	{"DELETE /v1/users/totps/{}", ``},
	{"POST /v1/passwords", `{"email":"pw@example.com","password":"correct-horse-battery-staple-91!","session_duration_minutes":60}`},
	{"POST /v1/passwords", `{"email":"pw@example.com","password":"x","session_duration_minutes":1e9}`},
	{"POST /v1/passwords/authenticate", `{"email":"pw@example.com","password":"nope","session_token":"$TOKEN"}`},
	{"POST /v1/passwords/strength_check", `{"password":"p@ssword1"}`},
	{"POST /v1/passwords/migrate", `{"email":"m@example.com","hash":"$2a$04$abc","hash_type":"bcrypt"}`},
	{"POST /v1/passwords/migrate", `{"email":"m@example.com","hash":"00","hash_type":"scrypt","scrypt_config":{"n_parameter":3}}`},
	{"POST /v1/passwords/email/reset/start", `{"email":"pw@example.com","reset_password_expiration_minutes":99999}`},
	{"POST /v1/passwords/email/reset", `{"token":"x","password":"y"}`},
	{"POST /v1/passwords/existing_password/reset", `{"email":"a@b.co","existing_password":"a","new_password":"b"}`},
	{"POST /v1/passwords/session/reset", `{"password":"correct-horse-battery-staple-91!","session_jwt":"$JWT"}`},
	{"POST /v1/otps/sms/send", `{"phone_number":"+15550103030","user_id":"$USER"}`},
	{"POST /v1/otps/sms/send", `{"phone_number":"+447700900123","expiration_minutes":11}`},
	{"POST /v1/otps/whatsapp/send", `{"phone_number":"+15550101010","session_token":"$TOKEN","session_jwt":"$JWT"}`},
	{"POST /v1/otps/email/send", `{"email":"x@example.com","session_token":"$TOKEN"}`},
	{"POST /v1/otps/sms/login_or_create", `{"phone_number":"+10000000000"}`},
	{"POST /v1/otps/whatsapp/login_or_create", `{"phone_number":"123"}`},
	{"POST /v1/otps/email/login_or_create", `{"email":"sandbox@stytch.com","create_user_as_pending":true}`},
	{"POST /v1/otps/authenticate", `{"method_id":"$PHONE_ID","code":"000000","session_token":"$TOKEN","session_duration_minutes":5}`},
	{"POST /v1/otps/authenticate", `{"method_id":"$PHONE_ID","code":123456}`},
	{"POST /v1/magic_links/email/send", `{"email":"x@example.com","session_token":"$TOKEN","login_magic_link_url":"http://localhost:3000/authenticate"}`},
	{"POST /v1/magic_links/email/send", `{"email":"x@example.com","user_id":"$USER","code_challenge":"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM","locale":"pt-br"}`},
	{"POST /v1/magic_links/email/login_or_create", `{"email":"ml@example.com","create_user_as_pending":true,"signup_expiration_minutes":10080,"signup_template_id":"t"}`},
	{"POST /v1/magic_links/email/login_or_create", `{"email":"ml@example.com","login_magic_link_url":"://","attributes":{"ip_address":1}}`},
	{"POST /v1/magic_links/email/invite", `{"email":"inv@example.com","name":{"first_name":"A"},"trusted_metadata":{"k":[1]},"invite_expiration_minutes":5}`},
	{"POST /v1/magic_links/email/invite", `{"email":"sandbox@stytch.com","locale":"xx"}`},
	{"POST /v1/magic_links/email/revoke_invite", `{"email":"inv@example.com"}`},
	{"POST /v1/magic_links", `{"user_id":"$USER","expiration_minutes":10080,"attributes":{"user_agent":"a"}}`},
	{"POST /v1/magic_links", `{"user_id":"$USER","expiration_minutes":-1}`},
	{"POST /v1/magic_links/authenticate", `{"token":"DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=","session_token":"$TOKEN","session_duration_minutes":5}`},
	{"POST /v1/magic_links/authenticate", `{"token":"3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU=","code_verifier":"v","options":{"ip_match_required":true}}`},
	{"POST /v1/magic_links/authenticate", `{"token":["x"],"session_jwt":"$JWT"}`},
	{"POST /v1/totps", `{"user_id":"$USER","expiration_minutes":5}`},
	{"POST /v1/totps/authenticate", `{"user_id":"$USER","totp_code":"123456"}`},
	{"POST /v1/totps/recovery_codes", `{"user_id":"$USER"}`},
	{"POST /v1/totps/recover", `{"user_id":"$USER","recovery_code":"a1b2-c3d4-e5f6"}`},
	{"GET /v1/sessions", ``},
	{"POST /v1/sessions/authenticate", `{"session_token":"$TOKEN","session_duration_minutes":5,"session_custom_claims":{"k":[1,2,{"x":null}]}}`},
	{"POST /v1/sessions/authenticate", `{"session_token":"$TOKEN","session_jwt":"$JWT"}`},
	{"POST /v1/sessions/authenticate", `{"session_jwt":"eyJhbGciOiJub25lIn0.e30."}`},
	{"POST /v1/sessions/revoke", `{"session_id":"$SESSION_ID","session_token":"$TOKEN"}`},
	{"GET /v1/sessions/jwks/{}", ``},
	{"GET /v1/rbac/policy", ``},
	{"GET /emulator/v1/health", ``},
	{"GET /emulator/v1/messages", ``},
	{"GET /emulator/v1/clock", ``},
	{"POST /emulator/v1/clock", `{"advance":"-5m"}`},
	{"POST /emulator/v1/clock", `{"set":"2031-01-01T00:00:00Z"}`},
	{"POST /emulator/v1/reset", ``},
	{"POST /emulator/v1/faults", `{"method":"GET","path":"/v1/rbac/policy","status":503,"error_type":"server_unavailable","times":-1}`},
	{"DELETE /emulator/v1/faults", ``},
	{"GET /emulator/v1/requests", ``},
	{"GET /emulator/v1/summary", ``},
	{"GET /emulator/v1/users", ``},
	{"GET /emulator/v1/sessions", ``},
	{"DELETE /emulator/v1/sessions/{}", ``},
	{"GET /emulator/v1/faults", ``},
	{"DELETE /emulator/v1/clock", `{"x":1}`},
	{"POST /emulator/v1/export", ``},
	{"POST /emulator/v1/import", `{"snapshot":{"format":"stytch-emulator-project","version":1,"project":{"project_id":"x","users":[{"id":"u","contacts":[{"id":"c","kind":"email","value":"a@b.co"}]}]}}}`},
	{"POST /v1/users", `[`},
	{"POST /v1/passwords", `{"email":"a@b.co"} trailing`},
	{"POST /v1/otps/authenticate", "{\"method_id\":\"\xff\xfe\",\"code\":\"\"}"},
}

// pathOf makes the concrete path of a route for a fuzz target.
func (ft *fuzzTarget) pathOf(route string) (string, string) {
	method, pattern, _ := strings.Cut(route, " ")
	switch {
	case pattern == "/v1/sessions":
		return method, "/v1/sessions?user_id=" + ft.userID
	case pattern == "/v1/sessions/jwks/{}":
		return method, "/v1/sessions/jwks/" + emulator.DefaultProjectID
	case pattern == "/v1/users/phone_numbers/{}":
		return method, "/v1/users/phone_numbers/" + ft.phoneID
	}
	return method, strings.ReplaceAll(pattern, "{}", ft.userID)
}

// FuzzRequestDecoding sends an arbitrary body to a route (any string that is not a route picks one
// by hash) with valid credentials.
func FuzzRequestDecoding(f *testing.F) {
	routes := emulator.Routes()
	for _, s := range fuzzSeeds {
		f.Add(s.route, []byte(s.body))
	}
	for _, r := range routes {
		f.Add(r, []byte(`{}`))
		f.Add(r, []byte(`null`))
	}
	f.Fuzz(func(t *testing.T, route string, body []byte) {
		if !slices.Contains(routes, route) {
			route = routes[int(crc32.ChecksumIEEE([]byte(route))%uint32(len(routes)))]
		}
		ft := newFuzzTarget(t)
		method, path := ft.pathOf(route)
		body = []byte(ft.replacer.Replace(string(body)))
		before := ft.fingerprint(t)
		msgs := len(ft.e.Project(emulator.DefaultProjectID).Messages(""))

		req := httptest.NewRequest(method, "http://emulator.test"+path, bytes.NewReader(body))
		req.Header = authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
		status, resp := serveRecovering(t, ft.e, req)
		checkAnswer(t, method, path, status, resp)
		if status >= 400 {
			require.Equal(t, before, ft.fingerprint(t), "%s %s %q: a refused request changed the state", method, path, body)
			require.Equal(t, msgs, len(ft.e.Project(emulator.DefaultProjectID).Messages("")))
		}
	})
}

// FuzzHTTPSurface sends arbitrary methods, paths, bodies and credentials.
func FuzzHTTPSurface(f *testing.F) {
	for _, r := range emulator.Routes() {
		method, pattern, _ := strings.Cut(r, " ")
		path := strings.ReplaceAll(pattern, "{}", "$USER")
		f.Add(method, path, []byte(`{}`), uint8(1), "")
		f.Add(method, path, []byte(`{"x":`), uint8(0), "")
	}
	f.Add("PATCH", "/v1/users/$USER", []byte(`{}`), uint8(1), "")
	f.Add("GET", "/v1/nope", []byte(nil), uint8(1), "")
	f.Add("POST", "/v1/passwords/authenticate", []byte(`{"email":"a@b.co","password":"x"}`), uint8(2), "")
	f.Add("POST", "/v1/sessions/authenticate", []byte(`{"session_token":"$TOKEN"}`), uint8(3), "Basic Og==")
	f.Add("GET", "/v1/sessions?user_id=$USER&user_id=x", []byte(nil), uint8(1), "")
	f.Add("GET", "/v1/users/$USER/../..", []byte(nil), uint8(1), "")
	f.Add("DELETE", "//v1//users//$USER", []byte(nil), uint8(1), "")
	f.Add("POST", "/v1/totps", []byte(`{"user_id":"`+strings.Repeat("u", 300)+`"}`), uint8(1), "")
	f.Add("GET", "/v1/sessions/jwks/$PID", []byte(nil), uint8(3), "Bearer x")
	f.Fuzz(func(t *testing.T, method, path string, body []byte, authMode uint8, header string) {
		ft := newFuzzTarget(t)
		path = ft.replacer.Replace(path)
		body = []byte(ft.replacer.Replace(string(body)))
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequest(method, "http://emulator.test"+path, bytes.NewReader(body))
		if err != nil || req.URL.Host != "emulator.test" {
			return // not a request a client could send
		}
		switch authMode % 4 {
		case 1:
			req.Header.Set("Authorization", basic(emulator.DefaultProjectID, emulator.DefaultSecret))
		case 2:
			req.Header.Set("Authorization", basic(emulator.DefaultProjectID, "secret-test-wrong"))
		case 3:
			req.Header.Set("Authorization", header)
		}
		req.Header.Set("Content-Type", "application/json")
		before := ft.fingerprint(t)
		status, resp := serveRecovering(t, ft.e, req)
		checkAnswer(t, method, path, status, resp)
		if status >= 400 {
			require.Equal(t, before, ft.fingerprint(t), "%s %s: a refused request changed the state", method, path)
		}
		_, _ = io.Copy(io.Discard, bytes.NewReader(resp))
	})
}
