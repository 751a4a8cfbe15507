package password

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// Sentinel errors returned (wrapped) by NewMigrated. Match them with
// errors.Is.
var (
	// ErrInvalidHashType reports a hash_type that is not one of Stytch's
	// migrate hash types.
	ErrInvalidHashType = errors.New("password: invalid hash type")
	// ErrInvalidHash reports a hash, or the config that goes with it, that
	// is malformed for its hash type or whose cost parameters exceed the
	// emulator's limits.
	ErrInvalidHash = errors.New("password: invalid hash")
)

// Cost limits that keep a single Migrated.Verify call to a few seconds at
// most. Hashes above them are rejected with ErrInvalidHash.
const (
	maxBcryptCost        = 16
	maxArgon2Work        = 1 << 18 // memory (KiB) × iterations: 256 MiB-pass, a few hundred ms at most
	maxScryptN           = 1 << 18 // Stytch documents N <= 262,144
	maxScryptMemory      = 256 << 20
	maxScryptP           = 16
	maxPBKDF2Iterations  = 10_000_000
	maxPHPassLogRounds   = 24
	bcryptMaxPasswordLen = 72
)

// SaltConfig mirrors Stytch's md_5_config, sha_1_config and sha_512_config:
// the digest is computed over PrependSalt + password + AppendSalt. The zero
// value means an unsalted digest.
type SaltConfig struct {
	// PrependSalt is written before the password; empty means none.
	PrependSalt string
	// AppendSalt is written after the password; empty means none.
	AppendSalt string
}

// Argon2Config mirrors Stytch's argon_2_config, needed only when the argon2
// hash is given as bare hex rather than as a PHC string. The zero value is
// not usable: every field but KeyLength must be positive.
type Argon2Config struct {
	// Salt is the salt, used as its raw bytes (not decoded).
	Salt string
	// IterationAmount is the time cost t.
	IterationAmount int32
	// Memory is the memory cost m in KiB.
	Memory int32
	// Threads is the parallelism p, 1 to 255.
	Threads int32
	// KeyLength is the hash length in bytes; zero means the length of the
	// decoded hash, otherwise it must equal it.
	KeyLength int32
}

// ScryptConfig mirrors Stytch's scrypt_config, needed only when the scrypt
// hash is not a PHC string. The zero value is not usable: the N, r and p
// parameters must be set.
type ScryptConfig struct {
	// Salt is the standard base64 encoding of the salt (padding optional).
	Salt string
	// NParameter is the CPU/memory cost N, a power of two in [2, 262144].
	NParameter int32
	// RParameter is the block size r.
	RParameter int32
	// PParameter is the parallelism p.
	PParameter int32
	// KeyLength is the hash length in bytes; zero means the length of the
	// decoded hash, otherwise it must equal it.
	KeyLength int32
}

// PBKDF2Config mirrors Stytch's pbkdf_2_config, required for pbkdf_2 hashes.
// The zero value is not usable: IterationAmount must be positive.
type PBKDF2Config struct {
	// Salt is the standard base64 encoding of the salt (padding optional).
	Salt string
	// IterationAmount is the PBKDF2 iteration count.
	IterationAmount int32
	// KeyLength is the hash length in bytes; zero means the length of the
	// decoded hash, otherwise it must equal it.
	KeyLength int32
	// Algorithm is the HMAC hash: "sha256", "sha512" or "sha1"
	// (case-insensitive); empty means "sha256".
	Algorithm string
}

// MigrateConfig gathers the optional per-type configs of a Stytch migrate
// request. Only the config matching the hash type is consulted; the zero
// value means no config was sent.
type MigrateConfig struct {
	// MD5 salts md_5 hashes; nil means unsalted.
	MD5 *SaltConfig
	// SHA1 salts sha_1 hashes; nil means unsalted.
	SHA1 *SaltConfig
	// SHA512 salts sha_512 hashes; nil means unsalted.
	SHA512 *SaltConfig
	// Argon2 parameterises hex argon_2i/argon_2id hashes; nil is fine for
	// PHC strings.
	Argon2 *Argon2Config
	// Scrypt parameterises base64 scrypt hashes; nil is fine for PHC strings.
	Scrypt *ScryptConfig
	// PBKDF2 parameterises pbkdf_2 hashes and is required for them.
	PBKDF2 *PBKDF2Config
}

// Migrated is an imported password hash that can verify candidate
// passwords. Build it with NewMigrated. The zero value verifies nothing:
// Verify always returns false.
type Migrated struct {
	verify func(password string) bool
}

// Verify reports whether password matches the migrated hash. Digests are
// compared in constant time.
func (m Migrated) Verify(password string) bool {
	return m.verify != nil && m.verify(password)
}

// NewMigrated parses and validates hash for the Stytch hash type hashType and
// returns a Migrated that verifies passwords against it. Accepted formats:
//
//   - "bcrypt": a 60-character $2a$, $2b$ or $2y$ string, cost <= 16.
//     Passwords are truncated to 72 bytes, as bcrypt implementations do.
//   - "md_5", "sha_1", "sha_512": hex digest (either case) of
//     PrependSalt + password + AppendSalt from the matching SaltConfig.
//   - "argon_2i", "argon_2id": a PHC string
//     $argon2id$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<hash> with
//     unpadded (or padded) standard base64 salt and hash, or else the hash
//     in hex together with cfg.Argon2. Only version 19 is supported.
//   - "scrypt": a PHC string $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>,
//     or else the standard base64 hash together with cfg.Scrypt, whose Salt
//     is base64 too (as Stytch documents).
//   - "pbkdf_2": the standard base64 hash together with cfg.PBKDF2 (salt in
//     base64).
//   - "phpass": a 34-character portable hash, $P$ (WordPress) or $H$
//     (phpBB).
//
// Argon2 memory × iterations may not exceed 256 MiB, scrypt needs N <= 262144,
// 128·N·r <= 256 MiB and p <= 16, PBKDF2 at most 10,000,000 iterations and
// phpass at most 2^24 rounds.
//
// An unknown hashType yields an error wrapping ErrInvalidHashType; a
// malformed hash or config, or one over those limits, yields an error
// wrapping ErrInvalidHash.
func NewMigrated(hashType, hash string, cfg MigrateConfig) (Migrated, error) {
	var (
		verify func(string) bool
		err    error
	)
	switch hashType {
	case "bcrypt":
		verify, err = newBcrypt(hash)
	case "md_5":
		verify, err = newDigest(md5.New, hash, cfg.MD5)
	case "sha_1":
		verify, err = newDigest(sha1.New, hash, cfg.SHA1)
	case "sha_512":
		verify, err = newDigest(sha512.New, hash, cfg.SHA512)
	case "argon_2i":
		verify, err = newArgon2(argon2.Key, "argon2i", hash, cfg.Argon2)
	case "argon_2id":
		verify, err = newArgon2(argon2.IDKey, "argon2id", hash, cfg.Argon2)
	case "scrypt":
		verify, err = newScrypt(hash, cfg.Scrypt)
	case "pbkdf_2":
		verify, err = newPBKDF2(hash, cfg.PBKDF2)
	case "phpass":
		verify, err = newPHPass(hash)
	default:
		return Migrated{}, fmt.Errorf("%w %q", ErrInvalidHashType, hashType)
	}
	if err != nil {
		return Migrated{}, fmt.Errorf("%w: %s: %w", ErrInvalidHash, hashType, err)
	}
	return Migrated{verify: verify}, nil
}

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func newBcrypt(encoded string) (func(string) bool, error) {
	if len(encoded) != 60 || !strings.HasPrefix(encoded, "$2") ||
		!strings.Contains("aby", encoded[2:3]) || encoded[3] != '$' || encoded[6] != '$' {
		return nil, errors.New("not a 60-character $2a$, $2b$ or $2y$ string")
	}
	if i := strings.IndexFunc(encoded[7:], func(r rune) bool { return !strings.ContainsRune(bcryptAlphabet, r) }); i >= 0 {
		return nil, fmt.Errorf("invalid character at offset %d", 7+i)
	}
	cost, err := bcrypt.Cost([]byte(encoded))
	if err != nil {
		return nil, err
	}
	if cost > maxBcryptCost {
		return nil, fmt.Errorf("cost %d exceeds %d", cost, maxBcryptCost)
	}
	stored := []byte(encoded)
	return func(password string) bool {
		p := []byte(password)
		if len(p) > bcryptMaxPasswordLen {
			p = p[:bcryptMaxPasswordLen]
		}
		return bcrypt.CompareHashAndPassword(stored, p) == nil
	}, nil
}

func newDigest(newHash func() hash.Hash, encoded string, cfg *SaltConfig) (func(string) bool, error) {
	want, err := hex.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("hash is not hex: %w", err)
	}
	if size := newHash().Size(); len(want) != size {
		return nil, fmt.Errorf("hash is %d bytes, want %d", len(want), size)
	}
	var salt SaltConfig
	if cfg != nil {
		salt = *cfg
	}
	return func(password string) bool {
		h := newHash()
		_, _ = io.WriteString(h, salt.PrependSalt)
		_, _ = io.WriteString(h, password)
		_, _ = io.WriteString(h, salt.AppendSalt)
		return subtle.ConstantTimeCompare(h.Sum(nil), want) == 1
	}, nil
}

type argon2KDF func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

type argon2Params struct {
	salt, key             []byte
	time, memory, threads uint32
}

func newArgon2(kdf argon2KDF, variant, encoded string, cfg *Argon2Config) (func(string) bool, error) {
	var (
		p   argon2Params
		err error
	)
	if strings.HasPrefix(encoded, "$") {
		p, err = parseArgon2PHC(variant, encoded)
	} else {
		p, err = argon2FromConfig(encoded, cfg)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case p.time < 1:
		return nil, errors.New("iterations must be at least 1")
	case p.threads < 1 || p.threads > 255:
		return nil, fmt.Errorf("threads %d not in [1, 255]", p.threads)
	case p.memory < 8*p.threads:
		return nil, fmt.Errorf("memory %d KiB is below 8*threads", p.memory)
	case uint64(p.memory)*uint64(p.time) > maxArgon2Work:
		return nil, fmt.Errorf("memory*iterations %d exceeds %d", uint64(p.memory)*uint64(p.time), maxArgon2Work)
	case len(p.key) < 4:
		return nil, fmt.Errorf("hash is %d bytes, want at least 4", len(p.key))
	}
	return func(password string) bool {
		got := kdf([]byte(password), p.salt, p.time, p.memory, uint8(p.threads), uint32(len(p.key)))
		return subtle.ConstantTimeCompare(got, p.key) == 1
	}, nil
}

func parseArgon2PHC(variant, encoded string) (argon2Params, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[1] != variant {
		return argon2Params{}, fmt.Errorf("not a PHC string $%s$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<hash>", variant)
	}
	if f[2] != "v=19" {
		return argon2Params{}, fmt.Errorf("unsupported version %q, want v=19", f[2])
	}
	params, err := parsePHCParams(f[3], "m", "t", "p")
	if err != nil {
		return argon2Params{}, err
	}
	salt, key, err := decodePHCSaltHash(f[4], f[5])
	if err != nil {
		return argon2Params{}, err
	}
	return argon2Params{salt: salt, key: key, memory: params["m"], time: params["t"], threads: params["p"]}, nil
}

func argon2FromConfig(encoded string, cfg *Argon2Config) (argon2Params, error) {
	if cfg == nil {
		return argon2Params{}, errors.New("hash is not a PHC string and no argon2 config was given")
	}
	key, err := hex.DecodeString(encoded)
	if err != nil {
		return argon2Params{}, fmt.Errorf("hash is neither a PHC string nor hex: %w", err)
	}
	if err := checkKeyLength(cfg.KeyLength, len(key)); err != nil {
		return argon2Params{}, err
	}
	if cfg.IterationAmount < 1 || cfg.Memory < 1 || cfg.Threads < 1 {
		return argon2Params{}, errors.New("iteration amount, memory and threads must be positive")
	}
	return argon2Params{
		salt:    []byte(cfg.Salt),
		key:     key,
		time:    uint32(cfg.IterationAmount),
		memory:  uint32(cfg.Memory),
		threads: uint32(cfg.Threads),
	}, nil
}

type scryptParams struct {
	salt, key []byte
	n, r, p   int
}

func newScrypt(encoded string, cfg *ScryptConfig) (func(string) bool, error) {
	var (
		p   scryptParams
		err error
	)
	if strings.HasPrefix(encoded, "$") {
		p, err = parseScryptPHC(encoded)
	} else {
		p, err = scryptFromConfig(encoded, cfg)
	}
	if err != nil {
		return nil, err
	}
	switch {
	case p.n < 2 || p.n > maxScryptN || p.n&(p.n-1) != 0:
		return nil, fmt.Errorf("scrypt N %d is not a power of two in [2, %d]", p.n, maxScryptN)
	case p.r < 1 || p.p < 1 || p.p > maxScryptP:
		return nil, fmt.Errorf("r must be positive and p in [1, %d], got r=%d p=%d", maxScryptP, p.r, p.p)
	case int64(128)*int64(p.n)*int64(p.r) > maxScryptMemory:
		return nil, fmt.Errorf("128*N*r exceeds %d bytes", maxScryptMemory)
	case len(p.key) == 0:
		return nil, errors.New("hash is empty")
	}
	return func(password string) bool {
		got, err := scrypt.Key([]byte(password), p.salt, p.n, p.r, p.p, len(p.key))
		return err == nil && subtle.ConstantTimeCompare(got, p.key) == 1
	}, nil
}

func parseScryptPHC(encoded string) (scryptParams, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 5 || f[1] != "scrypt" {
		return scryptParams{}, errors.New("not a PHC string $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>")
	}
	params, err := parsePHCParams(f[2], "ln", "r", "p")
	if err != nil {
		return scryptParams{}, err
	}
	if params["ln"] < 1 || params["ln"] > 30 {
		return scryptParams{}, fmt.Errorf("ln %d not in [1, 30]", params["ln"])
	}
	salt, key, err := decodePHCSaltHash(f[3], f[4])
	if err != nil {
		return scryptParams{}, err
	}
	return scryptParams{salt: salt, key: key, n: 1 << params["ln"], r: int(params["r"]), p: int(params["p"])}, nil
}

func scryptFromConfig(encoded string, cfg *ScryptConfig) (scryptParams, error) {
	if cfg == nil {
		return scryptParams{}, errors.New("hash is not a PHC string and no scrypt config was given")
	}
	key, err := decodeBase64(encoded)
	if err != nil {
		return scryptParams{}, fmt.Errorf("hash is neither a PHC string nor base64: %w", err)
	}
	salt, err := decodeBase64(cfg.Salt)
	if err != nil {
		return scryptParams{}, fmt.Errorf("salt is not base64: %w", err)
	}
	if err := checkKeyLength(cfg.KeyLength, len(key)); err != nil {
		return scryptParams{}, err
	}
	return scryptParams{salt: salt, key: key, n: int(cfg.NParameter), r: int(cfg.RParameter), p: int(cfg.PParameter)}, nil
}

func newPBKDF2(encoded string, cfg *PBKDF2Config) (func(string) bool, error) {
	if cfg == nil {
		return nil, errors.New("a pbkdf2 config is required")
	}
	key, err := decodeBase64(encoded)
	if err != nil {
		return nil, fmt.Errorf("hash is not base64: %w", err)
	}
	if len(key) == 0 {
		return nil, errors.New("hash is empty")
	}
	salt, err := decodeBase64(cfg.Salt)
	if err != nil {
		return nil, fmt.Errorf("salt is not base64: %w", err)
	}
	if err := checkKeyLength(cfg.KeyLength, len(key)); err != nil {
		return nil, err
	}
	iter := int(cfg.IterationAmount)
	if iter < 1 || iter > maxPBKDF2Iterations {
		return nil, fmt.Errorf("iteration amount %d not in [1, %d]", iter, maxPBKDF2Iterations)
	}
	var newHash func() hash.Hash
	switch strings.ToLower(cfg.Algorithm) {
	case "", "sha256":
		newHash = sha256.New
	case "sha512":
		newHash = sha512.New
	case "sha1":
		newHash = sha1.New
	default:
		return nil, fmt.Errorf("unsupported algorithm %q", cfg.Algorithm)
	}
	return func(password string) bool {
		got, err := pbkdf2.Key(newHash, password, salt, iter, len(key))
		return err == nil && subtle.ConstantTimeCompare(got, key) == 1
	}, nil
}

const phpassAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func newPHPass(encoded string) (func(string) bool, error) {
	if len(encoded) != 34 || (!strings.HasPrefix(encoded, "$P$") && !strings.HasPrefix(encoded, "$H$")) {
		return nil, errors.New("not a 34-character $P$ or $H$ portable hash")
	}
	if i := strings.IndexFunc(encoded[3:], func(r rune) bool { return !strings.ContainsRune(phpassAlphabet, r) }); i >= 0 {
		return nil, fmt.Errorf("invalid character at offset %d", 3+i)
	}
	logRounds := strings.IndexByte(phpassAlphabet, encoded[3])
	if logRounds < 7 || logRounds > maxPHPassLogRounds {
		return nil, fmt.Errorf("log2 rounds %d not in [7, %d]", logRounds, maxPHPassLogRounds)
	}
	want := []byte(encoded)
	return func(password string) bool {
		got := phpassHash(encoded[:12], logRounds, password)
		return subtle.ConstantTimeCompare(got, want) == 1
	}, nil
}

// phpassHash computes a portable phpass hash: setting is "$P$" or "$H$", the
// rounds character and an 8-character salt.
func phpassHash(setting string, logRounds int, password string) []byte {
	sum := md5.Sum([]byte(setting[4:12] + password))
	buf := make([]byte, 0, md5.Size+len(password))
	for range 1 << logRounds {
		buf = append(append(buf[:0], sum[:]...), password...)
		sum = md5.Sum(buf)
	}
	return phpassEncode(append([]byte(setting), make([]byte, 0, 22)...), sum[:])
}

// phpassEncode appends phpass's little-endian base64 encoding of in to dst.
func phpassEncode(dst, in []byte) []byte {
	for i := 0; i < len(in); {
		v := uint(in[i])
		i++
		dst = append(dst, phpassAlphabet[v&0x3f])
		if i < len(in) {
			v |= uint(in[i]) << 8
		}
		dst = append(dst, phpassAlphabet[(v>>6)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		if i < len(in) {
			v |= uint(in[i]) << 16
		}
		dst = append(dst, phpassAlphabet[(v>>12)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		dst = append(dst, phpassAlphabet[(v>>18)&0x3f])
	}
	return dst
}

// parsePHCParams parses the PHC parameter list "k=v,k=v", which must hold
// exactly the given keys, each an unsigned 32-bit decimal.
func parsePHCParams(s string, keys ...string) (map[string]uint32, error) {
	out := make(map[string]uint32, len(keys))
	for kv := range strings.SplitSeq(s, ",") {
		k, v, _ := strings.Cut(kv, "=")
		if !slices.Contains(keys, k) {
			return nil, fmt.Errorf("unexpected PHC parameter %q", kv)
		}
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("duplicate PHC parameter %s", k)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("PHC parameter %s: %w", k, err)
		}
		out[k] = uint32(n)
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, fmt.Errorf("missing PHC parameter %s", k)
		}
	}
	return out, nil
}

func decodePHCSaltHash(salt, key string) ([]byte, []byte, error) {
	s, err := decodeBase64(salt)
	if err != nil {
		return nil, nil, fmt.Errorf("salt is not base64: %w", err)
	}
	k, err := decodeBase64(key)
	if err != nil {
		return nil, nil, fmt.Errorf("hash is not base64: %w", err)
	}
	return s, k, nil
}

// decodeBase64 decodes standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// checkKeyLength accepts a configured key length of zero or one equal to the
// decoded hash length.
func checkKeyLength(configured int32, actual int) error {
	if configured != 0 && int(configured) != actual {
		return fmt.Errorf("key length %d does not match the %d-byte hash", configured, actual)
	}
	return nil
}
