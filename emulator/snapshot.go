package emulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// A snapshot is the whole state of one project as a versioned JSON document: what --data-dir keeps
// on disk and what POST /emulator/v1/export answers. It is lossless: a project restored from it
// answers every request as the original would (same ids, tokens, codes, hashes and timestamps; the
// clock keeps its offset from real time). Derived indexes (owners of emails and phone numbers,
// external ids, method ids) are rebuilt, not stored.
//
// This file is the one place where persistence reads and writes project internals.

// Snapshot format and version. A snapshot of a later version is refused, never half read.
const (
	snapshotFormat  = "stytch-emulator-project"
	snapshotVersion = 1
)

type snapshotDoc struct {
	Format  string          `json:"format"`
	Version int             `json:"version"`
	SavedAt time.Time       `json:"saved_at"`
	Project projectSnapshot `json:"project"`
}

type projectSnapshot struct {
	ProjectID string `json:"project_id"`
	Secret    string `json:"secret"`
	// ClockOffset is the virtual clock's distance from real time, in nanoseconds.
	ClockOffset int64             `json:"clock_offset_ns"`
	Users       []userSnapshot    `json:"users"`
	Sessions    []sessionSnapshot `json:"sessions"`
	Tokens      []tokenSnapshot   `json:"tokens"`
	OTPs        []otpSnapshot     `json:"otps"`
	Resets      []resetSnapshot   `json:"resets"`
	// MagicLinks are the issued magic links, by the SHA-256 of their token (the token itself is
	// not kept); absent from snapshots written before magic links.
	MagicLinks []magicLinkSnapshot `json:"magic_links,omitempty"`
	Messages   []Message           `json:"messages"`
	Faults     []faultSnapshot     `json:"faults"`
	Requests   []RequestRecord     `json:"requests"`
	Created    int                 `json:"sessions_since_sweep"`
}

type userSnapshot struct {
	ID          string            `json:"id"`
	CreatedAt   time.Time         `json:"created_at"`
	Status      string            `json:"status"`
	Name        wireName          `json:"name"`
	ExternalID  string            `json:"external_id,omitempty"`
	Trusted     json.RawMessage   `json:"trusted_metadata,omitempty"`
	Untrusted   json.RawMessage   `json:"untrusted_metadata,omitempty"`
	Roles       []string          `json:"roles,omitempty"`
	Contacts    []contactSnapshot `json:"contacts"`
	Password    *passwordSnapshot `json:"password,omitempty"`
	TOTPs       []totpSnapshot    `json:"totps"`
	Failures    []time.Time       `json:"failures,omitempty"`
	LockCreated time.Time         `json:"lock_created_at,omitzero"`
	LockExpires time.Time         `json:"lock_expires_at,omitzero"`
	Sandbox     bool              `json:"sandbox,omitempty"`
}

type contactSnapshot struct {
	ID           string    `json:"id"`
	Kind         string    `json:"kind"` // "email" | "phone"
	Value        string    `json:"value"`
	Verified     bool      `json:"verified,omitempty"`
	PendingSince time.Time `json:"pending_since,omitzero"`
}

type passwordSnapshot struct {
	ID            string          `json:"id"`
	Hash          []byte          `json:"hash,omitempty"`
	Migrated      *migratedSource `json:"migrated,omitempty"`
	RequiresReset bool            `json:"requires_reset"`
}

// migratedSource is what passwords/migrate was given, kept so the migrated hash can be checked
// again after a restart (the checker itself is code, not data).
type migratedSource struct {
	HashType string                 `json:"hash_type"`
	Hash     string                 `json:"hash"`
	Config   password.MigrateConfig `json:"config"`
}

type totpSnapshot struct {
	ID           string             `json:"id"`
	Secret       string             `json:"secret"`
	Verified     bool               `json:"verified"`
	ExpiresAt    time.Time          `json:"expires_at,omitzero"`
	Recovery     []recoverySnapshot `json:"recovery_codes"`
	LastUsedStep int64              `json:"last_used_step"`
	CreatedAt    time.Time          `json:"created_at"`
	SandboxFixed bool               `json:"sandbox_fixed,omitempty"`
}

type recoverySnapshot struct {
	ID   string `json:"id"`
	Code string `json:"code"`
	Used bool   `json:"used"`
}

type sessionSnapshot struct {
	ID             string           `json:"id"`
	UserID         string           `json:"user_id"`
	StartedAt      time.Time        `json:"started_at"`
	LastAccessedAt time.Time        `json:"last_accessed_at"`
	ExpiresAt      time.Time        `json:"expires_at"`
	Factors        []factorSnapshot `json:"factors"`
	CustomClaims   json.RawMessage  `json:"custom_claims,omitempty"`
	Roles          []string         `json:"roles,omitempty"`
	Token          string           `json:"token"`
	Tokens         []string         `json:"tokens"`
	Sandbox        bool             `json:"sandbox,omitempty"`
}

type factorSnapshot struct {
	Type         string    `json:"type"`
	Delivery     string    `json:"delivery_method"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
	LastAuthAt   time.Time `json:"last_authenticated_at"`
	EmailID      string    `json:"email_id,omitempty"`
	EmailAddress string    `json:"email_address,omitempty"`
	PhoneID      string    `json:"phone_id,omitempty"`
	PhoneNumber  string    `json:"phone_number,omitempty"`
	TOTPID       string    `json:"totp_id,omitempty"`
	RecoveryID   string    `json:"recovery_code_id,omitempty"`
	EmbeddedID   string    `json:"embedded_id,omitempty"`
}

type tokenSnapshot struct {
	Token     string    `json:"token"`
	SessionID string    `json:"session_id"`
	Deadline  time.Time `json:"deadline,omitzero"`
}

type otpSnapshot struct {
	MethodID  string    `json:"method_id"`
	Code      string    `json:"code"`
	UserID    string    `json:"user_id"`
	Channel   string    `json:"channel"`
	ExpiresAt time.Time `json:"expires_at"`
	Used      bool      `json:"used,omitempty"`
}

type resetSnapshot struct {
	Token     string    `json:"token"`
	UserID    string    `json:"user_id"`
	EmailID   string    `json:"email_id"`
	ExpiresAt time.Time `json:"expires_at"`
	Used      bool      `json:"used"`
	// CodeChallenge is the PKCE code_challenge of a reset started with one.
	CodeChallenge string `json:"code_challenge,omitempty"`
}

type magicLinkSnapshot struct {
	TokenSHA256 []byte    `json:"token_sha256"`
	UserID      string    `json:"user_id"`
	EmailID     string    `json:"email_id,omitempty"`
	Kind        string    `json:"kind"`
	ExpiresAt   time.Time `json:"expires_at"`
	Used        bool      `json:"used,omitempty"`
	Challenge   string    `json:"code_challenge,omitempty"`
	IP          string    `json:"ip_address,omitempty"`
	UserAgent   string    `json:"user_agent,omitempty"`
}

type faultSnapshot struct {
	Method    string        `json:"method"`
	Path      string        `json:"path"`
	Status    int           `json:"status"`
	ErrorType string        `json:"error_type"`
	Remaining int           `json:"remaining"`
	Delay     time.Duration `json:"delay_ns"`
}

// kindOf names a contact medium in a snapshot.
func kindOf(m medium) string {
	if m == mediumEmail {
		return "email"
	}
	return "phone"
}

// rawJSON encodes a JSON object of the API (metadata, custom claims); nil stays absent.
func rawJSON(m map[string]any) (json.RawMessage, error) {
	if m == nil {
		return nil, nil
	}
	return json.Marshal(m)
}

// snapshot copies the project's state. The locks are held only while copying; the result shares
// nothing mutable with the project.
func (p *Project) snapshot() (*snapshotDoc, error) {
	_, offset := p.clock.nowAndOffset()
	ps := projectSnapshot{ProjectID: p.id, Secret: p.secret, ClockOffset: int64(offset)}
	if err := p.snapshotState(&ps); err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", p.id, err)
	}
	ps.Requests = p.requests.list()
	return &snapshotDoc{Format: snapshotFormat, Version: snapshotVersion, SavedAt: time.Now().UTC(), Project: ps}, nil
}

// snapshotState copies everything mu guards.
func (p *Project) snapshotState(ps *projectSnapshot) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var err error
	for _, u := range p.users {
		us := userSnapshot{ID: u.id, CreatedAt: u.createdAt, Status: u.status, Name: u.name, ExternalID: u.externalID,
			Roles: append([]string(nil), u.roles...), Failures: append([]time.Time(nil), u.failures...),
			LockCreated: u.lockCreated, LockExpires: u.lockExpires, Sandbox: u.sandbox,
			Contacts: make([]contactSnapshot, 0, len(u.contacts)), TOTPs: make([]totpSnapshot, 0, len(u.totps))}
		if us.Trusted, err = rawJSON(u.trusted); err != nil {
			return err
		}
		if us.Untrusted, err = rawJSON(u.untrusted); err != nil {
			return err
		}
		for _, ct := range u.contacts {
			us.Contacts = append(us.Contacts, contactSnapshot{ID: ct.id, Kind: kindOf(ct.medium), Value: ct.value, Verified: ct.verified, PendingSince: ct.pendingSince})
		}
		if pw := u.password; pw != nil {
			us.Password = &passwordSnapshot{ID: pw.id, Hash: append([]byte(nil), pw.hash...), Migrated: pw.source, RequiresReset: pw.requiresReset}
			if pw.migrated != nil && pw.source == nil {
				return fmt.Errorf("user %s: a migrated password without its source", u.id)
			}
		}
		for _, t := range u.totps {
			ts := totpSnapshot{ID: t.id, Secret: t.secret, Verified: t.verified, ExpiresAt: t.expiresAt, LastUsedStep: t.lastUsedStep,
				CreatedAt: t.createdAt, SandboxFixed: t.sandboxFixed, Recovery: make([]recoverySnapshot, 0, len(t.recovery))}
			for _, rc := range t.recovery {
				ts.Recovery = append(ts.Recovery, recoverySnapshot{ID: rc.id, Code: rc.code, Used: rc.used})
			}
			us.TOTPs = append(us.TOTPs, ts)
		}
		ps.Users = append(ps.Users, us)
	}
	for _, s := range p.sessions {
		ss := sessionSnapshot{ID: s.id, UserID: s.userID, StartedAt: s.startedAt, LastAccessedAt: s.lastAccessedAt, ExpiresAt: s.expiresAt,
			Roles: append([]string(nil), s.roles...), Token: s.token, Tokens: append([]string(nil), s.tokens...), Sandbox: s.sandbox,
			Factors: make([]factorSnapshot, 0, len(s.factors))}
		if ss.CustomClaims, err = rawJSON(s.customClaims); err != nil {
			return err
		}
		for _, f := range s.factors {
			ss.Factors = append(ss.Factors, factorSnapshot{Type: f.typ, Delivery: f.delivery, CreatedAt: f.createdAt, UpdatedAt: f.updatedAt,
				LastAuthAt: f.lastAuthAt, EmailID: f.emailID, EmailAddress: f.emailAddress, PhoneID: f.phoneID, PhoneNumber: f.phoneNumber,
				TOTPID: f.totpID, RecoveryID: f.recoveryID, EmbeddedID: f.embeddedID})
		}
		ps.Sessions = append(ps.Sessions, ss)
	}
	for tok, te := range p.tokens {
		ps.Tokens = append(ps.Tokens, tokenSnapshot{Token: tok, SessionID: te.sessionID, Deadline: te.deadline})
	}
	for id, o := range p.otps {
		ps.OTPs = append(ps.OTPs, otpSnapshot{MethodID: id, Code: o.code, UserID: o.userID, Channel: o.channel, ExpiresAt: o.expiresAt, Used: o.used})
	}
	for tok, r := range p.resets {
		ps.Resets = append(ps.Resets, resetSnapshot{Token: tok, UserID: r.userID, EmailID: r.emailID, ExpiresAt: r.expiresAt, Used: r.used, CodeChallenge: r.codeChallenge})
	}
	for key, l := range p.magicLinks {
		ps.MagicLinks = append(ps.MagicLinks, magicLinkSnapshot{TokenSHA256: append([]byte(nil), key[:]...), UserID: l.userID, EmailID: l.emailID,
			Kind: l.kind, ExpiresAt: l.expiresAt, Used: l.used, Challenge: l.challenge, IP: l.ip, UserAgent: l.agent})
	}
	ps.Messages = append([]Message{}, p.messages...)
	for _, f := range p.faults {
		ps.Faults = append(ps.Faults, faultSnapshot{Method: f.method, Path: f.path, Status: f.status, ErrorType: f.errorType, Remaining: f.remaining, Delay: f.delay})
	}
	ps.Created = p.created
	return nil
}

// projectState is a restored project's state, built and checked in full before it replaces
// anything.
type projectState struct {
	users        map[string]*user
	externalIDs  map[string]string
	owners       map[contactKey]string
	methods      map[string]string
	sessions     map[string]*session
	tokens       map[string]*tokenEntry
	otps         map[string]*otpCode
	resets       map[string]*resetToken
	magicLinks   map[[32]byte]*magicLink
	messages     []Message
	messageBytes int
	faults       []*fault
	created      int
	requests     []RequestRecord
	offset       time.Duration
}

// errSnapshot marks a snapshot that does not describe a consistent project.
var errSnapshot = errors.New("inconsistent snapshot")

// bad returns an errSnapshot error naming the problem.
func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errSnapshot, fmt.Sprintf(format, args...))
}

// restoreState checks a snapshot and builds the state it describes; faults are checked against
// the route table and the error catalogue. Only a project the emulator could have built itself is
// accepted: the sandbox fixtures present, every link, code and token tied to a user and a factor
// that exist, no more than a project may hold, and no timestamp more than MaxTimeDistance before
// now (real time), so that no request meets a state it cannot serve.
func restoreState(ps *projectSnapshot, routes *router, limits Limits, now time.Time) (*projectState, error) {
	st := &projectState{
		users: map[string]*user{}, externalIDs: map[string]string{}, owners: map[contactKey]string{}, methods: map[string]string{},
		sessions: map[string]*session{}, tokens: map[string]*tokenEntry{}, otps: map[string]*otpCode{}, resets: map[string]*resetToken{},
		magicLinks: map[[32]byte]*magicLink{}, created: ps.Created, offset: time.Duration(ps.ClockOffset),
	}
	if st.offset > maxClockOffset || st.offset < -maxClockOffset {
		return nil, bad("clock offset %s is out of range", st.offset)
	}
	if len(ps.Messages) > maxMessages || len(ps.Requests) > maxRequests || len(ps.Faults) > maxFaults {
		return nil, bad("more messages, logged requests or faults than a project keeps")
	}
	if len(ps.Users) > limits.MaxUsersPerProject || len(ps.Sessions) > limits.MaxSessionsPerProject {
		return nil, bad("more users or sessions than the emulator's limits for a project (see WithLimits)")
	}
	for _, m := range ps.Messages {
		st.messageBytes += messageSize(m)
	}
	if st.messageBytes > maxMessageBytes {
		return nil, bad("the outbox holds more than a project keeps")
	}
	var times timeCheck
	times.window(now)
	for _, us := range ps.Users {
		if us.ID == "" || st.users[us.ID] != nil {
			return nil, bad("user id %q is empty or repeated", us.ID)
		}
		if us.Sandbox != (us.ID == SandboxUserID) {
			return nil, bad("user %s: only the sandbox user is marked sandbox, and it is", us.ID)
		}
		times.check("user "+us.ID, us.CreatedAt, us.LockCreated, us.LockExpires)
		times.check("user "+us.ID+": failures", us.Failures...)
		u := &user{id: us.ID, createdAt: us.CreatedAt, status: us.Status, name: us.Name, externalID: us.ExternalID,
			roles: us.Roles, failures: us.Failures, lockCreated: us.LockCreated, lockExpires: us.LockExpires, sandbox: us.Sandbox}
		if err := decodeObject(us.Trusted, &u.trusted); err != nil {
			return nil, bad("user %s: trusted_metadata: %v", us.ID, err)
		}
		if err := decodeObject(us.Untrusted, &u.untrusted); err != nil {
			return nil, bad("user %s: untrusted_metadata: %v", us.ID, err)
		}
		if err := checkMetadata("trusted_metadata", u.trusted); err != nil {
			return nil, bad("user %s: %v", us.ID, err.Message)
		}
		if err := checkMetadata("untrusted_metadata", u.untrusted); err != nil {
			return nil, bad("user %s: %v", us.ID, err.Message)
		}
		if u.externalID != "" {
			if _, dup := st.externalIDs[u.externalID]; dup {
				return nil, bad("external_id %q is on two users", u.externalID)
			}
			st.externalIDs[u.externalID] = u.id
		}
		for _, cs := range us.Contacts {
			var m medium
			switch cs.Kind {
			case "email":
				m = mediumEmail
			case "phone":
				m = mediumPhone
			default:
				return nil, bad("user %s: contact kind %q", us.ID, cs.Kind)
			}
			key := m.key(cs.Value)
			if cs.ID == "" || cs.Value == "" || st.methods[cs.ID] != "" || st.owners[key] != "" {
				return nil, bad("user %s: contact %q (%s) is empty or not unique", us.ID, cs.ID, cs.Value)
			}
			times.check("user "+us.ID, cs.PendingSince)
			u.contacts = append(u.contacts, &contact{id: cs.ID, medium: m, value: cs.Value, verified: cs.Verified, pendingSince: cs.PendingSince})
			st.methods[cs.ID], st.owners[key] = u.id, u.id
		}
		if pw := us.Password; pw != nil {
			sp := &storedPassword{id: pw.ID, hash: pw.Hash, requiresReset: pw.RequiresReset, source: pw.Migrated}
			if src := pw.Migrated; src != nil {
				mig, err := password.NewMigrated(src.HashType, src.Hash, src.Config, limits.hashLimits())
				if err != nil {
					return nil, bad("user %s: migrated password: %v", us.ID, err)
				}
				sp.migrated = &mig
			}
			u.password = sp
		}
		for _, ts := range us.TOTPs {
			times.check("user "+us.ID+": totp", ts.ExpiresAt, ts.CreatedAt)
			t := &totpRecord{id: ts.ID, secret: ts.Secret, verified: ts.Verified, expiresAt: ts.ExpiresAt, lastUsedStep: ts.LastUsedStep,
				createdAt: ts.CreatedAt, sandboxFixed: ts.SandboxFixed}
			for _, rc := range ts.Recovery {
				t.recovery = append(t.recovery, &recoveryCode{id: rc.ID, code: rc.Code, used: rc.Used})
			}
			u.totps = append(u.totps, t)
		}
		st.users[u.id] = u
	}
	if ps.Created < 0 || ps.Created > max(sweepEvery, len(ps.Sessions)) {
		// A negative count would put off the periodic sweep of expired sessions for ever.
		return nil, bad("sessions_since_sweep %d is out of range", ps.Created)
	}
	if st.users[SandboxUserID] == nil {
		return nil, bad("the sandbox user %s is missing", SandboxUserID)
	}
	for _, ss := range ps.Sessions {
		if ss.ID == "" || st.sessions[ss.ID] != nil || st.users[ss.UserID] == nil {
			return nil, bad("session %q is empty, repeated or of an unknown user", ss.ID)
		}
		if ss.Sandbox != (ss.ID == sandboxSessionID) || ss.Sandbox && ss.UserID != SandboxUserID {
			return nil, bad("session %s: only the sandbox session is marked sandbox, and it is", ss.ID)
		}
		times.check("session "+ss.ID, ss.StartedAt, ss.LastAccessedAt, ss.ExpiresAt)
		s := &session{id: ss.ID, userID: ss.UserID, startedAt: ss.StartedAt, lastAccessedAt: ss.LastAccessedAt, expiresAt: ss.ExpiresAt,
			roles: ss.Roles, token: ss.Token, tokens: ss.Tokens, sandbox: ss.Sandbox}
		if err := decodeObject(ss.CustomClaims, &s.customClaims); err != nil {
			return nil, bad("session %s: custom_claims: %v", ss.ID, err)
		}
		for _, fs := range ss.Factors {
			times.check("session "+ss.ID+": factor", fs.CreatedAt, fs.UpdatedAt, fs.LastAuthAt)
			s.factors = append(s.factors, &factor{typ: fs.Type, delivery: fs.Delivery, createdAt: fs.CreatedAt, updatedAt: fs.UpdatedAt,
				lastAuthAt: fs.LastAuthAt, emailID: fs.EmailID, emailAddress: fs.EmailAddress, phoneID: fs.PhoneID, phoneNumber: fs.PhoneNumber,
				totpID: fs.TOTPID, recoveryID: fs.RecoveryID, embeddedID: fs.EmbeddedID})
		}
		st.sessions[s.id] = s
	}
	perSession := map[string]int{}
	for _, ts := range ps.Tokens {
		if ts.Token == "" || st.tokens[ts.Token] != nil || st.sessions[ts.SessionID] == nil {
			return nil, bad("a session token is empty, repeated or of an unknown session")
		}
		// A session holds its current token and at most maxRotatedTokens rotated-out ones.
		if perSession[ts.SessionID]++; perSession[ts.SessionID] > maxRotatedTokens+1 {
			return nil, bad("session %s has more than %d tokens", ts.SessionID, maxRotatedTokens+1)
		}
		times.check("a session token", ts.Deadline)
		st.tokens[ts.Token] = &tokenEntry{sessionID: ts.SessionID, deadline: ts.Deadline}
	}
	for _, s := range st.sessions {
		if te := st.tokens[s.token]; te == nil || te.sessionID != s.id {
			return nil, bad("session %s: its current token is not indexed", s.id)
		}
	}
	for _, os := range ps.OTPs {
		if st.methods[os.MethodID] == "" || st.otps[os.MethodID] != nil {
			return nil, bad("a code is for an unknown or repeated method %q", os.MethodID)
		}
		if os.UserID != st.methods[os.MethodID] {
			return nil, bad("the code for %s is of user %q, not of the user who has it", os.MethodID, os.UserID)
		}
		times.check("a code", os.ExpiresAt)
		st.otps[os.MethodID] = &otpCode{code: os.Code, userID: os.UserID, channel: os.Channel, expiresAt: os.ExpiresAt, used: os.Used}
	}
	if len(ps.Resets) > maxResetTokens {
		return nil, bad("more password-reset tokens than a project keeps")
	}
	for _, rs := range ps.Resets {
		if rs.Token == "" || st.resets[rs.Token] != nil {
			return nil, bad("a password-reset token is empty or repeated")
		}
		if !st.hasEmail(rs.UserID, rs.EmailID) {
			return nil, bad("a password-reset token is for email %q of user %q, which the project does not have", rs.EmailID, rs.UserID)
		}
		times.check("a password-reset token", rs.ExpiresAt)
		st.resets[rs.Token] = &resetToken{userID: rs.UserID, emailID: rs.EmailID, expiresAt: rs.ExpiresAt, used: rs.Used, codeChallenge: rs.CodeChallenge}
	}
	if len(ps.MagicLinks) > maxMagicLinks {
		return nil, bad("more magic links than a project keeps")
	}
	for _, ms := range ps.MagicLinks {
		var key [32]byte
		if len(ms.TokenSHA256) != len(key) {
			return nil, bad("a magic link's token hash is not 32 bytes")
		}
		copy(key[:], ms.TokenSHA256)
		switch {
		case st.magicLinks[key] != nil:
			return nil, bad("a magic link is repeated")
		case ms.Kind != linkLogin && ms.Kind != linkSignup && ms.Kind != linkInvite && ms.Kind != linkEmbedded:
			return nil, bad("a magic link has the unknown kind %q", ms.Kind)
		case st.users[ms.UserID] == nil:
			return nil, bad("a magic link is of the unknown user %q", ms.UserID)
		case ms.Kind == linkEmbedded && ms.EmailID != "":
			return nil, bad("an embeddable magic link names an email")
		case ms.Kind != linkEmbedded && !st.hasEmail(ms.UserID, ms.EmailID):
			return nil, bad("a magic link is for email %q, which user %s does not have", ms.EmailID, ms.UserID)
		}
		times.check("a magic link", ms.ExpiresAt)
		st.magicLinks[key] = &magicLink{userID: ms.UserID, emailID: ms.EmailID, kind: ms.Kind, expiresAt: ms.ExpiresAt, used: ms.Used,
			challenge: ms.Challenge, ip: ms.IP, agent: ms.UserAgent}
	}
	for _, fs := range ps.Faults {
		if fs.Remaining == 0 {
			return nil, bad("fault %s %s has no uses left", fs.Method, fs.Path)
		}
		f, err := routes.checkFault(Fault{Method: fs.Method, Path: fs.Path, Status: fs.Status, ErrorType: fs.ErrorType, Times: fs.Remaining, Delay: fs.Delay})
		if err != nil {
			return nil, bad("fault %s %s: %v", fs.Method, fs.Path, err)
		}
		st.faults = append(st.faults, f)
	}
	for _, m := range ps.Messages {
		times.check("a message", m.SentAt, m.ExpiresAt)
	}
	for _, r := range ps.Requests {
		times.check("a logged request", r.Time)
	}
	if times.err != nil {
		return nil, times.err
	}
	st.messages = ps.Messages
	st.requests = ps.Requests
	return st, nil
}

// hasEmail reports whether the restored user has an email contact with the id.
func (st *projectState) hasEmail(userID, emailID string) bool {
	u := st.users[userID]
	if u == nil {
		return false
	}
	ct := u.contactByID(emailID)
	return ct != nil && ct.medium == mediumEmail
}

// timeCheck collects the first timestamp of a snapshot before earliest; the zero time (none)
// passes. Later times need no check: JSON holds none past year 9999, and the emulator only
// compares stored times with later ones, it never renders one moved forward.
type timeCheck struct {
	earliest time.Time
	err      error
}

// window sets the earliest time to MaxTimeDistance before now.
func (tc *timeCheck) window(now time.Time) {
	tc.earliest = now.Add(-MaxTimeDistance)
}

// check records an error for the first of ts out of range.
func (tc *timeCheck) check(what string, ts ...time.Time) {
	if tc.err != nil {
		return
	}
	for _, t := range ts {
		if !t.IsZero() && t.Before(tc.earliest) {
			tc.err = bad("%s: %s is more than %d years before now", what, t.Format(time.RFC3339), MaxTimeDistance/(365*24*time.Hour))
			return
		}
	}
}

// decodeObject decodes an optional JSON object, its values held compactly (see compactValue).
func decodeObject(raw json.RawMessage, into *map[string]any) error {
	if len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, into); err != nil {
		return err
	}
	*into = compactValues(*into)
	return nil
}

// install replaces the project's state with a restored one (the secret is kept). With ceilings,
// a state that would take the emulator's users or sessions in all projects over Limits.MaxUsers
// or Limits.MaxSessions is refused (429 too_many_requests, as creating them one by one would be)
// and nothing changes.
func (p *Project) install(st *projectState, ceilings bool) error {
	p.mu.Lock()
	if ceilings {
		l, u := p.set.limits, p.set.usage
		grows := func(total int64, counted, now, next, limit int) bool {
			return next > now && total-int64(counted)+int64(next) > int64(limit)
		}
		if grows(u.users.Load(), p.countedUsers, len(p.users), len(st.users), l.MaxUsers) ||
			grows(u.sessions.Load(), p.countedSessions, len(p.sessions), len(st.sessions), l.MaxSessions) {
			p.mu.Unlock()
			return newError("too_many_requests", "The snapshot holds more users or sessions than the emulator has room for across its projects (see WithLimits).")
		}
	}
	p.users, p.externalIDs, p.owners, p.methods = st.users, st.externalIDs, st.owners, st.methods
	p.sessions, p.tokens, p.otps, p.resets, p.magicLinks = st.sessions, st.tokens, st.otps, st.resets, st.magicLinks
	p.messages, p.messageBytes, p.faults, p.created = st.messages, st.messageBytes, st.faults, st.created
	p.syncUsageLocked()
	p.mu.Unlock()
	p.clock.setOffset(st.offset)
	p.requests.clear()
	for _, r := range st.requests {
		p.requests.add(r)
	}
	return nil
}

// setOffset puts the clock at offset from its base (a restored project's clock).
func (c *Clock) setOffset(d time.Duration) {
	c.mu.Lock()
	c.offset = d
	c.mu.Unlock()
}
