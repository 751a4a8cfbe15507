package emulator

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Session duration bounds (minutes) of session_duration_minutes.
const (
	minSessionMinutes = 5
	maxSessionMinutes = 527040
)

// sessionTokenPattern is the shape of a session token; anything else is invalid_session_token.
var sessionTokenPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{44}$`)

// sessionParams are the session parameters every authenticate endpoint takes.
type sessionParams struct {
	SessionToken           string         `json:"session_token"`
	SessionJWT             string         `json:"session_jwt"`
	SessionDurationMinutes int32          `json:"session_duration_minutes"`
	SessionCustomClaims    map[string]any `json:"session_custom_claims"`

	// jwt is SessionJWT verified ahead of the project lock (RSA verification is the slow part).
	jwt    jwtSession
	jwtErr error
}

// checkSession validates sp without touching state and verifies its session JWT, if any, so that
// the signature check happens before the project lock is taken.
func (c *call) checkSession(sp *sessionParams) *Error {
	if err := sp.validate(); err != nil {
		return err
	}
	if sp.SessionJWT != "" {
		sp.jwt, sp.jwtErr = c.e.sign.parseSessionJWT(c.p.id, sp.SessionJWT)
	}
	return nil
}

// validate checks the session parameters without touching state.
func (sp *sessionParams) validate() *Error {
	if d := sp.SessionDurationMinutes; d != 0 && (d < minSessionMinutes || d > maxSessionMinutes) {
		return newError("invalid_session_duration_minutes", "session_duration_minutes must be between %d and %d.", minSessionMinutes, maxSessionMinutes)
	}
	if sp.SessionToken != "" && sp.SessionJWT != "" {
		return newError("too_many_session_arguments", "Pass either session_token or session_jwt, not both.")
	}
	return validateCustomClaims(sp.SessionCustomClaims)
}

// reservedClaim reports whether a JWT claim may not be set as a custom claim.
func reservedClaim(k string) bool {
	switch k {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return false
}

// validateCustomClaims enforces Stytch's custom-claim rules: no registered claims, nothing under
// https://stytch.com/, at most 4 KB of JSON.
func validateCustomClaims(claims map[string]any) *Error {
	if claims == nil {
		return nil
	}
	for k := range claims {
		if reservedClaim(k) {
			return newError("reserved_claims_in_custom_claims", "Custom claims may not set the registered claim %q.", k)
		}
		if strings.HasPrefix(k, "https://stytch.com/") {
			return newError("stytch_claims_in_custom_claims", "Custom claims may not use the https://stytch.com/ namespace (%q).", k)
		}
	}
	if b, err := json.Marshal(claims); err != nil {
		return newError("unable_to_represent_custom_claims_json", "Custom claims cannot be represented as JSON.")
	} else if len(b) > 4096 {
		return newError("custom_claims_too_large", "Custom claims exceed 4 KB.")
	}
	return nil
}

// mergeClaims returns a new map: old updated by upd, where a null value deletes its key. Maps are
// never mutated in place, so snapshots taken under the lock stay valid after it is released.
func mergeClaims(old, upd map[string]any) map[string]any {
	if upd == nil {
		return old
	}
	out := make(map[string]any, len(old)+len(upd))
	for k, v := range old {
		out[k] = v
	}
	for k, v := range upd {
		if v == nil {
			delete(out, k)
			continue
		}
		out[k] = v
	}
	return out
}

// sessionByTokenLocked resolves a session token at now: unknown, rotated-out past its grace,
// revoked and expired sessions are session_not_found (expired ones are dropped).
func (p *project) sessionByTokenLocked(token string, now time.Time) (*session, *Error) {
	if !sessionTokenPattern.MatchString(token) {
		return nil, newError("invalid_session_token", "session_token format is invalid.")
	}
	entry := p.tokens[token]
	if entry == nil {
		return nil, errSessionNotFound()
	}
	if !entry.deadline.IsZero() && !now.Before(entry.deadline) {
		delete(p.tokens, token)
		return nil, errSessionNotFound()
	}
	return p.liveSessionLocked(entry.sessionID, now)
}

// sessionByJWTLocked resolves a session JWT: it must be ours, for this project, and its session
// alive. js and err are the JWT's verification, done before the lock (see checkSession).
func (p *project) sessionByJWTLocked(js jwtSession, err error, now time.Time) (*session, *Error) {
	if err != nil {
		return nil, newError("unable_to_parse_session_jwt", "session_jwt could not be verified: %v.", err)
	}
	s, aerr := p.liveSessionLocked(js.sessionID, now)
	if aerr != nil {
		return nil, aerr
	}
	if s.userID != js.userID {
		return nil, errSessionNotFound()
	}
	return s, nil
}

// liveSessionLocked returns a session that has not expired, dropping it if it has.
func (p *project) liveSessionLocked(id string, now time.Time) (*session, *Error) {
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

// existingSessionLocked resolves the session_token or session_jwt of an authenticate request, if
// any, and checks that its custom claims merged with the request's stay within Stytch's limits.
func (p *project) existingSessionLocked(c *call, sp *sessionParams, now time.Time) (*session, *Error) {
	var s *session
	var aerr *Error
	switch {
	case sp.SessionToken != "":
		s, aerr = p.sessionByTokenLocked(sp.SessionToken, now)
	case sp.SessionJWT != "":
		if sp.jwt.sessionID == "" && sp.jwtErr == nil { // not verified ahead of the lock
			sp.jwt, sp.jwtErr = c.e.sign.parseSessionJWT(p.id, sp.SessionJWT)
		}
		s, aerr = p.sessionByJWTLocked(sp.jwt, sp.jwtErr, now)
	default:
		return nil, nil
	}
	if aerr == nil && sp.SessionCustomClaims != nil {
		aerr = validateCustomClaims(mergeClaims(s.customClaims, sp.SessionCustomClaims))
	}
	return s, aerr
}

// dropSessionLocked deletes a session and every token of it.
func (p *project) dropSessionLocked(s *session) {
	for _, tok := range s.tokens {
		delete(p.tokens, tok)
	}
	delete(p.sessions, s.id)
}

// revokeUserSessionsLocked revokes all of a user's sessions except keepID.
func (p *project) revokeUserSessionsLocked(userID, keepID string) {
	for _, s := range p.sessions {
		if s.userID == userID && s.id != keepID && !s.sandbox {
			p.dropSessionLocked(s)
		}
	}
}

// applyFactorLocked records a successful authentication of factor f for user u. With an existing
// session of u the factor is added (or its timestamps refreshed) and the session extended when a
// duration is given; the token rotates as configured. An existing session of another user is
// ignored (stytch-api.md §5). Without one, a new session starts when a duration is given. It returns
// the session (nil when none) and the token to hand back.
func (p *project) applyFactorLocked(c *call, u *user, existing *session, f *factor, sp *sessionParams, now time.Time) (*session, string) {
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
		return s, p.rotateLocked(c, s, now)
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

// rotateLocked applies the token-rotation decision of design.md §4 on step-up: under RotateTokens
// a new token is minted and the old one dies after the grace period; under KeepTokens the token stays.
func (p *project) rotateLocked(c *call, s *session, now time.Time) string {
	if c.e.cfg.rotation == KeepTokens || s.sandbox {
		return s.token
	}
	old := s.token
	s.token = newSessionToken()
	s.tokens = append(s.tokens, s.token)
	p.tokens[s.token] = &tokenEntry{sessionID: s.id}
	if grace := c.e.cfg.rotationGrace; grace < 0 {
		delete(p.tokens, old)
	} else if e := p.tokens[old]; e != nil {
		e.deadline = now.Add(grace)
	}
	return s.token
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

// record applies a successful authentication of factor f for u (see applyFactorLocked) and
// renders the user and the session snapshot into r; call it with the project lock held.
func (r *authResponse) record(c *call, u *user, existing *session, f *factor, sp *sessionParams, now time.Time) {
	s, token := c.p.applyFactorLocked(c, u, existing, f, sp, now)
	r.UserID = u.id
	r.User = u.wire(now)
	r.SessionToken = token
	if s != nil {
		r.Session = s.wire()
	}
}

// sign mints the session JWT of the snapshot in r, outside the project lock.
func (r *authResponse) sign(c *call, now time.Time) error {
	if r.Session == nil {
		return nil
	}
	jwt, err := c.e.sign.sessionJWT(c.p.id, r.Session, now)
	r.SessionJWT = jwt
	return err
}

// sessionsAuthenticateParams is the body of POST /v1/sessions/authenticate.
type sessionsAuthenticateParams struct {
	sessionParams
	AuthorizationCheck *struct {
		ResourceID string `json:"resource_id"`
		Action     string `json:"action"`
	} `json:"authorization_check"`
}

type sessionsAuthenticateResponse struct {
	meta
	Session      *wireSession `json:"session"`
	SessionToken string       `json:"session_token"`
	SessionJWT   string       `json:"session_jwt"`
	User         wireUser     `json:"user"`
	Verdict      any          `json:"verdict,omitempty"`
}

// authenticateSession serves POST /v1/sessions/authenticate.
func authenticateSession(c *call) (int, metaSetter, error) {
	var req sessionsAuthenticateParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if err := c.checkSession(&req.sessionParams); err != nil {
		return 0, nil, err
	}
	if req.SessionToken == "" && req.SessionJWT == "" {
		return 0, nil, newError("no_session_arguments", "Pass session_token or session_jwt.")
	}
	p := c.p
	resp := &sessionsAuthenticateResponse{}
	now := p.clock.Now()
	p.mu.Lock()
	s, aerr := p.existingSessionLocked(c, &req.sessionParams, now)
	if aerr != nil {
		p.mu.Unlock()
		return 0, nil, aerr
	}
	u := p.userLocked(s.userID, now)
	if u == nil {
		p.dropSessionLocked(s)
		p.mu.Unlock()
		return 0, nil, errSessionNotFound()
	}
	if req.AuthorizationCheck != nil {
		// The default consumer policy grants stytch_user no permissions (getRBACPolicy).
		p.mu.Unlock()
		return 0, nil, newError("session_authorization_error", "The session's roles do not grant %q on %q.",
			req.AuthorizationCheck.Action, req.AuthorizationCheck.ResourceID)
	}
	if req.SessionDurationMinutes > 0 && !s.sandbox { // the sandbox session never expires
		s.expiresAt = now.Add(time.Duration(req.SessionDurationMinutes) * time.Minute)
	}
	s.lastAccessedAt = now
	s.customClaims = mergeClaims(s.customClaims, req.SessionCustomClaims)
	resp.Session = s.wire()
	resp.User = u.wire(now)
	resp.SessionToken = req.SessionToken // echoed; empty when authenticated by JWT (stytch-node#414)
	p.mu.Unlock()

	jwt, err := c.e.sign.sessionJWT(p.id, resp.Session, now)
	if err != nil {
		return 0, nil, err
	}
	resp.SessionJWT = jwt
	return http.StatusOK, resp, nil
}

type sessionsGetResponse struct {
	meta
	Sessions []*wireSession `json:"sessions"`
}

// getSessions serves GET /v1/sessions?user_id=.
func getSessions(c *call) (int, metaSetter, error) {
	userID := c.r.URL.Query().Get("user_id")
	if userID == "" {
		return 0, nil, newError("invalid_user_id", "user_id is required.")
	}
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	u := p.userLocked(userID, now)
	// The real API answers user_not_found for the sandbox user here: it is not a user of your
	// project (stytch-api.md §8, Stytch's .NET integration test).
	if u == nil || u.sandbox {
		return 0, nil, newError("user_not_found", "User %s not found.", userID)
	}
	var live []*session
	for _, s := range p.sessions {
		if s.userID == u.id && now.Before(s.expiresAt) {
			live = append(live, s)
		}
	}
	slices.SortFunc(live, func(a, b *session) int {
		if c := a.startedAt.Compare(b.startedAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	resp := &sessionsGetResponse{Sessions: make([]*wireSession, 0, len(live))}
	for _, s := range live {
		resp.Sessions = append(resp.Sessions, s.wire())
	}
	return http.StatusOK, resp, nil
}

type revokeParams struct {
	SessionID    string `json:"session_id"`
	SessionToken string `json:"session_token"`
	SessionJWT   string `json:"session_jwt"`
}

// metaOnly is the body of endpoints that answer only request_id and status_code.
type metaOnly struct{ meta }

// revokeSession serves POST /v1/sessions/revoke.
func revokeSession(c *call) (int, metaSetter, error) {
	var req revokeParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	n := 0
	for _, v := range []string{req.SessionID, req.SessionToken, req.SessionJWT} {
		if v != "" {
			n++
		}
	}
	if n == 0 {
		return 0, nil, newError("no_session_revoke_arguments", "Pass one of session_id, session_token or session_jwt.")
	}
	if n > 1 {
		return 0, nil, newError("too_many_session_revoke_arguments", "Pass only one of session_id, session_token or session_jwt.")
	}
	var js jwtSession
	var jwtErr error
	if req.SessionJWT != "" {
		js, jwtErr = c.e.sign.parseSessionJWT(c.p.id, req.SessionJWT)
	}
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var s *session
	var aerr *Error
	switch {
	case req.SessionID != "":
		s, aerr = p.liveSessionLocked(req.SessionID, now)
	case req.SessionToken != "":
		s, aerr = p.sessionByTokenLocked(req.SessionToken, now)
	default:
		s, aerr = p.sessionByJWTLocked(js, jwtErr, now)
	}
	if aerr != nil {
		return 0, nil, aerr
	}
	if !s.sandbox { // the sandbox session cannot be revoked (stytch-api.md §8)
		p.dropSessionLocked(s)
	}
	return http.StatusOK, &metaOnly{}, nil
}

type jwksResponse struct {
	meta
	Keys json.RawMessage `json:"keys"`
}

// getJWKS serves GET /v1/sessions/jwks/{project_id} (no authentication, as the SDKs fetch it). The
// signing key is the emulator's, so every project id gets the same key set.
func getJWKS(c *call) (int, metaSetter, error) {
	return http.StatusOK, &jwksResponse{Keys: c.e.sign.jwksKeys}, nil
}

type rbacPolicyResponse struct {
	meta
	Policy rbacPolicy `json:"policy"`
}

type rbacPolicy struct {
	Roles     []rbacRole `json:"roles"`
	Resources []any      `json:"resources"`
	Scopes    []any      `json:"scopes"`
}

type rbacRole struct {
	RoleID      string `json:"role_id"`
	Description string `json:"description"`
	Permissions []any  `json:"permissions"`
}

// getRBACPolicy serves GET /v1/rbac/policy: the default consumer policy, stytch_user without
// permissions (the real default document is unconfirmed, stytch-api.md §4.6).
func getRBACPolicy(c *call) (int, metaSetter, error) {
	return http.StatusOK, &rbacPolicyResponse{Policy: rbacPolicy{
		Roles:     []rbacRole{{RoleID: "stytch_user", Description: "Granted to every user.", Permissions: []any{}}},
		Resources: []any{},
		Scopes:    []any{},
	}}, nil
}
