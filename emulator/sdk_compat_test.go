package emulator_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/whatsapp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/existingpassword"
	pwsession "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/session"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func TestExchangePrimaryFactor(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr, next := h.Email("exchange"), h.Email("exchanged")
		u := h.createUser(t, addr)

		// Email for another email: the old one is gone (and free again), the new one unverified.
		resp, err := h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: u.UserID, EmailAddress: next})
		require.NoError(t, err)
		_, raw := strictLast[users.ExchangePrimaryFactorResponse](t, h, 200, "request_id", "user_id", "user", "status_code")
		requireUserShape(t, raw["user"].(map[string]any))
		require.Equal(t, u.UserID, resp.UserID)
		require.Len(t, resp.User.Emails, 1)
		require.Equal(t, next, resp.User.Emails[0].Email)
		require.False(t, resp.User.Emails[0].Verified)
		require.NotEqual(t, u.EmailID, resp.User.Emails[0].EmailID)
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: addr})
		require.NoError(t, err, "the old address is free again")

		// Email for a phone number.
		phone := h.Phone()
		resp, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: u.UserID, PhoneNumber: phone})
		require.NoError(t, err)
		require.Empty(t, resp.User.Emails)
		require.Len(t, resp.User.PhoneNumbers, 1)
		require.Equal(t, phone, resp.User.PhoneNumbers[0].PhoneNumber)

		// Exactly one of email_address and phone_number.
		_, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: u.UserID})
		requireAPIError(t, h, err, 400, "invalid_exchange_primary_factor_fields")
		_, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: u.UserID, EmailAddress: h.Email("x"), PhoneNumber: h.Phone()})
		requireAPIError(t, h, err, 400, "invalid_exchange_primary_factor_fields")
		// Taken by another user.
		_, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: u.UserID, EmailAddress: addr})
		requireAPIError(t, h, err, 400, "duplicate_email")
		// A user with more than one factor cannot exchange.
		two, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("two"), PhoneNumber: h.Phone()})
		require.NoError(t, err)
		_, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: two.UserID, EmailAddress: h.Email("y")})
		requireAPIError(t, h, err, 400, "invalid_exchange_primary_factor_user")
		// Unknown user.
		_, err = h.C.Users.ExchangePrimaryFactor(h.Ctx, &users.ExchangePrimaryFactorParams{UserID: "user-test-00000000-0000-4000-8000-000000000000", EmailAddress: h.Email("z")})
		requireAPIError(t, h, err, 404, "user_not_found")
	})
}

func TestDeleteRegistrationsNeverCreated(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		const id = "registration-test-00000000-0000-4000-8000-000000000000"
		_, err := h.C.Users.DeleteWebAuthnRegistration(h.Ctx, &users.DeleteWebAuthnRegistrationParams{WebAuthnRegistrationID: id})
		requireAPIError(t, h, err, 404, "webauthn_registration_not_found")
		_, err = h.C.Users.DeleteBiometricRegistration(h.Ctx, &users.DeleteBiometricRegistrationParams{BiometricRegistrationID: id})
		se := requireAPIError(t, h, err, 404, "biometric_registration_not_found")
		require.EqualValues(t, "Biometric registration could not be found.", se.ErrorMessage, "Stytch's documented text")
		_, err = h.C.Users.DeleteCryptoWallet(h.Ctx, &users.DeleteCryptoWalletParams{CryptoWalletID: id})
		requireAPIError(t, h, err, 404, "crypto_wallet_not_found")
		_, err = h.C.Users.DeleteOAuthRegistration(h.Ctx, &users.DeleteOAuthRegistrationParams{OAuthUserRegistrationID: id})
		requireAPIError(t, h, err, 404, "oauth_user_registration_not_found")
		// And the sandbox user is untouched.
		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err)
	})
}

func TestDeleteExternalID(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		u, err := h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("ext"), ExternalID: "ext-" + h.Mode})
		require.NoError(t, err)
		status, body := h.RawJSON(t, "DELETE", "/v1/users/"+u.UserID+"/external_id", nil)
		require.Equal(t, 200, status, "%v", body)
		require.Equal(t, u.UserID, body["user_id"])
		require.Nil(t, body["user"].(map[string]any)["external_id"])
		// The external id no longer finds the user, and can be used again.
		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "ext-" + h.Mode})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: h.Email("ext2"), ExternalID: "ext-" + h.Mode})
		require.NoError(t, err)
		status, body = h.RawJSON(t, "DELETE", "/v1/users/user-test-00000000-0000-4000-8000-000000000000/external_id", nil)
		require.Equal(t, 404, status)
		require.Equal(t, "user_not_found", body["error_type"])
	})
}

// TestSandboxFixedMethodIDs: the sandbox identities have the method ids the real test environment
// returns, which public client code hard-codes, and 000000 authenticates them with no send first.
func TestSandboxFixedMethodIDs(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// No send: a fresh project authenticates the fixed ids at once.
		for _, id := range []string{"email-test-23873e89-d4ed-4e92-b3b9-e5c7198fa286", "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3"} {
			a, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: id, Code: "000000", SessionDurationMinutes: 5})
			require.NoError(t, err, id)
			require.Equal(t, emulator.SandboxUserID, a.UserID)
			require.Equal(t, id, a.MethodID)
		}
		e, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: "sandbox@stytch.com"})
		require.NoError(t, err)
		require.Equal(t, "email-test-23873e89-d4ed-4e92-b3b9-e5c7198fa286", e.EmailID)
		el, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: "sandbox@stytch.com"})
		require.NoError(t, err)
		require.Equal(t, "email-test-23873e89-d4ed-4e92-b3b9-e5c7198fa286", el.EmailID)
		s, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: "+10000000000"})
		require.NoError(t, err)
		require.Equal(t, "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3", s.PhoneID)
		w, err := h.C.OTPs.Whatsapp.Send(h.Ctx, &whatsapp.SendParams{PhoneNumber: "+10000000000"})
		require.NoError(t, err)
		require.Equal(t, "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3", w.PhoneID)
		sl, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: "+10000000000"})
		require.NoError(t, err)
		require.Equal(t, "phone-number-test-98cfbe19-6c8f-4b8b-b62a-e78a5a7bdff3", sl.PhoneID)
	})
}

// TestSandboxSessionStartedAtFraction: the sandbox session's started_at is exactly the real test
// environment's, fraction included; ordinary sessions have whole seconds.
func TestSandboxSessionStartedAtFraction(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		_, err := h.authSession(emulator.SandboxSessionToken)
		require.NoError(t, err)
		raw := rawObject(t, h.Last(t).Body)
		require.Equal(t, "2021-08-28T00:41:58.935673Z", raw["session"].(map[string]any)["started_at"])

		addr := h.Email("whole")
		h.newPasswordUser(t, addr)
		_ = h.passwordSession(t, addr)
		raw = rawObject(t, h.Last(t).Body)
		started := raw["session"].(map[string]any)["started_at"].(string)
		require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, started, "whole seconds")
		require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`, raw["user"].(map[string]any)["created_at"])
	})
}

// breachedLUDS is in the known-breached list ("abcdefg1", case aside) yet meets the LUDS policy of
// 8 characters from 3 classes, so only breach detection refuses it.
const breachedLUDS = "Abcdefg1"

// TestBreachDetectionOnByDefault: as in a new Stytch project, breach detection is on:
// strength_check reports it, and create and every reset refuse a breached password with
// breached_password.
func TestBreachDetectionOnByDefault(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		sc, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: "letmein", Email: h.Email("sc")})
		require.NoError(t, err)
		require.True(t, sc.BreachedPassword)
		require.True(t, sc.BreachDetectionOnCreate)
		require.False(t, sc.ValidPassword)
		ok, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: strongPassword})
		require.NoError(t, err)
		require.False(t, ok.BreachedPassword)
		require.True(t, ok.BreachDetectionOnCreate)

		// Under LUDS the password is strong enough: only the breach check refuses it.
		sc, err = h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: breachedLUDS})
		require.NoError(t, err)
		require.True(t, sc.BreachedPassword)
		require.False(t, sc.ValidPassword)
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("breached"), Password: breachedLUDS})
		se := requireAPIError(t, h, err, 400, "breached_password")
		require.EqualValues(t, "password appears in a list of breached passwords.", se.ErrorMessage, "Stytch's text (iOS SDK)")

		// Every reset refuses it too.
		addr := h.Email("resets")
		created, err := h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
		require.NoError(t, err)
		_, err = h.C.Passwords.ExistingPassword.Reset(h.Ctx, &existingpassword.ResetParams{Email: addr, ExistingPassword: strongPassword, NewPassword: breachedLUDS})
		requireAPIError(t, h, err, 400, "breached_password")
		_, err = h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: breachedLUDS, SessionToken: created.SessionToken})
		requireAPIError(t, h, err, 400, "breached_password")
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		msgs := h.Messages(addr)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: msgs[len(msgs)-1].Token, Password: breachedLUDS})
		requireAPIError(t, h, err, 400, "breached_password")
		// Nothing changed: the old password still works.
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		require.NoError(t, err)
	}, emulator.WithLUDSPolicy(8, 3))
}

// TestBreachDetectionOff: WithoutBreachDetection accepts breached passwords and says so.
func TestBreachDetectionOff(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		sc, err := h.C.Passwords.StrengthCheck(h.Ctx, &passwords.StrengthCheckParams{Password: breachedLUDS})
		require.NoError(t, err)
		require.False(t, sc.BreachedPassword)
		require.False(t, sc.BreachDetectionOnCreate)
		require.True(t, sc.ValidPassword)
		_, err = h.C.Passwords.Create(h.Ctx, &passwords.CreateParams{Email: h.Email("off"), Password: breachedLUDS})
		require.NoError(t, err)
	}, emulator.WithLUDSPolicy(8, 3), emulator.WithoutBreachDetection())
}

// TestBreachCheckOnAuthenticate: with the check on authenticate enabled, the right but breached
// password answers reset_password and marks the password as requiring a reset; without it, it
// authenticates.
func TestBreachCheckOnAuthenticate(t *testing.T) {
	t.Parallel()
	hash, err := bcrypt.GenerateFromPassword([]byte(breachedLUDS), bcrypt.MinCost)
	require.NoError(t, err)
	for name, opts := range map[string][]emulator.Option{
		"enabled":  {emulator.WithBreachCheckOnAuthenticate()},
		"disabled": nil,
	} {
		t.Run(name, func(t *testing.T) {
			both(t, func(t *testing.T, h *H) {
				addr := h.Email("migrated")
				_, err := h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{Email: addr, Hash: string(hash), HashType: "bcrypt", SetEmailVerified: true})
				require.NoError(t, err)
				_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: breachedLUDS})
				if name == "disabled" {
					require.NoError(t, err)
					return
				}
				requireAPIError(t, h, err, 400, "reset_password")
				u, err := h.C.Users.Search(h.Ctx, &users.SearchParams{Query: &users.SearchUsersQuery{Operator: "AND", Operands: []map[string]any{{"filter_name": "email_address", "filter_value": []string{addr}}}}})
				require.NoError(t, err)
				require.Len(t, u.Results, 1)
				require.True(t, u.Results[0].Password.RequiresReset)
				// A wrong password is still just wrong.
				_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
				requireAPIError(t, h, err, 401, "unauthorized_credentials")
			}, append([]emulator.Option{emulator.WithLUDSPolicy(8, 3)}, opts...)...)
		})
	}
}

// TestResetStartValidation: passwords/email/reset/start refuses malformed redirect URLs and
// locales outside the SDK's enum.
func TestResetStartValidation(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("start")
		h.newPasswordUser(t, addr)
		for _, bad := range []string{"not a url", "/relative/path", "javascript:alert(1)", "ftp://example.com/reset", "https://user:pw@example.com/"} {
			_, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, ResetPasswordRedirectURL: bad})
			requireAPIError(t, h, err, 400, "invalid_password_reset_redirect_url")
			_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, LoginRedirectURL: bad})
			requireAPIError(t, h, err, 400, "invalid_login_redirect_url")
		}
		_, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, Locale: ptr(pwemail.ResetStartRequestLocale("de-DE"))})
		se := requireAPIError(t, h, err, 400, "invalid_locale")
		require.EqualValues(t, "locale is invalid.", se.ErrorMessage)
		require.Empty(t, h.Messages(addr), "no reset email for a refused start")
		for _, locale := range []pwemail.ResetStartRequestLocale{"en", "es", "pt-br", "fr"} {
			_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, Locale: &locale,
				ResetPasswordRedirectURL: "http://localhost:3000/reset", LoginRedirectURL: "https://app.example.com/login"})
			require.NoError(t, err, locale)
		}
		// OTP sends validate their locale too.
		_, err = h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: h.Email("loc"), Locale: ptr(email.LoginOrCreateRequestLocale("it"))})
		requireAPIError(t, h, err, 400, "invalid_locale")
		_, err = h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: h.Phone(), Locale: ptr(sms.LoginOrCreateRequestLocale("xx"))})
		requireAPIError(t, h, err, 400, "invalid_locale")
		_, err = h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: h.Phone(), Locale: ptr(sms.LoginOrCreateRequestLocale("it"))})
		require.NoError(t, err)
	})
}

// TestResetPKCE: a code_challenge given at reset start makes the matching code_verifier required
// at reset; failures leave the token usable.
func TestResetPKCE(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		const verifier = "a-code-verifier-of-reasonable-length-0123456789"
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		addr := h.Email("pkce")
		h.newPasswordUser(t, addr)
		_, err := h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, CodeChallenge: challenge})
		require.NoError(t, err)
		msgs := h.Messages(addr)
		tok := msgs[len(msgs)-1].Token

		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: tok, Password: strongPassword + "x"})
		se := requireAPIError(t, h, err, 400, "pkce_expected_code_verifier")
		require.EqualValues(t, "This flow was started using a code_challenge but the authentication call is missing the corresponding code_verifier.", se.ErrorMessage)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: tok, Password: strongPassword + "x", CodeVerifier: "another-verifier"})
		requireAPIError(t, h, err, 400, "pkce_mismatch")
		r, err := h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: tok, Password: strongPassword + "x", CodeVerifier: verifier, SessionDurationMinutes: 5})
		require.NoError(t, err)
		require.NotNil(t, r.Session)

		// Without a challenge, no verifier is needed.
		_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr})
		require.NoError(t, err)
		msgs = h.Messages(addr)
		_, err = h.C.Passwords.Email.Reset(h.Ctx, &pwemail.ResetParams{Token: msgs[len(msgs)-1].Token, Password: strongPassword + "y"})
		require.NoError(t, err)
	})
}

// ptr returns a pointer to v.
func ptr[T any](v T) *T { return &v }

// TestRotationOnlyForANewFactor: in rotate mode a session's token rotates only when a factor the
// session did not have is added (the backend MFA guide's step-up); re-authenticating a factor the
// session has keeps it, and passwords/session/reset keeps the session used (and its token) while
// revoking the user's others.
func TestRotationOnlyForANewFactor(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rot")
		h.verifiedPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)

		// The same factor again, on the session: same token, same session.
		again, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionToken: pw.SessionToken})
		require.NoError(t, err)
		require.Equal(t, pw.SessionToken, again.SessionToken, "re-authenticating a factor the session has keeps the token")
		require.Equal(t, pw.Session.SessionID, again.Session.SessionID)

		// A new factor: the token rotates (the old one works for the grace).
		phone := h.Phone()
		stepped := h.smsStepUp(t, pw.SessionToken, phone)
		require.NotEqual(t, pw.SessionToken, stepped.SessionToken, "a new factor rotates the token")
		require.Equal(t, pw.Session.SessionID, stepped.Session.SessionID)

		// The SMS factor again: kept.
		sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: stepped.SessionToken})
		require.NoError(t, err)
		smsAgain, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: stepped.SessionToken})
		require.NoError(t, err)
		require.Equal(t, stepped.SessionToken, smsAgain.SessionToken)

		// passwords/session/reset: the session used keeps its token; another session is revoked.
		other := h.passwordSession(t, addr)
		reset, err := h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: strongPassword + "-new", SessionToken: stepped.SessionToken})
		require.NoError(t, err)
		require.Equal(t, stepped.SessionToken, reset.SessionToken, "the session used keeps its token")
		require.Equal(t, stepped.Session.SessionID, reset.Session.SessionID)
		_, err = h.authSession(stepped.SessionToken)
		require.NoError(t, err)
		_, err = h.authSession(other.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
	})
}

// TestSessionResetAddingAFactorKeepsTheToken: a session reset on a session without a password
// factor adds one and still keeps the token.
func TestSessionResetAddingAFactorKeepsTheToken(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("otp-only")
		lc, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: addr})
		require.NoError(t, err)
		a, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: lc.EmailID, Code: h.LastCode(t, addr), SessionDurationMinutes: 30})
		require.NoError(t, err)
		reset, err := h.C.Passwords.Sessions.Reset(h.Ctx, &pwsession.ResetParams{Password: strongPassword, SessionToken: a.SessionToken})
		require.NoError(t, err)
		require.Equal(t, a.SessionToken, reset.SessionToken)
		require.Equal(t, []string{"otp/email", "password/knowledge"}, factorTypes(reset.Session))
	})
}

// TestAuthorizationCheckIsConsumerSessionAuthorizationError: a failed authorization_check on
// sessions.authenticate is Stytch's server-side 403 consumer_session_authorization_error, with
// Stytch's text (session_authorization_error is only the SDKs' local name).
func TestAuthorizationCheckIsConsumerSessionAuthorizationError(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("authz")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken,
			AuthorizationCheck: &sessions.AuthorizationCheck{ResourceID: "documents", Action: "read"}})
		se := requireAPIError(t, h, err, 403, "consumer_session_authorization_error")
		require.EqualValues(t, "The User is not authorized to perform the requested action on that resource.", se.ErrorMessage)
	})
}

// TestDocumentedErrorTexts: error_message is Stytch's own text where a source gives it.
func TestDocumentedErrorTexts(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		_, err := h.authSession(emulator.SandboxMissingSessionToken)
		se := requireAPIError(t, h, err, 404, "session_not_found")
		require.EqualValues(t, "Session could not be found.", se.ErrorMessage)
		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: "user-test-00000000-0000-4000-8000-000000000000"})
		se = requireAPIError(t, h, err, 404, "user_not_found")
		require.EqualValues(t, "User could not be found.", se.ErrorMessage)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: h.Email("nobody"), Password: strongPassword})
		se = requireAPIError(t, h, err, 404, "email_not_found")
		require.EqualValues(t, "There is not a user in this project associated with the supplied email or email_id.", se.ErrorMessage)
		_, err = h.C.Users.Create(h.Ctx, &users.CreateParams{Email: "not an email"})
		se = requireAPIError(t, h, err, 400, "invalid_email")
		require.EqualValues(t, "Email format is invalid.", se.ErrorMessage)
		status, body := h.Raw(t, "GET", "/v1/users/"+emulator.SandboxUserID, nil, basic(h.PID, "secret-test-wrong"))
		m := requireErrorBody(t, status, body, "unauthorized_credentials")
		require.Equal(t, "Unauthorized credentials.", m["error_message"], "the OpenAPI description's example")
	})
}

// TestJWKSAlwaysCarriesX5C: Stytch's JWKS always publishes x5c (its OpenAPI description requires
// it); a signing key given without its certificate gets a self-signed one.
func TestJWKSAlwaysCarriesX5C(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	bare := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	e := emulator.New(emulator.WithSigningKey(bare, ""))
	status, body := serve(e, "GET", "/v1/sessions/jwks/"+emulator.DefaultProjectID, nil, nil)
	require.Equal(t, 200, status)
	var resp struct {
		Keys []struct {
			X5C []string `json:"x5c"`
		} `json:"keys"`
	}
	require.NoError(t, json.Unmarshal(body, &resp))
	require.Len(t, resp.Keys, 1)
	require.Len(t, resp.Keys[0].X5C, 1)
	raw, err := base64.StdEncoding.DecodeString(resp.Keys[0].X5C[0])
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(raw)
	require.NoError(t, err)
	require.True(t, key.PublicKey.Equal(cert.PublicKey), "the certificate is for the signing key")
}

// TestResetPKCESurvivesARestart: a reset started with a code_challenge still requires its
// code_verifier after the emulator restarts from its data directory (snapshots are lossless).
func TestResetPKCESurvivesARestart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	opts := []emulator.Option{emulator.WithDataDir(dir)}
	a := newH(t, "inprocess", opts...)
	const verifier = "restart-code-verifier-0123456789-abcdefghijkl"
	sum := sha256.Sum256([]byte(verifier))
	addr := a.Email("pkce-restart")
	a.newPasswordUser(t, addr)
	_, err := a.C.Passwords.Email.ResetStart(a.Ctx, &pwemail.ResetStartParams{Email: addr, CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:])})
	require.NoError(t, err)
	msgs := a.Messages(addr)
	tok := msgs[len(msgs)-1].Token
	require.NoError(t, a.E.Close())

	b := newH(t, "inprocess", opts...)
	t.Cleanup(func() { _ = b.E.Close() })
	_, err = b.C.Passwords.Email.Reset(b.Ctx, &pwemail.ResetParams{Token: tok, Password: strongPassword + "x"})
	requireAPIError(t, b, err, 400, "pkce_expected_code_verifier")
	_, err = b.C.Passwords.Email.Reset(b.Ctx, &pwemail.ResetParams{Token: tok, Password: strongPassword + "x", CodeVerifier: verifier})
	require.NoError(t, err)
}
