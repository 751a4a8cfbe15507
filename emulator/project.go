package emulator

import (
	"strings"
	"sync"
	"time"
)

// Limits of the per-project logs kept for the control API.
const (
	maxMessages = 10_000
	maxRequests = 1_000
)

// unverifiedTTL is how long an email or phone attached unverified by a send (with user_id or a
// session) stays on the user without being authenticated.
const unverifiedTTL = 5 * time.Minute

// project is one Stytch project's isolated state. mu guards everything but clock (which has its own
// lock), secret and id (immutable) and the request log (logMu).
type project struct {
	id     string
	secret string
	clock  *Clock

	mu          sync.Mutex
	users       map[string]*user
	externalIDs map[string]string // external_id -> user_id
	emails      map[string]string // lower-cased address -> user_id
	phones      map[string]string // E.164 number -> user_id
	methods     map[string]string // email_id / phone_id -> user_id
	sessions    map[string]*session
	tokens      map[string]*tokenEntry
	otps        map[string]*otpCode // method_id -> the active code
	resets      map[string]*resetToken
	messages    []Message
	faults      []*fault
	// created counts sessions started since the last sweep of expired state.
	created int

	logMu    sync.Mutex
	requests []RequestRecord
}

// newProject returns an empty project with the sandbox fixtures in place.
func newProject(id, secret string, now func() time.Time) *project {
	p := &project{id: id, secret: secret, clock: newClock(now)}
	p.resetLocked()
	return p
}

// resetLocked empties the state and restores the sandbox fixtures. Callers hold mu (or own p).
func (p *project) resetLocked() {
	p.users = map[string]*user{}
	p.externalIDs = map[string]string{}
	p.emails = map[string]string{}
	p.phones = map[string]string{}
	p.methods = map[string]string{}
	p.sessions = map[string]*session{}
	p.tokens = map[string]*tokenEntry{}
	p.otps = map[string]*otpCode{}
	p.resets = map[string]*resetToken{}
	p.messages = nil
	p.faults = nil
	installSandbox(p)
}

// Message is a message the emulator "sent": an OTP code or a password-reset token, readable
// through GET /emulator/v1/messages and Emulator.Messages.
type Message struct {
	// Channel is "sms", "whatsapp" or "email".
	Channel string `json:"channel"`
	// Type is "otp" or "password_reset".
	Type string `json:"type"`
	// To is the E.164 phone number or the email address.
	To string `json:"to"`
	// Code is the 6-digit OTP code (OTP messages).
	Code string `json:"code,omitempty"`
	// Token is the password-reset token (password_reset messages).
	Token string `json:"token,omitempty"`
	// MethodID is the phone_id or email_id the code authenticates.
	MethodID string `json:"method_id"`
	// UserID is the user the message was sent for.
	UserID string `json:"user_id"`
	// SentAt and ExpiresAt are on the project's virtual clock.
	SentAt    time.Time `json:"sent_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// RequestRecord is one entry of a project's request log (GET /emulator/v1/requests).
type RequestRecord struct {
	Method    string    `json:"method"`
	Path      string    `json:"path"`
	Status    int       `json:"status"`
	ErrorType string    `json:"error_type,omitempty"`
	RequestID string    `json:"request_id"`
	Time      time.Time `json:"time"`
}

// logRequest appends to the request log, dropping the older half when it is full.
func (p *project) logRequest(r RequestRecord) {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	if len(p.requests) >= maxRequests {
		p.requests = append(p.requests[:0], p.requests[maxRequests/2:]...)
	}
	p.requests = append(p.requests, r)
}

// recordMessage appends to the outbox, dropping the older half when it is full.
func (p *project) recordMessage(m Message) {
	if len(p.messages) >= maxMessages { // drop the older half: amortised O(1) per message
		p.messages = append(p.messages[:0], p.messages[maxMessages/2:]...)
	}
	p.messages = append(p.messages, m)
}

// Fault makes matching requests fail (or slow down), for testing an app's error paths. The zero
// value is not a valid fault: Method and Path, and Status with ErrorType or Delay, are needed.
type Fault struct {
	// Method and Path select the requests (exact match, e.g. "POST", "/v1/otps/sms/send").
	Method string
	Path   string
	// Status and ErrorType are the error to answer; Status 0 only delays the request.
	Status    int
	ErrorType string
	// Times is how many requests it applies to: 0 means 1, a negative value means until cleared.
	Times int
	// Delay is waited before answering.
	Delay time.Duration
}

type fault struct {
	method, path string
	status       int
	errorType    string
	remaining    int // negative: forever
	delay        time.Duration
}

// takeFault returns and consumes the first fault matching a request.
func (p *project) takeFault(method, path string) (fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, f := range p.faults {
		if strings.EqualFold(f.method, method) && f.path == path {
			out := *f
			if f.remaining > 0 {
				f.remaining--
				if f.remaining == 0 {
					p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
				}
			}
			return out, true
		}
	}
	return fault{}, false
}

// userLocked returns a live user by user_id or external_id, pruning its expired unverified methods.
func (p *project) userLocked(idOrExternal string, now time.Time) *user {
	u := p.users[idOrExternal]
	if u == nil {
		if id, ok := p.externalIDs[idOrExternal]; ok {
			u = p.users[id]
		}
	}
	if u != nil {
		p.pruneLocked(u, now)
	}
	return u
}

// pruneLocked removes u's unverified methods attached by a send more than unverifiedTTL ago.
func (p *project) pruneLocked(u *user, now time.Time) {
	keepE := u.emails[:0]
	for _, e := range u.emails {
		if !e.verified && !e.pendingSince.IsZero() && !now.Before(e.pendingSince.Add(unverifiedTTL)) {
			delete(p.emails, strings.ToLower(e.address))
			delete(p.methods, e.id)
			delete(p.otps, e.id)
			continue
		}
		keepE = append(keepE, e)
	}
	clear(u.emails[len(keepE):])
	u.emails = keepE
	keepP := u.phones[:0]
	for _, ph := range u.phones {
		if !ph.verified && !ph.pendingSince.IsZero() && !now.Before(ph.pendingSince.Add(unverifiedTTL)) {
			delete(p.phones, ph.number)
			delete(p.methods, ph.id)
			delete(p.otps, ph.id)
			continue
		}
		keepP = append(keepP, ph)
	}
	clear(u.phones[len(keepP):])
	u.phones = keepP
}

// userByEmailLocked returns the live user owning an email address.
func (p *project) userByEmailLocked(addr string, now time.Time) *user {
	id, ok := p.emails[strings.ToLower(addr)]
	if !ok {
		return nil
	}
	u := p.userLocked(id, now)
	if u == nil || u.email(addr) == nil { // pruned just now
		return nil
	}
	return u
}

// userByPhoneLocked returns the live user owning a phone number.
func (p *project) userByPhoneLocked(number string, now time.Time) *user {
	id, ok := p.phones[number]
	if !ok {
		return nil
	}
	u := p.userLocked(id, now)
	if u == nil || u.phone(number) == nil {
		return nil
	}
	return u
}

// email returns u's email method for an address (case-insensitive).
func (u *user) email(addr string) *emailMethod {
	for _, e := range u.emails {
		if strings.EqualFold(e.address, addr) {
			return e
		}
	}
	return nil
}

// phone returns u's phone method for a number.
func (u *user) phone(number string) *phoneMethod {
	for _, ph := range u.phones {
		if ph.number == number {
			return ph
		}
	}
	return nil
}

// unverifiedCount is how many unverified emails and phones u has.
func (u *user) unverifiedCount() int {
	n := 0
	for _, e := range u.emails {
		if !e.verified {
			n++
		}
	}
	for _, ph := range u.phones {
		if !ph.verified {
			n++
		}
	}
	return n
}

// newUserLocked creates and indexes a user.
func (p *project) newUserLocked(now time.Time) *user {
	u := &user{id: newID(prefixUser), createdAt: now, status: "active"}
	p.users[u.id] = u
	return u
}

// addEmailLocked attaches an email to u; pending marks it as attached by a send (it expires).
func (p *project) addEmailLocked(u *user, addr string, verified bool, pendingSince time.Time) *emailMethod {
	e := &emailMethod{id: newID(prefixEmail), address: addr, verified: verified, pendingSince: pendingSince}
	u.emails = append(u.emails, e)
	p.emails[strings.ToLower(addr)] = u.id
	p.methods[e.id] = u.id
	return e
}

// addPhoneLocked attaches a phone number to u.
func (p *project) addPhoneLocked(u *user, number string, verified bool, pendingSince time.Time) *phoneMethod {
	ph := &phoneMethod{id: newID(prefixPhone), number: number, verified: verified, pendingSince: pendingSince}
	u.phones = append(u.phones, ph)
	p.phones[number] = u.id
	p.methods[ph.id] = u.id
	return ph
}

// deleteUserLocked removes a user and everything that hangs off it.
func (p *project) deleteUserLocked(u *user) {
	for _, e := range u.emails {
		delete(p.emails, strings.ToLower(e.address))
		delete(p.methods, e.id)
		delete(p.otps, e.id)
	}
	for _, ph := range u.phones {
		delete(p.phones, ph.number)
		delete(p.methods, ph.id)
		delete(p.otps, ph.id)
	}
	if u.externalID != "" {
		delete(p.externalIDs, u.externalID)
	}
	p.revokeUserSessionsLocked(u.id, "")
	for tok, r := range p.resets {
		if r.userID == u.id {
			delete(p.resets, tok)
		}
	}
	delete(p.users, u.id)
}

// checkLockLocked answers user_lock_limit_reached while u is locked.
func (p *project) checkLockLocked(u *user, now time.Time) *Error {
	if u.locked(now) {
		return newError("user_lock_limit_reached", "This user is locked after too many failed attempts until %s.", ts(u.lockExpires))
	}
	return nil
}

// failLocked records a failed password or OTP attempt and locks u when the limit is reached.
func (p *project) failLocked(c *call, u *user, now time.Time) {
	cfg := &c.e.cfg
	if cfg.lockMax < 0 || u == nil || u.sandbox { // the sandbox user never locks
		return
	}
	cutoff := now.Add(-cfg.lockWindow)
	kept := u.failures[:0]
	for _, t := range u.failures {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	u.failures = append(kept, now)
	if len(u.failures) >= cfg.lockMax {
		u.lockCreated, u.lockExpires, u.failures = now, now.Add(cfg.lockDuration), nil
	}
}

// sweepEvery is how many new sessions (at least; half the live sessions when there are more)
// trigger a sweep of expired state, so that a long-running emulator does not keep dead sessions
// and tokens forever, at an amortised O(1) per session.
const sweepEvery = 1024

// sweepLocked drops expired sessions with their tokens, rotated-out tokens past their grace, and
// used or expired password-reset tokens.
func (p *project) sweepLocked(now time.Time) {
	for _, s := range p.sessions {
		if !now.Before(s.expiresAt) {
			p.dropSessionLocked(s)
		}
	}
	for tok, e := range p.tokens {
		if !e.deadline.IsZero() && !now.Before(e.deadline) {
			delete(p.tokens, tok)
		}
	}
	for tok, r := range p.resets {
		if r.used || !now.Before(r.expiresAt) {
			delete(p.resets, tok)
		}
	}
}

// succeedLocked clears failed attempts after a successful authentication.
func (u *user) succeedLocked() { u.failures = nil }
