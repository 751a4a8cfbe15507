package emulator

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the per-project logs kept for the control API.
const (
	maxMessages = 10_000
	maxRequests = 1_000 // and at most Limits.RequestLogBytes
)

// Project is one Stytch project: its isolated state, and the handle through which tests in the
// same process read its outbox, move its clock, arm faults, reset it and read its request log
// (Emulator.Project returns it; the control API under /emulator/v1/ does the same over HTTP).
//
// Inside the emulator every change of state is one locked update (update), and a project carries
// what those updates need — the emulator's settings, its clock and its JWT signer — so that
// nothing under the lock reaches back to the request or the Emulator.
type Project struct {
	id      string
	secret  string
	clock   *Clock
	set     *settings // shared by every project of an emulator; read-only
	sign    *signer
	routes  *router // for checking faults
	persist *store  // writes the project's snapshot (nil: in memory only)

	// mu guards everything below but the request log (which has its own lock).
	mu          sync.Mutex
	users       map[string]*user
	externalIDs map[string]string     // external_id -> user_id
	owners      map[contactKey]string // email address or phone number -> user_id
	methods     map[string]string     // email_id / phone_id -> user_id
	sessions    map[string]*session
	tokens      map[string]*tokenEntry
	otps        map[string]*otpCode // method_id -> the active code
	resets      map[string]*resetToken
	magicLinks  map[[32]byte]*magicLink // SHA-256 of the token -> the link
	messages    []Message
	// messageBytes is what the outbox holds, by messageSize.
	messageBytes int
	faults       []*fault
	// created counts sessions started since the last sweep of expired state.
	created int
	// countedUsers and countedSessions are what set.usage last counted for this project.
	countedUsers, countedSessions int

	requests requestLog

	// provisioned marks a project created by auto-provisioning (which may be evicted when idle);
	// lastUsed is when it last had an authenticated request, in Unix nanoseconds of the
	// emulator's base clock.
	provisioned bool
	lastUsed    atomic.Int64
	// evicted is set when the emulator forgets the project: its snapshot is no longer written.
	evicted atomic.Bool
}

// update runs fn with the project lock held, at the project's virtual time: every handler changes
// state through it, once per request. (Two handlers look something up first, in an update of
// their own, so that slow work can run without the lock: a password check, see authenticate, and
// the QR code of a new TOTP.) fn must leave the state unchanged when it returns an error.
func (p *Project) update(fn func(now time.Time) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	defer p.syncUsageLocked()
	return fn(p.clock.Now())
}

// resetLocked empties the state and restores the sandbox fixtures. Callers hold mu (or own p).
func (p *Project) resetLocked() {
	p.users = map[string]*user{}
	p.externalIDs = map[string]string{}
	p.owners = map[contactKey]string{}
	p.methods = map[string]string{}
	p.sessions = map[string]*session{}
	p.tokens = map[string]*tokenEntry{}
	p.otps = map[string]*otpCode{}
	p.resets = map[string]*resetToken{}
	p.magicLinks = map[[32]byte]*magicLink{}
	p.messages, p.messageBytes = nil, 0
	p.faults = nil
	installSandbox(p)
}

// Message is a message the emulator "sent": an OTP code, a password-reset token or a magic link, readable
// through GET /emulator/v1/messages and Project.Messages.
type Message struct {
	// Channel is "sms", "whatsapp" or "email".
	Channel string `json:"channel"`
	// Type is "otp", "password_reset" or "magic_link".
	Type string `json:"type"`
	// LinkType is the kind of magic link (magic_link messages): "login", "signup" or "invite",
	// the email template Stytch would use.
	LinkType string `json:"link_type,omitempty"`
	// To is the E.164 phone number or the email address.
	To string `json:"to"`
	// Code is the 6-digit OTP code (OTP messages).
	Code string `json:"code,omitempty"`
	// Token is the password-reset or magic-link token (password_reset and magic_link messages).
	Token string `json:"token,omitempty"`
	// URL is the link the user would click (password_reset and magic_link messages): the redirect
	// URL with the token (for magic links, stytch_token_type=magic_links and token=… appended).
	URL string `json:"url,omitempty"`
	// TemplateID is the email template the request named for this kind of link, if any.
	TemplateID string `json:"template_id,omitempty"`
	// Locale is the locale the request asked for, if any.
	Locale string `json:"locale,omitempty"`
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

// logRequest appends to the request log (its path truncated), dropping the older half when it is
// full by count or by bytes.
func (p *Project) logRequest(r RequestRecord) { p.requests.add(r) }

// recordMessage appends to the outbox, dropping the older half when it is full by count or by
// bytes.
func (p *Project) recordMessage(m Message) {
	size := messageSize(m)
	for len(p.messages) > 0 && (len(p.messages) >= maxMessages || p.messageBytes+size > maxMessageBytes) {
		drop := max(1, len(p.messages)/2) // the older half: amortised O(1) per message
		for _, old := range p.messages[:drop] {
			p.messageBytes -= messageSize(old)
		}
		p.messages = append(p.messages[:0], p.messages[drop:]...)
	}
	p.messages = append(p.messages, m)
	p.messageBytes += size
}

// userLocked returns a live user by user_id or external_id, pruning its expired unverified contacts.
func (p *Project) userLocked(idOrExternal string, now time.Time) *user {
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

// newUserLocked creates and indexes a user, unless the project holds its maximum of users
// (Limits.MaxUsersPerProject) or all projects together theirs (Limits.MaxUsers): then it changes
// nothing and answers 429 too_many_requests.
func (p *Project) newUserLocked(now time.Time) (*user, error) {
	if limit := p.set.limits.MaxUsersPerProject; len(p.users) >= limit {
		return nil, newError("too_many_requests", "The project holds the emulator's maximum of %d users (see WithLimits); delete some or reset the project.", limit)
	}
	if limit := p.set.limits.MaxUsers; p.set.usage.users.Load()+int64(len(p.users)-p.countedUsers) >= int64(limit) {
		return nil, newError("too_many_requests", "The emulator holds its maximum of %d users across its projects (see WithLimits).", limit)
	}
	u := &user{id: newID(prefixUser), createdAt: now, status: "active"}
	p.users[u.id] = u
	return u, nil
}

// roomForSessionLocked answers 429 too_many_requests, changing nothing visible, when the project
// holds its maximum of live sessions (Limits.MaxSessionsPerProject), or all projects together
// theirs (Limits.MaxSessions), even after this project's expired sessions are swept.
func (p *Project) roomForSessionLocked(now time.Time) error {
	limit, total := p.set.limits.MaxSessionsPerProject, p.set.limits.MaxSessions
	inAll := func() int64 { return p.set.usage.sessions.Load() + int64(len(p.sessions)-p.countedSessions) }
	if len(p.sessions) < limit && inAll() < int64(total) {
		return nil
	}
	p.created = 0
	p.sweepLocked(now)
	switch {
	case len(p.sessions) >= limit:
		return newError("too_many_requests", "The project holds the emulator's maximum of %d live sessions (see WithLimits); revoke some or reset the project.", limit)
	case inAll() >= int64(total):
		return newError("too_many_requests", "The emulator holds its maximum of %d live sessions across its projects (see WithLimits).", total)
	}
	return nil
}

// syncUsageLocked brings the emulator-wide counts of users and sessions up to date with this
// project's; every locked update ends with it.
func (p *Project) syncUsageLocked() {
	du, ds := len(p.users)-p.countedUsers, len(p.sessions)-p.countedSessions
	p.countedUsers, p.countedSessions = len(p.users), len(p.sessions)
	p.set.usage.users.Add(int64(du))
	p.set.usage.sessions.Add(int64(ds))
}

// deleteUserLocked removes a user and everything that hangs off it.
func (p *Project) deleteUserLocked(u *user) {
	for _, ct := range u.contacts {
		p.unindexContactLocked(ct)
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
	for k, l := range p.magicLinks {
		if l.userID == u.id {
			delete(p.magicLinks, k)
		}
	}
	delete(p.users, u.id)
}

// checkLock answers user_lock_limit_reached while u is locked.
func checkLock(u *user, now time.Time) error {
	if u.locked(now) {
		return newError("user_lock_limit_reached", "This user is locked after too many failed attempts until %s.", ts(u.lockExpires))
	}
	return nil
}

// failLocked records a failed password or OTP attempt and locks u when the limit is reached.
func (p *Project) failLocked(u *user, now time.Time) {
	set := p.set
	if set.lockMax < 0 || u == nil || u.sandbox { // the sandbox user never locks
		return
	}
	cutoff := now.Add(-set.lockWindow)
	kept := u.failures[:0]
	for _, t := range u.failures {
		if t.After(cutoff) {
			kept = append(kept, t)
		}
	}
	u.failures = append(kept, now)
	if len(u.failures) >= set.lockMax {
		u.lockCreated, u.lockExpires, u.failures = now, now.Add(set.lockDuration), nil
	}
}

// sweepEvery is how many new sessions (at least; half the live sessions when there are more)
// trigger a sweep of expired state, so that a long-running emulator does not keep dead sessions
// and tokens forever, at an amortised O(1) per session.
const sweepEvery = 1024

// sweepLocked drops expired sessions with their tokens, rotated-out tokens past their grace, and
// used or expired password-reset tokens.
func (p *Project) sweepLocked(now time.Time) {
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
	p.sweepLinksLocked(now)
}

// succeedLocked clears failed attempts after a successful authentication.
func (u *user) succeedLocked() { u.failures = nil }

// The project handle: the Go twins of the control API, for tests in the same process.

// ID returns the project_id.
func (p *Project) ID() string { return p.id }

// Clock returns the project's virtual clock.
func (p *Project) Clock() *Clock { return p.clock }

// Messages returns the project's outbox filtered by recipient ("" for all; email addresses match
// case-insensitively), oldest first.
func (p *Project) Messages(to string) []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []Message{}
	for _, m := range p.messages {
		if to == "" || m.To == to || strings.EqualFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

// Requests returns the project's recent requests, oldest first.
func (p *Project) Requests() []RequestRecord {
	return p.requests.list()
}

// Reset empties the project's state (users, sessions, outbox, faults and request log), restores
// the sandbox fixtures and puts its clock back on real time.
func (p *Project) Reset() {
	p.mu.Lock()
	p.resetLocked()
	p.syncUsageLocked()
	p.mu.Unlock()
	p.clock.reset()
	p.requests.clear()
	p.persist.touch(p)
}
