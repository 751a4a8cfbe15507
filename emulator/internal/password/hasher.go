// Package password implements the password primitives of the Stytch
// emulator: salted hashing of stored passwords, verification of hashes
// imported through POST /v1/passwords/migrate, and the zxcvbn/LUDS strength
// check behind POST /v1/passwords/strength_check.
//
// The package holds no mutable state; every type is safe for concurrent use
// once constructed.
package password

import (
	"bytes"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"

	"golang.org/x/crypto/bcrypt"
)

// Parameters of the default construction: PBKDF2-HMAC-SHA256 with a 16-byte
// random salt, a 32-byte key and FastIterations iterations.
const (
	// FastIterations is the PBKDF2 iteration count of the default
	// construction: enough to make the stored value a real one-way salted
	// hash, a few tens of microseconds per check, which an emulator's own
	// passwords (never production secrets) can afford on every sign-in.
	FastIterations = 100
	saltLen        = 16
	keyLen         = sha256.Size
	// maxFastIterations bounds the iteration count read back from a stored
	// hash, so no stored value can make a check cost unbounded time.
	maxFastIterations = 1 << 20
)

// fastPrefix starts every hash of the default construction:
// $pbkdf2-sha256$<iterations>$<salt>$<key>, salt and key in unpadded
// standard base64.
const fastPrefix = "$pbkdf2-sha256$"

// Hasher hashes passwords for storage. The zero value is ready to use and
// hashes with PBKDF2-HMAC-SHA256 (FastIterations iterations, a random 16-byte
// salt per password), which is salted, one-way and cheap: it suits an
// emulator and tests but not a production system.
//
// With a non-zero Cost, Hash uses bcrypt at that work factor instead, for
// production-like timings. Every password is then first reduced to
// base64(SHA-256(password)) (44 ASCII bytes) and that string is fed to
// bcrypt, which sidesteps bcrypt's 72-byte input limit so every byte of a
// password of any length counts; such hashes are only verifiable by
// Hasher.Verify, not by a plain bcrypt comparison.
//
// Verify accepts hashes of either construction, whatever Cost is.
type Hasher struct {
	// Cost is the bcrypt work factor. Zero selects the default construction
	// (PBKDF2-HMAC-SHA256); any other value must lie within
	// [bcrypt.MinCost, bcrypt.MaxCost].
	Cost int
}

// Hash returns a salted hash of password. It fails only when Cost is out of
// range (the error wraps bcrypt.InvalidCostError) or the system's random
// source fails.
func (h Hasher) Hash(password string) ([]byte, error) {
	if h.Cost == 0 {
		return fastHash(password, FastIterations)
	}
	if h.Cost < bcrypt.MinCost || h.Cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("password: hash: %w", bcrypt.InvalidCostError(h.Cost))
	}
	out, err := bcrypt.GenerateFromPassword(prehash(password), h.Cost)
	if err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	return out, nil
}

// Verify reports whether hash, as returned by Hash (with any Cost), is the
// hash of password. The comparison is constant-time; a malformed or empty
// hash yields false.
func (Hasher) Verify(hash []byte, password string) bool {
	if bytes.HasPrefix(hash, []byte(fastPrefix)) {
		return fastVerify(hash, password)
	}
	return bcrypt.CompareHashAndPassword(hash, prehash(password)) == nil
}

// fastHash is the default construction.
func fastHash(password string, iter int) ([]byte, error) {
	var salt [saltLen]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	key, err := pbkdf2.Key(sha256.New, password, salt[:], iter, keyLen)
	if err != nil {
		return nil, fmt.Errorf("password: hash: %w", err)
	}
	out := make([]byte, 0, len(fastPrefix)+8+base64.RawStdEncoding.EncodedLen(saltLen)+base64.RawStdEncoding.EncodedLen(keyLen))
	out = append(out, fastPrefix...)
	out = strconv.AppendInt(out, int64(iter), 10)
	out = append(out, '$')
	out = base64.RawStdEncoding.AppendEncode(out, salt[:])
	out = append(out, '$')
	out = base64.RawStdEncoding.AppendEncode(out, key)
	return out, nil
}

// fastVerify checks password against a hash of the default construction.
func fastVerify(hash []byte, password string) bool {
	rest := hash[len(fastPrefix):]
	iterText, rest, ok := bytes.Cut(rest, []byte("$"))
	if !ok {
		return false
	}
	saltText, keyText, ok := bytes.Cut(rest, []byte("$"))
	if !ok {
		return false
	}
	iter, err := strconv.Atoi(string(iterText))
	if err != nil || iter < 1 || iter > maxFastIterations {
		return false
	}
	// The lengths are checked first: Decode must not write past the arrays.
	if len(saltText) != base64.RawStdEncoding.EncodedLen(saltLen) || len(keyText) != base64.RawStdEncoding.EncodedLen(keyLen) {
		return false
	}
	var salt [saltLen]byte
	var want [keyLen]byte
	if n, err := base64.RawStdEncoding.Decode(salt[:], saltText); err != nil || n != saltLen {
		return false
	}
	if n, err := base64.RawStdEncoding.Decode(want[:], keyText); err != nil || n != keyLen {
		return false
	}
	got, err := pbkdf2.Key(sha256.New, password, salt[:], iter, keyLen)
	return err == nil && subtle.ConstantTimeCompare(got, want[:]) == 1
}

// prehash maps a password of any length to the 44-byte base64 form of its
// SHA-256 digest, which fits bcrypt's 72-byte limit and contains no NUL.
func prehash(password string) []byte {
	sum := sha256.Sum256([]byte(password))
	out := make([]byte, base64.StdEncoding.EncodedLen(len(sum)))
	base64.StdEncoding.Encode(out, sum[:])
	return out
}
