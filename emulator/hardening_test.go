package emulator_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

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
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: int32(iterations), KeyLength: 32, Algorithm: "sha256"},
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
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: 10, KeyLength: 32, Algorithm: "sha256"},
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

// Stytch's metadata restrictions (20 top-level keys, 4 KB) hold on every route that stores
// metadata, for the merged result too, and a refusal changes nothing.
func TestAttackMetadataIsBounded(t *testing.T) {
	t.Parallel()
	keys := func(prefix string, n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[fmt.Sprintf("%s%02d", prefix, i)] = i
		}
		return m
	}
	big := map[string]any{"blob": strings.Repeat("x", 4096)}
	both(t, func(t *testing.T, h *H) {
		existingEmail := h.Email("meta")
		existing := h.createUser(t, existingEmail)
		_, err := h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: existing.UserID, TrustedMetadata: keys("a", 15)})
		require.NoError(t, err)
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		tests := []struct {
			name, method, path string
			body               map[string]any
			errorType          string
		}{
			{"create with 21 keys", "POST", "/v1/users", map[string]any{"email": h.Email("m1"), "trusted_metadata": keys("k", 21)}, "metadata_too_many_keys"},
			{"create with 4 KB", "POST", "/v1/users", map[string]any{"email": h.Email("m2"), "untrusted_metadata": big}, "metadata_too_large"},
			{"password create with 4 KB", "POST", "/v1/passwords", map[string]any{"email": h.Email("m3"), "password": secPassword, "trusted_metadata": big}, "metadata_too_large"},
			{"migrate with 21 keys", "POST", "/v1/passwords/migrate", map[string]any{"email": h.Email("m4"), "hash": "$2a$04$" + strings.Repeat("a", 53), "hash_type": "bcrypt", "untrusted_metadata": keys("k", 21)}, "metadata_too_many_keys"},
			{"update merging to 21 keys", "PUT", "/v1/users/" + existing.UserID, map[string]any{"trusted_metadata": keys("b", 6)}, "metadata_too_many_keys"},
			{"migrate merging to 21 keys", "POST", "/v1/passwords/migrate", map[string]any{"email": existingEmail, "hash": "$2a$04$" + strings.Repeat("a", 53), "hash_type": "bcrypt", "trusted_metadata": keys("c", 6)}, "metadata_too_many_keys"},
		}
		for _, tt := range tests {
			status, body := h.RawJSON(t, tt.method, tt.path, tt.body)
			require.Equal(t, 400, status, "%s: %v", tt.name, body)
			require.Equal(t, tt.errorType, body["error_type"], tt.name)
		}
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret), "refused requests change nothing")

		// Replacing keys, or deleting them with null, keeps within the limits.
		upd := keys("a", 5)
		for k := range keys("b", 5) {
			upd[k] = "new"
		}
		upd["a00"] = nil
		status, body := h.RawJSON(t, "PUT", "/v1/users/"+existing.UserID, map[string]any{"trusted_metadata": upd})
		require.Equal(t, 200, status, "%v", body)
		require.Len(t, dig(body, "user.trusted_metadata"), 19)
	})
}

// Auto-provisioning stops at the project ceiling, and refuses ids and secrets no real project has.
func TestAttackProjectsAreBounded(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		pid := func(n int) string { return fmt.Sprintf("project-test-abcdef01-%04d-4000-8000-000000000000", n) }
		for n := range 2 { // with the default project: 3
			status, raw := h.Raw(t, "GET", "/v1/users/user-test-x", nil, basic(pid(n), "secret-test-x"))
			require.Equal(t, 404, status, "project %d is provisioned: %s", n, raw)
		}
		status, raw := h.Raw(t, "GET", "/v1/users/user-test-x", nil, basic(pid(2), "secret-test-x"))
		require.Equal(t, 429, status, "%s", raw)
		requireErrorBody(t, status, raw, "too_many_requests")
		require.Nil(t, h.E.Project(pid(2)))
		// The projects that exist still answer.
		status, _ = h.Raw(t, "GET", "/v1/users/user-test-x", nil, basic(pid(1), "secret-test-x"))
		require.Equal(t, 404, status)
	}, emulator.WithAutoProvision(), emulator.WithLimits(emulator.Limits{MaxProjects: 3}))

	both(t, func(t *testing.T, h *H) {
		long := "project-test-" + strings.Repeat("0", 700_000)
		for _, cred := range [][2]string{{long, "secret-test-x"}, {"project-test-00000000-0000-4000-8000-00000000000a", strings.Repeat("s", 257)}} {
			status, raw := h.Raw(t, "GET", "/v1/users/user-test-x", nil, basic(cred[0], cred[1]))
			require.Equal(t, 401, status, "%.80s", raw)
			requireErrorBody(t, status, raw, "unauthorized_credentials")
			require.Nil(t, h.E.Project(cred[0]))
		}
	}, emulator.WithAutoProvision())
}

// Users stop at the per-project ceiling on every route that creates one, with a 429 and no change;
// deleting a user makes room again.
func TestAttackUsersPerProjectAreBounded(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// The sandbox user is one of the three.
		a := h.createUser(t, h.Email("u1"))
		h.createUser(t, h.Email("u2"))
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		for _, req := range []struct {
			path string
			body map[string]any
		}{
			{"/v1/users", map[string]any{"email": h.Email("u3")}},
			{"/v1/passwords", map[string]any{"email": h.Email("u3"), "password": secPassword}},
			{"/v1/passwords/migrate", map[string]any{"email": h.Email("u3"), "hash": "$2a$04$" + strings.Repeat("a", 53), "hash_type": "bcrypt"}},
			{"/v1/otps/email/login_or_create", map[string]any{"email": h.Email("u3")}},
		} {
			status, body := h.RawJSON(t, "POST", req.path, req.body)
			require.Equal(t, 429, status, "%s: %v", req.path, body)
			require.Equal(t, "too_many_requests", body["error_type"])
		}
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret))
		_, err := h.C.Users.Delete(h.Ctx, &users.DeleteParams{UserID: a.UserID})
		require.NoError(t, err)
		h.createUser(t, h.Email("u4"))
	}, emulator.WithLimits(emulator.Limits{MaxUsersPerProject: 3}))
}

// Live sessions stop at the per-project ceiling with a 429 that changes nothing; expired sessions
// are swept to make room, and revoking one makes room too.
func TestAttackSessionsPerProjectAreBounded(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("sessions")
		_, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: secPassword})
		require.NoError(t, err)
		login := func(minutes int32) (*passwords.AuthenticateResponse, error) {
			return h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: secPassword, SessionDurationMinutes: minutes})
		}
		// The sandbox session is one of the four.
		short, err := login(5)
		require.NoError(t, err)
		var last *passwords.AuthenticateResponse
		for range 2 {
			last, err = login(60)
			require.NoError(t, err)
		}
		_, err = login(60)
		requireAPIError(t, h, err, 429, "too_many_requests")
		// Authenticating without starting a session, and stepping up an existing one, still work.
		_, err = login(0)
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: secPassword, SessionToken: last.SessionToken, SessionDurationMinutes: 60})
		require.NoError(t, err)

		h.Advance(t, 6*time.Minute) // the 5-minute session expires and is swept
		_, err = login(60)
		require.NoError(t, err)
		_, err = login(60)
		requireAPIError(t, h, err, 429, "too_many_requests")
		_, err = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionID: last.Session.SessionID})
		require.NoError(t, err)
		_, err = login(60)
		require.NoError(t, err)
		_ = short
	}, emulator.WithLimits(emulator.Limits{MaxSessionsPerProject: 4}))
}

// The request log is bounded by bytes: 30 requests with 300 KB paths do not make it hold 9 MB.
func TestAttackRequestLogIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		long := "/v1/users/" + strings.Repeat("a", 300_000)
		for range 30 {
			status, _ := h.Raw(t, "GET", long, nil, "")
			require.Equal(t, 404, status)
		}
		status, raw := h.Raw(t, "GET", "/emulator/v1/requests", nil, "")
		require.Equal(t, 200, status)
		require.Less(t, len(raw), 16<<10, "the log is bounded by bytes")
		var log struct {
			Requests []emulator.RequestRecord `json:"requests"`
		}
		require.NoError(t, json.Unmarshal(raw, &log))
		require.NotEmpty(t, log.Requests)
		for _, r := range log.Requests {
			require.LessOrEqual(t, len(r.Path), 300, "paths are truncated")
			require.True(t, strings.HasPrefix(r.Path, "/v1/users/aaaa"))
		}
	}, emulator.WithLimits(emulator.Limits{RequestLogBytes: 8 << 10}))
}

// Users and live sessions are also bounded across all projects together.
func TestAttackUsersAndSessionsAcrossProjectsAreBounded(t *testing.T) {
	t.Parallel()
	const (
		pidA, secretA2 = "project-test-a0a0a0a0-0000-4000-8000-000000000000", "secret-test-a"
		pidB, secretB2 = "project-test-b0b0b0b0-0000-4000-8000-000000000000", "secret-test-b"
	)
	// Each project has its sandbox user and session: 2 of the 4 users and 2 of the 4 sessions.
	e := emulator.New(emulator.WithProject(pidA, secretA2), emulator.WithProject(pidB, secretB2),
		emulator.WithLimits(emulator.Limits{MaxUsers: 4, MaxSessions: 4}))
	a, b := secClient(t, e, pidA, secretA2), secClient(t, e, pidB, secretB2)
	ctx := t.Context()
	refused := func(err error) {
		t.Helper()
		status, typ := secErrorType(t, err)
		require.Equal(t, 429, status)
		require.Equal(t, "too_many_requests", typ)
	}
	createdA, err := a.Passwords.Create(ctx, &passwords.CreateParams{Email: "a@example.com", Password: secPassword, SessionDurationMinutes: 60})
	require.NoError(t, err) // users 3, sessions 3
	_, err = b.Passwords.Create(ctx, &passwords.CreateParams{Email: "b@example.com", Password: secPassword})
	require.NoError(t, err) // users 4
	_, err = b.Users.Create(ctx, &users.CreateParams{Email: "b2@example.com"})
	refused(err)
	_, err = a.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "a@example.com", Password: secPassword, SessionDurationMinutes: 60})
	require.NoError(t, err) // sessions 4
	_, err = b.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "b@example.com", Password: secPassword, SessionDurationMinutes: 60})
	refused(err)

	// Deleting A's user frees a user and its two sessions, for B.
	_, err = a.Users.Delete(ctx, &users.DeleteParams{UserID: createdA.UserID})
	require.NoError(t, err)
	_, err = b.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "b@example.com", Password: secPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)
	_, err = b.Users.Create(ctx, &users.CreateParams{Email: "b2@example.com"})
	require.NoError(t, err)
}
