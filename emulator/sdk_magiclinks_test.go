package emulator_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/attribute"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

var magicAuthKeys = append([]string{"method_id", "reset_sessions"}, authKeys...)

// lastLink returns the newest magic-link message to addr and checks its shape: the token is in the
// URL as Stytch puts it (stytch_token_type=magic_links&token=…).
func (h *H) lastLink(t testing.TB, addr string) emulator.Message {
	t.Helper()
	msgs := h.Messages(addr)
	require.NotEmpty(t, msgs, "no message to %s", addr)
	m := msgs[len(msgs)-1]
	require.Equal(t, "magic_link", m.Type)
	require.Equal(t, "email", m.Channel)
	require.Regexp(t, `^[A-Za-z0-9_-]{43}=$`, m.Token)
	u, err := url.Parse(m.URL)
	require.NoError(t, err)
	require.Equal(t, "magic_links", u.Query().Get("stytch_token_type"))
	require.Equal(t, m.Token, u.Query().Get("token"), "the URL carries the token")
	return m
}

// clickLink authenticates the token of a link's URL, as an app would after the redirect.
func (h *H) clickLink(m emulator.Message, p *magiclinks.AuthenticateParams) (*magiclinks.AuthenticateResponse, error) {
	u, err := url.Parse(m.URL)
	if err != nil {
		return nil, err
	}
	p.Token = u.Query().Get("token")
	return h.C.MagicLinks.Authenticate(h.Ctx, p)
}

func TestMagicLinkLoginOrCreateSignsUpAndLogsIn(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-signup")
		fr := mlemail.LoginOrCreateRequestLocaleFr
		r, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{
			Email: addr, SignupTemplateID: "tpl-signup", Locale: &fr,
		})
		require.NoError(t, err)
		strictLast[mlemail.LoginOrCreateResponse](t, h, 200, "request_id", "user_id", "email_id", "user_created", "status_code")
		require.True(t, r.UserCreated)
		require.Regexp(t, emailIDPattern, r.EmailID)
		m := h.lastLink(t, addr)
		require.Equal(t, "signup", m.LinkType, "a new user gets a sign-up link")
		require.Equal(t, "tpl-signup", m.TemplateID)
		require.Equal(t, "fr", m.Locale)
		require.Equal(t, r.EmailID, m.MethodID)
		require.Equal(t, r.UserID, m.UserID)
		require.Equal(t, emulator.DefaultRedirectURL+"?stytch_token_type=magic_links&token="+url.QueryEscape(m.Token), m.URL)
		require.Equal(t, 7*24*time.Hour, m.ExpiresAt.Sub(m.SentAt), "sign-up links last a week")

		got, err := h.clickLink(m, &magiclinks.AuthenticateParams{SessionDurationMinutes: 60})
		require.NoError(t, err)
		_, raw := strictLast[magiclinks.AuthenticateResponse](t, h, 200, magicAuthKeys...)
		requireAuthShape(t, raw, true)
		require.Equal(t, r.EmailID, got.MethodID)
		require.False(t, got.ResetSessions)
		require.Equal(t, "active", got.User.Status)
		require.True(t, got.User.Emails[0].Verified, "the first authenticate verifies the email")
		f := findFactor(t, got.Session, "magic_link", "email")
		require.NotNil(t, f.EmailFactor)
		require.Equal(t, r.EmailID, f.EmailFactor.EmailID)
		require.Equal(t, addr, f.EmailFactor.EmailAddress)
		require.Len(t, got.Session.AuthenticationFactors, 1)

		again, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: addr, LoginExpirationMinutes: 15})
		require.NoError(t, err)
		require.False(t, again.UserCreated)
		require.Equal(t, r.UserID, again.UserID)
		login := h.lastLink(t, addr)
		require.Equal(t, "login", login.LinkType, "an active user gets a login link")
		require.Equal(t, 15*time.Minute, login.ExpiresAt.Sub(login.SentAt))
	})
}

func TestMagicLinkPendingUserBecomesActive(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-pending")
		r, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: addr, CreateUserAsPending: true})
		require.NoError(t, err)
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: r.UserID})
		require.NoError(t, err)
		require.Equal(t, "pending", u.Status)
		require.False(t, u.Emails[0].Verified)

		// A pending user keeps getting sign-up links.
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		require.Equal(t, "signup", h.lastLink(t, addr).LinkType)

		got, err := h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{})
		require.NoError(t, err)
		_, raw := strictLast[magiclinks.AuthenticateResponse](t, h, 200, magicAuthKeys...)
		requireAuthShape(t, raw, false)
		require.Nil(t, got.Session, "no session without session_duration_minutes")
		require.Equal(t, "active", got.User.Status)
		require.True(t, got.User.Emails[0].Verified)
	})
}

func TestMagicLinkTokensAreSingleUseAndExpireOnTheVirtualClock(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-once")
		h.createUser(t, addr)
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, LoginExpirationMinutes: 5})
		require.NoError(t, err)
		first := h.lastLink(t, addr)
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		second := h.lastLink(t, addr)

		// A newer link leaves the older one valid (Stytch documents no invalidation).
		_, err = h.clickLink(first, &magiclinks.AuthenticateParams{})
		require.NoError(t, err)
		_, err = h.clickLink(first, &magiclinks.AuthenticateParams{})
		requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")

		h.Advance(t, 59*time.Minute)
		_, err = h.clickLink(second, &magiclinks.AuthenticateParams{SessionDurationMinutes: 5})
		require.NoError(t, err, "a login link lasts an hour")

		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, LoginExpirationMinutes: 5})
		require.NoError(t, err)
		third := h.lastLink(t, addr)
		h.Advance(t, 5*time.Minute)
		_, err = h.clickLink(third, &magiclinks.AuthenticateParams{})
		requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")

		_, err = h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: "SeiGwdj5lKkrEVgcEY3QNJXt6srxS3IK2Nwkar6mXD4="})
		requireAPIError(t, h, err, 404, "magic_link_not_found")
	}, fixedClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)))
}

func TestMagicLinkInviteAcceptAndRevoke(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-invite")
		inv, err := h.C.MagicLinks.Email.Invite(h.Ctx, &mlemail.InviteParams{
			Email: addr, Name: &users.Name{FirstName: "Ada"}, InviteTemplateID: "tpl-invite",
			TrustedMetadata: map[string]any{"team": "core"}, InviteMagicLinkURL: "http://localhost:3000/authenticate?flow=invite",
		})
		require.NoError(t, err)
		strictLast[mlemail.InviteResponse](t, h, 200, "request_id", "user_id", "email_id", "status_code")
		m := h.lastLink(t, addr)
		require.Equal(t, "invite", m.LinkType)
		require.Equal(t, "tpl-invite", m.TemplateID)
		require.Equal(t, "http://localhost:3000/authenticate?flow=invite&stytch_token_type=magic_links&token="+url.QueryEscape(m.Token), m.URL)
		require.Equal(t, time.Hour, m.ExpiresAt.Sub(m.SentAt))
		u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: inv.UserID})
		require.NoError(t, err)
		require.Equal(t, "pending", u.Status)
		require.Equal(t, "Ada", u.Name.FirstName)
		require.Equal(t, "core", u.TrustedMetadata["team"])

		got, err := h.clickLink(m, &magiclinks.AuthenticateParams{SessionDurationMinutes: 30})
		require.NoError(t, err)
		require.Equal(t, "active", got.User.Status, "accepting the invite activates the user")
		require.True(t, got.User.Emails[0].Verified)

		_, err = h.C.MagicLinks.Email.Invite(h.Ctx, &mlemail.InviteParams{Email: addr})
		requireAPIError(t, h, err, 400, "duplicate_email")
		_, err = h.C.MagicLinks.Email.RevokeInvite(h.Ctx, &mlemail.RevokeInviteParams{Email: addr})
		requireAPIError(t, h, err, 400, "bad_request")

		other := h.Email("ml-revoke")
		inv2, err := h.C.MagicLinks.Email.Invite(h.Ctx, &mlemail.InviteParams{Email: other})
		require.NoError(t, err)
		link := h.lastLink(t, other)
		_, err = h.C.MagicLinks.Email.RevokeInvite(h.Ctx, &mlemail.RevokeInviteParams{Email: other})
		require.NoError(t, err)
		strictLast[mlemail.RevokeInviteResponse](t, h, 200, "request_id", "status_code")
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{})
		requireAPIError(t, h, err, 404, "magic_link_not_found")
		_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: inv2.UserID})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.MagicLinks.Email.RevokeInvite(h.Ctx, &mlemail.RevokeInviteParams{Email: other})
		requireAPIError(t, h, err, 404, "email_not_found")
	})
}

func TestMagicLinkSendRules(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: h.Email("ml-nobody")})
		requireAPIError(t, h, err, 404, "email_not_found")

		owner := h.Email("ml-owner")
		created := h.verifiedPasswordUser(t, owner)
		sess := h.passwordSession(t, owner)

		// With the session, a new email is attached unverified; its link verifies it and adds the
		// magic-link factor to the same session.
		added := h.Email("ml-added")
		sent, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: added, SessionToken: sess.SessionToken})
		require.NoError(t, err)
		strictLast[mlemail.SendResponse](t, h, 200, "request_id", "user_id", "email_id", "status_code")
		require.Equal(t, created.UserID, sent.UserID)
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: h.Email("ml-third"), UserID: created.UserID})
		requireAPIError(t, h, err, 400, "too_many_unverified_factors")
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: owner, UserID: h.createUser(t, h.Email("ml-x")).UserID})
		requireAPIError(t, h, err, 400, "duplicate_email")

		up, err := h.clickLink(h.lastLink(t, added), &magiclinks.AuthenticateParams{SessionToken: sess.SessionToken, SessionDurationMinutes: 60})
		require.NoError(t, err)
		require.Equal(t, sess.Session.SessionID, up.Session.SessionID, "the factor joins the session given")
		require.ElementsMatch(t, []string{"password/knowledge", "magic_link/email"}, factorTypes(up.Session))
		require.NotEqual(t, sess.SessionToken, up.SessionToken, "a new factor rotates the token")

		// An email attached by a send and not verified within 5 minutes goes, with its links.
		later := h.Email("ml-later")
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: later, UserID: created.UserID})
		require.NoError(t, err)
		link := h.lastLink(t, later)
		h.Advance(t, 5*time.Minute)
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{})
		requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")
	})
}

func TestMagicLinkRedirectURLs(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-url")
		h.createUser(t, addr)
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, LoginMagicLinkURL: "https://evil.example.com/authenticate"})
		requireAPIError(t, h, err, 400, "no_match_for_provided_magic_link_url")
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, SignupMagicLinkURL: "not a url"})
		requireAPIError(t, h, err, 400, "invalid_signup_magic_link_url")
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, LoginMagicLinkURL: "https://app.example.com/auth?next=%2Fhome"})
		require.NoError(t, err)
		require.Equal(t, "https://app.example.com/auth?next=%2Fhome&stytch_token_type=magic_links&token="+url.QueryEscape(h.lastLink(t, addr).Token), h.lastLink(t, addr).URL)
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		require.Contains(t, h.lastLink(t, addr).URL, "https://app.example.com/auth?stytch_token_type=magic_links&token=", "the first URL is the default")
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, LoginMagicLinkURL: emulator.DefaultRedirectURL})
		requireAPIError(t, h, err, 400, "no_match_for_provided_magic_link_url")
	}, emulator.WithRedirectURLs("https://app.example.com/auth", "https://www.example.org/in"))
}

func TestMagicLinkPKCE(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-pkce")
		verifier := "a-one-time-secret-of-the-device-that-started-the-flow"
		sum := sha256.Sum256([]byte(verifier))
		challenge := base64.RawURLEncoding.EncodeToString(sum[:])
		_, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: addr, CodeChallenge: "not-a-challenge"})
		requireAPIError(t, h, err, 400, "invalid_pkce_code_challenge")
		_, err = h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: addr, CodeChallenge: challenge})
		require.NoError(t, err)
		link := h.lastLink(t, addr)
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{})
		requireAPIError(t, h, err, 400, "pkce_expected_code_verifier")
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{CodeVerifier: "another-device"})
		requireAPIError(t, h, err, 400, "pkce_mismatch")
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{CodeVerifier: verifier, SessionDurationMinutes: 10})
		require.NoError(t, err, "a refused verifier does not use the link up")

		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		_, err = h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{CodeVerifier: verifier})
		requireAPIError(t, h, err, 400, "pkce_did_not_expect_code_verifier")
	})
}

func TestMagicLinkAttributeMatch(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-attr")
		h.createUser(t, addr)
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, Attributes: &attribute.Attributes{IPAddress: "203.0.113.7", UserAgent: "agent/1"}})
		require.NoError(t, err)
		link := h.lastLink(t, addr)
		opts := &magiclinks.Options{IPMatchRequired: true, UserAgentMatchRequired: true}
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{Options: opts, Attributes: &attribute.Attributes{IPAddress: "198.51.100.1", UserAgent: "agent/1"}})
		requireAPIError(t, h, err, 401, "attribute_mismatch")
		_, err = h.clickLink(link, &magiclinks.AuthenticateParams{Options: opts, Attributes: &attribute.Attributes{IPAddress: "203.0.113.7", UserAgent: "agent/1"}})
		require.NoError(t, err)
	})
}

func TestMagicLinkEmbeddable(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		u := h.createUser(t, h.Email("ml-embed"))
		_, err := h.C.MagicLinks.Create(h.Ctx, &magiclinks.CreateParams{UserID: "user-test-00000000-0000-4000-8000-000000000000"})
		requireAPIError(t, h, err, 404, "user_not_found")
		_, err = h.C.MagicLinks.Create(h.Ctx, &magiclinks.CreateParams{UserID: u.UserID, ExpirationMinutes: 10081})
		requireAPIError(t, h, err, 400, "invalid_expiration")
		c, err := h.C.MagicLinks.Create(h.Ctx, &magiclinks.CreateParams{UserID: u.UserID, ExpirationMinutes: 5})
		require.NoError(t, err)
		strictLast[magiclinks.CreateResponse](t, h, 200, "request_id", "user_id", "token", "status_code")
		require.Regexp(t, `^[A-Za-z0-9_-]{43}=$`, c.Token)
		got, err := h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: c.Token, SessionDurationMinutes: 5})
		require.NoError(t, err)
		strictLast[magiclinks.AuthenticateResponse](t, h, 200, magicAuthKeys...)
		f := findFactor(t, got.Session, "magic_link", "embedded")
		require.NotNil(t, f.EmbeddableMagicLinkFactor)
		require.False(t, got.User.Emails[0].Verified, "an embeddable link verifies no email")
		_, err = h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: c.Token})
		requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")
	})
}

func TestMagicLinkAccountTakeoverRule(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-ato")
		h.newPasswordUser(t, addr)
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		got, err := h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{SessionDurationMinutes: 60})
		require.NoError(t, err)
		require.True(t, got.User.Emails[0].Verified)
		require.True(t, got.User.Password.RequiresReset, "the first passwordless login of a password set on an unverified email needs a reset")
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword})
		requireAPIError(t, h, err, 400, "reset_password")
	})
}

func TestMagicLinkSandbox(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		before := len(h.Messages(""))
		s, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: emulator.SandboxEmail, LoginMagicLinkURL: "http://localhost:8000/login", SignupMagicLinkURL: "http://localhost:8000/signup"})
		require.NoError(t, err)
		require.Equal(t, emulator.SandboxUserID, s.UserID)
		l, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: emulator.SandboxEmail})
		require.NoError(t, err)
		require.Equal(t, emulator.SandboxUserID, l.UserID)
		require.False(t, l.UserCreated)
		i, err := h.C.MagicLinks.Email.Invite(h.Ctx, &mlemail.InviteParams{Email: emulator.SandboxEmail, InviteMagicLinkURL: "http://localhost:8000/invite"})
		require.NoError(t, err)
		require.Equal(t, emulator.SandboxUserID, i.UserID)
		_, err = h.C.MagicLinks.Email.RevokeInvite(h.Ctx, &mlemail.RevokeInviteParams{Email: emulator.SandboxEmail})
		require.NoError(t, err)
		require.Len(t, h.Messages(""), before, "the sandbox email receives nothing")

		for range 2 { // reusable
			got, err := h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: emulator.SandboxMagicLinkToken})
			require.NoError(t, err)
			_, raw := strictLast[magiclinks.AuthenticateResponse](t, h, 200, magicAuthKeys...)
			requireAuthShape(t, raw, false)
			require.Equal(t, emulator.SandboxUserID, got.UserID)
		}
		got, err := h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: emulator.SandboxMagicLinkToken, SessionDurationMinutes: 5})
		require.NoError(t, err)
		f := findFactor(t, got.Session, "magic_link", "email")
		require.Equal(t, emulator.SandboxEmail, f.EmailFactor.EmailAddress)
		_, err = h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: emulator.SandboxMagicLinkUnauthorizedToken})
		requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")
		_, err = h.C.MagicLinks.Authenticate(h.Ctx, &magiclinks.AuthenticateParams{Token: emulator.SandboxMagicLinkNotFoundToken})
		requireAPIError(t, h, err, 404, "magic_link_not_found")
	})
}

func TestMagicLinkPrimaryFactorWithSMSStepUp(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("ml-mfa")
		_, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: addr})
		require.NoError(t, err)
		first, err := h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{SessionDurationMinutes: 60})
		require.NoError(t, err)
		up := h.smsStepUp(t, first.SessionToken, h.Phone())
		require.Equal(t, first.Session.SessionID, up.Session.SessionID)
		require.ElementsMatch(t, []string{"magic_link/email", "otp/sms"}, factorTypes(up.Session))

		// With the session JWT instead of the token, a magic link joins the session the same way.
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		viaJWT, err := h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{SessionJWT: up.SessionJWT, SessionCustomClaims: map[string]any{"plan": "pro"}})
		require.NoError(t, err)
		require.Equal(t, first.Session.SessionID, viaJWT.Session.SessionID)
		require.Equal(t, "pro", viaJWT.Session.CustomClaims["plan"])
		require.ElementsMatch(t, []string{"magic_link/email", "otp/sms"}, factorTypes(viaJWT.Session))

		// Another magic link on the stepped-up session refreshes the factor in place.
		_, err = h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr})
		require.NoError(t, err)
		h.Advance(t, time.Minute)
		again, err := h.clickLink(h.lastLink(t, addr), &magiclinks.AuthenticateParams{SessionToken: viaJWT.SessionToken})
		require.NoError(t, err)
		require.ElementsMatch(t, []string{"magic_link/email", "otp/sms"}, factorTypes(again.Session))
		require.Equal(t, h.Now().Unix(), findFactor(t, again.Session, "magic_link", "email").LastAuthenticatedAt.Unix())
	}, fixedClock(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)))
}

func TestMagicLinkBadInputChangesNothing(t *testing.T) {
	h := newH(t, "inprocess")
	addr := h.Email("ml-bad")
	h.createUser(t, addr)
	before := stateFingerprint(t, h.E, h.PID, h.Secret)
	cases := []struct {
		path, body, errType string
		status              int
	}{
		{"/v1/magic_links/email/send", `{"email":"` + addr + `","login_expiration_minutes":4}`, "invalid_expiration", 400},
		{"/v1/magic_links/email/send", `{"email":"` + addr + `","locale":"de"}`, "invalid_locale", 400},
		{"/v1/magic_links/email/send", `{"email":"nope"}`, "invalid_email", 400},
		{"/v1/magic_links/email/send", `{"email":5}`, "bad_request", 400},
		{"/v1/magic_links/email/login_or_create", `{"email":"new-` + addr + `","signup_expiration_minutes":10081}`, "invalid_expiration", 400},
		{"/v1/magic_links/email/login_or_create", `{"email":"new-` + addr + `","session_token":"x"}`, "bad_request", 400},
		{"/v1/magic_links/email/invite", `{"email":"inv-` + addr + `","invite_magic_link_url":"https://nope.example.com"}`, "no_match_for_provided_magic_link_url", 400},
		{"/v1/magic_links/email/revoke_invite", `{}`, "invalid_email", 400},
		{"/v1/magic_links", `{}`, "invalid_user_id", 400},
		{"/v1/magic_links/authenticate", `{}`, "invalid_token", 400},
		{"/v1/magic_links/authenticate", `{"token":"x","session_duration_minutes":4}`, "invalid_session_duration_minutes", 400},
	}
	for _, tc := range cases {
		status, body := h.Raw(t, http.MethodPost, tc.path, []byte(tc.body), "")
		require.Equal(t, tc.status, status, "%s %s: %s", tc.path, tc.body, body)
		requireErrorBody(t, tc.status, body, tc.errType)
	}
	require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret))
}

func TestWithRedirectURLsRefusesARelativeURL(t *testing.T) {
	_, err := emulator.Build(emulator.WithRedirectURLs("/authenticate"))
	require.Error(t, err)
	_, err = emulator.Build(emulator.WithRedirectURLs("myapp://auth/callback"))
	require.NoError(t, err)
}

// Magic links survive an export and import: an unused link still works once, a used one stays used,
// and a PKCE link still needs its verifier.
func TestMagicLinksSurviveExportImport(t *testing.T) {
	h := newH(t, "inprocess")
	addr := h.Email("ml-export")
	h.createUser(t, addr)
	send := func(challenge string) emulator.Message {
		_, err := h.C.MagicLinks.Email.Send(h.Ctx, &mlemail.SendParams{Email: addr, CodeChallenge: challenge})
		require.NoError(t, err)
		return h.lastLink(t, addr)
	}
	used, unused := send(""), send("")
	verifier := "export-import-verifier"
	sum := sha256.Sum256([]byte(verifier))
	pkce := send(base64.RawURLEncoding.EncodeToString(sum[:]))
	_, err := h.clickLink(used, &magiclinks.AuthenticateParams{})
	require.NoError(t, err)

	p := h.E.Project(h.PID)
	snap, err := p.Export()
	require.NoError(t, err)
	p.Reset()
	_, err = h.clickLink(unused, &magiclinks.AuthenticateParams{})
	requireAPIError(t, h, err, 404, "magic_link_not_found")
	require.NoError(t, p.Import(snap))

	_, err = h.clickLink(used, &magiclinks.AuthenticateParams{})
	requireAPIError(t, h, err, 401, "unable_to_auth_magic_link")
	_, err = h.clickLink(pkce, &magiclinks.AuthenticateParams{})
	requireAPIError(t, h, err, 400, "pkce_expected_code_verifier")
	_, err = h.clickLink(pkce, &magiclinks.AuthenticateParams{CodeVerifier: verifier})
	require.NoError(t, err)
	got, err := h.clickLink(unused, &magiclinks.AuthenticateParams{SessionDurationMinutes: 5})
	require.NoError(t, err)
	findFactor(t, got.Session, "magic_link", "email")
}

// TestMagicLinkSessionOfAnotherUser: a link authenticated with the session (token or JWT) of
// another user signs in the link's user on a new session; the other user's session gets no
// factor and keeps its token. Stytch's reference for POST /v1/magic_links/authenticate
// (stytch.com/docs/api-reference/consumer/api/magic-links/authenticate): when the session_token
// (or session_jwt) and the magic-link token belong to different users, the session is ignored.
func TestMagicLinkSessionOfAnotherUser(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		session func(*passwords.AuthenticateResponse) *magiclinks.AuthenticateParams
	}{
		{"session_token", func(a *passwords.AuthenticateResponse) *magiclinks.AuthenticateParams {
			return &magiclinks.AuthenticateParams{SessionToken: a.SessionToken, SessionDurationMinutes: 60}
		}},
		{"session_jwt", func(a *passwords.AuthenticateResponse) *magiclinks.AuthenticateParams {
			return &magiclinks.AuthenticateParams{SessionJWT: a.SessionJWT, SessionDurationMinutes: 60}
		}},
	} {
		t.Run("case="+tt.name, func(t *testing.T) {
			t.Parallel()
			both(t, func(t *testing.T, h *H) {
				aAddr, bAddr := h.Email("ml-a"), h.Email("ml-b")
				h.verifiedPasswordUser(t, aAddr)
				b := h.verifiedPasswordUser(t, bAddr)
				aSess := h.passwordSession(t, aAddr)
				_, err := h.C.MagicLinks.Email.LoginOrCreate(h.Ctx, &mlemail.LoginOrCreateParams{Email: bAddr})
				require.NoError(t, err)

				resp, err := h.clickLink(h.lastLink(t, bAddr), tt.session(aSess))
				require.NoError(t, err)
				require.Equal(t, b.UserID, resp.UserID)
				require.Equal(t, b.UserID, resp.Session.UserID)
				require.NotEqual(t, aSess.Session.SessionID, resp.Session.SessionID, "another user's session must not receive the factor")
				require.NotEqual(t, aSess.SessionToken, resp.SessionToken)
				require.Equal(t, []string{"magic_link/email"}, factorTypes(resp.Session))

				got, err := h.authSession(aSess.SessionToken)
				require.NoError(t, err, "the other user's session keeps its token")
				require.Equal(t, aSess.Session.UserID, got.Session.UserID)
				require.Equal(t, []string{"password/knowledge"}, factorTypes(&got.Session))
			})
		})
	}
}
