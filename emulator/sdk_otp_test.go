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
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

var otpAuthKeys = append([]string{"method_id", "reset_sessions"}, authKeys...)

// otpChannel drives one OTP delivery channel through the SDK.
type otpChannel struct {
	name    string // "sms" | "whatsapp" | "email"
	contact func(h *H) string
	// loginOrCreate and send return user_id, method_id; they check the raw response strictly.
	loginOrCreate func(t *testing.T, h *H, to string, pending bool, minutes int32) (string, string, bool, error)
	send          func(t *testing.T, h *H, to, userID, token string, minutes int32) (string, string, error)
}

var otpChannels = []otpChannel{
	{
		name:    "sms",
		contact: func(h *H) string { return h.Phone() },
		loginOrCreate: func(t *testing.T, h *H, to string, pending bool, minutes int32) (string, string, bool, error) {
			r, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: to, CreateUserAsPending: pending, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", false, err
			}
			strictLast[sms.LoginOrCreateResponse](t, h, 200, "request_id", "user_id", "phone_id", "user_created", "status_code")
			return r.UserID, r.PhoneID, r.UserCreated, nil
		},
		send: func(t *testing.T, h *H, to, userID, token string, minutes int32) (string, string, error) {
			r, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: to, UserID: userID, SessionToken: token, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", err
			}
			strictLast[sms.SendResponse](t, h, 200, "request_id", "user_id", "phone_id", "status_code")
			return r.UserID, r.PhoneID, nil
		},
	},
	{
		name:    "whatsapp",
		contact: func(h *H) string { return h.Phone() },
		loginOrCreate: func(t *testing.T, h *H, to string, pending bool, minutes int32) (string, string, bool, error) {
			r, err := h.C.OTPs.Whatsapp.LoginOrCreate(h.Ctx, &whatsapp.LoginOrCreateParams{PhoneNumber: to, CreateUserAsPending: pending, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", false, err
			}
			strictLast[whatsapp.LoginOrCreateResponse](t, h, 200, "request_id", "user_id", "phone_id", "user_created", "status_code")
			return r.UserID, r.PhoneID, r.UserCreated, nil
		},
		send: func(t *testing.T, h *H, to, userID, token string, minutes int32) (string, string, error) {
			r, err := h.C.OTPs.Whatsapp.Send(h.Ctx, &whatsapp.SendParams{PhoneNumber: to, UserID: userID, SessionToken: token, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", err
			}
			strictLast[whatsapp.SendResponse](t, h, 200, "request_id", "user_id", "phone_id", "status_code")
			return r.UserID, r.PhoneID, nil
		},
	},
	{
		name:    "email",
		contact: func(h *H) string { return h.Email("otp") },
		loginOrCreate: func(t *testing.T, h *H, to string, pending bool, minutes int32) (string, string, bool, error) {
			r, err := h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: to, CreateUserAsPending: pending, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", false, err
			}
			strictLast[email.LoginOrCreateResponse](t, h, 200, "request_id", "user_id", "email_id", "user_created", "status_code")
			return r.UserID, r.EmailID, r.UserCreated, nil
		},
		send: func(t *testing.T, h *H, to, userID, token string, minutes int32) (string, string, error) {
			r, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: to, UserID: userID, SessionToken: token, ExpirationMinutes: minutes})
			if err != nil {
				return "", "", err
			}
			strictLast[email.SendResponse](t, h, 200, "request_id", "user_id", "email_id", "status_code")
			return r.UserID, r.EmailID, nil
		},
	},
}

func (ch otpChannel) isEmail() bool { return ch.name == "email" }

func TestOTPLoginOrCreateAndAuthenticate(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	for _, ch := range otpChannels {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, h *H) {
				to := ch.contact(h)
				userID, methodID, created, err := ch.loginOrCreate(t, h, to, false, 0)
				require.NoError(t, err)
				require.True(t, created)
				require.Regexp(t, userIDPattern, userID)
				if ch.isEmail() {
					require.Regexp(t, emailIDPattern, methodID)
				} else {
					require.Regexp(t, phoneIDPattern, methodID)
				}
				msgs := h.Messages(to)
				require.Len(t, msgs, 1)
				m := msgs[0]
				require.Equal(t, ch.name, m.Channel)
				require.Equal(t, "otp", m.Type)
				require.Equal(t, to, m.To)
				require.Equal(t, methodID, m.MethodID)
				require.Equal(t, userID, m.UserID)
				require.Regexp(t, codePattern, m.Code)
				require.Equal(t, 2*time.Minute, m.ExpiresAt.Sub(m.SentAt), "default expiration is 2 minutes")

				// The method is unverified until authenticated.
				u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: userID})
				require.NoError(t, err)
				if ch.isEmail() {
					require.False(t, u.Emails[0].Verified)
				} else {
					require.False(t, u.PhoneNumbers[0].Verified)
				}

				// A wrong code: 404 otp_code_not_found; the right code still works afterwards.
				wrong := "000001"
				if m.Code == wrong {
					wrong = "000002"
				}
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: wrong})
				requireAPIError(t, h, err, 404, "otp_code_not_found")

				h.Advance(t, 30*time.Second)
				now := h.Now()
				resp, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: m.Code, SessionDurationMinutes: 60})
				require.NoError(t, err)
				_, raw := strictLast[otp.AuthenticateResponse](t, h, 200, otpAuthKeys...)
				requireAuthShape(t, raw, true)
				require.Equal(t, methodID, resp.MethodID)
				require.Equal(t, userID, resp.UserID)
				require.False(t, resp.ResetSessions)
				require.Equal(t, []string{"otp/" + ch.name}, factorTypes(resp.Session))
				f := resp.Session.AuthenticationFactors[0]
				require.Equal(t, now, *f.CreatedAt)
				require.Equal(t, now, *f.UpdatedAt)
				require.Equal(t, now, *f.LastAuthenticatedAt)
				if ch.isEmail() {
					require.NotNil(t, f.EmailFactor)
					require.Equal(t, methodID, f.EmailFactor.EmailID)
					require.Equal(t, to, f.EmailFactor.EmailAddress)
					require.Nil(t, f.PhoneNumberFactor)
					require.True(t, resp.User.Emails[0].Verified)
				} else {
					require.NotNil(t, f.PhoneNumberFactor)
					require.Equal(t, methodID, f.PhoneNumberFactor.PhoneID)
					require.Equal(t, to, f.PhoneNumberFactor.PhoneNumber)
					require.Nil(t, f.EmailFactor)
					require.True(t, resp.User.PhoneNumbers[0].Verified)
				}

				// Single use.
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: m.Code})
				requireAPIError(t, h, err, 401, "unable_to_auth_otp_code")

				// login_or_create again: the same user, user_created false; without a duration no session.
				again, methodAgain, created, err := ch.loginOrCreate(t, h, to, false, 0)
				require.NoError(t, err)
				require.False(t, created)
				require.Equal(t, userID, again)
				require.Equal(t, methodID, methodAgain)
				noSess, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: h.LastCode(t, to)})
				require.NoError(t, err)
				_, raw = strictLast[otp.AuthenticateResponse](t, h, 200, otpAuthKeys...)
				requireAuthShape(t, raw, false)
				require.Nil(t, noSess.Session)

				// send (not login_or_create) to a known contact works without user_id.
				sentUser, sentMethod, err := ch.send(t, h, to, "", "", 0)
				require.NoError(t, err)
				require.Equal(t, userID, sentUser)
				require.Equal(t, methodID, sentMethod)

				// Pending users become active when they authenticate.
				pto := ch.contact(h)
				pUser, pMethod, created, err := ch.loginOrCreate(t, h, pto, true, 0)
				require.NoError(t, err)
				require.True(t, created)
				pu, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: pUser})
				require.NoError(t, err)
				require.Equal(t, "pending", pu.Status)
				pa, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: pMethod, Code: h.LastCode(t, pto)})
				require.NoError(t, err)
				require.Equal(t, "active", pa.User.Status)
			}, fixedClock(base))
		})
	}
}

func TestOTPExpirationAndResend(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	for _, ch := range otpChannels {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, h *H) {
				to := ch.contact(h)
				_, methodID, _, err := ch.loginOrCreate(t, h, to, false, 0)
				require.NoError(t, err)
				old := h.LastCode(t, to)

				// Expiration bounds: 1..10 minutes.
				for _, bad := range []int32{11, -1} {
					_, _, _, err = ch.loginOrCreate(t, h, to, false, bad)
					require.Error(t, err, "expiration %d", bad)
					x := h.Last(t)
					require.Equal(t, 400, x.Status)
					requireErrorBody(t, 400, x.Body, "")
				}
				require.Len(t, h.Messages(to), 1, "refused sends send nothing")
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: old})
				require.NoError(t, err, "a refused send does not invalidate the code")

				for _, minutes := range []int32{1, 10} {
					_, _, err = ch.send(t, h, to, "", "", minutes)
					require.NoError(t, err)
					msgs := h.Messages(to)
					m := msgs[len(msgs)-1]
					require.Equal(t, time.Duration(minutes)*time.Minute, m.ExpiresAt.Sub(m.SentAt))
				}

				// A new send invalidates the previous code.
				_, _, err = ch.send(t, h, to, "", "", 0)
				require.NoError(t, err)
				first := h.LastCode(t, to)
				_, _, err = ch.send(t, h, to, "", "", 0)
				require.NoError(t, err)
				second := h.LastCode(t, to)
				if first != second {
					_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: first})
					require.Error(t, err, "the superseded code is refused")
					require.Contains(t, []string{"otp_code_not_found", "unable_to_auth_otp_code"}, errType(err))
				}
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: second})
				require.NoError(t, err)

				// Expired (default 2 minutes): 401 unable_to_auth_otp_code.
				_, _, err = ch.send(t, h, to, "", "", 0)
				require.NoError(t, err)
				code := h.LastCode(t, to)
				h.Advance(t, 2*time.Minute-time.Second)
				h.Advance(t, time.Second)
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: code})
				requireAPIError(t, h, err, 401, "unable_to_auth_otp_code")
				// Just before expiry it works.
				_, _, err = ch.send(t, h, to, "", "", 0)
				require.NoError(t, err)
				code = h.LastCode(t, to)
				h.Advance(t, 2*time.Minute-time.Second)
				_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: code})
				require.NoError(t, err)
			}, fixedClock(base))
		})
	}
}

func TestOTPInvalidInput(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		for _, bad := range []string{"5555550123", "+1-555-555-0123", "+0123456789", "+1", "phone"} {
			_, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: bad})
			requireAPIError(t, h, err, 400, "invalid_phone_number")
			_, err = h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: bad})
			requireAPIError(t, h, err, 400, "invalid_phone_number")
			_, err = h.C.OTPs.Whatsapp.LoginOrCreate(h.Ctx, &whatsapp.LoginOrCreateParams{PhoneNumber: bad})
			requireAPIError(t, h, err, 400, "invalid_phone_number")
		}
		// SMS outside +1 is off by default.
		_, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: "+447700900123"})
		requireAPIError(t, h, err, 400, "invalid_phone_number_country_code")
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: "+33612345678"})
		requireAPIError(t, h, err, 400, "invalid_phone_number_country_code")
		for _, bad := range []string{"plainaddress", "a@b", "Ada <ada@example.com>", " ada@example.com"} {
			_, err = h.C.OTPs.Email.LoginOrCreate(h.Ctx, &email.LoginOrCreateParams{Email: bad})
			requireAPIError(t, h, err, 400, "invalid_email")
			_, err = h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: bad})
			requireAPIError(t, h, err, 400, "invalid_email")
		}
		// Unknown contacts for send without user: not found (send creates no users).
		_, err = h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: h.Email("unknown")})
		requireAPIError(t, h, err, 404, "email_not_found")
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: h.Phone()})
		require.Error(t, err)
		require.Equal(t, 404, h.Last(t).Status)
		// Unknown method ids and malformed codes.
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: "phone-number-test-00000000-0000-4000-8000-000000000000", Code: "123456"})
		requireAPIError(t, h, err, 404, "otp_code_not_found")
		to := h.Phone()
		r, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: to})
		require.NoError(t, err)
		for _, bad := range []string{"12345", "1234567", "abcdef", ""} {
			_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: bad})
			require.Error(t, err, bad)
			x := h.Last(t)
			require.Equal(t, 400, x.Status, "%q: %s", bad, x.Body)
			requireErrorBody(t, 400, x.Body, "")
		}
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: h.LastCode(t, to), SessionDurationMinutes: 3})
		requireAPIError(t, h, err, 400, "invalid_session_duration_minutes")
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: h.LastCode(t, to)})
		require.NoError(t, err, "a refused authenticate does not use up the code")
		// login_or_create takes no user/session.
		status, m := h.RawJSON(t, "POST", "/v1/otps/sms/login_or_create", map[string]any{"phone_number": h.Phone(), "user_id": r.UserID})
		require.Equal(t, 400, status)
		require.NotEmpty(t, m["error_type"])
	})
}

func TestOTPInternationalSMS(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		const uk = "+447700900123"
		r, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: uk})
		require.NoError(t, err)
		a, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: h.LastCode(t, uk), SessionDurationMinutes: 5})
		require.NoError(t, err)
		require.Equal(t, uk, a.Session.AuthenticationFactors[0].PhoneNumberFactor.PhoneNumber)
	}, emulator.WithInternationalSMS())
}

func TestOTPAttachUnverifiedFactor(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	for _, via := range []string{"user_id", "session_token"} {
		for _, ch := range otpChannels {
			t.Run(via+"/"+ch.name, func(t *testing.T) {
				t.Parallel()
				both(t, func(t *testing.T, h *H) {
					addr := h.Email("attach")
					created := h.verifiedPasswordUser(t, addr)
					pw := h.passwordSession(t, addr)
					userID, token := created.UserID, ""
					if via == "session_token" {
						userID, token = "", pw.SessionToken
					}
					to := ch.contact(h)
					gotUser, methodID, err := ch.send(t, h, to, userID, token, 0)
					require.NoError(t, err)
					require.Equal(t, created.UserID, gotUser)

					u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: created.UserID})
					require.NoError(t, err)
					if ch.isEmail() {
						require.Len(t, u.Emails, 2)
						require.Equal(t, to, u.Emails[1].Email)
						require.False(t, u.Emails[1].Verified)
					} else {
						require.Len(t, u.PhoneNumbers, 1)
						require.Equal(t, methodID, u.PhoneNumbers[0].PhoneID)
						require.False(t, u.PhoneNumbers[0].Verified)
					}
					// While it is pending, a second unverified factor is refused.
					other := h.Phone()
					_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: other, UserID: created.UserID})
					requireAPIError(t, h, err, 400, "too_many_unverified_factors")
					_, err = h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: h.Email("second"), SessionToken: pw.SessionToken})
					requireAPIError(t, h, err, 400, "too_many_unverified_factors")

					// Not authenticated within 5 minutes: removed.
					h.Advance(t, 5*time.Minute)
					u, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: created.UserID})
					require.NoError(t, err)
					require.Len(t, u.Emails, 1)
					require.Empty(t, u.PhoneNumbers)
					_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: h.LastCode(t, to)})
					require.Error(t, err, "a removed method cannot be authenticated")
					// The contact is free again: login_or_create makes a new user with it.
					newUser, _, createdNew, err := ch.loginOrCreate(t, h, to, false, 0)
					require.NoError(t, err)
					require.True(t, createdNew)
					require.NotEqual(t, created.UserID, newUser)

					// Authenticated within 5 minutes: it stays, verified.
					to2 := ch.contact(h)
					_, methodID2, err := ch.send(t, h, to2, created.UserID, "", 10)
					require.NoError(t, err)
					h.Advance(t, 4*time.Minute)
					a, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID2, Code: h.LastCode(t, to2)})
					require.NoError(t, err)
					require.Equal(t, created.UserID, a.UserID)
					h.Advance(t, 10*time.Minute)
					u, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: created.UserID})
					require.NoError(t, err)
					if ch.isEmail() {
						require.Len(t, u.Emails, 2)
						require.True(t, u.Emails[1].Verified)
					} else {
						require.Len(t, u.PhoneNumbers, 1)
						require.True(t, u.PhoneNumbers[0].Verified)
					}
				}, fixedClock(base))
			})
		}
	}
}

func TestOTPTooManyUnverifiedFactors(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		// passwords.create leaves the email unverified; adding a phone is then refused.
		addr := h.Email("tmuf")
		h.newPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		phone := h.Phone()
		_, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: pw.SessionToken})
		requireAPIError(t, h, err, 400, "too_many_unverified_factors")
		_, err = h.C.OTPs.Whatsapp.Send(h.Ctx, &whatsapp.SendParams{PhoneNumber: phone, SessionJWT: pw.SessionJWT})
		requireAPIError(t, h, err, 400, "too_many_unverified_factors")
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: pw.UserID})
		require.NoError(t, err)
		require.Empty(t, u.PhoneNumbers, "nothing attached")
		require.Empty(t, h.Messages(phone), "nothing sent")
		// Once the email is verified (with the session, so the password stays usable), the phone
		// can be added.
		v := h.verifyEmail(t, addr, pw.SessionToken)
		require.Equal(t, pw.Session.SessionID, v.Session.SessionID)
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: v.SessionToken})
		require.NoError(t, err)
	})
}

func TestOTPSendConflicts(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		a := h.verifiedPasswordUser(t, h.Email("conf-a"))
		bAddr := h.Email("conf-b")
		h.verifiedPasswordUser(t, bAddr)
		// Another user's email, sent with user_id: refused.
		_, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: bAddr, UserID: a.UserID})
		require.Error(t, err)
		require.Equal(t, 400, h.Last(t).Status)
		// Unknown user_id, unknown session.
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: h.Phone(), UserID: "user-test-00000000-0000-4000-8000-000000000099"})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: h.Phone(), SessionToken: emulator.SandboxMissingSessionToken})
		requireAPIError(t, h, err, 404, "session_not_found")
	})
}

// TestOTPStepUpAndTokenRotation: the factor is added to the session, the token rotates, the old
// token works for the grace period, and re-authenticating a factor updates it in place.
func TestOTPStepUpAndTokenRotation(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("rot")
		h.verifiedPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		t0 := h.Now()
		phone := h.Phone()

		h.Advance(t, 20*time.Second)
		sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: pw.SessionToken})
		require.NoError(t, err)
		t1 := h.Now()
		stepped, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: pw.SessionToken})
		require.NoError(t, err)
		_, raw := strictLast[otp.AuthenticateResponse](t, h, 200, otpAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, pw.Session.SessionID, stepped.Session.SessionID)
		require.NotEqual(t, pw.SessionToken, stepped.SessionToken, "a new token on step-up")
		require.NotEqual(t, pw.SessionJWT, stepped.SessionJWT)
		require.Equal(t, []string{"password/knowledge", "otp/sms"}, factorTypes(stepped.Session))
		require.Equal(t, t0.Add(time.Hour), *stepped.Session.ExpiresAt, "no duration: the expiry is not extended")
		p := findFactor(t, stepped.Session, "password", "knowledge")
		require.Equal(t, t0, *p.LastAuthenticatedAt)
		s := findFactor(t, stepped.Session, "otp", "sms")
		require.Equal(t, t1, *s.CreatedAt)
		require.Equal(t, t1, *s.LastAuthenticatedAt)
		require.Equal(t, sent.PhoneID, s.PhoneNumberFactor.PhoneID)

		// The old token works until the grace period (60 s) is over.
		h.Advance(t, 59*time.Second)
		old, err := h.authSession(pw.SessionToken)
		require.NoError(t, err)
		require.Len(t, old.Session.AuthenticationFactors, 2, "the old token sees the same session")
		h.Advance(t, time.Second)
		_, err = h.authSession(pw.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		cur, err := h.authSession(stepped.SessionToken)
		require.NoError(t, err)
		require.Equal(t, stepped.SessionToken, cur.SessionToken)

		// Re-authenticating the SMS factor: created_at kept, last_authenticated_at/updated_at moved.
		h.Advance(t, 3*time.Minute)
		_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: stepped.SessionToken})
		require.NoError(t, err)
		t2 := h.Now()
		again, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: stepped.SessionToken, SessionDurationMinutes: 30})
		require.NoError(t, err)
		require.Len(t, again.Session.AuthenticationFactors, 2)
		s = findFactor(t, again.Session, "otp", "sms")
		require.Equal(t, t1, *s.CreatedAt)
		require.Equal(t, t2, *s.UpdatedAt)
		require.Equal(t, t2, *s.LastAuthenticatedAt)
		require.Equal(t, t2.Add(30*time.Minute), *again.Session.ExpiresAt, "a duration re-extends the session")

		// Step-up by JWT adds the factor too.
		emailCode, err := h.C.OTPs.Email.Send(h.Ctx, &email.SendParams{Email: addr})
		require.NoError(t, err)
		byJWT, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: emailCode.EmailID, Code: h.LastCode(t, addr), SessionJWT: again.SessionJWT})
		require.NoError(t, err)
		require.Equal(t, pw.Session.SessionID, byJWT.Session.SessionID)
		require.Equal(t, []string{"password/knowledge", "otp/sms", "otp/email"}, factorTypes(byJWT.Session))
		ef := findFactor(t, byJWT.Session, "otp", "email")
		require.Equal(t, addr, ef.EmailFactor.EmailAddress)
	}, fixedClock(base))
}

func TestOTPTokenRotationKeep(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("keep")
		h.verifiedPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		stepped := h.smsStepUp(t, pw.SessionToken, h.Phone())
		require.Equal(t, pw.SessionToken, stepped.SessionToken, "KeepTokens: the token stays")
		require.Len(t, stepped.Session.AuthenticationFactors, 2)
		h.Advance(t, 10*time.Minute)
		got, err := h.authSession(pw.SessionToken)
		require.NoError(t, err)
		require.Len(t, got.Session.AuthenticationFactors, 2)
	}, emulator.WithTokenRotation(emulator.KeepTokens, 0))
}

func TestOTPTokenRotationImmediate(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("imm")
		h.verifiedPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		stepped := h.smsStepUp(t, pw.SessionToken, h.Phone())
		require.NotEqual(t, pw.SessionToken, stepped.SessionToken)
		_, err := h.authSession(pw.SessionToken)
		requireAPIError(t, h, err, 404, "session_not_found")
		_, err = h.authSession(stepped.SessionToken)
		require.NoError(t, err)
	}, emulator.WithTokenRotation(emulator.RotateTokens, -1))
}

// TestOTPSessionOfAnotherUser: a session of another user passed to authenticate is not stepped up.
func TestOTPSessionOfAnotherUser(t *testing.T) {
	t.Parallel()
	both(t, func(t *testing.T, h *H) {
		aAddr := h.Email("ua")
		h.verifiedPasswordUser(t, aAddr)
		aSess := h.passwordSession(t, aAddr)
		to := h.Phone()
		r, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: to})
		require.NoError(t, err)
		resp, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: h.LastCode(t, to), SessionToken: aSess.SessionToken, SessionDurationMinutes: 10})
		require.NoError(t, err, "the other user's session is ignored, not an error")
		require.NotEqual(t, aSess.Session.SessionID, resp.Session.SessionID, "another user's session must not receive the factor")
		require.Equal(t, r.UserID, resp.Session.UserID)
		got, err := h.authSession(aSess.SessionToken)
		require.NoError(t, err)
		require.Equal(t, []string{"password/knowledge"}, factorTypes(&got.Session))
	})
}

func TestOTPLockout(t *testing.T) {
	t.Parallel()
	base := time.Now().UTC().Truncate(time.Second)
	both(t, func(t *testing.T, h *H) {
		to := h.Phone()
		r, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: to, ExpirationMinutes: 10})
		require.NoError(t, err)
		code := h.LastCode(t, to)
		wrong := "111111"
		if code == wrong {
			wrong = "222222"
		}
		for i := 0; i < 3; i++ {
			_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: wrong})
			requireAPIError(t, h, err, 404, "otp_code_not_found")
		}
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: code})
		requireAPIError(t, h, err, 429, "user_lock_limit_reached")
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: r.UserID})
		require.NoError(t, err)
		_, raw := strictLast[users.GetResponse](t, h, http.StatusOK)
		require.True(t, u.IsLocked)
		require.NotNil(t, u.LockCreatedAt)
		require.Equal(t, h.Now().Add(5*time.Minute), *u.LockExpiresAt)
		require.NotNil(t, raw["lock_expires_at"])
		h.Advance(t, 5*time.Minute)
		_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: r.PhoneID, Code: code})
		require.NoError(t, err)
	}, fixedClock(base), emulator.WithLockout(3, time.Hour, 5*time.Minute))
}

// TestGuideFlow is the MFA guide's flow end to end, for each OTP channel as the second factor:
// password → send with the session → authenticate with the session → the session holds exactly the
// password and OTP factors with correct timestamps → the new token works, the old one stops after
// the grace period → 6 minutes later the OTP factor is 6 minutes old on the emulator's clock.
func TestGuideFlow(t *testing.T) {
	t.Parallel()
	for _, ch := range otpChannels {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel()
			// The SDK checks a JWT's iat/nbf/exp against the host clock: keep the virtual clock
			// behind real time until the local verification below.
			base := time.Now().UTC().Add(-2 * time.Minute).Truncate(time.Second)
			both(t, func(t *testing.T, h *H) {
				addr := h.Email("guide")
				created := h.verifiedPasswordUser(t, addr)

				// 1. Password authenticate with a session.
				h.Advance(t, 5*time.Second)
				t0 := h.Now()
				pw, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionDurationMinutes: 60})
				require.NoError(t, err)
				require.Equal(t, []string{"password/knowledge"}, factorTypes(pw.Session))

				// 2. Send with the session: the contact is attached to the session's user.
				to := addr
				if !ch.isEmail() {
					to = ch.contact(h)
				}
				h.Advance(t, 10*time.Second)
				gotUser, methodID, err := ch.send(t, h, to, "", pw.SessionToken, 0)
				require.NoError(t, err)
				require.Equal(t, created.UserID, gotUser)

				// 3. Authenticate with the session.
				h.Advance(t, 15*time.Second)
				t1 := h.Now()
				stepped, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: h.LastCode(t, to), SessionToken: pw.SessionToken})
				require.NoError(t, err)
				_, raw := strictLast[otp.AuthenticateResponse](t, h, 200, otpAuthKeys...)
				requireAuthShape(t, raw, true)

				// 4. Exactly the password and the OTP factor, with their timestamps.
				require.Equal(t, pw.Session.SessionID, stepped.Session.SessionID)
				require.Equal(t, []string{"password/knowledge", "otp/" + ch.name}, factorTypes(stepped.Session))
				p := findFactor(t, stepped.Session, "password", "knowledge")
				require.Equal(t, t0, *p.CreatedAt)
				require.Equal(t, t0, *p.UpdatedAt)
				require.Equal(t, t0, *p.LastAuthenticatedAt)
				o := findFactor(t, stepped.Session, "otp", ch.name)
				require.Equal(t, t1, *o.CreatedAt)
				require.Equal(t, t1, *o.UpdatedAt)
				require.Equal(t, t1, *o.LastAuthenticatedAt)
				if ch.isEmail() {
					require.Equal(t, methodID, o.EmailFactor.EmailID)
					require.Equal(t, addr, o.EmailFactor.EmailAddress)
				} else {
					require.Equal(t, methodID, o.PhoneNumberFactor.PhoneID)
					require.Equal(t, to, o.PhoneNumberFactor.PhoneNumber)
					require.True(t, stepped.User.PhoneNumbers[0].Verified)
				}
				require.Equal(t, t1, *stepped.Session.LastAccessedAt)
				require.Equal(t, t0.Add(time.Hour), *stepped.Session.ExpiresAt)
				// The JWT carries both factors and verifies with the SDK.
				local, err := h.C.Sessions.AuthenticateJWTLocal(stepped.SessionJWT, 5*time.Minute)
				require.NoError(t, err)
				require.Equal(t, []string{"password/knowledge", "otp/" + ch.name}, factorTypes(local))
				require.Equal(t, t1, *findFactor(t, local, "otp", ch.name).LastAuthenticatedAt)

				// 5. New token works; the old one until the grace period only.
				require.NotEqual(t, pw.SessionToken, stepped.SessionToken)
				_, err = h.authSession(pw.SessionToken)
				require.NoError(t, err)
				h.Advance(t, 61*time.Second)
				_, err = h.authSession(pw.SessionToken)
				requireAPIError(t, h, err, 404, "session_not_found")
				cur, err := h.authSession(stepped.SessionToken)
				require.NoError(t, err)
				require.Equal(t, []string{"password/knowledge", "otp/" + ch.name}, factorTypes(&cur.Session))

				// 6. Six minutes after the step-up the OTP factor is six minutes old.
				h.Advance(t, t1.Add(6*time.Minute).Sub(h.Now()))
				later, err := h.authSession(stepped.SessionToken)
				require.NoError(t, err)
				o = findFactor(t, &later.Session, "otp", ch.name)
				require.Equal(t, 6*time.Minute, h.Now().Sub(*o.LastAuthenticatedAt))
				require.Equal(t, t1, *o.LastAuthenticatedAt)

				// 7. Re-challenge: a fresh code refreshes the factor in place.
				_, _, err = ch.send(t, h, to, "", stepped.SessionToken, 0)
				require.NoError(t, err)
				t2 := h.Now()
				fresh, err := h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: methodID, Code: h.LastCode(t, to), SessionToken: stepped.SessionToken})
				require.NoError(t, err)
				require.Len(t, fresh.Session.AuthenticationFactors, 2)
				o = findFactor(t, fresh.Session, "otp", ch.name)
				require.Equal(t, t1, *o.CreatedAt)
				require.Equal(t, t2, *o.LastAuthenticatedAt)
				require.Equal(t, t2, *o.UpdatedAt)
				// The user's session list holds this one session.
				list, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: created.UserID})
				require.NoError(t, err)
				require.Len(t, list.Sessions, 1)
				require.Equal(t, pw.Session.SessionID, list.Sessions[0].SessionID)
			}, fixedClock(base))
		})
	}
}

// SMS goes only to the US and Canada by default, so +1 numbers of other countries (Jamaica +1 876,
// the Bahamas +1 242) are invalid_phone_number_country_code (Stytch projects allow US and Canada by default). Regression: any
// +1 number was accepted.
func TestOTPSMSToOtherNANPCountriesRefused(t *testing.T) {
	h := newH(t, "inprocess")
	for _, number := range []string{"+18765550123", "+12425550123"} {
		_, err := h.C.OTPs.Sms.LoginOrCreate(h.Ctx, &sms.LoginOrCreateParams{PhoneNumber: number})
		require.Error(t, err, number)
		require.Equal(t, "invalid_phone_number_country_code", errType(err), number)
	}
}

// A new code to a still-unverified phone restarts its 5-minute window.
func TestOTPResendRestartsUnverifiedWindow(t *testing.T) {
	h := newH(t, "inprocess")
	h.verifiedPasswordUser(t, "window@example.com")
	login, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: "window@example.com", Password: strongPassword, SessionDurationMinutes: 60})
	require.NoError(t, err)
	phone := h.Phone()
	_, err = h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: login.SessionToken})
	require.NoError(t, err)
	h.Advance(t, 4*time.Minute)
	sent, err := h.C.OTPs.Sms.Send(h.Ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: login.SessionToken})
	require.NoError(t, err)
	h.Advance(t, 3*time.Minute) // 7 minutes after the first code, 3 after the second
	_, err = h.C.OTPs.Authenticate(h.Ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: h.LastCode(t, phone), SessionToken: login.SessionToken})
	// The code itself expired after 2 minutes.
	requireAPIError(t, h, err, 401, "unable_to_auth_otp_code")
	got, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: login.UserID})
	require.NoError(t, err)
	require.Len(t, got.PhoneNumbers, 1, "the phone is still attached: its window restarted at the second code")
}
