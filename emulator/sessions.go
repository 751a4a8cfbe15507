package emulator

import (
	"bytes"
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

// withoutReservedClaims drops the registered JWT claims from custom claims: Stytch ignores them
// rather than refusing the request (stytch-go sessions/types.go, SessionCustomClaims: "Custom
// claims made with reserved claims (...) will be ignored"). It returns claims itself when there is
// nothing to drop.
func withoutReservedClaims(claims map[string]any) map[string]any {
	has := false
	for k := range claims {
		has = has || reservedClaim(k)
	}
	if !has {
		return claims
	}
	out := make(map[string]any, len(claims))
	for k, v := range claims {
		if !reservedClaim(k) {
			out[k] = v
		}
	}
	return out
}

// reservedClaim reports whether a JWT claim is one of the registered claims Stytch ignores in
// custom claims.
func reservedClaim(k string) bool {
	switch k {
	case "iss", "sub", "aud", "exp", "nbf", "iat", "jti":
		return true
	}
	return false
}

// validateCustomClaims enforces Stytch's custom-claim rules on claims already stripped of the
// registered ones (withoutReservedClaims): nothing under https://stytch.com/ (refused, as
// documented), at most 4 KB of JSON.
func validateCustomClaims(claims map[string]any) error {
	if claims == nil {
		return nil
	}
	for k := range claims {
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
		out[k] = compactValue(v)
	}
	return out
}

// compactValues returns m with each top-level value held as its JSON text (see compactValue);
// nil stays nil.
func compactValues(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = compactValue(v)
	}
	return out
}

// compactValue holds a decoded JSON value as its JSON text, which renders the same. Metadata and
// custom claims are stored this way: decoded, 4 KB of small values such as [{},{},…] took
// 85 KB of memory (a user with both metadata fields 169 KB, 14 times the 12 KB of plain text),
// as its text 4 KB.
func compactValue(v any) any {
	if raw, ok := v.(json.RawMessage); ok {
		return raw
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return v // not reachable for decoded JSON; kept as it is
	}
	return json.RawMessage(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
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
	// The token is echoed; it is empty when the session is authenticated by JWT (stytch-node#414).
	resp := &sessionsAuthenticateResponse{SessionToken: req.SessionToken}
	var signAt time.Time
	err := p.update(func(now time.Time) error {
		s, err := p.existingSessionLocked(&req.sessionParams, now)
		if err != nil {
			return err
		}
		u := p.userLocked(s.userID, now)
		if u == nil {
			p.dropSessionLocked(s)
			return errSessionNotFound()
		}
		if req.AuthorizationCheck != nil {
			// The default consumer policy grants stytch_user no permissions (getRBACPolicy).
			return newError("consumer_session_authorization_error", "The session's roles do not grant %q on %q.",
				req.AuthorizationCheck.Action, req.AuthorizationCheck.ResourceID)
		}
		if req.SessionDurationMinutes > 0 && !s.sandbox { // the sandbox session never expires
			s.expiresAt = now.Add(time.Duration(req.SessionDurationMinutes) * time.Minute)
		}
		s.lastAccessedAt = now
		s.customClaims = mergeClaims(s.customClaims, req.SessionCustomClaims)
		resp.Session, resp.User, signAt = s.wire(), u.wire(now), now
		return nil
	})
	if err == nil {
		resp.SessionJWT, err = p.signSession(resp.Session, signAt)
	}
	return reply(resp, err)
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
	resp := &sessionsGetResponse{}
	return reply(resp, p.update(func(now time.Time) error {
		u := p.userLocked(userID, now)
		// The real API answers user_not_found for the sandbox user here: it is not a user of your
		// project (Stytch's .NET integration test, stytch-dotnet ConsumerSessions.cs).
		if u == nil || u.sandbox {
			return newError("user_not_found", "User %s not found.", userID)
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
		resp.Sessions = make([]*wireSession, 0, len(live))
		for _, s := range live {
			resp.Sessions = append(resp.Sessions, s.wire())
		}
		return nil
	}))
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
	cred := c.credential(req.SessionToken, req.SessionJWT)
	p := c.p
	return reply(&metaOnly{}, p.update(func(now time.Time) error {
		var s *session
		var err error
		if req.SessionID != "" {
			s, err = p.liveSessionLocked(req.SessionID, now)
		} else {
			s, err = p.sessionLocked(cred, now)
		}
		if err != nil {
			return err
		}
		if !s.sandbox { // the sandbox session cannot be revoked (Stytch's sandbox values page, https://stytch.com/docs/guides/testing/sandbox-values)
			p.dropSessionLocked(s)
		}
		return nil
	}))
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
// permissions (the real default document is unconfirmed).
func getRBACPolicy(c *call) (int, metaSetter, error) {
	return http.StatusOK, &rbacPolicyResponse{Policy: rbacPolicy{
		Roles:     []rbacRole{{RoleID: "stytch_user", Description: "Granted to every user.", Permissions: []any{}}},
		Resources: []any{},
		Scopes:    []any{},
	}}, nil
}
