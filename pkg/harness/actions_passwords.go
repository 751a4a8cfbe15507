package harness

import (
	"context"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
)

// PasswordsCreate creates a user with an email and a password (POST /v1/passwords), tracks the
// user for cleanup and, unless SessionMinutes is NoSession, starts a session with a password factor.
// The email stays unverified: verify it with an email code authenticated with that session
// (OTPSend with ChannelEmail, then OTPAuthenticate WithSession), or the password will need a reset.
type PasswordsCreate struct {
	// Email is the user's email ("": the identity's).
	Email string
	// Password is the password ("": the identity's).
	Password string
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (PasswordsCreate) String() string { return "passwords.create" }

// Do creates the user.
func (a PasswordsCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	r, err := c.Passwords.Create(ctx, &passwords.CreateParams{
		Email:                  orString(a.Email, s.Identity.Email),
		Password:               orString(a.Password, s.Identity.Password),
		SessionDurationMinutes: sessionMinutes(a.SessionMinutes),
	})
	if !done(resp, r, err) {
		return
	}
	s.created(r.UserID)
	if r.EmailID != "" {
		s.EmailID = r.EmailID
	}
	s.authenticated(false, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}

// PasswordsAuthenticate authenticates an email and password (POST /v1/passwords/authenticate),
// starting a session, or adding a password factor to the current one WithSession.
type PasswordsAuthenticate struct {
	// Email is the user's email ("": the identity's).
	Email string
	// Password is the password ("": the identity's).
	Password string
	// WithSession adds the factor to the current session (sends its session_token).
	WithSession bool
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (PasswordsAuthenticate) String() string { return "passwords.authenticate" }

// Do authenticates.
func (a PasswordsAuthenticate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	p := &passwords.AuthenticateParams{
		Email:                  orString(a.Email, s.Identity.Email),
		Password:               orString(a.Password, s.Identity.Password),
		SessionDurationMinutes: sessionMinutes(a.SessionMinutes),
		SessionToken:           token,
	}
	r, err := c.Passwords.Authenticate(ctx, p)
	if !done(resp, r, err) {
		return
	}
	s.authenticated(a.WithSession, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}

// PasswordsStrengthCheck checks a password against the project's strength policy
// (POST /v1/passwords/strength_check) and keeps the response in State.Strength.
type PasswordsStrengthCheck struct {
	// Password is the password to check ("": the identity's).
	Password string
	// Email is sent along, which feeds the strength estimate ("": none is sent).
	Email string
}

// String names the call.
func (PasswordsStrengthCheck) String() string { return "passwords.strength_check" }

// Do checks the password.
func (a PasswordsStrengthCheck) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, _ := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	r, err := c.Passwords.StrengthCheck(ctx, &passwords.StrengthCheckParams{
		Password: orString(a.Password, req.State.Identity.Password),
		Email:    a.Email,
	})
	if !done(resp, r, err) {
		return
	}
	req.State.Strength = r
}

// stepUpToken returns the current session token for a step-up, or "" without one.
func stepUpToken(s *State, withSession bool) (string, error) {
	if !withSession {
		return "", nil
	}
	if err := need(s.Session.Token, "session token", "authenticate first to start a session"); err != nil {
		return "", err
	}
	return s.Session.Token, nil
}
