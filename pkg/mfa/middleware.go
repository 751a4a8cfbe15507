package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// SessionAuthenticator authenticates a session token or JWT with Stytch
// (POST /v1/sessions/authenticate). The Sessions field of stytch-go's
// *stytchapi.API (a *consumer.SessionsClient) implements it, and so does a
// stytch-go client pointed at the emulator. Middleware requires a non-nil one.
type SessionAuthenticator interface {
	Authenticate(ctx context.Context, body *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error)
}

// JWTAuthenticator verifies a session JWT locally if it is at most
// maxTokenAge old, and otherwise falls back to Authenticate. When
// Middleware.Sessions also implements it (as *consumer.SessionsClient does),
// JWTs are verified this way; otherwise they are sent to Authenticate. A
// locally verified response carries no refreshed token or JWT.
type JWTAuthenticator interface {
	AuthenticateJWT(ctx context.Context, maxTokenAge time.Duration, body *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error)
}

// Clock tells the time, so that tests can fix it. ClockFunc adapts a
// function. A nil Middleware.Clock means the system clock.
type Clock interface {
	Now() time.Time
}

// ClockFunc adapts a function to a Clock, e.g. ClockFunc(time.Now). A nil
// ClockFunc must not be called.
type ClockFunc func() time.Time

// Now returns f().
func (f ClockFunc) Now() time.Time { return f() }

// Middleware defaults and header names.
const (
	// DefaultCookieName is the session-token cookie when CookieName is "".
	DefaultCookieName = "stytch_session"
	// DefaultJWTCookieName is the session-JWT cookie when JWTCookieName is "".
	DefaultJWTCookieName = "stytch_session_jwt"
	// DefaultJWTMaxAge is the local-verification age limit when JWTMaxAge is 0.
	DefaultJWTMaxAge = 5 * time.Minute
	// HeaderSessionToken is the response header carrying a refreshed session
	// token to clients that authenticated with a header.
	HeaderSessionToken = "Stytch-Session-Token"
	// HeaderSessionJWT is the response header carrying a refreshed session
	// JWT to clients that authenticated with a header.
	HeaderSessionJWT = "Stytch-Session-JWT"
)

// Middleware authenticates Stytch sessions on incoming requests and enforces
// a Policy on them. Configure it with a struct literal; only Sessions is
// required. Do not modify it once in use; it is safe for concurrent use.
//
// Credentials are taken from, in order: the request header (see Header), the
// JWT cookie, the session-token cookie. A header value with two dots is
// treated as a JWT, anything else as a session token. When both cookies are
// present the JWT is used, since it can be verified locally.
//
// Responses:
//   - no credential, or Stytch rejects it (session_not_found,
//     invalid_session_token, unable_to_parse_session_jwt, ...), or the
//     session has no factors: 401; when Stytch rejected a credential that
//     came from a cookie, both session cookies are cleared;
//   - the policy is not met: 403;
//   - any other error (Stytch refusing the application itself, e.g.
//     unauthorized_credentials for a wrong project secret or a bad
//     SessionDurationMinutes; 429; 5xx; network; timeout): 502, and the
//     cookies are kept.
//
// Denials have a JSON body (unless OnDeny is set), for example
//
//	{"error":"missing_factor","decision":"mfa","missing":["otp/sms"],"stale":[]}
//	{"error":"stale_factor","decision":"step_up","missing":[],"stale":[{"factor":"otp/sms",
//	 "max_age_seconds":300,"last_authenticated_at":"2024-01-02T03:04:05Z","age_seconds":420}]}
//	{"error":"unauthenticated","decision":"login","missing":[],"stale":[]}
//	{"error":"upstream_error","missing":[],"stale":[]}
//
// Whenever Stytch returns a refreshed session token or JWT (remote
// authentication; not local JWT verification) it is handed back, even if the
// policy then denies: as cookies if the request's credential came from a
// cookie, otherwise as the HeaderSessionToken and HeaderSessionJWT response
// headers. Tokens that arrived in cookies are never copied into headers, so
// HttpOnly cookies stay out of reach of scripts.
type Middleware struct {
	// Sessions authenticates credentials; required. Pass stytchapi.API.Sessions,
	// or any client pointed at an emulator.
	Sessions SessionAuthenticator

	// Clock supplies "now" for policy checks. Nil means the system clock
	// (time.Now). Local JWT verification in stytch-go always uses time.Now.
	Clock Clock

	// CookieName is the session-token cookie. "" means DefaultCookieName.
	CookieName string
	// JWTCookieName is the session-JWT cookie. "" means DefaultJWTCookieName.
	JWTCookieName string
	// Header is a request header whose whole value is the credential. ""
	// means "Authorization" with the "Bearer" scheme.
	Header string

	// JWTMaxAge is the maximum age of a JWT verified locally through
	// JWTAuthenticator; older JWTs go to Stytch. Zero means DefaultJWTMaxAge;
	// negative means always authenticate JWTs with Stytch.
	JWTMaxAge time.Duration
	// SessionDurationMinutes, if non-zero, extends the session on each remote
	// authentication (Stytch's session_duration_minutes). Zero leaves the
	// session's lifetime unchanged.
	SessionDurationMinutes int32

	// Cookie is the template for refreshed and cleared cookies; Name and
	// Value are filled in, and Expires is set to the session's expiry unless
	// the template sets Expires or MaxAge. Nil means Path "/", Secure,
	// HttpOnly, SameSite=Lax. Use a template with HttpOnly false if Stytch's
	// frontend SDK must read the cookies.
	Cookie *http.Cookie

	// OnDeny, if set, writes 401/403 denials instead of the JSON body;
	// res.Decision is Login, MFA or StepUp. Use it e.g. to redirect browsers
	// to a login or re-challenge page. Refreshed credentials have already
	// been handed back.
	OnDeny func(w http.ResponseWriter, r *http.Request, res Result)

	// Logger, if set, receives authentication errors. Nil means no logging.
	Logger *slog.Logger
}

// Require returns middleware that lets a request through to next only if its
// session satisfies p, with the session available via SessionFromContext.
// It panics if m.Sessions is nil.
//
//	mux.Handle("/account", mw.Require(protected)(account))
//	mux.Handle("/transfer", mw.Require(protected.WithStepUp(mfa.SMS, 5*time.Minute))(transfer))
func (m *Middleware) Require(p Policy) func(http.Handler) http.Handler {
	if m.Sessions == nil {
		panic("mfa: Middleware.Sessions is nil")
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cred := m.credential(r)
			if cred.value == "" {
				m.deny(w, r, Result{Decision: Login})
				return
			}
			resp, err := m.authenticate(r.Context(), cred)
			if err != nil {
				if rejected(err) {
					m.log(r, slog.LevelDebug, "stytch rejected session", err)
					if cred.fromCookie {
						m.clearCookies(w)
					}
					m.deny(w, r, Result{Decision: Login})
					return
				}
				m.log(r, slog.LevelError, "session authentication failed", err)
				writeJSON(w, http.StatusBadGateway, body{Error: "upstream_error"})
				return
			}
			session := &resp.Session
			m.handBack(w, cred, resp)
			if res := p.Check(session, m.now()); !res.Allowed() {
				m.deny(w, r, res)
				return
			}
			next.ServeHTTP(w, r.WithContext(NewContext(r.Context(), session)))
		})
	}
}

type ctxKey struct{}

// NewContext returns a copy of ctx carrying session, as Require does for the
// handlers it protects. Useful to test such handlers without Stytch.
func NewContext(ctx context.Context, session *sessions.Session) context.Context {
	return context.WithValue(ctx, ctxKey{}, session)
}

// SessionFromContext returns the authenticated session stored by Require (or
// NewContext), and whether there was one.
func SessionFromContext(ctx context.Context) (*sessions.Session, bool) {
	s, ok := ctx.Value(ctxKey{}).(*sessions.Session)
	return s, ok && s != nil
}

type credential struct {
	value      string
	jwt        bool
	fromCookie bool
}

func (m *Middleware) credential(r *http.Request) credential {
	if m.Header != "" {
		if v := strings.TrimSpace(r.Header.Get(m.Header)); v != "" {
			return credential{value: v, jwt: isJWT(v)}
		}
	} else if scheme, v, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, "Bearer") {
		if v = strings.TrimSpace(v); v != "" {
			return credential{value: v, jwt: isJWT(v)}
		}
	}
	if c, err := r.Cookie(or(m.JWTCookieName, DefaultJWTCookieName)); err == nil && c.Value != "" {
		return credential{value: c.Value, jwt: true, fromCookie: true}
	}
	if c, err := r.Cookie(or(m.CookieName, DefaultCookieName)); err == nil && c.Value != "" {
		return credential{value: c.Value, fromCookie: true}
	}
	return credential{}
}

func isJWT(v string) bool { return strings.Count(v, ".") == 2 }

func (m *Middleware) authenticate(ctx context.Context, cred credential) (*sessions.AuthenticateResponse, error) {
	params := &sessions.AuthenticateParams{SessionDurationMinutes: m.SessionDurationMinutes}
	var (
		resp *sessions.AuthenticateResponse
		err  error
	)
	if cred.jwt {
		params.SessionJWT = cred.value
		maxAge := m.JWTMaxAge
		if maxAge == 0 {
			maxAge = DefaultJWTMaxAge
		}
		if ja, ok := m.Sessions.(JWTAuthenticator); ok && maxAge > 0 {
			resp, err = ja.AuthenticateJWT(ctx, maxAge, params)
		} else {
			resp, err = m.Sessions.Authenticate(ctx, params)
		}
	} else {
		params.SessionToken = cred.value
		resp, err = m.Sessions.Authenticate(ctx, params)
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate session: %w", err)
	}
	if resp == nil {
		return nil, errors.New("authenticate session: empty response")
	}
	return resp, nil
}

// rejected reports whether err is Stytch refusing the credential itself (the session is unknown,
// revoked, expired or malformed), as opposed to refusing the application (a wrong project secret,
// a bad session_duration_minutes, a rate limit), which must not log the user out.
func rejected(err error) bool {
	var errorType stytcherror.Type
	var v stytcherror.Error
	var p *stytcherror.Error
	switch {
	case errors.As(err, &v):
		errorType = v.ErrorType
	case errors.As(err, &p) && p != nil:
		errorType = p.ErrorType
	}
	switch errorType {
	case "session_not_found", "invalid_session_token", "invalid_session_jwt", "unable_to_parse_session_jwt",
		"session_expired", "jwt_invalid", "jwt_too_old":
		return true
	}
	return false
}

func (m *Middleware) now() time.Time {
	if m.Clock == nil {
		return time.Now()
	}
	return m.Clock.Now()
}

func (m *Middleware) handBack(w http.ResponseWriter, cred credential, resp *sessions.AuthenticateResponse) {
	for _, kv := range [...]struct{ cookie, header, value string }{
		{or(m.CookieName, DefaultCookieName), HeaderSessionToken, resp.SessionToken},
		{or(m.JWTCookieName, DefaultJWTCookieName), HeaderSessionJWT, resp.SessionJWT},
	} {
		switch {
		case kv.value == "":
		case cred.fromCookie && kv.cookie == or(m.JWTCookieName, DefaultJWTCookieName) && !cred.jwt:
			// A client on session-token cookies gets no JWT cookie: it would be preferred on the
			// next request and verified locally, so a revoked session would pass until it expires.
		case cred.fromCookie:
			c := m.cookie(kv.cookie, kv.value)
			if exp := resp.Session.ExpiresAt; exp != nil && c.Expires.IsZero() && c.MaxAge == 0 {
				c.Expires = *exp
			}
			http.SetCookie(w, c)
		default:
			w.Header().Set(kv.header, kv.value)
		}
	}
}

func (m *Middleware) clearCookies(w http.ResponseWriter) {
	for _, name := range [...]string{or(m.CookieName, DefaultCookieName), or(m.JWTCookieName, DefaultJWTCookieName)} {
		c := m.cookie(name, "")
		c.Expires, c.MaxAge = time.Time{}, -1
		http.SetCookie(w, c)
	}
}

func (m *Middleware) cookie(name, value string) *http.Cookie {
	c := http.Cookie{Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode}
	if m.Cookie != nil {
		c = *m.Cookie
	}
	c.Name, c.Value = name, value
	return &c
}

func (m *Middleware) deny(w http.ResponseWriter, r *http.Request, res Result) {
	if m.OnDeny != nil {
		m.OnDeny(w, r, res)
		return
	}
	status := http.StatusForbidden
	if res.Decision == Login {
		status = http.StatusUnauthorized
		w.Header().Set("WWW-Authenticate", "Bearer")
	}
	b := body{Error: res.Decision.Reason(), Decision: res.Decision.String()}
	for _, req := range res.Missing {
		name := "<nil>"
		if req != nil {
			name = req.String()
		}
		b.Missing = append(b.Missing, name)
	}
	for _, s := range res.Stale {
		sb := staleBody{
			Factor:              s.Recency.Factor.String(),
			MaxAgeSeconds:       s.Recency.MaxAge.Seconds(),
			LastAuthenticatedAt: s.LastAuthenticatedAt,
		}
		if s.LastAuthenticatedAt != nil {
			age := s.Age.Seconds()
			sb.AgeSeconds = &age
		}
		b.Stale = append(b.Stale, sb)
	}
	writeJSON(w, status, b)
}

func (m *Middleware) log(r *http.Request, level slog.Level, msg string, err error) {
	if m.Logger != nil {
		m.Logger.Log(r.Context(), level, msg, "error", err, "path", r.URL.Path)
	}
}

// body is the JSON error response.
type body struct {
	Error    string      `json:"error"`
	Decision string      `json:"decision,omitempty"`
	Missing  []string    `json:"missing"`
	Stale    []staleBody `json:"stale"`
}

type staleBody struct {
	Factor              string     `json:"factor"`
	MaxAgeSeconds       float64    `json:"max_age_seconds"`
	LastAuthenticatedAt *time.Time `json:"last_authenticated_at"`
	AgeSeconds          *float64   `json:"age_seconds,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, b body) {
	if b.Missing == nil {
		b.Missing = []string{}
	}
	if b.Stale == nil {
		b.Stale = []staleBody{}
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(b)
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
