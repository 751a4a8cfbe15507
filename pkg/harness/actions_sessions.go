package harness

import (
	"context"
	"errors"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// SessionsAuthenticate authenticates a session token or JWT (POST /v1/sessions/authenticate).
// With the current credentials (the zero Token) a success refreshes State.Session; with others
// (OriginalToken, LiteralToken) the state's session is left alone, and State.LastSession shows
// what came back.
type SessionsAuthenticate struct {
	// ByJWT presents the session JWT instead of the session token.
	ByJWT bool
	// Both presents the token and the JWT together, which Stytch refuses
	// (too_many_session_arguments); ByJWT then does not apply.
	Both bool
	// Token picks the credential (zero: the current session's).
	Token Token
	// ExtendMinutes is session_duration_minutes, which resets the expiry (0: expiry untouched).
	ExtendMinutes int32
}

// String names the call.
func (SessionsAuthenticate) String() string { return "sessions.authenticate" }

// Do authenticates the session.
func (a SessionsAuthenticate) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	p := &sessions.AuthenticateParams{SessionDurationMinutes: a.ExtendMinutes}
	if a.Both || !a.ByJWT {
		if p.SessionToken, resp.Err = a.Token.resolve(s, false); resp.Err != nil {
			return
		}
	}
	if a.Both || a.ByJWT {
		if p.SessionJWT, resp.Err = a.Token.resolve(s, true); resp.Err != nil {
			return
		}
	}
	r, err := c.Sessions.Authenticate(ctx, p)
	if !done(resp, r, err) || !a.Token.current() {
		return
	}
	// A JWT authentication may come back without a session token: keep the one held.
	creds := Credentials{Token: orString(r.SessionToken, s.Session.Token), JWT: orString(r.SessionJWT, s.Session.JWT)}
	s.setUser(r.Session.UserID, &r.User)
	s.Session = sessionFrom(&r.Session, creds)
}

// SessionsAuthenticateJWTLocal verifies a session JWT locally with the target client's JWKS
// (stytch-go's Sessions.AuthenticateJWTLocal, which makes no request). With
// the current JWT a success refreshes the state's session id and factors from the JWT's claims.
//
// The SDK checks the JWT's exp and iat against the host's clock, not the target's: after moving
// an emulator's clock, expect the check to follow real time.
type SessionsAuthenticateJWTLocal struct {
	// MaxTokenAge is the oldest JWT accepted, by its iat (0: five minutes, a JWT's lifetime).
	MaxTokenAge time.Duration
	// Token picks the JWT (zero: the current session's).
	Token Token
}

// String names the call.
func (SessionsAuthenticateJWTLocal) String() string { return "sessions.authenticate_jwt_local" }

// Do verifies the JWT.
func (a SessionsAuthenticateJWTLocal) Do(_ context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	jwt, err := a.Token.resolve(s, true)
	if err != nil {
		resp.Err = err
		return
	}
	age := a.MaxTokenAge
	if age == 0 {
		age = 5 * time.Minute
	}
	sess, err := c.Sessions.AuthenticateJWTLocal(jwt, age)
	if !done(resp, sess, err) || !a.Token.current() {
		return
	}
	s.Session = sessionFrom(sess, s.Session.Credentials)
}

// SessionsRevoke revokes a session (POST /v1/sessions/revoke) by token, JWT or session id. The
// state keeps the revoked credentials, so a later step can show that they no longer work.
type SessionsRevoke struct {
	// BySessionID revokes the current session by its session_id (ByJWT and Token then do not apply).
	BySessionID bool
	// ByJWT presents the session JWT instead of the session token.
	ByJWT bool
	// Token picks the credential (zero: the current session's).
	Token Token
}

// String names the call.
func (SessionsRevoke) String() string { return "sessions.revoke" }

// Do revokes the session.
func (a SessionsRevoke) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	p := &sessions.RevokeParams{}
	switch {
	case a.BySessionID && (a.ByJWT || !a.Token.current()):
		resp.Err = errors.New("BySessionID revokes the current session: it takes neither ByJWT nor Token")
		return
	case a.BySessionID:
		if resp.Err = need(s.Session.ID, "session id", "authenticate first to start a session"); resp.Err != nil {
			return
		}
		p.SessionID = s.Session.ID
	case a.ByJWT:
		if p.SessionJWT, resp.Err = a.Token.resolve(s, true); resp.Err != nil {
			return
		}
	default:
		if p.SessionToken, resp.Err = a.Token.resolve(s, false); resp.Err != nil {
			return
		}
	}
	r, err := c.Sessions.Revoke(ctx, p)
	done(resp, r, err)
}

// SessionsGet lists a user's active sessions (GET /v1/sessions) into State.UserSessions.
type SessionsGet struct {
	// UserID is the user ("": the state's).
	UserID string
}

// String names the call.
func (SessionsGet) String() string { return "sessions.get" }

// Do lists the sessions.
func (a SessionsGet) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	c, s := clientFor(req, resp, anyUser)
	if c == nil {
		return
	}
	userID := orString(a.UserID, s.UserID)
	if resp.Err = need(userID, "user id", "create or authenticate a user first"); resp.Err != nil {
		return
	}
	r, err := c.Sessions.Get(ctx, &sessions.GetParams{UserID: userID})
	if !done(resp, r, err) {
		return
	}
	s.UserSessions = r.Sessions
}
