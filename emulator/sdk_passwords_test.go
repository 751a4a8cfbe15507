package emulator_test

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/existingpassword"
	pwsession "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/session"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func TestPasswordsCreate(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		// Without session_duration_minutes: no session, empty token and JWT, session null.
		addr := h.Email("pwc")
		created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword,
			Name: &users.Name{FirstName: "Pat"}, TrustedMetadata: map[string]any{"k": "v"}})
		require.NoError(t, err)
		_, raw := strictLast[passwords.CreateResponse](t, h, http.StatusOK, append(authKeys, "email_id")...)
		requireAuthShape(t, raw, false)
		require.Nil(t, created.Session)
		require.Regexp(t, emailIDPattern, created.EmailID)
		require.NotNil(t, created.User.Password, "the user has a password")
		require.False(t, created.User.Emails[0].Verified, "passwords.create leaves the email unverified")
		require.Equal(t, "Pat", created.User.Name.FirstName)
		require.Equal(t, map[string]any{"k": "v"}, created.User.TrustedMetadata)

		// With a duration: a session holding one password/knowledge factor.
		addr2 := h.Email("pwc2")
		withSess, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr2, Password: strongPassword, SessionDurationMinutes: 30})
		require.NoError(t, err)
		_, raw = strictLast[passwords.CreateResponse](t, h, http.StatusOK)
		requireAuthShape(t, raw, true)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(withSess.Session))
		now := h.Now()
		f := withSess.Session.AuthenticationFactors[0]
		require.Equal(t, now, *f.CreatedAt)
		require.Equal(t, now, *f.UpdatedAt)
		require.Equal(t, now, *f.LastAuthenticatedAt)
		require.Equal(t, now.Add(30*time.Minute), *withSess.Session.ExpiresAt)
		require.Equal(t, now, *withSess.Session.StartedAt)

		// Errors.
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("weak"), Password: "password"})
		requireAPIError(t, h, err, 400, "weak_password")
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword})
		requireAPIError(t, h, err, 400, "duplicate_email")
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: "nope", Password: strongPassword})
		requireAPIError(t, h, err, 400, "invalid_email")
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("dur"), Password: strongPassword, SessionDurationMinutes: 4})
		requireAPIError(t, h, err, 400, "invalid_session_duration_minutes")
		// A user created by users.create already owns the address.
		taken := h.Email("taken")
		h.createUser(t, taken)
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: taken, Password: strongPassword})
		requireAPIError(t, h, err, 400, "duplicate_email")

		// The sandbox email answers 200 whatever the password, for the sandbox user.
		sb, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: emulator.SandboxEmail, Password: "x"})
		require.NoError(t, err)
		require.Equal(t, emulator.SandboxUserID, sb.UserID)
		_, raw = strictLast[passwords.CreateResponse](t, h, http.StatusOK)
		requireAuthShape(t, raw, false)
	}, fixedClock(base))
}

func TestPasswordsAuthenticate(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("pwa")
		created := h.newPasswordUser(t, addr)

		// No duration: no session.
		noSess, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		require.NoError(t, err)
		_, raw := strictLast[passwords.AuthenticateResponse](t, h, http.StatusOK, authKeys...)
		requireAuthShape(t, raw, false)
		require.Equal(t, created.UserID, noSess.UserID)

		// A session with the password factor and its three timestamps.
		t0 := h.Now()
		pw, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
		require.NoError(t, err)
		_, raw = strictLast[passwords.AuthenticateResponse](t, h, http.StatusOK, authKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(pw.Session))
		f := pw.Session.AuthenticationFactors[0]
		require.Equal(t, t0, *f.CreatedAt)
		require.Equal(t, t0, *f.UpdatedAt)
		require.Equal(t, t0, *f.LastAuthenticatedAt)
		require.Nil(t, f.EmailFactor, "password factors carry no email_factor")
		require.Equal(t, t0.Add(time.Hour), *pw.Session.ExpiresAt)
		require.Equal(t, created.UserID, pw.Session.UserID)
		require.Contains(t, pw.Session.Roles, "stytch_user")

		// Re-authenticating the password on the same session updates the factor in place.
		t1 := h.Advance(t, 90*time.Second)
		again, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionToken: pw.SessionToken})
		require.NoError(t, err)
		require.Equal(t, pw.Session.SessionID, again.Session.SessionID)
		require.Len(t, again.Session.AuthenticationFactors, 1)
		f = again.Session.AuthenticationFactors[0]
		require.Equal(t, t0, *f.CreatedAt)
		require.Equal(t, t1, *f.UpdatedAt)
		require.Equal(t, t1, *f.LastAuthenticatedAt)
		require.Equal(t, t0.Add(time.Hour), *again.Session.ExpiresAt, "no duration: expiry unchanged")

		// Errors.
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword + "x"})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: h.Email("nobody"), Password: strongPassword})
		requireAPIError(t, h, err, 404, "email_not_found")
		for _, d := range []int32{4, 527041, -5} {
			_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: d})
			requireAPIError(t, h, err, 400, "invalid_session_duration_minutes")
		}
		for _, d := range []int32{5, 527040} {
			r, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: d})
			require.NoError(t, err, "duration %d", d)
			require.Equal(t, h.Now().Add(time.Duration(d)*time.Minute), *r.Session.ExpiresAt)
		}
		// A user without a password.
		nopw := h.Email("nopw")
		h.createUser(t, nopw)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: nopw, Password: strongPassword})
		require.Error(t, err)
		require.Equal(t, "no_user_password", errType(err))
	}, fixedClock(base))
}

func TestPasswordsStrengthCheck(t *testing.T) {
	t.Parallel()
	keys := []string{"request_id", "valid_password", "score", "breached_password", "strength_policy", "breach_detection_on_create", "feedback", "status_code"}
	t.Run("zxcvbn", func(t *testing.T) {
		t.Parallel()
		both(t, func(t *testing.T, h *H) {
			weak, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "password"})
			require.NoError(t, err)
			_, raw := strictLast[passwords.StrengthCheckResponse](t, h, 200, keys...)
			requireKeys(t, raw, "feedback", "warning", "suggestions", "luds_requirements")
			require.Nil(t, dig(raw, "feedback.luds_requirements"))
			require.False(t, weak.ValidPassword)
			require.Less(t, weak.Score, int32(3))
			require.Equal(t, "zxcvbn", weak.StrengthPolicy)
			require.NotEmpty(t, weak.Feedback.Warning)
			require.False(t, weak.BreachedPassword)

			strong, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: strongPassword, Email: h.Email("sc")})
			require.NoError(t, err)
			_, raw = strictLast[passwords.StrengthCheckResponse](t, h, 200, keys...)
			_, isArr := dig(raw, "feedback.suggestions").([]any)
			require.True(t, isArr, "suggestions must be an array")
			require.True(t, strong.ValidPassword)
			require.GreaterOrEqual(t, strong.Score, int32(3))

			_, err = h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: strongPassword, Email: "bad"})
			requireAPIError(t, h, err, 400, "invalid_email")
			_, err = h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{})
			require.Error(t, err)
			require.Equal(t, 400, h.Last(t).Status)
		})
	})
	t.Run("luds", func(t *testing.T) {
		t.Parallel()
		both(t, func(t *testing.T, h *H) {
			short, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "abc"})
			require.NoError(t, err)
			_, raw := strictLast[passwords.StrengthCheckResponse](t, h, 200, keys...)
			requireKeys(t, raw, "feedback.luds_requirements", "has_lower_case", "has_upper_case", "has_digit", "has_symbol", "missing_complexity", "missing_characters")
			require.Equal(t, "luds", short.StrengthPolicy)
			require.False(t, short.ValidPassword)
			l := short.Feedback.LudsRequirements
			require.True(t, l.HasLowerCase)
			require.False(t, l.HasUpperCase)
			require.False(t, l.HasDigit)
			require.False(t, l.HasSymbol)
			require.EqualValues(t, 2, l.MissingComplexity)
			require.EqualValues(t, 5, l.MissingCharacters)

			ok, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "Abcdefg1"})
			require.NoError(t, err)
			require.True(t, ok.ValidPassword)
			require.Zero(t, ok.Feedback.LudsRequirements.MissingComplexity)
			require.Zero(t, ok.Feedback.LudsRequirements.MissingCharacters)

			// The policy applies to create too: a LUDS-valid password that zxcvbn would refuse.
			_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("luds"), Password: "Abcdefg1"})
			require.NoError(t, err)
			_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("luds2"), Password: "abcdefgh"})
			requireAPIError(t, h, err, 400, "weak_password")
		}, emulator.WithLUDSPolicy(8, 3))
	})
}

func TestPasswordsMigrate(t *testing.T) {
	t.Parallel()
	const secret = "Migrated-Secret-Phrase-2024!"
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)

	bcryptHash, err := bcrypt.GenerateFromPassword([]byte(secret), bcrypt.MinCost)
	require.NoError(t, err)
	const sN, sR, sP, sLen = 1024, 8, 1, 32
	scryptKey, err := scrypt.Key([]byte(secret), salt, sN, sR, sP, sLen)
	require.NoError(t, err)
	argonKey := argon2.IDKey([]byte(secret), salt, 1, 1024, 1, 32)
	argonPHC := fmt.Sprintf("$argon2id$v=19$m=1024,t=1,p=1$%s$%s",
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(argonKey))

	cases := []struct {
		name   string
		params func(addr string) *passwords.MigrateParams
	}{
		{"bcrypt", func(addr string) *passwords.MigrateParams {
			return &passwords.MigrateParams{Email: addr, Hash: string(bcryptHash), HashType: passwords.MigrateRequestHashTypeBcrypt}
		}},
		{"scrypt", func(addr string) *passwords.MigrateParams {
			return &passwords.MigrateParams{Email: addr, Hash: base64.StdEncoding.EncodeToString(scryptKey), HashType: passwords.MigrateRequestHashTypeScrypt,
				ScryptConfig: &passwords.ScryptConfig{Salt: base64.StdEncoding.EncodeToString(salt), NParameter: sN, RParameter: sR, PParameter: sP, KeyLength: sLen}}
		}},
		{"argon2id", func(addr string) *passwords.MigrateParams {
			return &passwords.MigrateParams{Email: addr, Hash: argonPHC, HashType: passwords.MigrateRequestHashTypeArgon2id}
		}},
	}
	both(t, func(t *testing.T, h *H) {
		for _, tc := range cases {
			addr := h.Email("mig-" + tc.name)
			resp, err := h.C.Passwords.Migrate(h.Ctx, tc.params(addr))
			require.NoError(t, err, tc.name)
			_, raw := strictLast[passwords.MigrateResponse](t, h, 200, "request_id", "user_id", "email_id", "user_created", "user", "status_code")
			require.NotContains(t, raw, "session_token", "migrate creates no session")
			requireUserShape(t, raw["user"].(map[string]any))
			require.True(t, resp.UserCreated, tc.name)
			require.NotNil(t, resp.User.Password, tc.name)

			_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: secret + "?"})
			requireAPIError(t, h, err, 401, "unauthorized_credentials")
			auth, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: secret, SessionDurationMinutes: 10})
			require.NoError(t, err, tc.name)
			require.Equal(t, resp.UserID, auth.UserID)
			require.Equal(t, []string{"password/knowledge"}, factorTypes(auth.Session))
			// And again, after the emulator re-hashed it.
			_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: secret})
			require.NoError(t, err, tc.name)
		}

		// Migrating onto an existing user: user_created false, set_email_verified honoured.
		addr := h.Email("mig-existing")
		u := h.createUser(t, addr)
		resp, err := h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: addr, Hash: string(bcryptHash), HashType: passwords.MigrateRequestHashTypeBcrypt, SetEmailVerified: true})
		require.NoError(t, err)
		require.False(t, resp.UserCreated)
		require.Equal(t, u.UserID, resp.UserID)
		require.True(t, resp.User.Emails[0].Verified)

		// Bad hashes.
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: h.Email("mig-bad"), Hash: "xyz", HashType: "rot13"})
		requireAPIError(t, h, err, 400, "invalid_hash_type")
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: h.Email("mig-bad"), Hash: "$2a$04$short", HashType: passwords.MigrateRequestHashTypeBcrypt})
		requireAPIError(t, h, err, 400, "invalid_bcrypt_hash")
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: "bad", Hash: string(bcryptHash), HashType: passwords.MigrateRequestHashTypeBcrypt})
		requireAPIError(t, h, err, 400, "invalid_email")
	})
}

func TestPasswordsEmailReset(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("reset")
		created := h.newPasswordUser(t, addr)
		s1 := h.passwordSession(t, addr)
		s2 := h.passwordSession(t, addr)

		start, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		strictLast[pwemail.ResetStartResponse](t, h, 200, "request_id", "user_id", "email_id", "status_code")
		require.Equal(t, created.UserID, start.UserID)
		require.Equal(t, created.EmailID, start.EmailID)
		msgs := h.Messages(addr)
		require.Len(t, msgs, 1)
		m := msgs[0]
		require.Equal(t, "password_reset", m.Type)
		require.Equal(t, "email", m.Channel)
		require.Equal(t, created.UserID, m.UserID)
		require.Len(t, m.Token, 44)
		require.Equal(t, h.Now().Add(30*time.Minute), m.ExpiresAt, "default reset expiry is 30 minutes")

		// A weak password fails and leaves the token usable.
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: "password"})
		requireAPIError(t, h, err, 400, "weak_password")
		for _, s := range []string{s1.SessionToken, s2.SessionToken} {
			_, err = h.authSession(s)
			require.NoError(t, err, "a failed reset revokes nothing")
		}

		const newPassword = "a-brand-new-passphrase-77%"
		reset, err := h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: newPassword, SessionDurationMinutes: 60})
		require.NoError(t, err)
		_, raw := strictLast[pwemail.ResetResponse](t, h, 200, authKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(reset.Session))
		require.True(t, reset.User.Emails[0].Verified, "an email reset verifies the email")
		require.NotEqual(t, s1.Session.SessionID, reset.Session.SessionID)
		// Every earlier session is revoked.
		for _, s := range []string{s1.SessionToken, s2.SessionToken} {
			_, err = h.authSession(s)
			requireAPIError(t, h, err, 404, "session_not_found")
		}
		_, err = h.authSession(reset.SessionToken)
		require.NoError(t, err)
		// Old password out, new one in.
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: newPassword})
		require.NoError(t, err)
		// The token is single-use.
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: newPassword + "2"})
		requireAPIError(t, h, err, 401, "unable_to_auth_password_reset_token")

		// Without a duration, the reset gives no session.
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		tok := h.Messages(addr)[1].Token
		noSess, err := h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: tok, Password: newPassword + "3"})
		require.NoError(t, err)
		_, raw = strictLast[pwemail.ResetResponse](t, h, 200)
		requireAuthShape(t, raw, false)
		require.Nil(t, noSess.Session)

		// Expired tokens.
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, ResetPasswordExpirationMinutes: 5})
		require.NoError(t, err)
		tok = h.Messages(addr)[2].Token
		h.Advance(t, 5*time.Minute+time.Second)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: tok, Password: newPassword + "4"})
		requireAPIError(t, h, err, 401, "unable_to_auth_password_reset_token")

		// Unknown email, bad expiry, unknown token.
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: h.Email("nobody")})
		requireAPIError(t, h, err, 404, "email_not_found")
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, ResetPasswordExpirationMinutes: 4})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: "bm90LWEtcmVhbC10b2tlbi1ub3QtYS1yZWFsLXRva2VuLQ==", Password: newPassword})
		requireAPIError(t, h, err, 401, "unable_to_auth_password_reset_token")
	}, fixedClock(base))
}

func TestPasswordsExistingPasswordReset(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("exist")
		h.newPasswordUser(t, addr)
		s1 := h.passwordSession(t, addr)
		s2 := h.passwordSession(t, addr)
		const newPassword = "another-long-passphrase-31#"

		_, err := h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: addr, ExistingPassword: "wrong-" + strongPassword, NewPassword: newPassword})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
		_, err = h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: addr, ExistingPassword: strongPassword, NewPassword: "password"})
		requireAPIError(t, h, err, 400, "weak_password")
		_, err = h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: h.Email("nobody"), ExistingPassword: strongPassword, NewPassword: newPassword})
		requireAPIError(t, h, err, 404, "email_not_found")
		_, err = h.authSession(s1.SessionToken)
		require.NoError(t, err, "failed resets revoke nothing")

		resp, err := h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: addr, ExistingPassword: strongPassword, NewPassword: newPassword, SessionDurationMinutes: 15})
		require.NoError(t, err)
		_, raw := strictLast[existingpassword.ResetResponse](t, h, 200, authKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(resp.Session))
		for _, s := range []string{s1.SessionToken, s2.SessionToken} {
			_, err = h.authSession(s)
			requireAPIError(t, h, err, 404, "session_not_found")
		}
		_, err = h.authSession(resp.SessionToken)
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: newPassword})
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
	})
}

func TestPasswordsSessionReset(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("sessreset")
		h.newPasswordUser(t, addr)
		s1 := h.passwordSession(t, addr)
		s2 := h.passwordSession(t, addr)
		const newPassword = "session-reset-passphrase-55&"

		h.Advance(t, time.Minute)
		resp, err := h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: newPassword, SessionToken: s1.SessionToken})
		require.NoError(t, err)
		_, raw := strictLast[pwsession.ResetResponse](t, h, 200, authKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, s1.Session.SessionID, resp.Session.SessionID, "the session used is kept")
		require.Equal(t, []string{"password/knowledge"}, factorTypes(resp.Session))
		f := resp.Session.AuthenticationFactors[0]
		require.Equal(t, h.Now(), *f.LastAuthenticatedAt)
		require.Equal(t, base, *f.CreatedAt)
		// The other session is revoked; this one lives on.
		_, err = h.authSession(s2.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.authSession(resp.SessionToken)
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: newPassword})
		require.NoError(t, err)

		login := func(pw string) *passwords.AuthenticateResponse {
			r, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: pw, SessionDurationMinutes: 60})
			require.NoError(t, err)
			return r
		}
		// Weak password: refused, nothing revoked.
		s3 := login(newPassword)
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: "password", SessionToken: resp.SessionToken})
		requireAPIError(t, h, err, 400, "weak_password")
		_, err = h.authSession(s3.SessionToken)
		require.NoError(t, err)

		// More than 5 minutes after the last factor: session_too_old_to_reset_password.
		h.Advance(t, 6*time.Minute)
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: newPassword + "x", SessionToken: resp.SessionToken})
		require.Error(t, err)
		require.Equal(t, "session_too_old_to_reset_password", errType(err))
		x := h.Last(t)
		requireErrorBody(t, x.Status, x.Body, "session_too_old_to_reset_password")
		require.True(t, x.Status >= 400 && x.Status < 500)
		_, err = h.authSession(s3.SessionToken)
		require.NoError(t, err, "a refused reset revokes nothing")

		// Reset by JWT works too.
		fresh := login(newPassword)
		byJWT, err := h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: newPassword + "-jwt", SessionJWT: fresh.SessionJWT})
		require.NoError(t, err)
		require.Equal(t, fresh.Session.SessionID, byJWT.Session.SessionID)

		// No session at all, an unknown one.
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: newPassword})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: newPassword, SessionToken: emulator.SandboxMissingSessionToken})
		requireAPIError(t, h, err, 404, "session_not_found")
	}, fixedClock(base))
}

// TestPasswordsAuthenticateWithSessionJWT: the password factor is added to a session given by JWT.
func TestPasswordsAuthenticateWithSessionJWT(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("pwjwt")
		h.newPasswordUser(t, addr)
		s := h.passwordSession(t, addr)
		resp, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionJWT: s.SessionJWT})
		require.NoError(t, err)
		require.Equal(t, s.Session.SessionID, resp.Session.SessionID)
		got, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionJWT: resp.SessionJWT})
		require.NoError(t, err)
		require.Equal(t, s.Session.SessionID, got.Session.SessionID)
	})
}

// TestPasswordsSessionResetNeedsAKnowledgeOrEmailFactor: an SMS-only session cannot reset the
// password; an email-OTP session can.
func TestPasswordsSessionResetNeedsAKnowledgeOrEmailFactor(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("needs")
		created := h.verifiedPasswordUser(t, addr)
		phone := h.Phone()
		sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, UserID: created.UserID})
		require.NoError(t, err)
		smsOnly, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionDurationMinutes: 30})
		require.NoError(t, err)
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: "an-sms-only-reset-passphrase-9", SessionToken: smsOnly.SessionToken})
		require.Error(t, err)
		require.Equal(t, "session_too_old_to_reset_password", errType(err))

		esent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
		require.NoError(t, err)
		emailSess, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: esent.EmailID, Code: h.LastCode(t, addr), SessionDurationMinutes: 30})
		require.NoError(t, err)
		resp, err := h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: "an-email-otp-reset-passphrase-9", SessionToken: emailSess.SessionToken})
		require.NoError(t, err)
		require.Equal(t, []string{"otp/email", "password/knowledge"}, factorTypes(resp.Session))
		// The SMS-only session was another session of the user: revoked.
		_, err = h.authSession(smsOnly.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
	})
}
