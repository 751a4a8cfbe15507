package emulator

import (
	"runtime"

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
	// MigratedHash caps the parameters of hashes imported with /v1/passwords/migrate; a hash over
	// them is refused there with Stytch's invalid-hash errors.
	MigratedHash HashLimits
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

// withDefaults fills in the zero fields of l.
func (l Limits) withDefaults() Limits {
	if l.PasswordHashChecks <= 0 {
		l.PasswordHashChecks = min(2, max(1, runtime.NumCPU()/2))
	}
	if l.PasswordHashQueue == 0 {
		l.PasswordHashQueue = 64
	}
	return l
}

// hashLimits is l's migrated-hash caps in the password package's terms.
func (l Limits) hashLimits() password.Limits { return password.Limits(l.MigratedHash) }
