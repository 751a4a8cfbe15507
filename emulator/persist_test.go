package emulator_test

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// requestIDField matches the request_id of a body, which every answer has afresh.
var requestIDField = regexp.MustCompile(`"request_id":"[^"]*"`)

// persisted is the state built by seedEveryFamily: what must survive a restart.
type persisted struct {
	userIDs       []string
	tokens        []string // current and rotated-out (in grace) session tokens
	jwt           string
	totpUser      string
	totpSecret    string
	recovery      string
	waPhoneID     string
	waCode        string
	resetToken    string
	migratedEmail string
	migratedPass  string
}

// seedEveryFamily builds state in every endpoint family through the SDK: users with metadata and an
// external id, a password user verified by email OTP, a session stepped up by SMS (token rotated),
// a TOTP with recovery codes, a pending WhatsApp code, a password-reset token, a migrated md_5
// password, a failed attempt, a fault, a moved clock and a rotated token still in its grace.
func seedEveryFamily(t *testing.T, h *H) persisted {
	t.Helper()
	var s persisted
	created, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("meta"), ExternalID: "ext-persist-1",
		Name: &users.Name{FirstName: "Ada", LastName: "Lovelace"}, TrustedMetadata: map[string]any{"plan": "pro", "seats": 3}})
	require.NoError(t, err)
	s.userIDs = append(s.userIDs, created.UserID)

	addr, phone := h.Email("mfa"), h.Phone()
	s.userIDs = append(s.userIDs, h.verifiedPasswordUser(t, addr).UserID)
	pw := h.passwordSession(t, addr)
	stepped := h.smsStepUp(t, pw.SessionToken, phone)
	s.tokens = append(s.tokens, stepped.SessionToken, pw.SessionToken) // the second is in its grace
	s.jwt = stepped.SessionJWT
	// A failed attempt (counts towards the lock).
	_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: "not-the-password-42!"})
	require.Error(t, err)
	// A password-reset token in the outbox.
	_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
	require.NoError(t, err)
	msgs := h.Messages(addr)
	s.resetToken = msgs[len(msgs)-1].Token

	// TOTP with recovery codes, verified.
	totpUser := h.createUser(t, h.Email("totp"))
	s.totpUser = totpUser.UserID
	s.userIDs = append(s.userIDs, totpUser.UserID)
	tc, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: totpUser.UserID})
	require.NoError(t, err)
	s.totpSecret, s.recovery = tc.Secret, tc.RecoveryCodes[0]
	ta, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: totpUser.UserID, TOTPCode: totpCode(t, tc.Secret, h.Now()), SessionDurationMinutes: 30})
	require.NoError(t, err)
	s.tokens = append(s.tokens, ta.SessionToken)

	// A WhatsApp code sent and not used yet.
	waPhone := h.Phone()
	wa, err := h.C.OTPs.Whatsapp.LoginOrCreate(h.Ctx, &whatsapp.LoginOrCreateParams{PhoneNumber: waPhone})
	require.NoError(t, err)
	s.waPhoneID, s.waCode = wa.PhoneID, h.LastCode(t, waPhone)
	s.userIDs = append(s.userIDs, wa.UserID)
	// An email code sent to a new address (a pending user).
	eo, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: h.Email("pending"), CreateUserAsPending: true})
	require.NoError(t, err)
	s.userIDs = append(s.userIDs, eo.UserID)

	// A migrated md_5 password.
	s.migratedEmail, s.migratedPass = h.Email("migrated"), "migrated-password-123"
	sum := md5.Sum([]byte("salt" + s.migratedPass))
	mig, err := h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: s.migratedEmail, Hash: hex.EncodeToString(sum[:]),
		HashType: passwords.MigrateRequestHashTypeMd5, Md5Config: &passwords.MD5Config{PrependSalt: "salt"}})
	require.NoError(t, err)
	s.userIDs = append(s.userIDs, mig.UserID)

	// Control state: a fault that no later request matches, and a moved clock.
	require.NoError(t, h.E.Project(h.PID).AddFault(emulator.Fault{Method: "DELETE", Path: "/v1/users/nobody", Status: 429, ErrorType: "too_many_requests", Times: -1}))
	h.Advance(t, 30*time.Second)
	s.userIDs = append(s.userIDs, emulator.SandboxUserID)
	return s
}

// observe reads everything a client can read about the state, through the SDK (the raw bodies
// as the capture recorded them) and the control API, with request ids blanked. Reading changes
// nothing that matters under a frozen clock: authenticating a session sets its last access to the
// same now.
func observe(t *testing.T, h *H, s persisted) []string {
	t.Helper()
	var out []string
	last := func(what string, err error) {
		t.Helper()
		require.NoError(t, err, what)
		out = append(out, what+" "+requestIDField.ReplaceAllString(string(h.Last(t).Body), `"request_id":""`))
	}
	for _, id := range s.userIDs {
		_, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: id})
		last("user "+id, err)
		if id != emulator.SandboxUserID {
			_, err = h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: id})
			last("sessions "+id, err)
		}
	}
	_, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Limit: 100})
	last("search", err)
	for _, tok := range s.tokens {
		_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: tok})
		last("authenticate "+tok, err)
	}
	_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: s.jwt})
	last("authenticate jwt", err)
	_, err = h.C.Sessions.GetJWKS(h.Ctx, &sessions.GetJWKSParams{ProjectID: h.PID})
	last("jwks", err)
	_, err = h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: s.totpUser})
	last("recovery codes", err)
	for _, path := range []string{"/emulator/v1/messages", "/emulator/v1/faults", "/emulator/v1/clock", "/emulator/v1/users", "/emulator/v1/sessions"} {
		status, body := h.Raw(t, "GET", path, nil, "")
		require.Equal(t, http.StatusOK, status, path)
		out = append(out, path+" "+requestIDField.ReplaceAllString(string(body), `"request_id":""`))
	}
	return out
}

func TestPersistenceIsLossless(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	base := time.Now().UTC().Truncate(time.Second)
	opts := []emulator.Option{fixedClock(base), emulator.WithDataDir(dir), emulator.WithAutoProvision()}
	a := newH(t, "http", opts...)
	t.Cleanup(func() { _ = a.E.Close() })
	s := seedEveryFamily(t, a)
	// An auto-provisioned project is kept too, with its secret.
	auto := a.For("project-test-7e57a11d-0000-4000-8000-00000000aa11", "secret-test-auto")
	autoUser := auto.createUser(t, auto.Email("auto"))

	observe(t, a, s) // a first read sets the sessions' last access to now; from then on reads change nothing
	want := observe(t, a, s)
	wantLog := a.E.Project(a.PID).Requests()
	require.NoError(t, a.E.Close())

	b := newH(t, "http", opts...)
	t.Cleanup(func() { _ = b.E.Close() })
	require.Equal(t, wantLog, b.E.Project(b.PID).Requests(), "the request log")
	got := observe(t, b, s)
	require.Equal(t, len(want), len(got))
	for i := range want {
		require.Equal(t, want[i], got[i])
	}
	autoB := b.For(auto.PID, auto.Secret)
	_, err := autoB.C.Users.Get(autoB.Ctx, &users.GetParams{UserID: autoUser.UserID})
	require.NoError(t, err, "the auto-provisioned project and its secret are back")
	status, body := b.Raw(t, "GET", "/emulator/v1/summary", nil, basic(auto.PID, "another-secret"))
	require.Equal(t, http.StatusUnauthorized, status, "%s", body)

	// Codes, tokens and hashes made before the restart work after it.
	_, err = b.C.OTPs.Authenticate(b.Ctx, &otp.AuthenticateParams{MethodID: s.waPhoneID, Code: s.waCode})
	require.NoError(t, err, "the WhatsApp code")
	_, err = b.C.Passwords.Email.Reset(b.Ctx, &pwemail.ResetParams{Token: s.resetToken, Password: strongPassword + "-new"})
	require.NoError(t, err, "the password-reset token")
	_, err = b.C.Passwords.Authenticate(b.Ctx, &passwords.AuthenticateParams{Email: s.migratedEmail, Password: s.migratedPass})
	require.NoError(t, err, "the migrated md_5 hash")
	_, err = b.C.TOTPs.Recover(b.Ctx, &totps.RecoverParams{UserID: s.totpUser, RecoveryCode: s.recovery})
	require.NoError(t, err, "the recovery code")
	b.Advance(t, 30*time.Second) // the next TOTP step: the last one was used before the restart
	_, err = b.C.TOTPs.Authenticate(b.Ctx, &totps.AuthenticateParams{UserID: s.totpUser, TOTPCode: totpCode(t, s.totpSecret, b.Now())})
	require.NoError(t, err, "the TOTP secret")
	local, err := b.C.Sessions.AuthenticateJWTLocal(s.jwt, time.Hour)
	require.NoError(t, err, "the JWT minted before the restart verifies with the JWKS after it")
	require.Len(t, local.AuthenticationFactors, 2)
	require.NoError(t, b.E.Close())
}

func TestPersistenceRefusesBadSnapshots(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := newH(t, "inprocess", emulator.WithDataDir(dir))
	a.createUser(t, a.Email("x"))
	require.NoError(t, a.E.Close())
	path := filepath.Join(dir, "projects", emulator.DefaultProjectID+".json")
	good, err := os.ReadFile(path)
	require.NoError(t, err)

	for _, tc := range []struct {
		name, data, want string
	}{
		{"truncated", string(good[:len(good)/2]), "corrupt"},
		{"not JSON", "\x00\x01garbage", "corrupt"},
		{"another format", `{"format":"something-else","version":1}`, "not an emulator project snapshot"},
		{"future version", strings.Replace(string(good), `"version":1`, `"version":2`, 1), "written by a newer emulator"},
		{"unknown field", strings.Replace(string(good), `"users":`, `"extra":1,"users":`, 1), "unknown field"},
		{"session of nobody", strings.Replace(string(good), `"user_id":"`+emulator.SandboxUserID+`"`, `"user_id":"user-test-nobody"`, 1), "unknown user"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.NoError(t, os.WriteFile(path, []byte(tc.data), 0o600))
			_, err := emulator.Build(emulator.WithDataDir(dir))
			require.Error(t, err)
			require.Contains(t, err.Error(), tc.want)
			require.Contains(t, err.Error(), path, "the error names the file")
			after, rerr := os.ReadFile(path)
			require.NoError(t, rerr)
			require.Equal(t, tc.data, string(after), "the file is left untouched")
		})
	}
	// Put back, it loads again.
	require.NoError(t, os.WriteFile(path, good, 0o600))
	e, err := emulator.Build(emulator.WithDataDir(dir))
	require.NoError(t, err)
	require.NoError(t, e.Close())
}

func TestExportImport(t *testing.T) {
	t.Parallel()
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
	other := h.For(otherProjectID, otherSecret)
	addr := h.Email("exp")
	u := h.verifiedPasswordUser(t, addr)
	pw := h.passwordSession(t, addr)

	status, exported := h.Raw(t, "POST", "/emulator/v1/export", nil, "")
	require.Equal(t, http.StatusOK, status, "%s", exported)
	var doc struct {
		Snapshot struct {
			Format  string `json:"format"`
			Version int    `json:"version"`
			Project struct {
				ProjectID string `json:"project_id"`
			} `json:"project"`
		} `json:"snapshot"`
	}
	require.NoError(t, json.Unmarshal(exported, &doc))
	require.Equal(t, "stytch-emulator-project", doc.Snapshot.Format)
	require.Equal(t, 1, doc.Snapshot.Version)
	require.Equal(t, h.PID, doc.Snapshot.Project.ProjectID)

	// Reset, then import the export's answer as it is: the user and the session are back.
	h.E.Project(h.PID).Reset()
	_, err := h.authSession(pw.SessionToken)
	require.Error(t, err)
	status, body := h.Raw(t, "POST", "/emulator/v1/import", exported, "")
	require.Equal(t, http.StatusOK, status, "%s", body)
	got, err := h.authSession(pw.SessionToken)
	require.NoError(t, err)
	require.Equal(t, u.UserID, got.User.UserID)

	// Another project refuses the snapshot; bad snapshots change nothing.
	before := stateFingerprint(t, h.E, otherProjectID, otherSecret)
	for _, bad := range []string{string(exported), `{}`, `{"snapshot":{"format":"stytch-emulator-project","version":9}}`, `{"snapshot":"x"}`} {
		status, body := other.Raw(t, "POST", "/emulator/v1/import", []byte(bad), "")
		require.Equal(t, http.StatusBadRequest, status, "%s", body)
		requireErrorBody(t, 400, body, "bad_request")
	}
	require.Equal(t, before, stateFingerprint(t, h.E, otherProjectID, otherSecret))
	status, _ = h.Raw(t, "POST", "/emulator/v1/export", nil, basic(h.PID, otherSecret))
	require.Equal(t, http.StatusUnauthorized, status)

	// Go twins.
	data, err := h.E.Project(h.PID).Export()
	require.NoError(t, err)
	require.NoError(t, other.E.Project(h.PID).Import(data))
	require.Error(t, h.E.Project(otherProjectID).Import(data))
}

func TestPersistenceUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	h := newH(t, "inprocess", emulator.WithDataDir(dir))
	t.Cleanup(func() { _ = h.E.Close() })
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 25 {
				if _, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("conc")}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	require.NoError(t, h.E.Close())
	b := newH(t, "inprocess", emulator.WithDataDir(dir))
	t.Cleanup(func() { _ = b.E.Close() })
	found, err := b.C.Users.Search(b.Ctx, &users.SearchParams{Limit: 1000})
	require.NoError(t, err)
	require.Equal(t, int32(100), found.ResultsMetadata.Total, "every user written concurrently is back")
}
