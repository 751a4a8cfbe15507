package emulator_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func TestSandboxUser(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err)
		_, raw := strictLast[users.GetResponse](t, h, 200, userKeys...)
		requireUserShape(t, raw)
		require.Equal(t, "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd", u.UserID)
		require.Len(t, u.Emails, 1)
		require.Equal(t, "sandbox@stytch.com", u.Emails[0].Email)
		require.True(t, u.Emails[0].Verified)
		require.Len(t, u.PhoneNumbers, 1)
		require.Equal(t, "+10000000000", u.PhoneNumbers[0].PhoneNumber)
		require.True(t, u.PhoneNumbers[0].Verified)
		require.Equal(t, "active", u.Status)
		// It is in every project.
		other := h.For(otherProjectID, otherSecret)
		_, err = other.C.Users.Get(other.Ctx, &users.GetParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err)
	}, emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret), emulator.WithProject(otherProjectID, otherSecret))
}

func TestSandboxOTP(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// SMS to +10000000000: 200, no message, code 000000.
		s, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
		require.NoError(t, err)
		strictLast[sms.SendResponse](t, h, 200, "request_id", "user_id", "phone_id", "status_code")
		require.Equal(t, emulator.SandboxUserID, s.UserID)
		require.Empty(t, h.Messages(emulator.SandboxPhone), "the sandbox gets no message")
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: s.PhoneID, Code: "123456"})
		requireAPIError(t, h, err, 404, "otp_code_not_found")
		a, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: s.PhoneID, Code: emulator.SandboxCode, SessionDurationMinutes: 10})
		require.NoError(t, err)
		_, raw := strictLast[otp.AuthenticateResponse](t, h, 200, otpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, emulator.SandboxUserID, a.UserID)
		require.Equal(t, []string{"otp/sms"}, factorTypes(a.Session))
		// The sandbox code works again (it is fixed).
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: s.PhoneID, Code: emulator.SandboxCode})
		require.NoError(t, err)

		lc, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: emulator.SandboxPhone})
		require.NoError(t, err)
		require.False(t, lc.UserCreated)
		require.Equal(t, emulator.SandboxUserID, lc.UserID)
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: lc.PhoneID, Code: emulator.SandboxCode})
		require.NoError(t, err)

		w, err := h.C.OTPs.Whatsapp.Send(h.Ctx, &whatsapp.SendParams{PhoneNumber: emulator.SandboxPhone})
		require.NoError(t, err)
		wa, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: w.PhoneID, Code: emulator.SandboxCode, SessionDurationMinutes: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"otp/whatsapp"}, factorTypes(wa.Session))

		// Email to sandbox@stytch.com.
		e, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: emulator.SandboxEmail})
		require.NoError(t, err)
		require.Equal(t, emulator.SandboxUserID, e.UserID)
		require.Empty(t, h.Messages(emulator.SandboxEmail))
		ea, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: e.EmailID, Code: emulator.SandboxCode, SessionDurationMinutes: 10})
		require.NoError(t, err)
		require.Equal(t, []string{"otp/email"}, factorTypes(ea.Session))
		require.Equal(t, emulator.SandboxEmail, ea.Session.AuthenticationFactors[0].EmailFactor.EmailAddress)
		el, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: emulator.SandboxEmail})
		require.NoError(t, err)
		require.False(t, el.UserCreated)
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: el.EmailID, Code: emulator.SandboxCode})
		require.NoError(t, err)
	})
}

func TestSandboxSessions(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		s, err := h.authSession(emulator.SandboxSessionToken)
		require.NoError(t, err)
		_, raw := strictLast[sessions.AuthenticateResponse](t, h, 200, sessionsAuthKeys...)
		requireSessionShape(t, raw["session"].(map[string]any))
		require.Equal(t, "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY", s.SessionToken, "the same token is echoed")
		require.Equal(t, emulator.SandboxUserID, s.Session.UserID)
		require.Equal(t, emulator.SandboxUserID, s.User.UserID)
		require.Equal(t, time.Date(2021, 8, 28, 0, 41, 58, 0, time.UTC), s.Session.StartedAt.Truncate(time.Second))
		require.NotEmpty(t, s.SessionJWT)
		local, err := h.C.Sessions.AuthenticateJWTLocal(s.SessionJWT, time.Minute)
		require.NoError(t, err, "the sandbox JWT is signed with the project's JWKS key")
		require.Equal(t, emulator.SandboxUserID, local.UserID)

		_, err = h.authSession("59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw")
		requireAPIError(t, h, err, 404, "session_not_found")

		// The sandbox session cannot be revoked: it keeps answering 200.
		_, _ = h.C.Sessions.Revoke(h.Ctx, &sessions.RevokeParams{SessionToken: emulator.SandboxSessionToken})
		_, err = h.authSession(emulator.SandboxSessionToken)
		require.NoError(t, err)
		// As on the real API, the sandbox user is not a user of the project for sessions.get.
		_, err = h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: emulator.SandboxUserID})
		requireAPIError(t, h, err, 404, "user_not_found")
	})
}

func TestSandboxTOTPAndPasswords(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		for i := 0; i < 2; i++ { // repeatable
			a, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: emulator.SandboxUserID, TOTPCode: "000000", SessionDurationMinutes: 5})
			require.NoError(t, err)
			_, raw := strictLast[totps.AuthenticateResponse](t, h, 200, totpAuthKeys...)
			requireAuthShape(t, raw, true)
			require.Equal(t, []string{"totp/authenticator_app"}, factorTypes(a.Session))
			r, err := h.C.TOTPs.Recover(h.Ctx, &totps.RecoverParams{UserID: emulator.SandboxUserID, RecoveryCode: "a1b2-c3d4-e5f6", SessionDurationMinutes: 5})
			require.NoError(t, err)
			require.Equal(t, []string{"recovery_codes/recovery_code"}, factorTypes(r.Session))
		}
		_, err := h.C.TOTPs.Create(h.Ctx, &totps.CreateParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err)
		strictLast[totps.CreateResponse](t, h, 200, "request_id", "totp_id", "secret", "qr_code", "recovery_codes", "user", "user_id", "status_code")
		codes, err := h.C.TOTPs.RecoveryCodes(h.Ctx, &totps.RecoveryCodesParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err)
		require.NotEmpty(t, codes.TOTPs)

		// Passwords: sandbox@stytch.com authenticates whatever the password.
		for _, pw := range []string{"x", strongPassword, "anything at all"} {
			resp, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: emulator.SandboxEmail, Password: pw, SessionDurationMinutes: 5})
			require.NoError(t, err, pw)
			_, raw := strictLast[passwords.AuthenticateResponse](t, h, 200, authKeys...)
			requireAuthShape(t, raw, true)
			require.Equal(t, emulator.SandboxUserID, resp.UserID)
		}
	})
}

// The sandbox TOTP cannot be deleted, so creating one for the sandbox user afterwards still
// answers. Regression: DELETE /v1/users/totps/<sandbox totp_id> then POST /v1/totps for the
// sandbox user panicked.
func TestSandboxTOTPSurvivesDelete(t *testing.T) {
	e := emulator.New()
	hdr := authHeader(emulator.DefaultProjectID, emulator.DefaultSecret)
	status, body := serve(e, "GET", "/v1/users/"+emulator.SandboxUserID, nil, hdr)
	require.Equal(t, 200, status)
	totpID := rawObject(t, body)["totps"].([]any)[0].(map[string]any)["totp_id"].(string)
	serve(e, "DELETE", "/v1/users/totps/"+totpID, nil, hdr)
	var panicked any
	func() {
		defer func() { panicked = recover() }()
		status, body = serve(e, "POST", "/v1/totps", []byte(`{"user_id":"`+emulator.SandboxUserID+`"}`), hdr)
	}()
	require.Nil(t, panicked, "POST /v1/totps panicked")
	require.Less(t, status, 500, "%s", body)
}

// The sandbox phone cannot be deleted method by method: sandbox values answer the same in every
// project. Regression: DELETE /v1/users/phone_numbers/<sandbox phone_id> answered 200 and the next
// send to +10000000000 was phone_number_not_found.
func TestSandboxPhoneSurvivesDelete(t *testing.T) {
	h := newH(t, "inprocess")
	s, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err)
	_, _ = h.C.Users.DeletePhoneNumber(h.Ctx, &users.DeletePhoneNumberParams{PhoneID: s.PhoneID})
	again, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err, "the sandbox phone must keep working")
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: again.PhoneID, Code: emulator.SandboxCode})
	require.NoError(t, err)
}

// session_duration_minutes does not change the sandbox session, so its token always
// authenticates. Regression: authenticating it with a 5-minute duration made it expire.
func TestSandboxSessionTokenNeverExpires(t *testing.T) {
	h := newH(t, "inprocess")
	_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: emulator.SandboxSessionToken, SessionDurationMinutes: 5})
	require.NoError(t, err)
	h.Advance(t, 6*time.Minute)
	_, err = h.authSession(emulator.SandboxSessionToken)
	require.NoError(t, err, "the sandbox session token must always authenticate")
}

// GET /v1/sessions?user_id=<sandbox user> is 404 user_not_found: the sandbox user is not a user of
// your project (Stytch's .NET integration test, stytch-dotnet ConsumerSessions.cs).
func TestSandboxUserSessionsNotListed(t *testing.T) {
	e := emulator.New()
	status, body := serve(e, "GET", "/v1/sessions?user_id="+emulator.SandboxUserID, nil, authHeader(emulator.DefaultProjectID, emulator.DefaultSecret))
	require.Equal(t, http.StatusNotFound, status, "%s", body)
	requireErrorBody(t, status, body, "user_not_found")
}

// The sandbox user never locks, however many wrong codes a test sends.
func TestSandboxUserNeverLocks(t *testing.T) {
	h := newH(t, "inprocess", emulator.WithLockout(2, time.Hour, time.Hour))
	for range 3 {
		_, err := h.C.TOTPs.Authenticate(h.Ctx, &totps.AuthenticateParams{UserID: emulator.SandboxUserID, TOTPCode: "123456"})
		require.Error(t, err)
	}
	_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: emulator.SandboxEmail, Password: "anything at all"})
	require.NoError(t, err)
}
