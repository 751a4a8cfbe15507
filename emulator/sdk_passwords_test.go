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
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("weak"), Password: "sunflower7"})
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
			weak, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "sunflower7"})
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

			ok, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "Qwmzrtk7"})
			require.NoError(t, err)
			require.True(t, ok.ValidPassword)
			require.Zero(t, ok.Feedback.LudsRequirements.MissingComplexity)
			require.Zero(t, ok.Feedback.LudsRequirements.MissingCharacters)

			// The policy applies to create too: a LUDS-valid password that zxcvbn would refuse.
			_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("luds"), Password: "Qwmzrtk7"})
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
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: "sunflower7"})
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
		_, err = h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: addr, ExistingPassword: strongPassword, NewPassword: "sunflower7"})
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
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: "sunflower7", SessionToken: resp.SessionToken})
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

// ---- requires_reset after the first passwordless email login (account-takeover protection) ----
//
// A password set while the user's email was unverified may have been set by someone who does not
// own the address. When an email OTP then verifies that address outside a session of the user,
// Stytch marks the password requires_reset and passwords.authenticate answers 400 reset_password
// until the password is reset through the email (stytch-go, PasswordsClient.Authenticate). Verifying
// the email with the user's own session, as the "email verification after password creation" guide
// does, keeps the password usable.

// passwordRequiresReset reads user.password.requires_reset through users.get, checking the raw
// body carries the same value.
func (h *H) passwordRequiresReset(t testing.TB, userID string) bool {
	t.Helper()
	u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: userID})
	require.NoError(t, err)
	_, raw := strictLast[users.GetResponse](t, h, http.StatusOK)
	requireUserShape(t, raw)
	require.NotNil(t, u.Password, "the user has a password")
	require.Equal(t, u.Password.RequiresReset, dig(raw, "password.requires_reset"))
	return u.Password.RequiresReset
}

// requireResetPassword asserts that passwords.authenticate refuses the right password with 400
// reset_password, with or without a session duration, and starts no session.
func (h *H) requireResetPassword(t testing.TB, addr, password, userID string) {
	t.Helper()
	_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: password})
	requireAPIError(t, h, err, 400, "reset_password")
	before, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: userID})
	require.NoError(t, err)
	_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: password, SessionDurationMinutes: 60})
	requireAPIError(t, h, err, 400, "reset_password")
	after, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: userID})
	require.NoError(t, err)
	require.Len(t, after.Sessions, len(before.Sessions), "a refused password starts no session")
}

// requirePasswordWorks asserts that passwords.authenticate accepts the password and starts a session.
func (h *H) requirePasswordWorks(t testing.TB, addr, password, userID string) {
	t.Helper()
	r, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: password, SessionDurationMinutes: 60})
	require.NoError(t, err)
	require.Equal(t, userID, r.UserID)
	require.Equal(t, []string{"password/knowledge"}, factorTypes(r.Session))
	require.False(t, r.User.Password.RequiresReset)
}

// TestPasswordsResetRequiredAfterEmailOTPWithoutSession: rule (1), the email verified by an OTP
// outside any session requires a reset; a password reset by email clears it.
func TestPasswordsResetRequiredAfterEmailOTPWithoutSession(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rr-nosess")
		created := h.newPasswordUser(t, addr)
		require.False(t, created.User.Emails[0].Verified)
		require.False(t, h.passwordRequiresReset(t, created.UserID), "a new password is usable")
		_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		require.NoError(t, err, "usable before the email is verified")

		// The first email OTP login verifies the address outside any session: the login itself
		// succeeds, and the password now requires a reset.
		v := h.verifyEmail(t, addr, "")
		_, raw := strictLast[otp.AuthenticateResponse](t, h, http.StatusOK, otpAuthKeys...)
		requireAuthShape(t, raw, false)
		require.Equal(t, true, dig(raw, "user.password.requires_reset"))
		require.Equal(t, created.UserID, v.UserID)
		require.True(t, v.User.Emails[0].Verified)
		require.NotNil(t, v.User.Password)
		require.Equal(t, created.User.Password.PasswordID, v.User.Password.PasswordID, "the password is kept, only marked")
		require.True(t, v.User.Password.RequiresReset)
		require.True(t, h.passwordRequiresReset(t, created.UserID))

		// The right password is refused with reset_password.
		h.requireResetPassword(t, addr, strongPassword, created.UserID)
		require.True(t, h.passwordRequiresReset(t, created.UserID), "refusals leave it set")

		// Passwordless email logins keep working meanwhile.
		again, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: addr})
		require.NoError(t, err)
		require.False(t, again.UserCreated)
		otpSess, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: again.EmailID, Code: h.LastCode(t, addr), SessionDurationMinutes: 30})
		require.NoError(t, err)
		require.Equal(t, created.UserID, otpSess.UserID)
		require.True(t, otpSess.User.Password.RequiresReset)

		// A password reset through the email (proof of owning the address) clears it.
		start, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		require.Equal(t, created.UserID, start.UserID)
		msgs := h.Messages(addr)
		m := msgs[len(msgs)-1]
		require.Equal(t, "password_reset", m.Type)
		require.Equal(t, created.UserID, m.UserID)
		const newPassword = "a-reclaimed-account-passphrase-64@"
		reset, err := h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: newPassword, SessionDurationMinutes: 60})
		require.NoError(t, err)
		require.Equal(t, created.UserID, reset.UserID)
		require.NotNil(t, reset.User.Password)
		require.False(t, reset.User.Password.RequiresReset, "the reset clears requires_reset")
		_, raw = strictLast[pwemail.ResetResponse](t, h, http.StatusOK, authKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, false, dig(raw, "user.password.requires_reset"))
		require.False(t, h.passwordRequiresReset(t, created.UserID))
		h.requirePasswordWorks(t, addr, newPassword, created.UserID)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")

		// The email is verified now: a further email OTP login outside a session does not set it
		// again.
		h.verifyEmail(t, addr, "")
		require.False(t, h.passwordRequiresReset(t, created.UserID))
		h.requirePasswordWorks(t, addr, newPassword, created.UserID)
	})
}

// TestPasswordsNoResetAfterEmailOTPWithOwnSession: rule (2), verifying the email with a session of
// the user (the sign-up session by token or by JWT, or a later password session) keeps the password
// usable, and the email factor joins that session.
func TestPasswordsNoResetAfterEmailOTPWithOwnSession(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"signup_session_token", "signup_session_jwt", "login_session_token"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, h *H) {
				addr := h.Email("rr-own-" + via)
				var userID, sessionID, token, jwt string
				if via == "login_session_token" {
					created := h.newPasswordUser(t, addr)
					pw := h.passwordSession(t, addr)
					userID, sessionID, token = created.UserID, pw.Session.SessionID, pw.SessionToken
				} else {
					created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
					require.NoError(t, err)
					userID, sessionID = created.UserID, created.Session.SessionID
					if via == "signup_session_jwt" {
						jwt = created.SessionJWT
					} else {
						token = created.SessionToken
					}
				}
				sent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
				require.NoError(t, err)
				v, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: h.LastCode(t, addr), SessionToken: token, SessionJWT: jwt})
				require.NoError(t, err)
				_, raw := strictLast[otp.AuthenticateResponse](t, h, http.StatusOK, otpAuthKeys...)
				requireAuthShape(t, raw, true)
				require.Equal(t, false, dig(raw, "user.password.requires_reset"))
				require.Equal(t, userID, v.UserID)
				require.Equal(t, sessionID, v.Session.SessionID, "the email factor joins the user's session")
				require.Equal(t, []string{"password/knowledge", "otp/email"}, factorTypes(v.Session))
				require.True(t, v.User.Emails[0].Verified)
				require.False(t, v.User.Password.RequiresReset)

				require.False(t, h.passwordRequiresReset(t, userID))
				h.requirePasswordWorks(t, addr, strongPassword, userID)
				// Later email OTP logins (the email is verified) leave it alone too.
				h.verifyEmail(t, addr, "")
				require.False(t, h.passwordRequiresReset(t, userID))
				h.requirePasswordWorks(t, addr, strongPassword, userID)
			})
		})
	}
}

// TestPasswordsResetRequiredAfterEmailOTPWithAnotherUsersSession: rule (3), a session of another
// user proves nothing about this one: it counts as no session, and the reset is required.
func TestPasswordsResetRequiredAfterEmailOTPWithAnotherUsersSession(t *testing.T) {
	t.Parallel()
	for _, via := range []string{"session_token", "session_jwt"} {
		t.Run(via, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, h *H) {
				// The other user: verified email, usable password, a session.
				otherAddr := h.Email("rr-other")
				other := h.verifiedPasswordUser(t, otherAddr)
				otherSess := h.passwordSession(t, otherAddr)
				// This user: a password and an unverified email.
				addr := h.Email("rr-victim")
				created := h.newPasswordUser(t, addr)

				sent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
				require.NoError(t, err)
				params := &otp.AuthenticateParams{MethodID: sent.EmailID, Code: h.LastCode(t, addr)}
				if via == "session_jwt" {
					params.SessionJWT = otherSess.SessionJWT
				} else {
					params.SessionToken = otherSess.SessionToken
				}
				v, err := h.C.OTPs.Authenticate(h.Ctx, params)
				require.NoError(t, err)
				require.Equal(t, created.UserID, v.UserID)
				if v.Session != nil {
					require.NotEqual(t, otherSess.Session.SessionID, v.Session.SessionID, "another user's session is not stepped up")
					require.Equal(t, created.UserID, v.Session.UserID)
				}
				require.True(t, v.User.Emails[0].Verified)
				require.True(t, v.User.Password.RequiresReset, "another user's session counts as no session")

				require.True(t, h.passwordRequiresReset(t, created.UserID))
				h.requireResetPassword(t, addr, strongPassword, created.UserID)

				// The other user is untouched: its session holds only its password factor, and its
				// password is still usable.
				got, err := h.authSession(otherSess.SessionToken)
				require.NoError(t, err)
				require.Equal(t, []string{"password/knowledge"}, factorTypes(&got.Session))
				require.False(t, h.passwordRequiresReset(t, other.UserID))
				h.requirePasswordWorks(t, otherAddr, strongPassword, other.UserID)
			})
		})
	}
}

// TestPasswordsEmailOTPWithoutPasswordUnaffected: rule (4), a user without a password who verifies
// the email by an email OTP login has no password to mark; one set afterwards is usable.
func TestPasswordsEmailOTPWithoutPasswordUnaffected(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rr-nopw")
		r, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: addr})
		require.NoError(t, err)
		require.True(t, r.UserCreated)
		v, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.EmailID, Code: h.LastCode(t, addr), SessionDurationMinutes: 30})
		require.NoError(t, err)
		_, raw := strictLast[otp.AuthenticateResponse](t, h, http.StatusOK, otpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Nil(t, dig(raw, "user.password"), "no password, nothing to mark")
		require.True(t, v.User.Emails[0].Verified)
		require.Nil(t, v.User.Password)
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: r.UserID})
		require.NoError(t, err)
		require.Nil(t, u.Password)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		require.Error(t, err)
		require.Equal(t, "no_user_password", errType(err), "no password: not a reset_password case")

		// A password set afterwards (through the email) is usable, and later email OTP logins
		// leave it alone.
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		msgs := h.Messages(addr)
		m := msgs[len(msgs)-1]
		require.Equal(t, "password_reset", m.Type)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: m.Token, Password: strongPassword})
		require.NoError(t, err)
		require.False(t, h.passwordRequiresReset(t, r.UserID))
		h.verifyEmail(t, addr, "")
		require.False(t, h.passwordRequiresReset(t, r.UserID))
		h.requirePasswordWorks(t, addr, strongPassword, r.UserID)
	})
}

// TestPasswordsEmailOTPAlreadyVerifiedNoReset: rule (5), only the OTP that verifies a previously
// unverified email counts: once the email is verified, further email OTP logins outside a session
// (and phone OTPs) leave the password usable.
func TestPasswordsEmailOTPAlreadyVerifiedNoReset(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rr-verified")
		created := h.verifiedPasswordUser(t, addr)
		require.False(t, h.passwordRequiresReset(t, created.UserID))

		// A second email OTP login, with no session at all, then one starting a session.
		r, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: addr})
		require.NoError(t, err)
		require.False(t, r.UserCreated)
		v, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.EmailID, Code: h.LastCode(t, addr)})
		require.NoError(t, err)
		require.False(t, v.User.Password.RequiresReset)
		_, err = h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
		require.NoError(t, err)
		s, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.EmailID, Code: h.LastCode(t, addr), SessionDurationMinutes: 30})
		require.NoError(t, err)
		require.Equal(t, []string{"otp/email"}, factorTypes(s.Session))
		require.False(t, s.User.Password.RequiresReset)
		require.False(t, h.passwordRequiresReset(t, created.UserID))
		h.requirePasswordWorks(t, addr, strongPassword, created.UserID)

		// A phone verified by an SMS OTP outside a session is not an email method.
		phone := h.Phone()
		sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, UserID: created.UserID})
		require.NoError(t, err)
		p, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone)})
		require.NoError(t, err)
		require.True(t, p.User.PhoneNumbers[0].Verified)
		require.False(t, h.passwordRequiresReset(t, created.UserID))
		h.requirePasswordWorks(t, addr, strongPassword, created.UserID)
	})
}

// A second email verified without a session does not flag the password: the user already proved
// an email of theirs.
func TestPasswordSecondEmailDoesNotRequireReset(t *testing.T) {
	h := newH(t, "inprocess")
	created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: "first@example.com", Password: strongPassword, SessionDurationMinutes: 30})
	require.NoError(t, err)
	sent, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: "first@example.com"})
	require.NoError(t, err)
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: h.LastCode(t, "first@example.com"), SessionToken: created.SessionToken})
	require.NoError(t, err)
	second, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: "second@example.com", UserID: created.UserID})
	require.NoError(t, err)
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: second.EmailID, Code: h.LastCode(t, "second@example.com")})
	require.NoError(t, err)
	_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: "first@example.com", Password: strongPassword})
	require.NoError(t, err)
}
