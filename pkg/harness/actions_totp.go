package harness

import (
	"context"
	"fmt"
	"slices"

	"github.com/pquerna/otp/totp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/totps"
)

// TOTPCreate creates a TOTP registration for the state's user (POST /v1/totps) and keeps its id,
// secret and recovery codes in State.TOTP.
type TOTPCreate struct {
	// ExpirationMinutes is how long the unverified registration lives (0: Stytch's default).
	ExpirationMinutes int32
}

// String names the call.
func (TOTPCreate) String() string { return "totps.create" }

// Do creates the registration.
func (a TOTPCreate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, needsUser)
	if c == nil {
		return
	}
	r, err := c.TOTPs.Create(ctx, &totps.CreateParams{UserID: s.UserID, ExpirationMinutes: a.ExpirationMinutes})
	if !done(resp, r, err) {
		return
	}
	s.TOTP = TOTPRegistration{ID: r.TOTPID, Secret: r.Secret, RecoveryCodes: slices.Clone(r.RecoveryCodes)}
	s.setUser(r.UserID, &r.User)
}

// TOTPAuthenticate authenticates a TOTP code for the state's user (POST /v1/totps/authenticate).
// The right code is computed from State.TOTP.Secret at the target's clock, so it works on every
// target.
type TOTPAuthenticate struct {
	// Code is the code to send (zero: the right code, computed from the secret).
	Code Code
	// WithSession adds the factor to the current session (sends its session_token).
	WithSession bool
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (TOTPAuthenticate) String() string { return "totps.authenticate" }

// Do authenticates the code.
func (a TOTPAuthenticate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, needsUser)
	if c == nil {
		return
	}
	code, err := a.Code.resolve(func() (string, error) {
		if err := need(s.TOTP.Secret, "TOTP secret", "run TOTPCreate first"); err != nil {
			return "", err
		}
		return totp.GenerateCode(s.TOTP.Secret, s.Now())
	})
	if err != nil {
		resp.Err = fmt.Errorf("computing the TOTP code: %w", err)
		return
	}
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	p := &totps.AuthenticateParams{UserID: s.UserID, TOTPCode: code, SessionDurationMinutes: sessionMinutes(a.SessionMinutes), SessionToken: token}
	r, err := c.TOTPs.Authenticate(ctx, p)
	if !done(resp, r, err) {
		return
	}
	s.authenticated(a.WithSession, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}

// TOTPRecover authenticates one of the state user's TOTP recovery codes (POST /v1/totps/recover);
// a used code is removed from State.TOTP.RecoveryCodes.
type TOTPRecover struct {
	// RecoveryCode is the code to use ("": the first unused one from TOTPCreate). To show that a
	// code is single use, pass one of State.TOTP.UsedRecoveryCodes.
	RecoveryCode string
	// WithSession adds the factor to the current session (sends its session_token).
	WithSession bool
	// SessionMinutes is session_duration_minutes (0: DefaultSessionMinutes; NoSession: none).
	SessionMinutes int32
}

// String names the call.
func (TOTPRecover) String() string { return "totps.recover" }

// Do authenticates the recovery code.
func (a TOTPRecover) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, needsUser)
	if c == nil {
		return
	}
	code := a.RecoveryCode
	if code == "" && len(s.TOTP.RecoveryCodes) > 0 {
		code = s.TOTP.RecoveryCodes[0]
	}
	if resp.Err = need(code, "unused recovery code", "run TOTPCreate first"); resp.Err != nil {
		return
	}
	token, err := stepUpToken(s, a.WithSession)
	if err != nil {
		resp.Err = err
		return
	}
	p := &totps.RecoverParams{UserID: s.UserID, RecoveryCode: code, SessionDurationMinutes: sessionMinutes(a.SessionMinutes), SessionToken: token}
	r, err := c.TOTPs.Recover(ctx, p)
	if !done(resp, r, err) {
		return
	}
	s.TOTP.RecoveryCodes = slices.DeleteFunc(slices.Clone(s.TOTP.RecoveryCodes), func(c string) bool { return c == code })
	s.TOTP.UsedRecoveryCodes = append(s.TOTP.UsedRecoveryCodes, code)
	s.authenticated(a.WithSession, r.UserID, &r.User, r.Session, Credentials{Token: r.SessionToken, JWT: r.SessionJWT})
}
