package emulator_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Security properties that the other suites do not already pin down.

const (
	secA, secretA = "project-test-aaaaaaaa-0000-4000-8000-000000000000", "secret-test-a"
	secB, secretB = "project-test-bbbbbbbb-0000-4000-8000-000000000000", "secret-test-b"
	secPassword   = "security-correct-horse-battery-91!"
)

func secClient(t *testing.T, e *emulator.Emulator, pid, secret string) *stytchapi.API {
	t.Helper()
	c, err := stytchapi.NewClient(pid, secret, stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	require.NoError(t, err)
	return c
}

func secErrorType(t *testing.T, err error) (int, string) {
	t.Helper()
	var se stytcherror.Error
	require.ErrorAs(t, err, &se)
	return int(se.StatusCode), string(se.ErrorType)
}

func TestLockoutAfterFailedPasswords(t *testing.T) {
	ctx := context.Background()
	e := emulator.New(emulator.WithProject(secA, secretA), emulator.WithLockout(3, time.Hour, 30*time.Minute))
	c := secClient(t, e, secA, secretA)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "lock@example.com", Password: secPassword})
	require.NoError(t, err)
	for range 3 {
		_, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "lock@example.com", Password: "wrong-password-1"})
		status, typ := secErrorType(t, err)
		require.Equal(t, 401, status)
		require.Equal(t, "unauthorized_credentials", typ)
	}
	// Locked: even the right password is refused, and the user says so.
	_, err = c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "lock@example.com", Password: secPassword})
	status, typ := secErrorType(t, err)
	require.Equal(t, 429, status)
	require.Equal(t, "user_lock_limit_reached", typ)
	got, err := c.Users.Get(ctx, &users.GetParams{UserID: created.UserID})
	require.NoError(t, err)
	require.True(t, got.IsLocked)
	require.NotNil(t, got.LockCreatedAt)
	require.Equal(t, got.LockCreatedAt.Add(30*time.Minute), *got.LockExpiresAt)

	// The lock lifts on the virtual clock.
	_, err = e.Project(secA).Clock().Advance(31 * time.Minute)
	require.NoError(t, err)
	_, err = c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "lock@example.com", Password: secPassword})
	require.NoError(t, err)
}

func TestLockoutAfterFailedOTPCodes(t *testing.T) {
	ctx := context.Background()
	e := emulator.New(emulator.WithProject(secA, secretA), emulator.WithLockout(3, time.Hour, time.Hour))
	c := secClient(t, e, secA, secretA)
	loc, err := c.OTPs.Email.LoginOrCreate(ctx, &email.LoginOrCreateParams{Email: "otp-lock@example.com"})
	require.NoError(t, err)
	msgs := e.Project(secA).Messages("otp-lock@example.com")
	code := msgs[len(msgs)-1].Code
	wrong := "000001"
	if code == wrong {
		wrong = "000002"
	}
	for range 3 {
		_, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: loc.EmailID, Code: wrong})
		_, typ := secErrorType(t, err)
		require.Equal(t, "otp_code_not_found", typ)
	}
	_, err = c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: loc.EmailID, Code: code})
	status, typ := secErrorType(t, err)
	require.Equal(t, 429, status)
	require.Equal(t, "user_lock_limit_reached", typ)
}

func TestProjectsAreIsolated(t *testing.T) {
	ctx := context.Background()
	e := emulator.New(emulator.WithProject(secA, secretA), emulator.WithProject(secB, secretB))
	a, b := secClient(t, e, secA, secretA), secClient(t, e, secB, secretB)
	created, err := a.Passwords.Create(ctx, &passwords.CreateParams{Email: "iso@example.com", Password: secPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)

	t.Run("case=token of another project", func(t *testing.T) {
		_, err := b.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: created.SessionToken})
		status, typ := secErrorType(t, err)
		require.Equal(t, 404, status)
		require.Equal(t, "session_not_found", typ)
	})
	t.Run("case=JWT of another project", func(t *testing.T) {
		_, err := b.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: created.SessionJWT})
		_, typ := secErrorType(t, err)
		require.Equal(t, "unable_to_parse_session_jwt", typ)
		_, err = b.Sessions.AuthenticateJWTLocal(created.SessionJWT, time.Minute)
		require.Error(t, err, "stytch-go must refuse a JWT issued for another project")
	})
	t.Run("case=users of another project", func(t *testing.T) {
		_, err := b.Users.Get(ctx, &users.GetParams{UserID: created.UserID})
		_, typ := secErrorType(t, err)
		require.Equal(t, "user_not_found", typ)
	})
	t.Run("case=credentials", func(t *testing.T) {
		for name, auth := range map[string]string{
			"none":                "",
			"wrong secret":        basic(secA, secretB),
			"other project's key": basic(secB, secretA),
			"unknown project":     basic("project-test-cccccccc-0000-4000-8000-000000000000", secretA),
			"live project":        basic("project-live-aaaaaaaa-0000-4000-8000-000000000000", secretA),
		} {
			for _, path := range []string{"/v1/users/" + created.UserID, "/emulator/v1/messages", "/emulator/v1/clock"} {
				status, body := serveAuth(e, path, auth)
				require.Equal(t, http.StatusUnauthorized, status, "%s on %s: %s", name, path, body)
				var eb map[string]any
				require.NoError(t, json.Unmarshal(body, &eb))
				require.Equal(t, "unauthorized_credentials", eb["error_type"])
			}
		}
	})
	t.Run("case=control API sees only its project", func(t *testing.T) {
		_, err := a.OTPs.Email.Send(ctx, &email.SendParams{Email: "iso@example.com"})
		require.NoError(t, err)
		require.Len(t, e.Project(secA).Messages("iso@example.com"), 1)
		status, body := serveAuth(e, "/emulator/v1/messages", basic(secB, secretB))
		require.Equal(t, 200, status)
		require.JSONEq(t, `[]`, string(mustField(t, body, "messages")))
	})
}

// An exp-expired JWT of a live session is accepted and refreshed, as Stytch documents for
// sessions/authenticate; a JWT whose session expired or was revoked is refused.
func TestExpiredJWTs(t *testing.T) {
	ctx := context.Background()
	e := emulator.New()
	c := secClient(t, e, emulator.DefaultProjectID, emulator.DefaultSecret)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "jwt@example.com", Password: secPassword, SessionDurationMinutes: 15})
	require.NoError(t, err)
	clock := e.Project(emulator.DefaultProjectID).Clock()

	_, err = clock.Advance(10 * time.Minute) // the JWT's exp (iat + 5 min) has passed
	require.NoError(t, err)
	refreshed, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: created.SessionJWT})
	require.NoError(t, err)
	require.NotEqual(t, created.SessionJWT, refreshed.SessionJWT)

	_, err = clock.Advance(6 * time.Minute) // the session itself has expired
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: refreshed.SessionJWT})
	status, typ := secErrorType(t, err)
	require.Equal(t, 404, status)
	require.Equal(t, "session_not_found", typ)
}

// Codes and tokens come from crypto/rand: they cannot be tested for their source, but they can be
// tested for format and for not repeating.
func TestCodesAndTokensDoNotRepeat(t *testing.T) {
	ctx := context.Background()
	e := emulator.New()
	c := secClient(t, e, emulator.DefaultProjectID, emulator.DefaultSecret)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "rand@example.com", Password: secPassword})
	require.NoError(t, err)
	tokens, codes := map[string]bool{}, map[string]bool{}
	const n = 300
	for range n {
		s, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "rand@example.com", Password: secPassword, SessionDurationMinutes: 5})
		require.NoError(t, err)
		require.Len(t, s.SessionToken, 44)
		tokens[s.SessionToken] = true
		_, err = c.OTPs.Email.Send(ctx, &email.SendParams{Email: "rand@example.com", UserID: created.UserID})
		require.NoError(t, err)
	}
	for _, m := range e.Project(emulator.DefaultProjectID).Messages("rand@example.com") {
		require.Regexp(t, `^[0-9]{6}$`, m.Code)
		codes[m.Code] = true
	}
	require.Len(t, tokens, n)
	// 300 draws from a million: a repeat is possible but more than a few means a bad source.
	require.GreaterOrEqual(t, len(codes), n-3)
}

// serveAuth GETs path with an Authorization header ("" for none).
func serveAuth(e *emulator.Emulator, path, auth string) (int, []byte) {
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	return serve(e, http.MethodGet, path, nil, h)
}

func mustField(t *testing.T, body []byte, key string) json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(body, &m))
	return m[key]
}
