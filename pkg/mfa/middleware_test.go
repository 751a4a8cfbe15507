package mfa

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// fakeSessions is an in-memory SessionAuthenticator. Credentials (tokens or
// JWTs) map to sessions; remote authentication hands back refreshToken and
// refreshJWT, as Stytch does.
type fakeSessions struct {
	mu           sync.Mutex
	byCred       map[string]*sessions.Session
	refreshToken string
	refreshJWT   string
	err          error // returned by every call if set
	calls        []fakeCall
}

type fakeCall struct {
	method string
	maxAge time.Duration
	params sessions.AuthenticateParams
}

func newFake() *fakeSessions {
	return &fakeSessions{byCred: map[string]*sessions.Session{}}
}

func (f *fakeSessions) put(cred string, s *sessions.Session) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.byCred[cred] = s
}

func (f *fakeSessions) lookup(method string, maxAge time.Duration, p *sessions.AuthenticateParams) (sessions.Session, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fakeCall{method, maxAge, *p})
	if f.err != nil {
		return sessions.Session{}, f.err
	}
	if (p.SessionToken == "") == (p.SessionJWT == "") {
		return sessions.Session{}, stytcherror.Error{StatusCode: 400, ErrorType: "too_many_session_arguments"}
	}
	s, ok := f.byCred[p.SessionToken+p.SessionJWT]
	if !ok {
		return sessions.Session{}, stytcherror.Error{StatusCode: 404, ErrorType: "session_not_found", ErrorMessage: "Session could not be found."}
	}
	cp := *s
	cp.AuthenticationFactors = append([]sessions.AuthenticationFactor(nil), s.AuthenticationFactors...)
	return cp, nil
}

// Authenticate mimics stytch-go: a non-nil response even on error.
func (f *fakeSessions) Authenticate(_ context.Context, p *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
	s, err := f.lookup("Authenticate", 0, p)
	if err != nil {
		return &sessions.AuthenticateResponse{}, err
	}
	return &sessions.AuthenticateResponse{Session: s, SessionToken: f.refreshToken, SessionJWT: f.refreshJWT, StatusCode: 200}, nil
}

func (f *fakeSessions) lastCall(t *testing.T) fakeCall {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		t.Fatal("Stytch was not called")
	}
	return f.calls[len(f.calls)-1]
}

func (f *fakeSessions) numCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.calls)
}

// fakeJWTSessions also implements JWTAuthenticator, verifying "locally": the
// response carries no refreshed credentials, as with stytch-go.
type fakeJWTSessions struct{ *fakeSessions }

func (f fakeJWTSessions) AuthenticateJWT(_ context.Context, maxAge time.Duration, p *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
	s, err := f.lookup("AuthenticateJWT", maxAge, p)
	if err != nil {
		return nil, err
	}
	return &sessions.AuthenticateResponse{Session: s}, nil
}

var (
	_ SessionAuthenticator = (*fakeSessions)(nil)
	_ JWTAuthenticator     = fakeJWTSessions{}
)

const (
	token = "session-token-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	jwt   = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJl"
)

var (
	protected = Policy{Require: []Requirement{Password, SMS}}
	sensitive = protected.WithStepUp(SMS, 5*time.Minute)
	fixed     = ClockFunc(func() time.Time { return now })
)

// outcome is what a request through the middleware produced.
type outcome struct {
	rec     *httptest.ResponseRecorder
	session *sessions.Session // as seen by the protected handler; nil if not reached
	body    map[string]any    // decoded JSON body of a denial
}

func serve(t *testing.T, m *Middleware, p Policy, req *http.Request) outcome {
	t.Helper()
	var o outcome
	h := m.Require(p)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, ok := SessionFromContext(r.Context())
		if !ok {
			t.Error("protected handler reached without a session in the context")
		}
		o.session = s
		fmt.Fprint(w, "ok")
	}))
	o.rec = httptest.NewRecorder()
	h.ServeHTTP(o.rec, req)
	if o.rec.Code != http.StatusOK {
		if o.session != nil {
			t.Errorf("status %d but the protected handler ran", o.rec.Code)
		}
		if ct := o.rec.Header().Get("Content-Type"); m.OnDeny == nil && ct != "application/json; charset=utf-8" {
			t.Errorf("Content-Type = %q", ct)
		}
		if err := json.Unmarshal(o.rec.Body.Bytes(), &o.body); m.OnDeny == nil && err != nil {
			t.Errorf("body %q: %v", o.rec.Body, err)
		}
	}
	return o
}

func get(opts ...func(*http.Request)) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/account", nil)
	for _, o := range opts {
		o(r)
	}
	return r
}

func withCookie(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: name, Value: value}) }
}

func withHeader(name, value string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

func cookies(rec *httptest.ResponseRecorder) map[string]*http.Cookie {
	m := map[string]*http.Cookie{}
	for _, c := range rec.Result().Cookies() {
		m[c.Name] = c
	}
	return m
}

func mfaSession() *sessions.Session {
	exp := now.Add(time.Hour)
	s := session(at(Password, 10*time.Minute), at(SMS, time.Minute))
	s.ExpiresAt = &exp
	return s
}

func TestMiddlewareCredentialSources(t *testing.T) {
	tests := []struct {
		name       string
		m          func(*fakeSessions) *Middleware
		req        *http.Request
		wantMethod string
		wantParams sessions.AuthenticateParams
		wantMaxAge time.Duration
	}{
		{
			name:       "token cookie",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withCookie("stytch_session", token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "bearer token",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withHeader("Authorization", "Bearer "+token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "bearer scheme is case-insensitive",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withHeader("Authorization", "bearer "+token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "non-bearer authorization falls back to cookies",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withHeader("Authorization", "Basic dXNlcjpwYXNz"), withCookie("stytch_session", token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "header wins over cookie",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withHeader("Authorization", "Bearer "+token), withCookie("stytch_session", "other")),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name: "custom header and cookie names",
			m: func(f *fakeSessions) *Middleware {
				return &Middleware{Sessions: f, Header: "X-Session", CookieName: "sid"}
			},
			req:        get(withHeader("X-Session", token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "custom cookie name",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f, CookieName: "sid"} },
			req:        get(withCookie("sid", token), withCookie("stytch_session", "other")),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token},
		},
		{
			name:       "session duration is passed through",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f, SessionDurationMinutes: 60} },
			req:        get(withCookie("stytch_session", token)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionToken: token, SessionDurationMinutes: 60},
		},
		{
			name:       "jwt cookie verified locally",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: fakeJWTSessions{f}} },
			req:        get(withCookie("stytch_session_jwt", jwt)),
			wantMethod: "AuthenticateJWT", wantParams: sessions.AuthenticateParams{SessionJWT: jwt}, wantMaxAge: DefaultJWTMaxAge,
		},
		{
			name:       "jwt cookie wins over token cookie",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: fakeJWTSessions{f}} },
			req:        get(withCookie("stytch_session", token), withCookie("stytch_session_jwt", jwt)),
			wantMethod: "AuthenticateJWT", wantParams: sessions.AuthenticateParams{SessionJWT: jwt}, wantMaxAge: DefaultJWTMaxAge,
		},
		{
			name: "bearer jwt",
			m: func(f *fakeSessions) *Middleware {
				return &Middleware{Sessions: fakeJWTSessions{f}, JWTMaxAge: time.Minute}
			},
			req:        get(withHeader("Authorization", "Bearer "+jwt)),
			wantMethod: "AuthenticateJWT", wantParams: sessions.AuthenticateParams{SessionJWT: jwt}, wantMaxAge: time.Minute,
		},
		{
			name:       "negative JWTMaxAge authenticates jwt remotely",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: fakeJWTSessions{f}, JWTMaxAge: -1} },
			req:        get(withCookie("stytch_session_jwt", jwt)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionJWT: jwt},
		},
		{
			name:       "jwt without JWTAuthenticator goes remote",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f} },
			req:        get(withCookie("stytch_session_jwt", jwt)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionJWT: jwt},
		},
		{
			name:       "custom jwt cookie name",
			m:          func(f *fakeSessions) *Middleware { return &Middleware{Sessions: f, JWTCookieName: "jwt"} },
			req:        get(withCookie("jwt", jwt)),
			wantMethod: "Authenticate", wantParams: sessions.AuthenticateParams{SessionJWT: jwt},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.put(token, mfaSession())
			f.put(jwt, mfaSession())
			m := tt.m(f)
			m.Clock = fixed
			o := serve(t, m, protected, tt.req)
			if o.rec.Code != http.StatusOK {
				t.Fatalf("status %d, body %s", o.rec.Code, o.rec.Body)
			}
			if o.session == nil || o.session.UserID != "user-test" || len(o.session.AuthenticationFactors) != 2 {
				t.Errorf("session in context = %+v", o.session)
			}
			c := f.lastCall(t)
			if c.method != tt.wantMethod || c.maxAge != tt.wantMaxAge || !reflect.DeepEqual(c.params, tt.wantParams) {
				t.Errorf("call = %s(%v, %+v), want %s(%v, %+v)", c.method, c.maxAge, c.params, tt.wantMethod, tt.wantMaxAge, tt.wantParams)
			}
		})
	}
}

// TestMiddlewareAppErrorsKeepTheUserLoggedIn: Stytch refusing the application itself (a wrong
// project secret, a bad session duration, a rate limit) is a 502 that keeps the cookies, not a
// logout.
func TestMiddlewareAppErrorsKeepTheUserLoggedIn(t *testing.T) {
	for _, e := range []stytcherror.Error{
		{StatusCode: 401, ErrorType: "unauthorized_credentials"},
		{StatusCode: 400, ErrorType: "invalid_session_duration_minutes"},
		{StatusCode: 429, ErrorType: "too_many_requests"},
	} {
		t.Run(string(e.ErrorType), func(t *testing.T) {
			f := newFake()
			f.put(token, mfaSession())
			f.err = e
			o := serve(t, &Middleware{Sessions: f, Clock: fixed}, protected, get(withCookie("stytch_session", token)))
			if o.rec.Code != http.StatusBadGateway {
				t.Fatalf("status = %d, want 502; body %s", o.rec.Code, o.rec.Body)
			}
			if cs := cookies(o.rec); len(cs) != 0 {
				t.Errorf("cookies changed: %v", cs)
			}
		})
	}
}

func TestMiddlewareUnauthenticated(t *testing.T) {
	wantBody := map[string]any{"error": "unauthenticated", "decision": "login", "missing": []any{}, "stale": []any{}}
	tests := []struct {
		name         string
		err          error
		req          *http.Request
		wantCleared  bool
		wantNoCall   bool
		wantStatus   int
		wantResponse map[string]any
	}{
		{name: "no credential", req: get(), wantNoCall: true},
		{name: "empty cookie", req: get(withCookie("stytch_session", "")), wantNoCall: true},
		{name: "empty bearer", req: get(withHeader("Authorization", "Bearer  ")), wantNoCall: true},
		{name: "unknown token cookie: 404 session_not_found", req: get(withCookie("stytch_session", "nope")), wantCleared: true},
		{name: "unknown jwt cookie", req: get(withCookie("stytch_session_jwt", "a.b.c")), wantCleared: true},
		{name: "unknown bearer token", req: get(withHeader("Authorization", "Bearer nope"))},
		{name: "stytch 404 session_not_found", err: stytcherror.Error{StatusCode: 404, ErrorType: "session_not_found"}, req: get(withCookie("stytch_session", token)), wantCleared: true},
		{name: "stytch 400", err: stytcherror.Error{StatusCode: 400, ErrorType: "invalid_session_token"}, req: get(withHeader("Authorization", "Bearer "+token))},
		{name: "wrapped *stytcherror.Error 404", err: fmt.Errorf("wrapped: %w", &stytcherror.Error{StatusCode: 404, ErrorType: "session_not_found"}), req: get(withHeader("Authorization", "Bearer "+token))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake()
			f.put(token, mfaSession())
			f.err = tt.err
			o := serve(t, &Middleware{Sessions: f, Clock: fixed}, protected, tt.req)
			if o.rec.Code != http.StatusUnauthorized {
				t.Fatalf("status = %d, want 401; body %s", o.rec.Code, o.rec.Body)
			}
			if !reflect.DeepEqual(o.body, wantBody) {
				t.Errorf("body = %v, want %v", o.body, wantBody)
			}
			if got := o.rec.Header().Get("WWW-Authenticate"); got != "Bearer" {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if tt.wantNoCall && f.numCalls() != 0 {
				t.Errorf("Stytch called %d times without a credential", f.numCalls())
			}
			cs := cookies(o.rec)
			if !tt.wantCleared {
				if len(cs) != 0 {
					t.Errorf("cookies set: %v", cs)
				}
				return
			}
			for _, name := range []string{"stytch_session", "stytch_session_jwt"} {
				if c := cs[name]; c == nil || c.MaxAge >= 0 || c.Value != "" {
					t.Errorf("cookie %s not cleared: %v", name, c)
				}
			}
		})
	}
}

func TestMiddlewareUpstreamError(t *testing.T) {
	for _, err := range []error{
		stytcherror.Error{StatusCode: 500, ErrorType: "internal_server_error"},
		stytcherror.Error{StatusCode: 429, ErrorType: "too_many_requests"},
		&stytcherror.Error{StatusCode: 503},
		errors.New("error sending http request: connection refused"),
		context.DeadlineExceeded,
	} {
		t.Run(err.Error(), func(t *testing.T) {
			f := newFake()
			f.err = err
			o := serve(t, &Middleware{Sessions: f}, protected, get(withCookie("stytch_session", token)))
			if o.rec.Code != http.StatusBadGateway {
				t.Fatalf("status = %d, want 502", o.rec.Code)
			}
			want := map[string]any{"error": "upstream_error", "missing": []any{}, "stale": []any{}}
			if !reflect.DeepEqual(o.body, want) {
				t.Errorf("body = %v, want %v", o.body, want)
			}
			if len(cookies(o.rec)) != 0 {
				t.Error("cookies touched on upstream error")
			}
		})
	}
}

func TestMiddlewarePolicyDenied(t *testing.T) {
	f := newFake()
	f.put("password-only", session(at(Password, 0)))
	f.put("whatsapp", session(at(Password, 0), at(WhatsApp, 0)))
	f.put("stale", session(at(Password, 0), at(SMS, 7*time.Minute)))
	f.put("no-factors", session())
	m := &Middleware{Sessions: f, Clock: fixed}
	last := now.Add(-7 * time.Minute).Format(time.RFC3339)

	tests := []struct {
		name       string
		token      string
		policy     Policy
		wantStatus int
		wantBody   map[string]any
	}{
		{"password only", "password-only", protected, 403,
			map[string]any{"error": "missing_factor", "decision": "mfa", "missing": []any{"otp/sms"}, "stale": []any{}}},
		{"whatsapp instead of sms", "whatsapp", sensitive, 403,
			map[string]any{"error": "missing_factor", "decision": "mfa", "missing": []any{"otp/sms"}, "stale": []any{}}},
		{"stale sms on a sensitive route", "stale", sensitive, 403,
			map[string]any{"error": "stale_factor", "decision": "step_up", "missing": []any{}, "stale": []any{
				map[string]any{"factor": "otp/sms", "max_age_seconds": 300.0, "last_authenticated_at": last, "age_seconds": 420.0},
			}}},
		{"session without factors", "no-factors", Policy{}, 401,
			map[string]any{"error": "unauthenticated", "decision": "login", "missing": []any{}, "stale": []any{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := serve(t, m, tt.policy, get(withHeader("Authorization", "Bearer "+tt.token)))
			if o.rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d; body %s", o.rec.Code, tt.wantStatus, o.rec.Body)
			}
			if !reflect.DeepEqual(o.body, tt.wantBody) {
				t.Errorf("body = %v\nwant   %v", o.body, tt.wantBody)
			}
		})
	}

	// The same stale session may still use merely protected routes.
	if o := serve(t, m, protected, get(withHeader("Authorization", "Bearer stale"))); o.rec.Code != http.StatusOK {
		t.Errorf("protected route with stale sms: status %d", o.rec.Code)
	}
}

func TestMiddlewareUsesClock(t *testing.T) {
	f := newFake()
	f.put(token, mfaSession()) // sms authenticated a minute before now
	var clock time.Time
	m := &Middleware{Sessions: f, Clock: ClockFunc(func() time.Time { return clock })}
	for _, tt := range []struct {
		clock time.Time
		want  int
	}{
		{now, 200},
		{now.Add(4 * time.Minute), 200},
		{now.Add(4*time.Minute + 1), 403},
	} {
		clock = tt.clock
		if o := serve(t, m, sensitive, get(withCookie("stytch_session", token))); o.rec.Code != tt.want {
			t.Errorf("at %v: status %d, want %d", clock, o.rec.Code, tt.want)
		}
	}
}

func TestMiddlewareHandsBackRefreshedCredentials(t *testing.T) {
	const newToken, newJWT = "refreshed-token", "refreshed.jwt.value"
	exp := now.Add(time.Hour)

	t.Run("cookies for cookie clients", func(t *testing.T) {
		f := newFake()
		f.put(token, mfaSession())
		f.refreshToken, f.refreshJWT = newToken, newJWT
		o := serve(t, &Middleware{Sessions: f, Clock: fixed}, protected, get(withCookie("stytch_session", token)))
		if o.rec.Code != 200 {
			t.Fatalf("status %d", o.rec.Code)
		}
		cs := cookies(o.rec)
		if c := cs["stytch_session"]; c == nil || c.Value != newToken || !c.HttpOnly || !c.Secure || c.Path != "/" || c.SameSite != http.SameSiteLaxMode || !c.Expires.Equal(exp) {
			t.Errorf("cookie stytch_session = %+v", c)
		}
		// A session-token client gets no JWT cookie: the next request would prefer it and verify
		// it locally, letting a revoked session through until the JWT expires.
		if c := cs["stytch_session_jwt"]; c != nil {
			t.Errorf("JWT cookie set for a session-token client: %+v", c)
		}
		if h := o.rec.Header().Get(HeaderSessionToken) + o.rec.Header().Get(HeaderSessionJWT); h != "" {
			t.Errorf("tokens leaked into headers for a cookie client: %q", h)
		}
	})

	t.Run("both cookies for JWT cookie clients", func(t *testing.T) {
		f := newFake()
		jwt := "a.b.c"
		f.put(jwt, mfaSession())
		f.refreshToken, f.refreshJWT = newToken, newJWT
		o := serve(t, &Middleware{Sessions: f, Clock: fixed, JWTMaxAge: -1}, protected, get(withCookie("stytch_session_jwt", jwt)))
		if o.rec.Code != 200 {
			t.Fatalf("status %d: %s", o.rec.Code, o.rec.Body)
		}
		cs := cookies(o.rec)
		for name, want := range map[string]string{"stytch_session": newToken, "stytch_session_jwt": newJWT} {
			if c := cs[name]; c == nil || c.Value != want {
				t.Errorf("cookie %s = %+v", name, c)
			}
		}
	})

	t.Run("headers for header clients", func(t *testing.T) {
		f := newFake()
		f.put(token, mfaSession())
		f.refreshToken, f.refreshJWT = newToken, newJWT
		o := serve(t, &Middleware{Sessions: f, Clock: fixed}, protected, get(withHeader("Authorization", "Bearer "+token)))
		if got := o.rec.Header().Get("Stytch-Session-Token"); got != newToken {
			t.Errorf("Stytch-Session-Token = %q", got)
		}
		if got := o.rec.Header().Get("Stytch-Session-JWT"); got != newJWT {
			t.Errorf("Stytch-Session-JWT = %q", got)
		}
		if len(cookies(o.rec)) != 0 {
			t.Error("cookies set for a header client")
		}
	})

	t.Run("also on a policy denial", func(t *testing.T) {
		f := newFake()
		f.put(token, session(at(Password, 0)))
		f.refreshToken, f.refreshJWT = newToken, newJWT
		o := serve(t, &Middleware{Sessions: f, Clock: fixed}, protected, get(withCookie("stytch_session", token)))
		if o.rec.Code != 403 || cookies(o.rec)["stytch_session"].Value != newToken {
			t.Errorf("status %d, cookies %v", o.rec.Code, cookies(o.rec))
		}
	})

	t.Run("nothing after local jwt verification", func(t *testing.T) {
		f := newFake()
		f.put(jwt, mfaSession())
		f.refreshToken, f.refreshJWT = newToken, newJWT
		o := serve(t, &Middleware{Sessions: fakeJWTSessions{f}, Clock: fixed}, protected, get(withCookie("stytch_session_jwt", jwt)))
		if o.rec.Code != 200 || len(cookies(o.rec)) != 0 {
			t.Errorf("status %d, cookies %v", o.rec.Code, cookies(o.rec))
		}
	})

	t.Run("cookie template", func(t *testing.T) {
		f := newFake()
		f.put(token, mfaSession())
		f.refreshToken = newToken
		m := &Middleware{Sessions: f, Clock: fixed, Cookie: &http.Cookie{Path: "/app", Domain: "example.com", MaxAge: 3600}}
		c := cookies(serve(t, m, protected, get(withCookie("stytch_session", token))).rec)["stytch_session"]
		if c == nil || c.Value != newToken || c.Path != "/app" || c.Domain != "example.com" || c.MaxAge != 3600 || c.HttpOnly || !c.Expires.IsZero() {
			t.Errorf("cookie = %+v", c)
		}
		if _, ok := cookies(serve(t, m, protected, get(withCookie("stytch_session", token))).rec)["stytch_session_jwt"]; ok {
			t.Error("empty refreshed JWT was set as a cookie")
		}
	})
}

func TestMiddlewareOnDeny(t *testing.T) {
	f := newFake()
	f.put(token, session(at(Password, 0)))
	var got []Decision
	m := &Middleware{Sessions: f, Clock: fixed, OnDeny: func(w http.ResponseWriter, r *http.Request, res Result) {
		got = append(got, res.Decision)
		http.Redirect(w, r, "/"+res.Decision.String(), http.StatusSeeOther)
	}}
	for _, req := range []*http.Request{get(), get(withCookie("stytch_session", token))} {
		if o := serve(t, m, protected, req); o.rec.Code != http.StatusSeeOther {
			t.Errorf("status %d", o.rec.Code)
		}
	}
	if want := []Decision{Login, MFA}; !reflect.DeepEqual(got, want) {
		t.Errorf("OnDeny decisions = %v, want %v", got, want)
	}
}

func TestRequireNilSessionsPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Require with nil Sessions did not panic")
		}
	}()
	(&Middleware{}).Require(Policy{})
}

func TestSessionFromContext(t *testing.T) {
	if s, ok := SessionFromContext(context.Background()); ok || s != nil {
		t.Errorf("empty context: %v, %v", s, ok)
	}
	if _, ok := SessionFromContext(NewContext(context.Background(), nil)); ok {
		t.Error("nil session reported as present")
	}
	want := session(at(Password, 0))
	if s, ok := SessionFromContext(NewContext(context.Background(), want)); !ok || s != want {
		t.Errorf("got %v, %v", s, ok)
	}
}

func TestMiddlewareConcurrent(t *testing.T) {
	f := newFake()
	f.put(token, mfaSession())
	h := (&Middleware{Sessions: f, Clock: fixed}).Require(sensitive)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, get(withCookie("stytch_session", token)))
			if rec.Code != 200 {
				t.Errorf("status %d", rec.Code)
			}
		})
	}
	wg.Wait()
}
