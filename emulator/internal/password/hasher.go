// Package password implements the password primitives of the Stytch
// emulator: bcrypt hashing of stored passwords, verification of hashes
// imported through POST /v1/passwords/migrate, and the zxcvbn/LUDS strength
// check behind POST /v1/passwords/strength_check.
//
// The package holds no mutable state; every type is safe for concurrent use
// once constructed.
package password

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/bcrypt"
)

// Hasher hashes passwords for storage with bcrypt. The zero value is ready to
// use and hashes at bcrypt.MinCost.
//
// Every password is first reduced to base64(SHA-256(password)) (44 ASCII
// bytes) and that string is fed to bcrypt. This sidesteps bcrypt's 72-byte
// input limit, so passwords of any length and content hash without error and
// every byte of them counts. As a consequence the hashes produced here are
// only verifiable by Hasher.Verify, not by a plain bcrypt comparison.
type Hasher struct {
	// Cost is the bcrypt work factor. Zero means bcrypt.MinCost (4): cheap,
	// which suits an emulator and tests but not a production system. Any
	// other value must lie within [bcrypt.MinCost, bcrypt.MaxCost].
	Cost int
}

// Hash returns the bcrypt hash of password. It fails only when Cost is out of
// range (the error wraps bcrypt.InvalidCostError) or the system's random
// source fails.
func (h Hasher) Hash(password string) ([]byte, error) {
	cost := h.Cost
	if cost == 0 {
		cost = bcrypt.MinCost
	}
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("password: hash: %w", bcrypt.InvalidCostError(cost))
	}
	out, err := bcrypt.GenerateFromPassword(prehash(password), cost)
	if err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	return out, nil
}

// Verify reports whether hash, as returned by Hash, is the hash of password.
// The comparison is constant-time; a malformed or empty hash yields false.
func (Hasher) Verify(hash []byte, password string) bool {
	return bcrypt.CompareHashAndPassword(hash, prehash(password)) == nil
}

// prehash maps a password of any length to the 44-byte base64 form of its
// SHA-256 digest, which fits bcrypt's 72-byte limit and contains no NUL.
func prehash(password string) []byte {
	sum := sha256.Sum256([]byte(password))
	out := make([]byte, base64.StdEncoding.EncodedLen(len(sum)))
	base64.StdEncoding.Encode(out, sum[:])
	return out
}
