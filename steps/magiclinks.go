package steps

import (
	"context"
	"fmt"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
)

// magicLinkSection is the catalogue's section of email magic links and invites.
func magicLinkSection() section {
	return section{"Magic links", "Clicking a link authenticates the token of the last link sent, as the target read it from the email (on the sandbox: Stytch's sandbox token for the sandbox email; other addresses need @requires:read-codes).", []definition{
		plain("a user who can receive magic links", "A fresh identity whose links the target can read (the sandbox user on the sandbox); elsewhere the user is created with its email only (users.create), active and unverified.",
			emailUser),
		plain("someone with a new email address", "A fresh identity with no user yet (never the sandbox one): reading its links needs @requires:read-codes.",
			newAddress),
		plain("the user asks for a magic link", "magic_links.email.login_or_create for the identity's email: a login link to an active user, a sign-up link (and a new user) otherwise.",
			askForLink),
		plain("the user asks for a magic link as a pending user", "magic_links.email.login_or_create with create_user_as_pending: a new user is created pending.",
			askForLinkPending),
		plain("a magic link is sent to the user", "magic_links.email.send to the identity's email.",
			sendLink),
		{"a magic link expiring in <n> minutes is sent to the user", `^a magic link expiring in (\d+) minutes? is sent to the user$`,
			"magic_links.email.send with login_expiration_minutes n.",
			`a magic link expiring in 5 minutes is sent to the user`,
			sendLinkExpiring},
		plain("a magic link with a PKCE code challenge is sent to the user", "magic_links.email.send with the code_challenge of a fresh code_verifier, which later clicks send.",
			sendLinkPKCE),
		plain("the user is invited by magic link", "magic_links.email.invite for the identity's email: a pending user and an invite link.",
			invite),
		plain("the invite is revoked", "magic_links.email.revoke_invite for the identity's email.",
			revokeInvite),
		{"the user clicks the magic link for <n> minutes", `^the user clicks the magic link for (\d+) minutes?$`,
			"magic_links.authenticate of the last link's token (with its PKCE verifier, if any) and session_duration_minutes n.",
			`the user clicks the magic link for 60 minutes`,
			clickFor},
		plain("the user clicks the magic link without a session", "magic_links.authenticate of the last link's token without session_duration_minutes.",
			clickNoSession),
		plain("the user clicks the magic link with the session token", "magic_links.authenticate of the last link's token with the current session token: the factor joins that session.",
			clickWithSession),
		{"the user clicks the magic link again", `^the user clicks the (?:same )?magic link again$`,
			"magic_links.authenticate of the token the last click used, again.",
			`the user clicks the same magic link again`,
			clickAgain},
		plain("the user clicks the magic link without the code verifier", "magic_links.authenticate of the last link's token without a code_verifier.",
			clickNoVerifier),
		plain("the user clicks the magic link with a wrong code verifier", "magic_links.authenticate of the last link's token with a code_verifier that does not match the challenge.",
			clickWrongVerifier),
		{`the magic link token "<token>" is authenticated for <n> minutes`, `^the magic link token "([^"]*)" is authenticated for (\d+) minutes?$`,
			"magic_links.authenticate of the given token (e.g. a sandbox token) with session_duration_minutes n.",
			`the magic link token "DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94=" is authenticated for 5 minutes`,
			authenticateLinkLiteral},
		{"the magic link is a|an <login|sign-up|invite> link", `^the magic link is an? (login|sign-up|invite) link$`,
			"The last link sent, as the target read it, is of that kind (Stytch's login, sign-up or invite email).",
			`the magic link is a sign-up link`,
			linkIs},
		{"the user is <active|pending>", `^the user is (active|pending)$`,
			"users.get: the user's status.",
			`the user is pending`,
			userStatus},
		plain("the magic link factor carries the email address", "The session's magic_link/email factor names the address the link was sent to.",
			linkFactorEmail),
	}}
}

func newAddress(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.run(ctx, harness.TestStep{Name: "identity", PreStep: useIdentity(false), Check: noCheck})
}

func askForLink(ctx context.Context) error { return when(ctx, harness.MagicLinkLoginOrCreate{}) }

func askForLinkPending(ctx context.Context) error {
	return when(ctx, harness.MagicLinkLoginOrCreate{CreateUserAsPending: true})
}

func sendLink(ctx context.Context) error { return when(ctx, harness.MagicLinkSend{}) }

func sendLinkExpiring(ctx context.Context, minutes int) error {
	return when(ctx, harness.MagicLinkSend{LoginMinutes: int32(minutes)})
}

func sendLinkPKCE(ctx context.Context) error { return when(ctx, harness.MagicLinkSend{PKCE: true}) }

func invite(ctx context.Context) error { return when(ctx, harness.MagicLinkInvite{}) }

func revokeInvite(ctx context.Context) error { return when(ctx, harness.MagicLinkRevokeInvite{}) }

func clickFor(ctx context.Context, minutes int) error {
	return when(ctx, harness.MagicLinkAuthenticate{SessionMinutes: int32(minutes)})
}

func clickNoSession(ctx context.Context) error {
	return when(ctx, harness.MagicLinkAuthenticate{SessionMinutes: harness.NoSession})
}

func clickWithSession(ctx context.Context) error {
	return when(ctx, harness.MagicLinkAuthenticate{WithSession: true})
}

func clickAgain(ctx context.Context) error {
	return when(ctx, harness.MagicLinkAuthenticate{Again: true})
}

func clickNoVerifier(ctx context.Context) error {
	return when(ctx, harness.MagicLinkAuthenticate{Verifier: harness.NoVerifier})
}

func clickWrongVerifier(ctx context.Context) error {
	return when(ctx, harness.MagicLinkAuthenticate{Verifier: harness.WrongVerifier})
}

func authenticateLinkLiteral(ctx context.Context, token string, minutes int) error {
	return when(ctx, harness.MagicLinkAuthenticate{Token: token, SessionMinutes: int32(minutes)})
}

func linkIs(ctx context.Context, kind string) error {
	switch kind {
	case "login", "invite":
	case "sign-up":
		kind = "signup"
	default:
		return fmt.Errorf("unknown kind of magic link %q", kind)
	}
	return check(ctx, harness.CheckMagicLinkType(kind))
}

func userStatus(ctx context.Context, status string) error {
	return must(ctx, harness.UsersGet{}, nil, harness.CheckUserStatus(status))
}

func linkFactorEmail(ctx context.Context) error {
	return check(ctx, harness.CheckFactorEmailAddress(harness.FactorMagicLink, ""))
}
