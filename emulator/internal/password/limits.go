package password

import (
	"errors"
	"fmt"
)

// Limits caps every parameter of a migrated hash that multiplies the work
// or the memory of checking a password against it. NewMigrated refuses a
// hash over any of them, so no single check can cost more than about a
// second of CPU and MaxMemoryKiB of memory. A zero field takes its value
// from DefaultLimits.
//
// The defaults admit what real systems export: OWASP's recommended
// settings (argon2id m=19 MiB t=2 p=1, scrypt N=2^17 r=8 p=1, bcrypt cost
// 10 or more, PBKDF2-HMAC-SHA256 600,000 iterations, PBKDF2-HMAC-SHA512
// 210,000, PBKDF2-HMAC-SHA1 1,300,000), Django's shipped hashers (PBKDF2
// 1,500,000 iterations in 6.1, argon2 m=100 MiB t=2 p=8, scrypt N=2^14
// r=8 p=1) and WordPress/phpBB phpass ($P$B, 2^13 rounds; $H$9, 2^11).
type Limits struct {
	// MaxPasswordBytes is the longest password checked against a migrated
	// hash; a longer one does not match. phpass hashes the password once
	// per round, so its length multiplies the work. Default 1024.
	MaxPasswordBytes int
	// MaxSaltBytes caps a salt, and the prepend/append salts of the digest
	// types, after decoding. Default 1024.
	MaxSaltBytes int
	// MaxKeyBytes caps the decoded hash (the derived key) of argon2,
	// scrypt and PBKDF2 hashes; the key length multiplies PBKDF2's work.
	// Default 128.
	MaxKeyBytes int
	// MaxBcryptCost caps bcrypt's log2 cost (2^cost rounds). Default 13.
	MaxBcryptCost int
	// MaxPBKDF2Work caps PBKDF2-HMAC-SHA1/SHA256 iterations × output
	// blocks (key length divided by the digest size, rounded up).
	// Default 2,000,000.
	MaxPBKDF2Work int64
	// MaxPBKDF2SHA512Work caps PBKDF2-HMAC-SHA512 iterations × output
	// blocks; a SHA-512 block costs about four SHA-256 blocks here.
	// Default 500,000.
	MaxPBKDF2SHA512Work int64
	// MaxScryptWork caps scrypt's N·r·p, which its CPU time is
	// proportional to. Default 2^20 (OWASP's N=2^17, r=8, p=1).
	MaxScryptWork int64
	// MaxScryptR caps scrypt's block size r; with MaxScryptP it bounds the
	// 128·r·p-byte buffer (64 KiB at the defaults). Default 32.
	MaxScryptR int
	// MaxScryptP caps scrypt's parallelism p. Default 16.
	MaxScryptP int
	// MaxMemoryKiB caps the memory of one check: scrypt's 128·N·r bytes
	// and argon2's m KiB. Default 131072 (128 MiB).
	MaxMemoryKiB int64
	// MaxArgon2Work caps argon2's m (KiB) × t (passes), which its CPU time
	// is proportional to; parallelism splits the memory into lanes and
	// does not add work. Default 262144 (256 MiB-passes).
	MaxArgon2Work int64
	// MaxArgon2Threads caps argon2's parallelism p (goroutines per pass).
	// Default 16.
	MaxArgon2Threads int
	// MaxPHPassLogRounds caps phpass's log2 round count. Default 16.
	MaxPHPassLogRounds int
}

// DefaultLimits returns the limits a zero Limits stands for.
func DefaultLimits() Limits {
	return Limits{
		MaxPasswordBytes:    1024,
		MaxSaltBytes:        1024,
		MaxKeyBytes:         128,
		MaxBcryptCost:       13,
		MaxPBKDF2Work:       2_000_000,
		MaxPBKDF2SHA512Work: 500_000,
		MaxScryptWork:       1 << 20,
		MaxScryptR:          32,
		MaxScryptP:          16,
		MaxMemoryKiB:        128 << 10,
		MaxArgon2Work:       256 << 10,
		MaxArgon2Threads:    16,
		MaxPHPassLogRounds:  16,
	}
}

// withDefaults returns l with every zero field taken from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	def := func(v *int, dv int) {
		if *v == 0 {
			*v = dv
		}
	}
	def64 := func(v *int64, dv int64) {
		if *v == 0 {
			*v = dv
		}
	}
	def(&l.MaxPasswordBytes, d.MaxPasswordBytes)
	def(&l.MaxSaltBytes, d.MaxSaltBytes)
	def(&l.MaxKeyBytes, d.MaxKeyBytes)
	def(&l.MaxBcryptCost, d.MaxBcryptCost)
	def64(&l.MaxPBKDF2Work, d.MaxPBKDF2Work)
	def64(&l.MaxPBKDF2SHA512Work, d.MaxPBKDF2SHA512Work)
	def64(&l.MaxScryptWork, d.MaxScryptWork)
	def(&l.MaxScryptR, d.MaxScryptR)
	def(&l.MaxScryptP, d.MaxScryptP)
	def64(&l.MaxMemoryKiB, d.MaxMemoryKiB)
	def64(&l.MaxArgon2Work, d.MaxArgon2Work)
	def(&l.MaxArgon2Threads, d.MaxArgon2Threads)
	def(&l.MaxPHPassLogRounds, d.MaxPHPassLogRounds)
	return l
}

// HashError is a hash that NewMigrated refuses. It matches ErrInvalidHash
// with errors.Is.
type HashError struct {
	// ErrorType is the Stytch error_type that refuses the hash: one of the
	// migrate endpoint's documented types (invalid_bcrypt_cost,
	// invalid_pbkdf_2_iteration_amount, ...), or invalid_hash.
	ErrorType string
	// HashType is the hash_type the hash was given as.
	HashType string
	// Reason says what is wrong, in words meant for an API client.
	Reason string
}

// Error implements error.
func (e *HashError) Error() string {
	return fmt.Sprintf("%v: %s: %s", ErrInvalidHash, e.HashType, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidHash) hold.
func (e *HashError) Is(target error) bool { return target == ErrInvalidHash }

// refuse is a parse failure with the Stytch error_type that reports it; the
// hash type is filled in by NewMigrated.
type refuse struct {
	errorType string
	reason    string
}

func (r *refuse) Error() string { return r.reason }

// invalid refuses with the generic invalid_hash type.
func invalid(format string, args ...any) error {
	return &refuse{errorType: "invalid_hash", reason: fmt.Sprintf(format, args...)}
}

// refuseAs refuses with a specific Stytch error_type.
func refuseAs(errorType, format string, args ...any) error {
	return &refuse{errorType: errorType, reason: fmt.Sprintf(format, args...)}
}

// asHashError turns a parse failure into a *HashError for hashType.
func asHashError(hashType string, err error) *HashError {
	r := &refuse{}
	if !errors.As(err, &r) {
		r = &refuse{errorType: "invalid_hash", reason: err.Error()}
	}
	return &HashError{ErrorType: r.errorType, HashType: hashType, Reason: r.reason}
}
