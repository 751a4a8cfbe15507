package emulator

import (
	"encoding/json"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password"
)

// Limits bounds what one request, or one client, can make the emulator spend. Pass it to
// WithLimits; every zero field takes its default, so a test can lower one cap and keep the rest.
// docs/security.md lists each limit with its value and source.
type Limits struct {
	// PasswordHashChecks is how many checks of a costly migrated hash (bcrypt, scrypt, argon2,
	// PBKDF2, phpass) run at once, across all projects. Default: half the CPUs, 1 or 2.
	PasswordHashChecks int
	// PasswordHashQueue is how many more checks may wait for a slot; beyond it an authenticate
	// answers 429 too_many_requests at once. A waiting check gives up when its request ends.
	// Default 64; a negative value means no queue.
	PasswordHashQueue int
	// LargeBodyDecodes is how many request bodies over 64 KiB are decoded at once, across all
	// projects; the others wait for a slot (or for their request to end). Default: half the CPUs,
	// 1 or 2.
	LargeBodyDecodes int
	// LargeBodyQueue is how many more such bodies may wait for a slot; beyond it a request
	// answers 429 too_many_requests at once. Default 64; a negative value means no queue.
	LargeBodyQueue int
	// MigratedHash caps the parameters of hashes imported with /v1/passwords/migrate; a hash over
	// them is refused there with Stytch's invalid-hash errors.
	MigratedHash HashLimits

	// MaxProjects caps the projects an emulator holds, configured and auto-provisioned together.
	// At the cap, a new project takes the place of the auto-provisioned project idle the longest
	// (see EvictIdleAfter); when none has been idle that long, the request answers 429
	// too_many_requests. Default 1,000.
	MaxProjects int
	// EvictIdleAfter is how long an auto-provisioned project must have gone without a request
	// before it may be evicted, with its users and sessions, to make room when MaxProjects,
	// MaxUsers or MaxSessions is reached. Configured projects are never evicted. Default 1 hour;
	// a negative value never evicts, so that the ceilings, once reached, refuse until a restart.
	EvictIdleAfter time.Duration
	// MaxUsersPerProject caps a project's users; creating one more answers 429
	// too_many_requests. Default 10,000.
	MaxUsersPerProject int
	// MaxSessionsPerProject caps a project's live sessions (expired ones are swept first);
	// starting one more answers 429 too_many_requests. Default 100,000.
	MaxSessionsPerProject int
	// MaxUsers caps the users of all projects together (the sandbox users included); creating
	// one more answers 429 too_many_requests. Default 50,000.
	MaxUsers int
	// MaxSessions caps the live sessions of all projects together (the sandbox sessions
	// included). Default 100,000.
	MaxSessions int
	// RequestLogBytes caps the memory of a project's request log (GET /emulator/v1/requests);
	// the oldest half is dropped when it is full. Default 256 KiB.
	RequestLogBytes int
}

// HashLimits caps every parameter of a migrated password hash that multiplies the work or the
// memory of checking a password against it. Every zero field takes its default; the defaults admit
// OWASP's recommended settings and the shipped defaults of Django and WordPress.
type HashLimits struct {
	// MaxPasswordBytes is the longest password checked against a migrated hash; a longer one does
	// not match. Default 1024.
	MaxPasswordBytes int
	// MaxSaltBytes caps a decoded salt, and the prepend/append salts of md_5, sha_1 and sha_512.
	// Default 1024.
	MaxSaltBytes int
	// MaxKeyBytes caps the decoded hash of argon2, scrypt and PBKDF2 hashes. Default 128.
	MaxKeyBytes int
	// MaxBcryptCost caps bcrypt's cost (2^cost rounds). Default 13.
	MaxBcryptCost int
	// MaxPBKDF2Work caps PBKDF2-HMAC-SHA1/SHA256 iterations × output blocks. Default 2,000,000.
	MaxPBKDF2Work int64
	// MaxPBKDF2SHA512Work caps PBKDF2-HMAC-SHA512 iterations × output blocks. Default 500,000.
	MaxPBKDF2SHA512Work int64
	// MaxScryptWork caps scrypt's N·r·p. Default 2^20.
	MaxScryptWork int64
	// MaxScryptR caps scrypt's block size r. Default 32.
	MaxScryptR int
	// MaxScryptP caps scrypt's parallelism p. Default 16.
	MaxScryptP int
	// MaxMemoryKiB caps scrypt's 128·N·r bytes and argon2's memory. Default 131072 (128 MiB).
	MaxMemoryKiB int64
	// MaxArgon2Work caps argon2's memory (KiB) × iterations. Default 262144.
	MaxArgon2Work int64
	// MaxArgon2Threads caps argon2's parallelism. Default 16.
	MaxArgon2Threads int
	// MaxPHPassLogRounds caps phpass's log2 round count. Default 16.
	MaxPHPassLogRounds int
}

// WithLimits overrides the emulator's limits (see Limits); zero fields keep their defaults.
func WithLimits(l Limits) Option { return func(c *config) { c.limits = l } }

// DefaultLimits returns the limits an emulator applies when WithLimits leaves them zero.
func DefaultLimits() Limits { return Limits{}.withDefaults() }

// withDefaults fills in the zero fields of l.
func (l Limits) withDefaults() Limits {
	if l.PasswordHashChecks <= 0 {
		l.PasswordHashChecks = min(2, max(1, runtime.NumCPU()/2))
	}
	if l.LargeBodyDecodes <= 0 {
		l.LargeBodyDecodes = min(2, max(1, runtime.NumCPU()/2))
	}
	if l.LargeBodyQueue == 0 {
		l.LargeBodyQueue = 64
	}
	if l.PasswordHashQueue == 0 {
		l.PasswordHashQueue = 64
	}
	if l.MaxProjects <= 0 {
		l.MaxProjects = 1_000
	}
	if l.EvictIdleAfter == 0 {
		l.EvictIdleAfter = time.Hour
	}
	if l.MaxUsersPerProject <= 0 {
		l.MaxUsersPerProject = 10_000
	}
	if l.MaxSessionsPerProject <= 0 {
		l.MaxSessionsPerProject = 100_000
	}
	if l.MaxUsers <= 0 {
		l.MaxUsers = 50_000
	}
	if l.MaxSessions <= 0 {
		l.MaxSessions = 100_000
	}
	if l.RequestLogBytes <= 0 {
		l.RequestLogBytes = 256 << 10
	}
	return l
}

// usage counts users and sessions across an emulator's projects, for MaxUsers and MaxSessions.
type usage struct {
	users, sessions atomic.Int64
}

// Fixed limits: Stytch's documented ones, and the emulator's caps on what a project is named by.
const (
	// maxMetadataBytes and maxMetadataKeys are Stytch's metadata restrictions: "Metadata objects
	// may contain a maximum of 20 top-level keys" and "cannot exceed 4KB in size"
	// (https://stytch.com/docs/api-reference/consumer/api/resources/metadata).
	maxMetadataBytes = 4096
	maxMetadataKeys  = 20
	// maxProjectIDBytes and maxSecretBytes cap the credentials a project is created with; real ones
	// are project-test-<uuid> (49 bytes) and secret-test-<36 characters> (48).
	maxProjectIDBytes = 128
	maxSecretBytes    = 256
	// maxMessageBytes caps a project's outbox by bytes (as messageSize counts them), besides
	// maxMessages.
	maxMessageBytes = 1 << 20
	// maxLoggedPath is how much of a request path the request log keeps.
	maxLoggedPath = 256
	// maxRotatedTokens is how many rotated-out tokens of one session stay valid during their
	// grace period; older ones end early (a burst of step-ups within the grace period).
	maxRotatedTokens = 8
	// maxResetTokens caps a project's live password-reset tokens, and maxFaults its armed faults.
	maxResetTokens = 10_000
	// maxMagicLinks caps a project's live magic-link tokens: past it, once the used and expired ones
	// are dropped, sends answer too_many_requests (Stytch's own limits are rate limits per email,
	// which the emulator does not model).
	maxMagicLinks = 10_000
	maxFaults     = 1_000
)

// checkMetadata enforces Stytch's metadata restrictions on a user's trusted_metadata or
// untrusted_metadata (field names which), as stored after a merge.
func checkMetadata(which string, m map[string]any) *Error {
	if len(m) > maxMetadataKeys {
		return newError("metadata_too_many_keys", "%s has %d top-level keys; at most %d are allowed.", which, len(m), maxMetadataKeys)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return newError("bad_request", "%s cannot be represented as JSON.", which)
	}
	if len(b) > maxMetadataBytes {
		return newError("metadata_too_large", "%s is %d bytes of JSON; at most %d are allowed.", which, len(b), maxMetadataBytes)
	}
	return nil
}

// checkNewMetadata checks the metadata of a user being created.
func checkNewMetadata(trusted, untrusted map[string]any) error {
	if err := checkMetadata("trusted_metadata", trusted); err != nil {
		return err
	}
	if err := checkMetadata("untrusted_metadata", untrusted); err != nil {
		return err
	}
	return nil
}

// mergeMetadata merges a request's trusted and untrusted metadata into u's (u nil: a user about to
// be created) and checks the result, so a handler can refuse before it changes anything.
func mergeMetadata(u *user, trusted, untrusted map[string]any) (map[string]any, map[string]any, error) {
	var oldTrusted, oldUntrusted map[string]any
	if u != nil {
		oldTrusted, oldUntrusted = u.trusted, u.untrusted
	}
	t, un := mergeClaims(oldTrusted, trusted), mergeClaims(oldUntrusted, untrusted)
	if err := checkNewMetadata(t, un); err != nil {
		return nil, nil, err
	}
	return t, un, nil
}

// messageSize is what a message costs the outbox: its strings and a fixed overhead for the rest.
func messageSize(m Message) int {
	return len(m.Channel) + len(m.Type) + len(m.LinkType) + len(m.To) + len(m.Code) + len(m.Token) + len(m.URL) +
		len(m.TemplateID) + len(m.Locale) + len(m.MethodID) + len(m.UserID) + 96
}

// truncatePath shortens a request path for the request log, at a UTF-8 boundary, marking the cut.
func truncatePath(path string) string {
	if len(path) <= maxLoggedPath {
		return path
	}
	cut := maxLoggedPath
	for cut > 0 && !utf8.RuneStart(path[cut]) {
		cut--
	}
	return path[:cut] + "…"
}

// requestLog is a project's request log, bounded by entries and by bytes. The zero value is
// unusable: set maxEntries and maxBytes.
type requestLog struct {
	mu         sync.Mutex
	entries    []RequestRecord
	bytes      int
	maxEntries int
	maxBytes   int
}

// recordSize is what a record costs the log: its strings and a fixed overhead for the rest.
func recordSize(r RequestRecord) int {
	return len(r.Method) + len(r.Path) + len(r.ErrorType) + len(r.RequestID) + 96
}

// add appends r (its path truncated), dropping the older half of the log first when it is full.
func (l *requestLog) add(r RequestRecord) {
	r.Path = truncatePath(r.Path)
	size := recordSize(r)
	l.mu.Lock()
	defer l.mu.Unlock()
	for len(l.entries) > 0 && (len(l.entries) >= l.maxEntries || l.bytes+size > l.maxBytes) {
		drop := max(1, len(l.entries)/2) // the older half: amortised O(1) per record
		for _, e := range l.entries[:drop] {
			l.bytes -= recordSize(e)
		}
		l.entries = append(l.entries[:0], l.entries[drop:]...)
	}
	l.entries = append(l.entries, r)
	l.bytes += size
}

// clear empties the log.
func (l *requestLog) clear() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries, l.bytes = nil, 0
}

// list returns a copy of the log, oldest first.
func (l *requestLog) list() []RequestRecord {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.entries)
}

// hashLimits is l's migrated-hash caps in the password package's terms.
func (l Limits) hashLimits() password.Limits { return password.Limits(l.MigratedHash) }
