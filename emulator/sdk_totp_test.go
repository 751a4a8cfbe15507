package emulator_test

import (
	"bytes"
	"encoding/base64"
	"image/png"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

var base32Secret = regexp.MustCompile(`^[A-Z2-7]{32}$`)

// totpCode computes the RFC 6238 code of secret at t, as an authenticator app would.
func totpCode(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	require.NoError(t, err)
	return code
}

// stepAligned returns a time 10 s into a 30 s TOTP step, so that ±steps are unambiguous.
func stepAligned() time.Time {
	now := time.Now().UTC().Unix()
	return time.Unix(now/30*30+10, 0).UTC()
}

var totpAuthKeys = append([]string{"totp_id"}, authKeys...)

func TestTOTPCreateAndAuthenticate(t *testing.T) {
	t.Parallel()
	base := stepAligned()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("totp")
		u := h.createUser(t, addr)

		created, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: u.UserID})
		require.NoError(t, err)
		_, raw := strictLast[totps.CreateResponse](t, h, 200, "request_id", "totp_id", "secret", "qr_code", "recovery_codes", "user", "user_id", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Regexp(t, totpIDPattern, created.TOTPID)
		require.Regexp(t, base32Secret, created.Secret)
		require.True(t, strings.HasPrefix(created.QrCode, "data:image/png;base64,"), created.QrCode[:30])
		pngBytes, err := base64.StdEncoding.DecodeString(strings.TrimSpace(strings.TrimPrefix(created.QrCode, "data:image/png;base64,")))
		require.NoError(t, err)
		_, err = png.Decode(bytes.NewReader(pngBytes))
		require.NoError(t, err, "qr_code is a PNG")
		require.Len(t, created.RecoveryCodes, 10)
		seen := map[string]bool{}
		for _, rc := range created.RecoveryCodes {
			require.Regexp(t, recoveryPattern, rc)
			require.False(t, seen[rc], "recovery codes are distinct")
			seen[rc] = true
		}
		require.Equal(t, u.UserID, created.UserID)
		require.Len(t, created.User.TOTPs, 1)
		require.Equal(t, created.TOTPID, created.User.TOTPs[0].TOTPID)
		require.False(t, created.User.TOTPs[0].Verified)

		// Authenticate with the code of the emulator's clock; a session with totp/authenticator_app.
		now := h.Now()
		code := totpCode(t, created.Secret, now)
		resp, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: code, SessionDurationMinutes: 20})
		require.NoError(t, err)
		_, raw = strictLast[totps.AuthenticateResponse](t, h, 200, totpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, created.TOTPID, resp.TOTPID)
		require.Equal(t, []string{"totp/authenticator_app"}, factorTypes(resp.Session))
		f := resp.Session.AuthenticationFactors[0]
		require.Equal(t, created.TOTPID, f.AuthenticatorAppFactor.TOTPID)
		require.Equal(t, now, *f.LastAuthenticatedAt)
		require.True(t, resp.User.TOTPs[0].Verified, "the first authenticate verifies the registration")

		// The same code again: refused.
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: code})
		requireAPIError(t, h, err, 400, "totp_code_already_authenticated")

		// ±1 step accepted.
		step0 := now
		h.Advance(t, 30*time.Second) // now at step0+1
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, step0.Add(60*time.Second))})
		require.NoError(t, err, "+1 step")
		h.Advance(t, 90*time.Second) // now at step0+4
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, step0.Add(90*time.Second))})
		require.NoError(t, err, "-1 step")
		// ±2 steps refused.
		h.Advance(t, 30*time.Second) // now at step0+5
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, step0.Add(210*time.Second))})
		requireAPIError(t, h, err, 401, "unable_to_authenticate_totp")
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, step0.Add(90*time.Second))})
		require.Error(t, err, "-2 steps")
		// Current step still fine without a session: no session in the answer.
		noSess, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, h.Now())})
		require.NoError(t, err)
		_, raw = strictLast[totps.AuthenticateResponse](t, h, 200, totpAuthKeys...)
		requireAuthShape(t, raw, false)
		require.Nil(t, noSess.Session)

		// A second registration while one is active.
		_, err = h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: u.UserID})
		requireAPIError(t, h, err, 400, "active_totp_exists")

		// Malformed codes and unknown users.
		for _, bad := range []string{"12345", "abcdef", "1234567"} {
			_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: bad})
			require.Error(t, err, bad)
			require.Equal(t, 400, h.Last(t).Status)
		}
		_, err = h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: "user-test-00000000-0000-4000-8000-000000000099"})
		requireAPIError(t, h, err, 404, "user_not_found")
		other := h.createUser(t, h.Email("nototp"))
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: other.UserID, TOTPCode: "123456"})
		requireAPIError(t, h, err, 404, "totp_not_found")
		_, err = h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: other.UserID, ExpirationMinutes: 4})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
	}, fixedClock(base))
}

func TestTOTPRecoveryCodes(t *testing.T) {
	t.Parallel()
	base := stepAligned()
	both(t, func(t *testing.T, h *H) {
		u := h.createUser(t, h.Email("rec"))
		created, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: u.UserID})
		require.NoError(t, err)
		// Recovery codes need a verified registration.
		_, err = h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: u.UserID, RecoveryCode: created.RecoveryCodes[0]})
		require.Error(t, err)
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, created.Secret, h.Now())})
		require.NoError(t, err)

		list, err := h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: u.UserID})
		require.NoError(t, err)
		_, raw := strictLast[totps.RecoveryCodesResponse](t, h, 200, "request_id", "user_id", "totps", "status_code")
		for _, x := range raw["totps"].([]any) {
			requireKeys(t, x.(map[string]any), "", "totp_id", "verified", "recovery_codes")
		}
		require.Len(t, list.TOTPs, 1)
		require.Equal(t, created.TOTPID, list.TOTPs[0].TOTPID)
		require.True(t, list.TOTPs[0].Verified)
		require.ElementsMatch(t, created.RecoveryCodes, list.TOTPs[0].RecoveryCodes)

		rec, err := h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: u.UserID, RecoveryCode: created.RecoveryCodes[3], SessionDurationMinutes: 15})
		require.NoError(t, err)
		_, raw = strictLast[totps.RecoverResponse](t, h, 200, totpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, created.TOTPID, rec.TOTPID)
		require.Equal(t, []string{"recovery_codes/recovery_code"}, factorTypes(rec.Session))
		require.NotEmpty(t, rec.Session.AuthenticationFactors[0].RecoveryCodeFactor.TOTPRecoveryCodeID)

		// Single use.
		_, err = h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: u.UserID, RecoveryCode: created.RecoveryCodes[3]})
		requireAPIError(t, h, err, 401, "unable_to_authenticate_recovery_code")
		list, err = h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: u.UserID})
		require.NoError(t, err)
		require.Len(t, list.TOTPs[0].RecoveryCodes, 9)
		require.NotContains(t, list.TOTPs[0].RecoveryCodes, created.RecoveryCodes[3])

		// Wrong, malformed, and swapped codes.
		_, err = h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: u.UserID, RecoveryCode: "zzzz-zzzz-zzzz"})
		requireAPIError(t, h, err, 401, "unable_to_authenticate_recovery_code")
		_, err = h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: u.UserID, RecoveryCode: "123456"})
		requireAPIError(t, h, err, 400, "totp_code_used_as_recovery_code")
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: created.RecoveryCodes[0]})
		requireAPIError(t, h, err, 400, "recovery_code_used_as_totp_code")
		_, err = h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: "user-test-00000000-0000-4000-8000-000000000099"})
		requireAPIError(t, h, err, 404, "user_not_found")

		// A user with no TOTP: an empty list.
		other := h.createUser(t, h.Email("none"))
		empty, err := h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: other.UserID})
		require.NoError(t, err)
		require.Empty(t, empty.TOTPs)
	}, fixedClock(base))
}

func TestTOTPPendingRegistration(t *testing.T) {
	t.Parallel()
	base := stepAligned()
	both(t, func(t *testing.T, h *H) {
		u := h.createUser(t, h.Email("pend"))
		first, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: u.UserID})
		require.NoError(t, err)
		second, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: u.UserID})
		require.NoError(t, err, "a pending registration can be replaced")
		got, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: u.UserID})
		require.NoError(t, err)
		require.Len(t, got.TOTPs, 1)
		require.Equal(t, second.TOTPID, got.TOTPs[0].TOTPID)
		if totpCode(t, first.Secret, h.Now()) != totpCode(t, second.Secret, h.Now()) {
			_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: u.UserID, TOTPCode: totpCode(t, first.Secret, h.Now())})
			require.Error(t, err, "the replaced secret no longer works")
		}

		// An unverified registration expires after expiration_minutes.
		v := h.createUser(t, h.Email("pexp"))
		reg, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: v.UserID, ExpirationMinutes: 5})
		require.NoError(t, err)
		h.Advance(t, 5*time.Minute)
		_, err = h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: v.UserID, TOTPCode: totpCode(t, reg.Secret, h.Now())})
		requireAPIError(t, h, err, 404, "totp_not_found")
	}, fixedClock(base))
}

// TestTOTPAsSecondFactor: password session + TOTP on the same session.
func TestTOTPAsSecondFactor(t *testing.T) {
	t.Parallel()
	base := stepAligned()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("2fa")
		created := h.newPasswordUser(t, addr)
		reg, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: created.UserID})
		require.NoError(t, err)
		pw := h.passwordSession(t, addr)
		t0 := h.Now()
		h.Advance(t, 30*time.Second)
		t1 := h.Now()
		resp, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: created.UserID, TOTPCode: totpCode(t, reg.Secret, t1), SessionToken: pw.SessionToken})
		require.NoError(t, err)
		require.Equal(t, pw.Session.SessionID, resp.Session.SessionID)
		require.Equal(t, []string{"password/knowledge", "totp/authenticator_app"}, factorTypes(resp.Session))
		require.Equal(t, t0, *findFactor(t, resp.Session, "password", "knowledge").LastAuthenticatedAt)
		require.Equal(t, t1, *findFactor(t, resp.Session, "totp", "authenticator_app").LastAuthenticatedAt)
		got, err := h.authSession(resp.SessionToken)
		require.NoError(t, err)
		require.Len(t, got.Session.AuthenticationFactors, 2)
		// A recovery code adds its own factor to the session.
		rec, err := h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: created.UserID, RecoveryCode: reg.RecoveryCodes[0], SessionToken: resp.SessionToken})
		require.NoError(t, err)
		require.Equal(t, []string{"password/knowledge", "totp/authenticator_app", "recovery_codes/recovery_code"}, factorTypes(rec.Session))
		// The TOTP of one user is not the TOTP of another's session.
		other := h.Email("2fa-other")
		h.newPasswordUser(t, other)
		otherSess := h.passwordSession(t, other)
		h.Advance(t, 30*time.Second)
		r2, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: created.UserID, TOTPCode: totpCode(t, reg.Secret, h.Now()), SessionToken: otherSess.SessionToken})
		if err == nil && r2.Session != nil {
			require.NotEqual(t, otherSess.Session.SessionID, r2.Session.SessionID)
		}
		o, err := h.authSession(otherSess.SessionToken)
		require.NoError(t, err)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(&o.Session))
	}, fixedClock(base), emulator.WithTokenRotation(emulator.KeepTokens, 0))
}

// TestGuideFlowTOTP is the guide's flow with TOTP as the second factor (default token rotation).
func TestGuideFlowTOTP(t *testing.T) {
	t.Parallel()
	base := stepAligned().Add(-2 * time.Minute)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("guide-totp")
		created := h.verifiedPasswordUser(t, addr)
		reg, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: created.UserID})
		require.NoError(t, err)
		t0 := h.Now()
		pw := h.passwordSession(t, addr)

		h.Advance(t, 30*time.Second)
		t1 := h.Now()
		stepped, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: created.UserID, TOTPCode: totpCode(t, reg.Secret, t1), SessionToken: pw.SessionToken})
		require.NoError(t, err)
		_, raw := strictLast[totps.AuthenticateResponse](t, h, 200, totpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, pw.Session.SessionID, stepped.Session.SessionID)
		require.Equal(t, []string{"password/knowledge", "totp/authenticator_app"}, factorTypes(stepped.Session))
		require.Equal(t, t0, *findFactor(t, stepped.Session, "password", "knowledge").LastAuthenticatedAt)
		tf := findFactor(t, stepped.Session, "totp", "authenticator_app")
		require.Equal(t, t1, *tf.CreatedAt)
		require.Equal(t, t1, *tf.LastAuthenticatedAt)
		require.Equal(t, reg.TOTPID, tf.AuthenticatorAppFactor.TOTPID)
		local, err := h.C.Sessions.AuthenticateJWTLocal(stepped.SessionJWT, 5*time.Minute)
		require.NoError(t, err)
		require.Equal(t, []string{"password/knowledge", "totp/authenticator_app"}, factorTypes(local))

		require.NotEqual(t, pw.SessionToken, stepped.SessionToken)
		_, err = h.authSession(pw.SessionToken)
		require.NoError(t, err)
		h.Advance(t, 60*time.Second)
		_, err = h.authSession(pw.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")

		h.Advance(t, t1.Add(6*time.Minute).Sub(h.Now()))
		later, err := h.authSession(stepped.SessionToken)
		require.NoError(t, err)
		tf = findFactor(t, &later.Session, "totp", "authenticator_app")
		require.Equal(t, 6*time.Minute, h.Now().Sub(*tf.LastAuthenticatedAt))
	}, fixedClock(base))
}

// A user_id too long for a QR code is user_not_found, not a 500: the user is looked up before the
// QR code is drawn. Regression: POST /v1/totps {"user_id":"uuuu…(3000 chars)"} answered 500.
func TestTOTPCreateLongUserIDIsNotFound(t *testing.T) {
	e := emulator.New(emulator.WithLogger(t.Logf))
	status, body := serve(e, "POST", "/v1/totps", []byte(`{"user_id":"`+strings.Repeat("u", 3000)+`"}`),
		authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Less(t, status, 500, "%.200s", body)
	requireErrorBody(t, status, body, "user_not_found")
}
