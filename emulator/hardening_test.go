package emulator_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Attack tests: each request here once cost the emulator hours of CPU, gigabytes of memory or
// unbounded state. They must be refused cheaply, with a Stytch-shaped error and no state change.

// Migrated hashes whose parameters would make one authenticate burn minutes to hours of CPU or
// gigabytes of memory are refused at migrate, with the endpoint's invalid-hash errors.
func TestAttackCostlyMigratedHashesAreRefused(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString
	salt := b64([]byte("0123456789abcdef"))
	key32 := b64(make([]byte, 32))
	tests := []struct {
		name      string
		body      map[string]any
		errorType string
	}{
		{"pbkdf2 with ten million iterations", map[string]any{"hash_type": "pbkdf_2", "hash": key32,
			"pbkdf_2_config": map[string]any{"salt": salt, "iteration_amount": 10_000_000}}, "invalid_pbkdf_2_iteration_amount"},
		{"pbkdf2 with a 700 KB key", map[string]any{"hash_type": "pbkdf_2", "hash": b64(make([]byte, 700_000)),
			"pbkdf_2_config": map[string]any{"salt": salt, "iteration_amount": 1000}}, "invalid_pbkdf_2_hash"},
		{"phpass with 2^24 rounds", map[string]any{"hash_type": "phpass", "hash": "$P$MIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"}, "invalid_hash"},
		{"scrypt with r=2^20 p=16", map[string]any{"hash_type": "scrypt", "hash": "$scrypt$ln=1,r=1048576,p=16$" + salt + "$" + key32}, "invalid_hash"},
		{"argon2 with 256 MiB", map[string]any{"hash_type": "argon_2id", "hash": "$argon2id$v=19$m=262144,t=1,p=1$" + salt + "$" + key32}, "invalid_hash"},
		{"bcrypt with cost 16", map[string]any{"hash_type": "bcrypt", "hash": "$2b$16$" + strings.Repeat("a", 53)}, "invalid_bcrypt_cost"},
	}
	both(t, func(t *testing.T, h *H) {
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		for _, tt := range tests {
			req := map[string]any{"email": h.Email("costly")}
			maps.Copy(req, tt.body)
			status, body := h.RawJSON(t, "POST", "/v1/passwords/migrate", req)
			require.Equal(t, 400, status, "%s: %v", tt.name, body)
			require.Equal(t, tt.errorType, body["error_type"], tt.name)
		}
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret), "refused migrations change nothing")
	})
}

// The caps are options: tiny ones make a hash exactly at them cheap to check, and one step above
// them refused.
func TestAttackMigratedHashCapsAreOptions(t *testing.T) {
	t.Parallel()
	const pw = "migrated-passphrase-4711"
	salt := []byte("0123456789abcdef")
	migrate := func(h *H, addr string, iterations int) error {
		key, err := pbkdf2.Key(sha256.New, pw, salt, iterations, 32)
		require.NoError(t, err)
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{
			Email: addr, Hash: base64.StdEncoding.EncodeToString(key), HashType: passwords.MigrateRequestHashTypePbkdf2,
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: int32(iterations), KeyLength: 32},
		})
		return err
	}
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("capped")
		require.NoError(t, migrate(h, addr, 100))
		_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: pw})
		require.NoError(t, err)

		requireAPIError(t, h, migrate(h, h.Email("capped"), 101), 400, "invalid_pbkdf_2_iteration_amount")

		// A password longer than the cap never matches a migrated hash.
		long := strings.Repeat("x", 33)
		key, err := pbkdf2.Key(sha256.New, long, salt, 10, 32)
		require.NoError(t, err)
		addr = h.Email("long")
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{
			Email: addr, Hash: base64.StdEncoding.EncodeToString(key), HashType: passwords.MigrateRequestHashTypePbkdf2,
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: 10},
		})
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: long})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
	}, emulator.WithLimits(emulator.Limits{MigratedHash: emulator.HashLimits{MaxPBKDF2Work: 100, MaxPasswordBytes: 32}}))
}

// goWords are what a Go decoding error leaks into a message: type names and package prefixes.
var goWords = regexp.MustCompile(`\bGo (struct|value)\b|\bjson: |\bstrconv\.|\b(u?int(8|16|32|64)?|float(32|64)|interface \{\}|map\[string\]|\[\][a-z]+)\b|\*?\b[a-z]+\.[A-Z][A-Za-z]+\b`)

// requireNoGoWords fails when an error body's error_message speaks Go instead of JSON.
func requireNoGoWords(t testing.TB, body []byte) {
	t.Helper()
	var m struct {
		ErrorMessage string `json:"error_message"`
	}
	if json.Unmarshal(body, &m) == nil {
		require.NotRegexp(t, goWords, m.ErrorMessage, "error_message must not name Go types: %s", body)
	}
}

// A body whose keys differ only in case, or repeat, cannot pick the account: encoding/json would
// match "EMAIL" to the email field and keep the last one.
func TestAttackCaseVariantKeysCannotPickTheAccount(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		victim, other := h.Email("victim"), h.Email("other")
		const pw = "correct-horse-battery-staple-19"
		for _, addr := range []string{victim, other} {
			_, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: pw})
			require.NoError(t, err)
		}
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		for _, body := range []string{
			`{"email":"` + other + `","EMAIL":"` + victim + `","password":"` + pw + `"}`,
			`{"EMAIL":"` + victim + `","email":"` + other + `","password":"` + pw + `"}`,
			`{"email":"` + other + `","email":"` + victim + `","password":"` + pw + `"}`,
			`{"email":"` + other + `","password":"wrong","Password":"` + pw + `"}`,
		} {
			status, raw := h.Raw(t, "POST", "/v1/passwords/authenticate", []byte(body), "")
			require.Equal(t, 400, status, "%s: %s", body, raw)
			requireErrorBody(t, status, raw, "bad_request")
		}
		// Alone, a case variant is an unknown key: ignored, so the email is missing.
		status, raw := h.Raw(t, "POST", "/v1/passwords/authenticate", []byte(`{"EMAIL":"`+victim+`","password":"`+pw+`"}`), "")
		require.Equal(t, 400, status, "%s", raw)
		requireErrorBody(t, status, raw, "invalid_email")
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret), "no session, no failed attempt")

		// Metadata is the application's own: keys differing in case are different keys there.
		status, m := h.RawJSON(t, "POST", "/v1/users", map[string]any{"email": h.Email("meta"), "trusted_metadata": map[string]any{"Plan": "a", "plan": "b"}})
		require.Equal(t, 201, status, "%v", m)
		require.Equal(t, map[string]any{"Plan": "a", "plan": "b"}, dig(m, "user.trusted_metadata"))
	})
}

// Invalid UTF-8 and unpaired surrogate escapes are refused, not rewritten to U+FFFD: two different
// byte strings must not become the same identifier.
func TestAttackInvalidUTF8IsRefusedNotRewritten(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		for _, body := range []string{
			"{\"email\":\"vict\xffim@example.com\"}",
			"{\"email\":\"vict\xc3im@example.com\"}",
			`{"email":"vict\udc80im@example.com"}`,
			`{"email":"vict\ud800im@example.com"}`,
			`{"email":"vict\ud800\u0041im@example.com"}`,
			"{\"email\":\"ok@example.com\",\"trusted_metadata\":{\"k\":\"\xed\xa0\x80\"}}",
		} {
			status, raw := h.Raw(t, "POST", "/v1/users", []byte(body), "")
			require.Equal(t, 400, status, "%q: %s", body, raw)
			requireErrorBody(t, status, raw, "bad_request")
		}
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret))

		// Valid escapes, pairs included, are fine.
		status, m := h.RawJSON(t, "POST", "/v1/users", map[string]any{"email": h.Email("ok"), "name": map[string]any{"first_name": "J\u00f6rg \U0001F600"}})
		require.Equal(t, 201, status, "%v", m)
		status, raw := h.Raw(t, "POST", "/v1/users", []byte(`{"email":"`+h.Email("esc")+`","name":{"first_name":"\ud83d\ude00 \\ud800"}}`), "")
		require.Equal(t, 201, status, "%s", raw)
		require.Contains(t, string(raw), `"first_name":"😀 \\ud800"`)
	})
}

// Integer fields take any JSON number with an integral value, as proto3's JSON mapping requires;
// the rest are refused in JSON's words, never Go's.
func TestAttackIntegersAndErrorWording(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("numbers")
		const pw = "correct-horse-battery-staple-23"
		_, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: pw})
		require.NoError(t, err)
		for _, n := range []string{"60", "60.0", "6e1", "6E+1", "600e-1", "0.6e2"} {
			status, raw := h.Raw(t, "POST", "/v1/passwords/authenticate", []byte(`{"email":"`+addr+`","password":"`+pw+`","session_duration_minutes":`+n+`}`), "")
			require.Equal(t, 200, status, "%s: %s", n, raw)
			var resp struct {
				Session struct {
					StartedAt string `json:"started_at"`
					ExpiresAt string `json:"expires_at"`
				} `json:"session"`
			}
			require.NoError(t, json.Unmarshal(raw, &resp))
			require.Equal(t, time.Hour, parseTS(t, resp.Session.ExpiresAt).Sub(parseTS(t, resp.Session.StartedAt)), n)
		}
		for _, body := range []string{
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":60.5}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":1e40}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":1e999999999}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":3000000000}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":"60"}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_duration_minutes":[60]}`,
			`{"email":["` + addr + `"],"password":"` + pw + `"}`,
			`{"email":"` + addr + `","password":{"a":1}}`,
			`{"email":"` + addr + `","password":"` + pw + `","session_custom_claims":[1]}`,
			`[{"email":"` + addr + `"}]`,
		} {
			status, raw := h.Raw(t, "POST", "/v1/passwords/authenticate", []byte(body), "")
			require.Equal(t, 400, status, "%s: %s", body, raw)
			requireErrorBody(t, status, raw, "bad_request")
			requireNoGoWords(t, raw)
		}
		status, raw := h.Raw(t, "POST", "/v1/users/search", []byte(`{"limit":1e400}`), "")
		require.Equal(t, 400, status, "%s", raw)
		requireNoGoWords(t, raw)
	})
}
