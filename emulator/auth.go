package emulator

import (
	"net/http"
	"slices"
	"time"
)

// The path of every endpoint that authenticates a factor (passwords, OTP, TOTP, recovery codes):
// the handler decodes and validates its request without the lock (checkSession verifies a session
// JWT's signature there), then calls authenticate with a factorAuth. authenticate runs one locked
// update: find the user, resolve the existing session, verify the factor, record it on a session;
// then it signs the session JWT after the lock. A password is checked without the lock, between
// a locked look-up and the locked update.

// factorAuth describes one authentication of a factor to (*call).authenticate.
type factorAuth struct {
	// session holds the request's session parameters, checked by checkSession (nil: none).
	session *sessionParams
	// password, when not empty, is checked against the stored password of the user find returns,
	// outside the lock (hashes are slow on purpose); authTx.passwordOK carries the outcome.
	password string
	// find returns the user who authenticates. It runs under the lock; with a password it runs
	// twice, before the check and after it, and the update goes ahead only if it returns the same
	// user with the same stored password.
	find func(tx *authTx) (*user, error)
	// verify checks the factor and makes the endpoint's own changes to the user; it returns the
	// factor proven. It runs under the lock after the existing session is resolved. When it fails
	// it changes nothing, but for counting a failed attempt toward the user's lock.
	verify func(tx *authTx, u *user) (*factor, error)
	// keepToken says the endpoint never rotates the session's token, even when the factor is new
	// to the session: passwords/session/reset keeps the session used.
	keepToken bool
}

// authTx is one authentication inside the project lock.
type authTx struct {
	p   *Project
	now time.Time
	sp  *sessionParams
	// passwordOK is the outcome of the password check (true when the endpoint checks none).
	passwordOK bool

	existing    *session
	existingErr error
	resolved    bool
}

// session resolves the request's session credential, once (nil when the request has none).
func (tx *authTx) session() (*session, error) {
	if !tx.resolved {
		tx.existing, tx.existingErr = tx.p.existingSessionLocked(tx.sp, tx.now)
		tx.resolved = true
	}
	return tx.existing, tx.existingErr
}

// revokeSessions revokes u's sessions but keep (nil: all of them); the factor is then recorded on
// keep, or on a new session.
func (tx *authTx) revokeSessions(u *user, keep *session) {
	keepID := ""
	if keep != nil {
		keepID = keep.id
	}
	tx.p.revokeUserSessionsLocked(u.id, keepID)
	tx.existing = keep
}

// maxPasswordRaces is how often authenticate re-checks when the password changes under it.
const maxPasswordRaces = 3

// authenticate serves an endpoint that authenticates a factor and may start or extend a session
// (see factorAuth), rendering the outcome into out.
func (c *call) authenticate(out *authResponse, fa factorAuth) error {
	p := c.p
	sp := fa.session
	if sp == nil {
		sp = &sessionParams{}
	}
	for attempt := 0; ; attempt++ {
		chk := passwordCheck{ok: true}
		var checked *user
		var stored *storedPassword
		if fa.password != "" {
			sandbox := false
			err := p.update(func(now time.Time) error {
				tx := &authTx{p: p, now: now, sp: sp}
				u, err := fa.find(tx)
				if err != nil {
					return err
				}
				if _, err := tx.session(); err != nil {
					return err
				}
				checked, stored, sandbox = u, u.password, u.sandbox
				return nil
			})
			if err != nil {
				return err
			}
			if chk, err = p.checkPassword(c.r.Context(), sandbox, stored, fa.password); err != nil {
				return err
			}
		}
		raced := false
		var signAt time.Time
		err := p.update(func(now time.Time) error {
			tx := &authTx{p: p, now: now, sp: sp, passwordOK: chk.ok}
			if s, err := tx.session(); err == nil && s == nil && sp.SessionDurationMinutes > 0 {
				// A new session would start: refuse before any change when the project is full.
				if err := p.roomForSessionLocked(now); err != nil {
					return err
				}
			}
			u, err := fa.find(tx)
			if err != nil {
				return err
			}
			if _, err := tx.session(); err != nil {
				return err
			}
			if tx.existing != nil && tx.existing.userID != u.id && sp.SessionDurationMinutes > 0 {
				if err := p.roomForSessionLocked(now); err != nil { // another user's session: a new one starts
					return err
				}
			}
			if fa.password != "" && (u != checked || u.password != stored) {
				raced = true
				return nil
			}
			f, err := fa.verify(tx, u)
			if err != nil {
				return err
			}
			if chk.upgrade != nil && u.password == stored { // a migrated hash becomes the emulator's own
				u.password = &storedPassword{id: stored.id, hash: chk.upgrade, requiresReset: stored.requiresReset}
			}
			s, token := p.applyFactorLocked(u, tx.existing, f, sp, now, fa.keepToken)
			out.render(u, s, token, now)
			signAt = now
			return nil
		})
		switch {
		case err != nil:
			return err
		case raced && attempt < maxPasswordRaces:
			continue
		case raced:
			return newError("too_many_requests", "The password changed while it was being checked; retry.")
		}
		out.SessionJWT, err = p.signSession(out.Session, signAt)
		return err
	}
}

// signSession mints the session JWT of a session snapshot ("" for none), outside the lock.
func (p *Project) signSession(s *wireSession, now time.Time) (string, error) {
	if s == nil {
		return "", nil
	}
	return p.sign.sessionJWT(p.id, s, now)
}

// applyFactorLocked records a successful authentication of factor f for user u. With an existing
// session of u the factor is added (or its timestamps refreshed) and the session extended when a
// duration is given. This is the one place that decides token rotation: the token rotates (as
// configured) only when f is a factor the session did not have, the step-up of Stytch's backend
// MFA guide ("store the new session_token/session_jwt; the original is revoked shortly after");
// re-authenticating a factor the session already has keeps the token, and so does every
// endpoint with keepToken (passwords/session/reset). An existing session of another user is
// ignored (Stytch's docs say so for magic links, OAuth and crypto wallets; for OTP and passwords it
// is unconfirmed). Without one, a new session starts when a duration is given. It returns the
// session (nil when none) and the token to hand back.
func (p *Project) applyFactorLocked(u *user, existing *session, f *factor, sp *sessionParams, now time.Time, keepToken bool) (*session, string) {
	f.createdAt, f.updatedAt, f.lastAuthAt = now, now, now
	if existing != nil && existing.userID == u.id {
		s := existing
		merged := false
		for i, g := range s.factors {
			if g.sameMethod(f) {
				upd := *g
				upd.updatedAt, upd.lastAuthAt = now, now
				s.factors = slices.Clone(s.factors)
				s.factors[i] = &upd
				merged = true
				break
			}
		}
		if !merged {
			s.factors = append(slices.Clip(s.factors), f)
		}
		if sp.SessionDurationMinutes > 0 && !s.sandbox {
			s.expiresAt = now.Add(time.Duration(sp.SessionDurationMinutes) * time.Minute)
		}
		s.lastAccessedAt = now
		s.customClaims = mergeClaims(s.customClaims, sp.SessionCustomClaims)
		if merged || keepToken {
			return s, s.token
		}
		return s, p.rotateLocked(s, now)
	}
	if sp.SessionDurationMinutes == 0 {
		return nil, ""
	}
	s := &session{
		id:             newID(prefixSession),
		userID:         u.id,
		startedAt:      now,
		lastAccessedAt: now,
		expiresAt:      now.Add(time.Duration(sp.SessionDurationMinutes) * time.Minute),
		factors:        []*factor{f},
		customClaims:   mergeClaims(nil, sp.SessionCustomClaims),
		roles:          u.roles,
		token:          newSessionToken(),
	}
	s.tokens = []string{s.token}
	if p.created++; p.created >= max(sweepEvery, len(p.sessions)/2) {
		p.created = 0
		p.sweepLocked(now)
	}
	p.sessions[s.id] = s
	p.tokens[s.token] = &tokenEntry{sessionID: s.id}
	return s, s.token
}

// rotateLocked rotates a session's token when a new factor is added (see applyFactorLocked): under
// RotateTokens a new token is minted and the old one dies after the grace period; under KeepTokens
// the token stays.
func (p *Project) rotateLocked(s *session, now time.Time) string {
	if p.set.rotation == KeepTokens || s.sandbox {
		return s.token
	}
	old := s.token
	s.token = newSessionToken()
	s.tokens = append(s.tokens, s.token)
	p.tokens[s.token] = &tokenEntry{sessionID: s.id}
	if grace := p.set.rotationGrace; grace < 0 {
		delete(p.tokens, old)
	} else if e := p.tokens[old]; e != nil {
		e.deadline = now.Add(grace)
	}
	p.pruneTokensLocked(s, now)
	return s.token
}

// pruneTokensLocked forgets s's rotated-out tokens that are past their grace, and all but the
// newest maxRotatedTokens of the rest, so that a session stepped up again and again holds a
// bounded number of tokens (the current one is s.tokens' last).
func (p *Project) pruneTokensLocked(s *session, now time.Time) {
	kept := make([]string, 0, min(len(s.tokens), maxRotatedTokens+1))
	for i, tok := range s.tokens {
		e := p.tokens[tok]
		current := i == len(s.tokens)-1
		if !current && (e == nil || !e.deadline.IsZero() && !now.Before(e.deadline) || len(s.tokens)-1-i > maxRotatedTokens) {
			delete(p.tokens, tok)
			continue
		}
		kept = append(kept, tok)
	}
	s.tokens = kept
}

// authResponse is the standard body of endpoints that authenticate a factor.
type authResponse struct {
	meta
	UserID       string       `json:"user_id"`
	SessionToken string       `json:"session_token"`
	SessionJWT   string       `json:"session_jwt"`
	User         wireUser     `json:"user"`
	Session      *wireSession `json:"session"`
	UserDevice   any          `json:"user_device"`
}

// render fills r with the user, the session snapshot (nil: none) and the token to hand back.
func (r *authResponse) render(u *user, s *session, token string, now time.Time) {
	r.UserID = u.id
	r.User = u.wire(now)
	r.SessionToken = token
	if s != nil {
		r.Session = s.wire()
	}
}

// reply is the return of a handler whose body is ready once err is nil.
func reply(body metaSetter, err error) (int, metaSetter, error) {
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, body, nil
}

// sessionParams are the session parameters every authenticate endpoint takes.
type sessionParams struct {
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int32          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`

	cred credential // the session token or JWT, set by checkSession
}

// checkSession validates sp without touching state and reads its session credential (verifying
// a session JWT's signature now, before the project lock is taken).
func (c *call) checkSession(sp *sessionParams) error {
	if err := sp.validate(); err != nil {
		return err
	}
	sp.cred = c.credential(sp.SessionToken, sp.SessionJWT)
	return nil
}

// credential is a request's session credential, a session token or a session JWT, with the JWT's
// signature already verified: RSA is the slow part, so it is done before the project lock. Every
// endpoint resolves its credential to a session in one place, sessionLocked.
type credential struct {
	token  string
	jwt    string
	claims jwtSession // the verified JWT's session
	jwtErr error      // why the JWT failed verification
}

// credential reads a session credential; a JWT is verified now, without the lock.
func (c *call) credential(token, jwt string) credential {
	cr := credential{token: token, jwt: jwt}
	if jwt != "" {
		cr.claims, cr.jwtErr = c.p.sign.parseSessionJWT(c.p.id, jwt)
	}
	return cr
}

// validate checks the session parameters without touching state.
func (sp *sessionParams) validate() error {
	if d := sp.SessionDurationMinutes; d != 0 && (d < minSessionMinutes || d > maxSessionMinutes) {
		return newError("invalid_session_duration_minutes", "session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	if sp.SessionToken != "" && sp.SessionJWT != "" {
		return newError("too_many_session_arguments", "Pass either session_token or session_jwt, not both.")
	}
	sp.SessionCustomClaims = withoutReservedClaims(sp.SessionCustomClaims)
	return validateCustomClaims(sp.SessionCustomClaims)
}

// sessionLocked resolves a session credential at now (nil, nil without one). A token must be
// known, not rotated out past its grace; a JWT must be ours, for this project, for the session's
// user. Revoked and expired sessions are session_not_found (expired ones are dropped).
func (p *Project) sessionLocked(cr credential, now time.Time) (*session, error) {
	switch {
	case cr.token != "":
		if !sessionTokenPattern.MatchString(cr.token) {
			return nil, newError("invalid_session_token", "session_token format is invalid.")
		}
		entry := p.tokens[cr.token]
		if entry == nil {
			return nil, errSessionNotFound()
		}
		if !entry.deadline.IsZero() && !now.Before(entry.deadline) {
			delete(p.tokens, cr.token)
			return nil, errSessionNotFound()
		}
		return p.liveSessionLocked(entry.sessionID, now)
	case cr.jwt != "":
		if cr.jwtErr != nil {
			return nil, newError("unable_to_parse_session_jwt", "session_jwt could not be verified: %v.", cr.jwtErr)
		}
		s, err := p.liveSessionLocked(cr.claims.sessionID, now)
		if err != nil {
			return nil, err
		}
		if s.userID != cr.claims.userID {
			return nil, errSessionNotFound()
		}
		return s, nil
	}
	return nil, nil
}

// liveSessionLocked returns a session that has not expired, dropping it if it has.
func (p *Project) liveSessionLocked(id string, now time.Time) (*session, error) {
	s := p.sessions[id]
	if s == nil {
		return nil, errSessionNotFound()
	}
	if !now.Before(s.expiresAt) {
		p.dropSessionLocked(s)
		return nil, errSessionNotFound()
	}
	return s, nil
}

// errSessionNotFound is the answer for an unknown, revoked or expired session.
func errSessionNotFound() *Error {
	return newError("session_not_found", "Session not found: it is unknown, revoked or expired.")
}

// existingSessionLocked resolves the session credential of an authenticate request, if any, and
// checks that its custom claims merged with the request's stay within Stytch's limits.
func (p *Project) existingSessionLocked(sp *sessionParams, now time.Time) (*session, error) {
	s, err := p.sessionLocked(sp.cred, now)
	if err != nil || s == nil {
		return nil, err
	}
	if sp.SessionCustomClaims != nil {
		if err := validateCustomClaims(mergeClaims(s.customClaims, sp.SessionCustomClaims)); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// dropSessionLocked deletes a session and every token of it.
func (p *Project) dropSessionLocked(s *session) {
	for _, tok := range s.tokens {
		delete(p.tokens, tok)
	}
	delete(p.sessions, s.id)
}

// revokeUserSessionsLocked revokes all of a user's sessions except keepID.
func (p *Project) revokeUserSessionsLocked(userID, keepID string) {
	for _, s := range p.sessions {
		if s.userID == userID && s.id != keepID && !s.sandbox {
			p.dropSessionLocked(s)
		}
	}
}

// sendTargetLocked resolves the user a send is for: the user of the request's session, if any, or
// the user named by userID (which must then be the same user). It answers nil when the send names
// neither, so the address alone decides.
func (p *Project) sendTargetLocked(cred credential, userID string, now time.Time) (*user, error) {
	var target *user
	if s, err := p.sessionLocked(cred, now); err != nil {
		return nil, err
	} else if s != nil {
		target = p.userLocked(s.userID, now)
	}
	if userID != "" {
		u := p.userLocked(userID, now)
		if u == nil {
			return nil, newError("user_not_found", "User %s not found.", userID)
		}
		if target != nil && target != u {
			return nil, newError("bad_request", "user_id and the session belong to different users.")
		}
		target = u
	}
	return target, nil
}
