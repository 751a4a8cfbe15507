package drift_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/stytch-emulator/stytchemu/pkg/drift"
)

const testUUID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"

func TestStringFormat(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in, want string
	}{
		{"user-test-" + testUUID, "user_id"},
		{"user-live-" + testUUID, "user_id"},
		{"session-test-" + testUUID, "session_id"},
		{"email-test-" + testUUID, "email_id"},
		{"phone-number-test-" + testUUID, "phone_id"},
		{"totp-test-" + testUUID, "totp_id"},
		{"request-id-test-" + testUUID, "request_id"},
		{"jwk-test-" + testUUID, "jwk_id"},
		{"password-test-" + testUUID, "password_id"},
		{"totp-recovery-code-test-" + testUUID, "recovery_code_id"},
		{"project-test-" + testUUID, "project_id"},
		{"webauthn-registration-test-" + testUUID, "webauthn_registration_id"},
		{"user-test-not-a-uuid", "string"},
		{testUUID, "uuid"},
		{"Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3_", "token"}, // 44 base64url characters
		{"Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3=", "token"}, // padded
		{"Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3_-x9Zq0Ab3", "string"}, // 43
		{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl", "jwt"},
		{"eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", "jwt"},
		{"2024-05-06T07:08:09Z", "rfc3339"},
		{"2024-05-06T07:08:09+02:00", "rfc3339"},
		{"2024-05-06T07:08:09.123456Z", "rfc3339_fractional"},
		{"2024-13-06T07:08:09Z", "string"}, // no 13th month
		{"2024-05-06 07:08:09Z", "string"},
		{"2024-05-06", "string"},
		{"ada@example.com", "email"},
		{"stytch-conform+x1@example.com", "email"},
		{"ada@localhost", "string"},
		{"+15555550123", "e164"},
		{"+447700900123", "e164"},
		{"15555550123", "string"},
		{"+0123456789", "string"},
		{"012345", "otp_code"},
		{"12345", "string"},
		{"1234567", "string"},
		{"ab12-cd34-ef56", "recovery_code"},
		{"JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", "base32"},
		{"JBSWY3DPEHPK3PX", "string"}, // 15 characters
		{"data:image/png;base64,iVBORw0KGgo=", "data_url"},
		{"", "empty_string"},
		{"active", "string"},
		{"Hello, world", "string"},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, drift.StringFormat(c.in), "StringFormat(%q)", c.in)
	}
}

func TestShapeOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		body string
		want drift.Shape
	}{
		{"empty body", "", nil},
		{"white space", " \n", nil},
		{"not json", "<html>bad gateway</html>", drift.Shape{"$": "not_json"}},
		{"trailing data", `{"a":1} {"b":2}`, drift.Shape{"$": "not_json"}},
		{"scalars", `{"n":1.5,"i":200,"t":true,"f":false,"z":null,"s":"x","e":""}`, drift.Shape{
			"$": "object", "n": "number", "i": "number", "t": "bool", "f": "bool", "z": "null", "s": "string", "e": "empty_string",
		}},
		{"top-level null", `null`, drift.Shape{"$": "null"}},
		{"top-level array", `[{"a":1}]`, drift.Shape{"$": "array", "[]": "object", "[].a": "number"}},
		{"nested objects", `{"session":{"expires_at":"2024-05-06T07:08:09Z","user_id":"user-test-` + testUUID + `","attributes":{"ip_address":""}}}`, drift.Shape{
			"$": "object", "session": "object", "session.expires_at": "rfc3339", "session.user_id": "user_id",
			"session.attributes": "object", "session.attributes.ip_address": "empty_string",
		}},
		{"empty object", `{"custom_claims":{}}`, drift.Shape{"$": "object", "custom_claims": "object"}},
		{"empty array", `{"emails":[]}`, drift.Shape{"$": "object", "emails": "empty_array"}},
		{"array elements merged", `{"emails":[{"email":"a@example.com","verified":true},{"email":"b@example.com","email_id":"email-test-` + testUUID + `"}]}`, drift.Shape{
			"$": "object", "emails": "array", "emails[]": "object",
			"emails[].email": "email", "emails[].verified": "bool", "emails[].email_id": "email_id",
		}},
		{"mixed elements", `{"xs":["2024-05-06T07:08:09Z",null,"2024-05-06T07:08:10Z"]}`, drift.Shape{
			"$": "object", "xs": "array", "xs[]": "null|rfc3339",
		}},
		{"nested arrays, some empty", `{"m":[[],[1]]}`, drift.Shape{"$": "object", "m": "array", "m[]": "array", "m[][]": "number"}},
		{"nested arrays, all empty", `{"m":[[],[]]}`, drift.Shape{"$": "object", "m": "array", "m[]": "empty_array"}},
		{"odd keys quoted", `{"a.b":{"c":1},"":2,"x y":3}`, drift.Shape{
			"$": "object", `["a.b"]`: "object", `["a.b"].c`: "number", `[""]`: "number", `["x y"]`: "number",
		}},
		{"stytch error", `{"status_code":404,"request_id":"request-id-test-` + testUUID + `","error_type":"session_not_found","error_message":"Session not found.","error_url":"https://stytch.com/docs/api/errors/404#session_not_found"}`, drift.Shape{
			"$": "object", "status_code": "number", "request_id": "request_id", "error_type": "string", "error_message": "string", "error_url": "string",
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, drift.ShapeOf([]byte(c.body)))
		})
	}
}

func TestShapeOfValue(t *testing.T) {
	t.Parallel()
	got := drift.ShapeOfValue(map[string]any{"a": []any{}, "b": float64(3), "c": nil})
	assert.Equal(t, drift.Shape{"$": "object", "a": "empty_array", "b": "number", "c": "null"}, got)
}

func TestMaskPath(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"/v1/users/user-test-" + testUUID:                       "/v1/users/{user_id}",
		"/v1/users/emails/email-test-" + testUUID:               "/v1/users/emails/{email_id}",
		"/v1/users/phone_numbers/phone-number-test-" + testUUID: "/v1/users/phone_numbers/{phone_id}",
		"/v1/users/totps/totp-test-" + testUUID:                 "/v1/users/totps/{totp_id}",
		"/v1/sessions/jwks/project-test-" + testUUID:            "/v1/sessions/jwks/{project_id}",
		"/v1/things/" + testUUID:                                "/v1/things/{uuid}",
		"/v1/sessions/authenticate":                             "/v1/sessions/authenticate",
		"/v1/otps/sms/send":                                     "/v1/otps/sms/send",
		"/":                                                     "/",
	}
	for in, want := range cases {
		assert.Equal(t, want, drift.MaskPath(in), "MaskPath(%q)", in)
	}
}
