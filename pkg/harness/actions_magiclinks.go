package harness

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// MagicLinkSent records the magic link an action sent, or made. The zero value means none.
type MagicLinkSent struct {
	// To is the email address the link went to ("" for an embeddable link).
	To string
	// EmailID is the email_id the link authenticates ("" for an embeddable link).
	EmailID string
	// Link is the link as the target read it: its token, URL and kind. It is zero when the target
	// cannot read links sent to To (on the sandbox, any address but the sandbox one).
	Link target.MagicLink
	// CodeVerifier is the PKCE code_verifier whose challenge the send carried ("" without PKCE).
	CodeVerifier string
}

// readLink records a link sent to to, read from the target when it can.
func (s *State) readLink(ctx context.Context, t target.Target, to, emailID, verifier string) error {
	s.LastMagicLink = MagicLinkSent{To: to, EmailID: emailID, CodeVerifier: verifier}
	if to == s.Identity.Email && emailID != "" {
		s.EmailID = emailID
	}
	r, ok := t.(target.MagicLinkReader)
	if !ok {
		return nil
	}
	link, err := r.MagicLink(ctx, to)
	switch {
	case errors.Is(err, target.ErrCodeUnavailable):
		return nil // MagicLinkAuthenticate says so if it needs the link
	case err != nil:
		return fmt.Errorf("reading the magic link: %w", err)
	}
	s.LastMagicLink.Link = link
	return nil
}

// pkce returns a fresh code_verifier and its S256 code_challenge when on.
func pkce(on bool) (verifier, challenge string) {
	if !on {
		return "", ""
	}
	verifier = rand.Text() + rand.Text()
	sum := sha256.Sum256([]byte(verifier))
	return verifier, base64.RawURLEncoding.EncodeToString(sum[:])
}

// MagicLinkSend sends a magic link to an existing user's email (POST /v1/magic_links/email/send)
// and records it in State.LastMagicLink, with the link read from the target. With WithSession (or
// ForUser) an address the user lacks is attached to the user, unverified.
type MagicLinkSend struct {
	// To is the email address ("": the identity's).
	To string
	// WithSession sends the current session's token, attaching the address to its user.
	WithSession bool
	// ForUser sends the state's user_id, attaching the address to that user.
	ForUser bool
	// LoginMinutes is login_expiration_minutes (0: Stytch's default, an hour).
	LoginMinutes int32
	// PKCE sends a code_challenge; MagicLinkAuthenticate sends its verifier.
	PKCE bool
}

// String names the call.
func (MagicLinkSend) String() string { return "magic_links.email.send" }

// Do sends the link.
func (a MagicLinkSend) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	to := orString(a.To, s.Identity.Email)
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	var userID string
	if a.ForUser {
		if resp.Err = need(s.UserID, "user id", "create or authenticate a user first"); resp.Err != nil {
			return
		}
		userID = s.UserID
	}
	verifier, challenge := pkce(a.PKCE)
	r, err := c.MagicLinks.Email.Send(ctx, &mlemail.SendParams{Email: to, UserID: userID, SessionToken: token, LoginExpirationMinutes: a.LoginMinutes, CodeChallenge: challenge})
	if !done(resp, r, err) {
		return
	}
	s.setUser(r.UserID, nil)
	resp.Err = s.readLink(ctx, req.Target, to, r.EmailID, verifier)
}

// MagicLinkLoginOrCreate sends a login link to the user who has the email, or creates a user and
// sends a sign-up link (POST /v1/magic_links/email/login_or_create). A created user is tracked for
// cleanup.
type MagicLinkLoginOrCreate struct {
	// To is the email address ("": the identity's).
	To string
	// CreateUserAsPending creates the user with status "pending".
	CreateUserAsPending bool
	// LoginMinutes and SignupMinutes are the links' lifetimes (0: Stytch's defaults).
	LoginMinutes, SignupMinutes int32
	// PKCE sends a code_challenge; MagicLinkAuthenticate sends its verifier.
	PKCE bool
}

// String names the call.
func (MagicLinkLoginOrCreate) String() string { return "magic_links.email.login_or_create" }

// Do sends the link.
func (a MagicLinkLoginOrCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	to := orString(a.To, s.Identity.Email)
	verifier, challenge := pkce(a.PKCE)
	r, err := c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email: to, CreateUserAsPending: a.CreateUserAsPending, CodeChallenge: challenge,
		LoginExpirationMinutes: a.LoginMinutes, SignupExpirationMinutes: a.SignupMinutes,
	})
	if !done(resp, r, err) {
		return
	}
	if r.UserCreated {
		s.created(r.UserID)
	}
	s.setUser(r.UserID, nil)
	resp.Err = s.readLink(ctx, req.Target, to, r.EmailID, verifier)
}

// MagicLinkInvite invites a user by email (POST /v1/magic_links/email/invite): a pending user is
// created, tracked for cleanup, and sent an invite link.
type MagicLinkInvite struct {
	// To is the email address ("": the identity's).
	To string
	// InviteMinutes is invite_expiration_minutes (0: Stytch's default, an hour).
	InviteMinutes int32
}

// String names the call.
func (MagicLinkInvite) String() string { return "magic_links.email.invite" }

// Do sends the invite.
func (a MagicLinkInvite) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	to := orString(a.To, s.Identity.Email)
	r, err := c.MagicLinks.Email.Invite(ctx, &mlemail.InviteParams{Email: to, InviteExpirationMinutes: a.InviteMinutes})
	if !done(resp, r, err) {
		return
	}
	s.created(r.UserID)
	s.setUser(r.UserID, nil)
	resp.Err = s.readLink(ctx, req.Target, to, r.EmailID, "")
}

// MagicLinkRevokeInvite revokes the pending invite of an email
// (POST /v1/magic_links/email/revoke_invite).
type MagicLinkRevokeInvite struct {
	// To is the email address ("": the identity's).
	To string
}

// String names the call.
func (MagicLinkRevokeInvite) String() string { return "magic_links.email.revoke_invite" }

// Do revokes the invite.
func (a MagicLinkRevokeInvite) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, _ := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	r, err := c.MagicLinks.Email.RevokeInvite(ctx, &mlemail.RevokeInviteParams{Email: orString(a.To, req.State.Identity.Email)})
	done(resp, r, err)
}

// MagicLinkCreate makes an embeddable magic link for the state's user (POST /v1/magic_links) and
// records it in State.LastMagicLink; the app delivers such links itself.
type MagicLinkCreate struct {
	// ExpirationMinutes is the link's lifetime (0: Stytch's default, an hour).
	ExpirationMinutes int32
}

// String names the call.
func (MagicLinkCreate) String() string { return "magic_links.create" }

// Do makes the link.
func (a MagicLinkCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, needsUser)
	if c == nil {
		return
	}
	r, err := c.MagicLinks.Create(ctx, &magiclinks.CreateParams{UserID: s.UserID, ExpirationMinutes: a.ExpirationMinutes})
	if !done(resp, r, err) {
		return
	}
	s.LastMagicLink = MagicLinkSent{Link: target.MagicLink{Token: r.Token}}
}

// Verifier says which PKCE code_verifier MagicLinkAuthenticate sends. The zero value sends the one
// the send made (none when the send had no PKCE).
type Verifier int

// The verifiers of MagicLinkAuthenticate.
const (
	// SentVerifier is the verifier of the challenge the link was sent with: the zero Verifier.
	SentVerifier Verifier = iota
	// NoVerifier sends no code_verifier.
	NoVerifier
	// WrongVerifier sends a verifier that is not the one of the challenge.
	WrongVerifier
)

// MagicLinkAuthenticate authenticates the last magic link sent or made
// (POST /v1/magic_links/authenticate), starting a session, or adding the magic-link factor to the
// current one WithSession.
type MagicLinkAuthenticate struct {
	// Token is the token to authenticate ("": the last link's, as the target read it; see Again).
	Token string
	// Again sends the token the last MagicLinkAuthenticate sent (a used link).
	Again bool
	// Verifier picks the PKCE code_verifier (zero: the send's).
	Verifier Verifier
	// WithSession adds the factor to the current session (sends its session_token).
	WithSession bool
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (MagicLinkAuthenticate) String() string { return "magic_links.authenticate" }

// Do authenticates the link.
func (a MagicLinkAuthenticate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	tok := a.Token
	switch {
	case tok != "":
	case a.Again:
		tok = s.UsedMagicLink
		if resp.Err = need(tok, "used magic link", "authenticate a magic link first"); resp.Err != nil {
			return
		}
	default:
		tok = s.LastMagicLink.Link.Token
		if tok == "" {
			resp.Err = fmt.Errorf("%w: no magic link the target could read (send one to an identity whose codes the target reads)", ErrMissingState)
			return
		}
	}
	verifier := s.LastMagicLink.CodeVerifier
	switch a.Verifier {
	case NoVerifier:
		verifier = ""
	case WrongVerifier:
		verifier = "wrong-" + rand.Text()
	}
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	s.UsedMagicLink = tok
	r, err := c.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token: tok, CodeVerifier: verifier, SessionToken: token, SessionDurationMinutes: sessionMinutes(a.SessionMinutes),
	})
	if !done(resp, r, err) {
		return
	}
	s.authenticated(a.WithSession, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}
