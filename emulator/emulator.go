// Package emulator is an in-memory emulator of the Stytch Consumer API (users, passwords, OTP by
// SMS/WhatsApp/email, TOTP, email magic links, sessions with RS256 JWTs) for tests and local
// development. The official SDKs work against it unchanged but for the base URL.
//
// In a test, serve it on a loopback port (closed by t.Cleanup) and read what it "sent":
//
//	ts := emulator.NewTestServer(t)
//	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
//		stytchapi.WithBaseURI(ts.URL))
//	// ... your code sends an SMS code through client ...
//	msgs := ts.Project(emulator.DefaultProjectID).Messages("+15555550123")
//
// or with no socket at all, through its in-process HTTP client:
//
//	e := emulator.New()
//	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
//		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
//
// Both are runnable examples of this package (those of NewTestServer and Emulator.HTTPClient).
//
// An *Emulator is an http.Handler: mount it in httptest, serve it with net/http, or use it through
// Transport / Responder. State is kept per project (keyed by project_id, authenticated with HTTP
// Basic like the real API), each with its own virtual Clock. The emulator-only control API lives
// under /emulator/v1/; in the same process, Emulator.Project returns a project's handle (*Project)
// with the same powers: its outbox, clock, faults, reset and request log.
//
// Every request takes one path: decode and validate without any lock, verify what needs crypto (a
// session JWT's signature, a password hash) before the project lock, change the project's state in
// one locked update, render, and sign session JWTs after the lock. Endpoints that authenticate a
// factor share one helper that resolves the existing session, applies the factor to it (or starts
// a session) and rotates its token as configured. Emails and phone numbers are one kind of contact.
// docs/internals.md is the contributor's map.
package emulator

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// Default credentials of the emulator's built-in project.
const (
	DefaultProjectID = "project-test-00000000-0000-4000-8000-000000000000"
	DefaultSecret    = "secret-test-emulator"
)

// MaxBodyBytes is the largest request body the emulator reads; a larger one gets a 400.
const MaxBodyBytes = 1 << 20

// Rotation says what happens to a session token when a factor is authenticated on an existing
// session (step-up). The zero value "" means RotateTokens; any other value makes
// New fail.
type Rotation string

const (
	// RotateTokens mints a new session token on step-up and keeps the old one valid for the grace
	// period (then it answers session_not_found). This is the default: the MFA guide's behaviour.
	RotateTokens Rotation = "rotate"
	// KeepTokens returns the same session token on step-up (what Stytch's sessions guide suggests).
	KeepTokens Rotation = "keep"
)

// DefaultRotationGrace is how long a rotated-out session token keeps working, on the virtual clock.
const DefaultRotationGrace = 60 * time.Second

// Option configures an Emulator; pass them to New. A nil Option must not be passed.
type Option func(*config)

// settings are the behaviours every project of an emulator applies, fixed once New returns: a
// project holds a pointer to them, so nothing under a project lock reaches back to the Emulator.
type settings struct {
	rotation         Rotation
	rotationGrace    time.Duration
	hasher           password.Hasher
	strength         password.Checker
	lockMax          int
	lockWindow       time.Duration
	lockDuration     time.Duration
	internationalSMS bool
	limits           Limits
	hashGate         *password.Gate // admits costly checks of migrated password hashes
	decodeGate       *password.Gate // admits the decoding of large request bodies
	usage            *usage         // users and sessions across the projects
	redirectURLs     []string       // magic-link redirect allow-list; nil: defaultRedirectURLs
	// breachOff turns breach detection off; breachOnAuthenticate adds the check on authenticate.
	breachOff            bool
	breachOnAuthenticate bool
}

type config struct {
	settings
	projects      map[string]string // project_id -> secret
	autoProvision bool
	now           func() time.Time
	signingPEM    []byte
	signingKID    string
	logf          func(format string, args ...any)
	faults        map[string][]Fault // installed when the project is created
	dataDir       string             // WithDataDir
}

// WithProject adds a project with its secret. Without any WithProject option the emulator has one
// project, DefaultProjectID with DefaultSecret.
func WithProject(projectID, secret string) Option {
	return func(c *config) {
		if c.projects == nil {
			c.projects = map[string]string{}
		}
		c.projects[projectID] = secret
	}
}

// WithAutoProvision makes any project_id of the form project-test-<uuid> (see IsTestProjectID)
// spring into existence on its first authenticated request, with the secret that request used
// (later requests must use the same secret). It lets parallel CI jobs isolate themselves by using a
// fresh project each.
func WithAutoProvision() Option { return func(c *config) { c.autoProvision = true } }

// WithClock sets the base time source of every project's virtual clock (time.Now when nil).
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithTokenRotation sets the step-up token behaviour and the grace period of a rotated-out token
// (a grace of 0 means DefaultRotationGrace; use a negative grace to revoke the old token at once).
func WithTokenRotation(mode Rotation, grace time.Duration) Option {
	return func(c *config) { c.rotation, c.rotationGrace = mode, grace }
}

// WithPasswordCost makes stored password hashes bcrypt at this cost (4-31; production-like
// figures are 10-12), for production-like timings. The default, 0, stores a salted PBKDF2-SHA256
// hash (100 iterations), which keeps sign-ins and tests fast. Hashes of either kind verify
// whatever the cost. A cost outside 4-31 makes New fail.
func WithPasswordCost(cost int) Option { return func(c *config) { c.hasher.Cost = cost } }

// WithLUDSPolicy switches the password strength policy from zxcvbn (Stytch's default) to LUDS
// with the given minimum length and complexity (0 means Stytch's defaults, 8 and 3).
func WithLUDSPolicy(minLength, minComplexity int) Option {
	return func(c *config) {
		c.strength = password.Checker{Policy: password.PolicyLUDS, LUDS: password.LUDSConfig{MinLength: minLength, MinComplexity: minComplexity}}
	}
}

// WithSigningKey sets the RS256 key that signs session JWTs and is published by
// /v1/sessions/jwks: an RSA private key in PEM (PKCS#1 or PKCS#8), optionally followed by its
// certificate (published in the JWK's x5c; without one, a self-signed certificate is, since Stytch's
// JWKS always carries x5c), as NewSigningKeyPEM makes one. A kid of "" derives a
// jwk-test-<uuid> one from the key. A PEM without an RSA key makes New fail.
//
// Without this option the emulator signs with a key generated once per process from crypto/rand:
// emulators in one process share it, and nobody outside the process holds it. Give a key of your
// own when session JWTs must verify across processes or restarts (stytch-emulator keeps one per
// installation).
func WithSigningKey(pem []byte, kid string) Option {
	return func(c *config) { c.signingPEM, c.signingKID = pem, kid }
}

// WithLockout sets the per-user lock: after maxAttempts failed password, OTP, TOTP or recovery-code
// attempts within window the user is locked for duration (user_lock_limit_reached, 429). Zero
// values take the defaults: 10 attempts in 1 hour, locked for 1 hour; a negative maxAttempts
// disables locking. The sandbox user never locks.
func WithLockout(maxAttempts int, window, duration time.Duration) Option {
	return func(c *config) { c.lockMax, c.lockWindow, c.lockDuration = maxAttempts, window, duration }
}

// WithoutBreachDetection turns off the breach detection a new Stytch project has on by default
// (PW-POLICY): passwords of the known-breached list are then accepted on create and reset,
// strength_check answers breached_password false and breach_detection_on_create false.
func WithoutBreachDetection() Option { return func(c *config) { c.breachOff = true } }

// WithBreachCheckOnAuthenticate enables Stytch's breach check on authenticate (a project setting,
// off by default): passwords.authenticate with the right password of a known-breached list answers
// reset_password and marks the password as requiring a reset (stytch-go passwords.go). It has no
// effect with WithoutBreachDetection.
func WithBreachCheckOnAuthenticate() Option { return func(c *config) { c.breachOnAuthenticate = true } }

// WithInternationalSMS allows SMS OTPs to numbers outside the US and Canada, which Stytch projects
// refuse by default (invalid_phone_number_country_code).
func WithInternationalSMS() Option { return func(c *config) { c.internationalSMS = true } }

// WithRedirectURLs replaces the redirect URLs magic links may send users to (Stytch's dashboard
// list), for every project. The first is the default when a request names none. Without it a
// project allows what a new Stytch Test project does: DefaultRedirectURL and http://localhost:3000.
// A URL matches when its scheme, host (a leading "www." ignored) and path are those of an entry;
// the query and fragment do not count.
func WithRedirectURLs(urls ...string) Option {
	return func(c *config) { c.redirectURLs = append([]string(nil), urls...) }
}

// WithFaults installs faults in a project from the start (the project must be one of WithProject's,
// or is created when WithAutoProvision lets its id in). See Fault and AddFault.
func WithFaults(projectID string, faults ...Fault) Option {
	return func(c *config) {
		if c.faults == nil {
			c.faults = map[string][]Fault{}
		}
		c.faults[projectID] = append(c.faults[projectID], faults...)
	}
}

// WithLogger routes the emulator's diagnostics (nil: log.Printf).
func WithLogger(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// Emulator is the Stytch API emulator: an http.Handler holding per-project state. Create it with
// New (or Build); the zero value is also usable and behaves like New() with no options.
type Emulator struct {
	cfg    config
	routes *router

	initOnce sync.Once
	sign     *signer

	mu       sync.RWMutex
	projects map[string]*Project
	store    *store // nil without WithDataDir
	// noneIdleUntil is a time (Unix nanoseconds) before which no project can be evicted, found by
	// the last search for one that failed: until then a full emulator does not search again.
	noneIdleUntil atomic.Int64
}

// New returns an Emulator configured by opts. It panics when an option is invalid (a bad token
// rotation, password cost, signing key or fault), as regexp.MustCompile does: options are code,
// and a mistake in them is reported where it is made, not as a failure of every later request.
// Use Build when the options come from user input. New does no expensive work but once per
// process: the first emulator without WithSigningKey generates the key all such emulators share.
func New(opts ...Option) *Emulator {
	e, err := Build(opts...)
	if err != nil {
		panic("emulator: " + err.Error())
	}
	return e
}

// Build is New for options that come from user input, such as command-line flags: it returns the
// configuration error instead of panicking.
func Build(opts ...Option) (*Emulator, error) {
	e := &Emulator{}
	for _, o := range opts {
		o(&e.cfg)
	}
	var err error
	e.initOnce.Do(func() { err = e.setup() })
	if err != nil {
		return nil, err
	}
	return e, nil
}

// ready sets up a zero Emulator on first use (New and Build have already done it).
func (e *Emulator) ready() {
	e.initOnce.Do(func() {
		if err := e.setup(); err != nil { // no options: only generating the process's key could fail
			panic("emulator: " + err.Error())
		}
	})
}

// setup checks the options, fills in defaults and creates the configured projects.
func (e *Emulator) setup() error {
	c := &e.cfg
	if len(c.projects) == 0 {
		c.projects = map[string]string{DefaultProjectID: DefaultSecret}
	}
	switch c.rotation {
	case "":
		c.rotation = RotateTokens
	case RotateTokens, KeepTokens:
	default:
		return fmt.Errorf("token rotation must be %q or %q, not %q", RotateTokens, KeepTokens, c.rotation)
	}
	if cost := c.hasher.Cost; cost != 0 && (cost < bcrypt.MinCost || cost > bcrypt.MaxCost) {
		return fmt.Errorf("password cost must be 0 or %d-%d, not %d", bcrypt.MinCost, bcrypt.MaxCost, cost)
	}
	for _, u := range c.redirectURLs {
		if pu, err := url.Parse(u); err != nil || pu.Scheme == "" {
			return fmt.Errorf("redirect URL %q is not an absolute URL", u)
		}
	}
	if c.rotationGrace == 0 {
		c.rotationGrace = DefaultRotationGrace
	}
	if c.lockMax == 0 {
		c.lockMax = 10
	}
	if c.lockWindow <= 0 {
		c.lockWindow = time.Hour
	}
	if c.lockDuration <= 0 {
		c.lockDuration = time.Hour
	}
	if c.logf == nil {
		c.logf = log.Printf
	}
	c.limits = c.limits.withDefaults()
	c.hashGate = password.NewGate(c.limits.PasswordHashChecks, c.limits.PasswordHashQueue)
	c.usage = &usage{}
	c.decodeGate = password.NewGate(c.limits.LargeBodyDecodes, c.limits.LargeBodyQueue)
	e.routes = newRouter()
	for id, faults := range c.faults {
		if _, ok := c.projects[id]; !ok && !(c.autoProvision && IsTestProjectID(id)) {
			return fmt.Errorf("WithFaults names project %s, which neither WithProject nor WithAutoProvision creates", id)
		}
		for _, f := range faults {
			if _, err := e.routes.checkFault(f); err != nil {
				return fmt.Errorf("WithFaults(%s): %w", id, err)
			}
		}
	}
	var err error
	if c.signingPEM != nil {
		e.sign, err = parseSigner(c.signingPEM, c.signingKID)
	} else {
		e.sign, err = processKey()
	}
	if err != nil {
		return err
	}
	e.projects = make(map[string]*Project, len(c.projects))
	for id, secret := range c.projects {
		e.projects[id] = e.newProject(id, secret)
	}
	if c.dataDir != "" {
		return e.openStore()
	}
	return nil
}

// newProject creates a project with the emulator's settings, signer, base clock and initial faults
// (checked by setup).
func (e *Emulator) newProject(id, secret string) *Project {
	p := &Project{id: id, secret: secret, clock: newClock(e.cfg.now), set: &e.cfg.settings, sign: e.sign, routes: e.routes, persist: e.store}
	p.requests = requestLog{maxEntries: maxRequests, maxBytes: e.cfg.limits.RequestLogBytes}
	p.resetLocked()
	p.syncUsageLocked()
	for _, f := range e.cfg.faults[id] {
		_ = p.AddFault(f)
	}
	return p
}

// Project returns the handle of a project: its outbox, clock, faults and request log, for tests
// in the same process. It returns nil when the project does not exist, that is when no WithProject
// option names it and no authenticated request has provisioned it yet (WithAutoProvision), or when
// it was auto-provisioned and then evicted for being idle (see Limits.EvictIdleAfter).
func (e *Emulator) Project(id string) *Project {
	e.ready()
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.projects[id]
}

// TokenRotation returns the emulator's token-rotation mode (RotateTokens unless WithTokenRotation
// said KeepTokens).
func (e *Emulator) TokenRotation() Rotation {
	e.ready()
	return e.cfg.rotation
}

// projectOf resolves the project of a request's Basic credentials, provisioning it when allowed.
// When the project exists but the secret is wrong it returns the project and the error, so that
// the refused request can be logged in that project.
func (e *Emulator) projectOf(r *http.Request) (*Project, *Error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, newError("unauthorized_credentials", "Basic authentication with your project_id and secret is required.")
	}
	scheme, enc, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return nil, newError("invalid_authorization_header", "The Authorization header must be Basic base64(project_id:secret).")
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return nil, newError("invalid_authorization_header", "The Authorization header is not valid base64.")
	}
	id, secret, ok := strings.Cut(string(raw), ":")
	if !ok {
		return nil, newError("invalid_authorization_header", "The Authorization header must be Basic base64(project_id:secret).")
	}
	p := e.Project(id)
	now := e.wallNow()
	if p == nil && e.cfg.autoProvision && IsTestProjectID(id) && secret != "" {
		if len(id) > maxProjectIDBytes || len(secret) > maxSecretBytes {
			return nil, newError("unauthorized_credentials", "The project_id may be at most %d bytes and the secret %d.", maxProjectIDBytes, maxSecretBytes)
		}
		e.mu.Lock()
		p = e.projects[id]
		if p == nil && len(e.projects) >= e.cfg.limits.MaxProjects {
			e.evictIdleLocked(now)
		}
		full := p == nil && len(e.projects) >= e.cfg.limits.MaxProjects
		if p == nil && !full {
			p = e.newProject(id, secret)
			p.provisioned = true
			e.projects[id] = p
		}
		e.mu.Unlock()
		if full {
			return nil, newError("too_many_requests", "The emulator holds its maximum of %d projects (see WithLimits), none of them idle long enough to be evicted.", e.cfg.limits.MaxProjects)
		}
	}
	if p == nil {
		if strings.HasPrefix(id, liveProjectPref) {
			return nil, newError("unauthorized_credentials", "The emulator refuses live projects: use a project-test-* project_id.")
		}
		if e.cfg.autoProvision && strings.HasPrefix(id, testProjectPref) {
			return nil, newError("unauthorized_credentials", "Unauthorized credentials: unknown project_id (auto-provisioning creates only project-test-<uuid> projects, with a lowercase UUID, and needs a secret).")
		}
		return nil, newError("unauthorized_credentials", "Unauthorized credentials: unknown project_id or wrong secret.")
	}
	if subtle.ConstantTimeCompare([]byte(secret), []byte(p.secret)) != 1 {
		return p, newError("unauthorized_credentials", "Unauthorized credentials: unknown project_id or wrong secret.")
	}
	p.lastUsed.Store(now.UnixNano())
	l, u := e.cfg.limits, e.cfg.usage
	full := func() bool { return u.users.Load() >= int64(l.MaxUsers) || u.sessions.Load() >= int64(l.MaxSessions) }
	if full() && now.UnixNano() >= e.noneIdleUntil.Load() {
		// The emulator-wide ceilings are reached: make room in the projects nobody uses any more.
		e.mu.Lock()
		for full() && e.evictIdleLocked(now) {
		}
		e.mu.Unlock()
	}
	return p, nil
}

// wallNow is the emulator's base time (WithClock), which decides when a project is idle.
func (e *Emulator) wallNow() time.Time {
	if e.cfg.now != nil {
		return e.cfg.now()
	}
	return time.Now()
}

// evictIdleLocked forgets the auto-provisioned project that has gone longest without a request,
// if that is at least Limits.EvictIdleAfter, so that a long-running shared emulator makes room for
// new projects, users and sessions instead of refusing them forever. Configured projects are
// never evicted. A later request for an evicted project provisions it afresh, empty. It reports
// whether it evicted one. e.mu must be held for writing.
func (e *Emulator) evictIdleLocked(now time.Time) bool {
	idle := e.cfg.limits.EvictIdleAfter
	if idle < 0 {
		return false
	}
	var victim *Project
	oldest := now.UnixNano() // the least recent use of a provisioned project
	for _, p := range e.projects {
		if p.provisioned && p.lastUsed.Load() <= oldest {
			victim, oldest = p, p.lastUsed.Load()
		}
	}
	if victim == nil || now.Sub(time.Unix(0, oldest)) < idle {
		// Uses only move later, and new projects start now: none is evictable before this.
		e.noneIdleUntil.Store(time.Unix(0, oldest).Add(idle).UnixNano())
		return false
	}
	delete(e.projects, victim.id)
	victim.evicted.Store(true)
	e.store.forget(victim)
	victim.mu.Lock()
	victim.users, victim.sessions = map[string]*user{}, map[string]*session{}
	victim.syncUsageLocked() // its users and sessions no longer count
	victim.resetLocked()     // what a request still holding it sees; counted nowhere
	victim.countedUsers, victim.countedSessions = len(victim.users), len(victim.sessions)
	victim.mu.Unlock()
	victim.requests.clear()
	e.cfg.logf("emulator: evicted project %s, idle since %s", victim.id, time.Unix(0, victim.lastUsed.Load()).UTC().Format(time.RFC3339))
	return true
}

// call is one API request on its way through a handler.
type call struct {
	e         *Emulator
	p         *Project
	r         *http.Request
	body      []byte
	path      string // the request path, with leading slashes collapsed
	param     string // the path parameter of the route, if any
	requestID string
}

// meta is embedded in every response body.
type meta struct {
	RequestID  string `json:"request_id"`
	StatusCode int    `json:"status_code"`
}

func (m *meta) setMeta(requestID string, status int) { m.RequestID, m.StatusCode = requestID, status }

// metaSetter is implemented by response bodies that embed meta.
type metaSetter interface {
	setMeta(requestID string, status int)
}

// handler serves one route. It returns the HTTP status (200 or 201) and a body embedding meta, or an
// error (an *Error for API errors). A handler that fails must leave the project state unchanged.
type handler func(c *call) (int, metaSetter, error)

// BodyLimit is the largest request body the emulator reads for r: MaxImportBytes for POST
// /emulator/v1/import, MaxBodyBytes for any other request. A server that reads bodies ahead of
// the emulator reads no more than this.
func (e *Emulator) BodyLimit(r *http.Request) int64 {
	e.ready()
	rt, _, _ := e.routes.match(r.Method, "/"+strings.TrimLeft(r.URL.Path, "/"))
	if rt == nil {
		return MaxBodyBytes
	}
	return int64(rt.bodyLimit())
}

// ServeHTTP serves the Stytch API, the JWKS and the control API.
func (e *Emulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.ready()
	requestID := newID(prefixRequest)
	path := "/" + strings.TrimLeft(r.URL.Path, "/")
	if isUIPath(path) {
		e.serveUI(w, r, path)
		return
	}
	rt, param, allowed := e.routes.match(r.Method, path)
	if rt == nil {
		switch {
		case allowed != "":
			w.Header().Set("Allow", allowed)
			writeError(w, requestID, newError("method_not_allowed", "Method %s is not allowed on %s (allowed: %s).", r.Method, path, allowed))
		case matchNotEmulated(r.Method, path):
			// A Stytch route the emulator does not emulate: answered plainly whatever the
			// credentials (some of these routes take none), and logged in the project the
			// credentials, or the path of the /v1/public/{project_id}/ routes, name.
			p, _ := e.projectOf(r)
			if rest, ok := strings.CutPrefix(path, "/v1/public/"); ok && p == nil {
				id, _, _ := strings.Cut(rest, "/")
				p = e.Project(id)
			}
			aerr := notEmulatedError(r.Method, path)
			writeError(w, requestID, aerr)
			logRefused(p, r.Method, path, requestID, aerr)
		default:
			writeError(w, requestID, newError("route_not_found", "The emulator has no route %s %s, and it is not a Stytch API route the official SDKs call (see docs/fidelity.md).", r.Method, path))
		}
		return
	}
	c := &call{e: e, r: r, path: path, param: param, requestID: requestID}
	if !rt.public {
		p, aerr := e.projectOf(r)
		if aerr != nil {
			writeError(w, requestID, aerr)
			if !(rt.control && r.Method == http.MethodGet) { // as below: control reads are not logged
				logRefused(p, r.Method, path, requestID, aerr)
			}
			return
		}
		c.p = p
	}
	status, errType := e.serveRoute(w, c, rt)
	// Reads of the control API are not logged: an inspector polling them would push the
	// application's own requests out of the bounded log.
	if c.p != nil && !(rt.control && r.Method == http.MethodGet) {
		c.p.logRequest(RequestRecord{Method: r.Method, Path: path, Status: status, ErrorType: errType, RequestID: requestID, Time: c.p.clock.Now()})
		c.p.persist.touch(c.p)
	}
}

// logRefused logs a request answered with aerr before it reached a handler in p's request log (a
// nil p, an unknown project, has no log).
func logRefused(p *Project, method, path, requestID string, aerr *Error) {
	if p != nil {
		p.logRequest(RequestRecord{Method: method, Path: path, Status: aerr.Status, ErrorType: aerr.Type, RequestID: requestID, Time: p.clock.Now()})
		p.persist.touch(p)
	}
}

// serveRoute reads the body, applies faults, runs the handler and writes the answer; it returns the
// status and error_type written, for the request log.
func (e *Emulator) serveRoute(w http.ResponseWriter, c *call, rt *route) (int, string) {
	fail := func(err *Error) (int, string) {
		writeError(w, c.requestID, err)
		return err.Status, err.Type
	}
	limit := rt.bodyLimit()
	if c.r.ContentLength > int64(limit) {
		// Refused before a byte is read: waiting for a body that will be refused anyway would
		// hold the connection (and, with Expect: 100-continue, invite the client to send it).
		w.Header().Set("Connection", "close")
		return fail(newError("bad_request", "The request body exceeds %d bytes.", limit))
	}
	if c.r.Body != nil && c.r.Body != http.NoBody {
		body, err := io.ReadAll(io.LimitReader(c.r.Body, int64(limit)+1))
		if err != nil {
			return fail(newError("bad_request", "The request body could not be read."))
		}
		if len(body) > limit {
			return fail(newError("bad_request", "The request body exceeds %d bytes.", limit))
		}
		c.body = body
	}
	if c.p != nil && !rt.control {
		if f, ok := c.p.takeFault(c.r.Method, c.path); ok {
			if f.delay > 0 {
				t := time.NewTimer(f.delay)
				select {
				case <-t.C:
				case <-c.r.Context().Done():
					// The client gave up during the delay: the request is not processed (logged
					// as 499, nginx's "client closed request").
					t.Stop()
					return 499, "client_closed_request"
				}
			}
			if f.status != 0 {
				return fail(&Error{Status: f.status, Type: f.errorType, Message: "Injected fault (emulator control API)."})
			}
		}
	}
	if rt.largeAnswer {
		release, aerr := c.largeBodySlot()
		if aerr != nil {
			return fail(aerr)
		}
		defer release() // after the answer is written
	}
	status, body, err := rt.h(c)
	if err != nil {
		var aerr *Error
		if !errors.As(err, &aerr) {
			e.cfg.logf("emulator: %s %s: %v", c.r.Method, c.r.URL.Path, err)
			aerr = &Error{Status: http.StatusInternalServerError, Type: "internal_server_error", Message: "The emulator failed: " + err.Error()}
		}
		return fail(aerr)
	}
	body.setMeta(c.requestID, status)
	writeJSON(w, status, body)
	return status, ""
}

// writeJSON writes a JSON response.
func writeJSON(w http.ResponseWriter, status int, body any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(body); err != nil {
		status = http.StatusInternalServerError
		buf.Reset()
		fmt.Fprintf(&buf, `{"status_code":500,"error_type":"internal_server_error","error_message":%q}`, err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// errorBody is the JSON shape of every error.
type errorBody struct {
	StatusCode   int            `json:"status_code"`
	RequestID    string         `json:"request_id"`
	ErrorType    string         `json:"error_type"`
	ErrorMessage string         `json:"error_message"`
	ErrorURL     string         `json:"error_url"`
	ErrorDetails map[string]any `json:"error_details,omitempty"`
}

// writeError writes a Stytch-shaped error.
func writeError(w http.ResponseWriter, requestID string, err *Error) {
	writeJSON(w, err.Status, errorBody{
		StatusCode:   err.Status,
		RequestID:    requestID,
		ErrorType:    err.Type,
		ErrorMessage: err.Message,
		ErrorURL:     errorURL(err.Status, err.Type),
		ErrorDetails: err.Details,
	})
}
