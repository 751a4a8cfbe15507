package password

import (
	"context"
	"crypto/md5"
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

// bcryptMaxPasswordLen is where bcrypt implementations truncate a password.
const bcryptMaxPasswordLen = 72

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
	verify      func(ctx context.Context, password string) (bool, error)
	maxPassword int
	slow        bool
	threads     int // the threads a check uses at once (argon2's lanes), 1 when 0
}

// Verify reports whether password matches the migrated hash. Digests are
// compared in constant time. A password longer than the Limits'
// MaxPasswordBytes does not match. Verify fails with ctx's error when ctx
// has ended, before it starts or, for PBKDF2 and phpass, part way.
func (m Migrated) Verify(ctx context.Context, password string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if m.verify == nil || len(password) > m.maxPassword {
		return false, nil
	}
	return m.verify(ctx, password)
}

// Slow reports whether checking a password costs more than a plain digest
// (every type but md_5, sha_1 and sha_512): such checks go through a Gate.
func (m Migrated) Slow() bool { return m.slow }

// NewMigrated parses and validates hash for the Stytch hash type hashType and
// returns a Migrated that verifies passwords against it, refusing any hash
// whose parameters exceed lim (zero fields take DefaultLimits). Accepted
// formats:
//
//   - "bcrypt": a 60-character $2a$, $2b$ or $2y$ string.
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
// An unknown hashType yields an error wrapping ErrInvalidHashType; a
// malformed hash or config, or one over the limits, yields a *HashError
// (which matches ErrInvalidHash) naming the Stytch error_type for it.
func NewMigrated(hashType, hash string, cfg MigrateConfig, lim Limits) (Migrated, error) {
	p := parser{lim: lim.withDefaults()}
	var (
		verify  func(context.Context, string) (bool, error)
		err     error
		slow    = true
		threads = 1
	)
	switch hashType {
	case "bcrypt":
		verify, err = p.bcrypt(hash)
	case "md_5":
		verify, err = p.digest(md5.New, "invalid_md_5_hash", hash, cfg.MD5)
		slow = false
	case "sha_1":
		verify, err = p.digest(sha1.New, "invalid_sha_1_hash", hash, cfg.SHA1)
		slow = false
	case "sha_512":
		verify, err = p.digest(sha512.New, "invalid_hash", hash, cfg.SHA512)
		slow = false
	case "argon_2i":
		verify, threads, err = p.argon2(argon2.Key, "argon2i", hash, cfg.Argon2)
	case "argon_2id":
		verify, threads, err = p.argon2(argon2.IDKey, "argon2id", hash, cfg.Argon2)
	case "scrypt":
		verify, err = p.scrypt(hash, cfg.Scrypt)
	case "pbkdf_2":
		verify, err = p.pbkdf2(hash, cfg.PBKDF2)
	case "phpass":
		verify, err = p.phpass(hash)
	default:
		return Migrated{}, fmt.Errorf("%w %q", ErrInvalidHashType, hashType)
	}
	if err != nil {
		return Migrated{}, asHashError(hashType, err)
	}
	return Migrated{verify: verify, maxPassword: p.lim.MaxPasswordBytes, slow: slow, threads: threads}, nil
}

// parser builds verifiers within its limits.
type parser struct {
	lim Limits
}

const bcryptAlphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

func (ps parser) bcrypt(encoded string) (func(context.Context, string) (bool, error), error) {
	if len(encoded) != 60 || !strings.HasPrefix(encoded, "$2") ||
		!strings.Contains("aby", encoded[2:3]) || encoded[3] != '$' || encoded[6] != '$' {
		return nil, refuseAs("invalid_bcrypt_hash", "not a 60-character $2a$, $2b$ or $2y$ string")
	}
	if i := strings.IndexFunc(encoded[7:], func(r rune) bool { return !strings.ContainsRune(bcryptAlphabet, r) }); i >= 0 {
		return nil, refuseAs("invalid_bcrypt_hash", "invalid character at offset %d", 7+i)
	}
	cost, err := strconv.Atoi(encoded[4:6])
	if err != nil || cost < bcrypt.MinCost || cost > ps.lim.MaxBcryptCost {
		return nil, refuseAs("invalid_bcrypt_cost", "cost %q is not in [%d, %d]", encoded[4:6], bcrypt.MinCost, ps.lim.MaxBcryptCost)
	}
	stored := []byte(encoded)
	return func(_ context.Context, password string) (bool, error) {
		p := []byte(password)
		if len(p) > bcryptMaxPasswordLen {
			p = p[:bcryptMaxPasswordLen]
		}
		return bcrypt.CompareHashAndPassword(stored, p) == nil, nil
	}, nil
}

func (ps parser) digest(newHash func() hash.Hash, errorType, encoded string, cfg *SaltConfig) (func(context.Context, string) (bool, error), error) {
	want, err := hex.DecodeString(encoded)
	if err != nil {
		return nil, refuseAs(errorType, "the hash is not hex")
	}
	if size := newHash().Size(); len(want) != size {
		return nil, refuseAs(errorType, "the hash is %d bytes, want %d", len(want), size)
	}
	var salt SaltConfig
	if cfg != nil {
		salt = *cfg
	}
	if len(salt.PrependSalt) > ps.lim.MaxSaltBytes || len(salt.AppendSalt) > ps.lim.MaxSaltBytes {
		return nil, refuseAs(errorType, "a salt is longer than %d bytes", ps.lim.MaxSaltBytes)
	}
	return func(_ context.Context, password string) (bool, error) {
		h := newHash()
		_, _ = io.WriteString(h, salt.PrependSalt)
		_, _ = io.WriteString(h, password)
		_, _ = io.WriteString(h, salt.AppendSalt)
		return subtle.ConstantTimeCompare(h.Sum(nil), want) == 1, nil
	}, nil
}

type argon2KDF func(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte

type argon2Params struct {
	salt, key             []byte
	time, memory, threads uint32
}

// argon2 also returns the threads (lanes) a check uses at once.
func (ps parser) argon2(kdf argon2KDF, variant, encoded string, cfg *Argon2Config) (func(context.Context, string) (bool, error), int, error) {
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
		return nil, 0, err
	}
	lim := ps.lim
	switch {
	case p.time < 1:
		return nil, 0, invalid("iterations must be at least 1")
	case p.threads < 1 || int64(p.threads) > int64(lim.MaxArgon2Threads):
		return nil, 0, invalid("threads %d not in [1, %d]", p.threads, lim.MaxArgon2Threads)
	case p.memory < 8*p.threads:
		return nil, 0, invalid("memory %d KiB is below 8*threads", p.memory)
	case int64(p.memory) > lim.MaxMemoryKiB:
		return nil, 0, invalid("memory %d KiB exceeds %d KiB", p.memory, lim.MaxMemoryKiB)
	case int64(p.memory)*int64(p.time) > lim.MaxArgon2Work:
		return nil, 0, invalid("memory*iterations %d exceeds %d", int64(p.memory)*int64(p.time), lim.MaxArgon2Work)
	case len(p.key) < 4 || len(p.key) > lim.MaxKeyBytes:
		return nil, 0, invalid("the hash is %d bytes, want 4 to %d", len(p.key), lim.MaxKeyBytes)
	case len(p.salt) > lim.MaxSaltBytes:
		return nil, 0, refuseAs("invalid_argon_2_salt", "the salt is longer than %d bytes", lim.MaxSaltBytes)
	}
	return func(_ context.Context, password string) (bool, error) {
		got := kdf([]byte(password), p.salt, p.time, p.memory, uint8(p.threads), uint32(len(p.key)))
		return subtle.ConstantTimeCompare(got, p.key) == 1, nil
	}, int(p.threads), nil
}

func parseArgon2PHC(variant, encoded string) (argon2Params, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 6 || f[1] != variant {
		return argon2Params{}, invalid("not a PHC string $%s$v=19$m=<KiB>,t=<iterations>,p=<threads>$<salt>$<hash>", variant)
	}
	if f[2] != "v=19" {
		return argon2Params{}, invalid("unsupported version %q, want v=19", f[2])
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
		return argon2Params{}, invalid("the hash is not a PHC string and no argon_2_config was given")
	}
	key, err := hex.DecodeString(encoded)
	if err != nil {
		return argon2Params{}, invalid("the hash is neither a PHC string nor hex")
	}
	if err := checkKeyLength(cfg.KeyLength, len(key), "invalid_hash"); err != nil {
		return argon2Params{}, err
	}
	if cfg.IterationAmount < 1 || cfg.Memory < 1 || cfg.Threads < 1 {
		return argon2Params{}, invalid("iteration_amount, memory and threads must be positive")
	}
	return argon2Params{
		salt:    []byte(cfg.Salt),
		key:     key,
		time:    uint32(cfg.IterationAmount),
		memory:  uint32(cfg.Memory),
		threads: uint32(cfg.Threads),
	}, nil
}

// scryptMaxN is the largest scrypt N Stytch's migrate endpoint accepts.
const scryptMaxN = 262_144

type scryptParams struct {
	salt, key []byte
	n, r, p   int64
}

func (ps parser) scrypt(encoded string, cfg *ScryptConfig) (func(context.Context, string) (bool, error), error) {
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
	lim := ps.lim
	switch {
	case p.n < 2 || p.n > scryptMaxN || p.n&(p.n-1) != 0:
		// Stytch: "a power of two greater than 1 and less than 262,145".
		return nil, invalid("N %d is not a power of two in [2, %d]", p.n, scryptMaxN)
	case p.r < 1 || p.r > int64(lim.MaxScryptR):
		return nil, invalid("r %d not in [1, %d]", p.r, lim.MaxScryptR)
	case p.p < 1 || p.p > int64(lim.MaxScryptP):
		return nil, invalid("p %d not in [1, %d]", p.p, lim.MaxScryptP)
	case p.n > lim.MaxMemoryKiB<<10/(128*p.r):
		return nil, invalid("128*N*r exceeds %d KiB", lim.MaxMemoryKiB)
	case p.n*p.r*p.p > lim.MaxScryptWork:
		return nil, invalid("N*r*p %d exceeds %d", p.n*p.r*p.p, lim.MaxScryptWork)
	case len(p.key) == 0 || len(p.key) > lim.MaxKeyBytes:
		return nil, invalid("the hash is %d bytes, want 1 to %d", len(p.key), lim.MaxKeyBytes)
	case len(p.salt) > lim.MaxSaltBytes:
		return nil, refuseAs("invalid_scrypt_salt_length", "the salt is longer than %d bytes", lim.MaxSaltBytes)
	}
	return func(_ context.Context, password string) (bool, error) {
		got, err := scrypt.Key([]byte(password), p.salt, int(p.n), int(p.r), int(p.p), len(p.key))
		return err == nil && subtle.ConstantTimeCompare(got, p.key) == 1, nil
	}, nil
}

func parseScryptPHC(encoded string) (scryptParams, error) {
	f := strings.Split(encoded, "$")
	if len(f) != 5 || f[1] != "scrypt" {
		return scryptParams{}, invalid("not a PHC string $scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt>$<hash>")
	}
	params, err := parsePHCParams(f[2], "ln", "r", "p")
	if err != nil {
		return scryptParams{}, err
	}
	if params["ln"] < 1 || params["ln"] > 30 {
		return scryptParams{}, invalid("ln %d not in [1, 30]", params["ln"])
	}
	salt, key, err := decodePHCSaltHash(f[3], f[4])
	if err != nil {
		return scryptParams{}, err
	}
	return scryptParams{salt: salt, key: key, n: 1 << params["ln"], r: int64(params["r"]), p: int64(params["p"])}, nil
}

func scryptFromConfig(encoded string, cfg *ScryptConfig) (scryptParams, error) {
	if cfg == nil {
		return scryptParams{}, invalid("the hash is not a PHC string and no scrypt_config was given")
	}
	key, err := decodeBase64(encoded)
	if err != nil {
		return scryptParams{}, refuseAs("invalid_base64_scrypt_hash", "the hash is neither a PHC string nor base64")
	}
	salt, err := decodeBase64(cfg.Salt)
	if err != nil {
		return scryptParams{}, invalid("the salt is not base64")
	}
	if err := checkKeyLength(cfg.KeyLength, len(key), "scrypt_key_length_mismatch"); err != nil {
		return scryptParams{}, err
	}
	return scryptParams{salt: salt, key: key, n: int64(cfg.NParameter), r: int64(cfg.RParameter), p: int64(cfg.PParameter)}, nil
}

func (ps parser) pbkdf2(encoded string, cfg *PBKDF2Config) (func(context.Context, string) (bool, error), error) {
	if cfg == nil {
		return nil, invalid("a pbkdf_2_config is required")
	}
	key, err := decodeBase64(encoded)
	if err != nil {
		return nil, refuseAs("invalid_pbkdf_2_hash", "the hash is not base64")
	}
	if len(key) == 0 || len(key) > ps.lim.MaxKeyBytes {
		return nil, refuseAs("invalid_pbkdf_2_hash", "the hash is %d bytes, want 1 to %d", len(key), ps.lim.MaxKeyBytes)
	}
	salt, err := decodeBase64(cfg.Salt)
	if err != nil {
		return nil, refuseAs("invalid_pbkdf_2_salt", "the salt is not base64")
	}
	if len(salt) > ps.lim.MaxSaltBytes {
		return nil, refuseAs("invalid_pbkdf_2_salt", "the salt is longer than %d bytes", ps.lim.MaxSaltBytes)
	}
	if err := checkKeyLength(cfg.KeyLength, len(key), "pbkdf_2_key_length_mismatch"); err != nil {
		return nil, err
	}
	var (
		newHash func() hash.Hash
		maxWork = ps.lim.MaxPBKDF2Work
	)
	switch strings.ToLower(cfg.Algorithm) {
	case "", "sha256":
		newHash = sha256.New
	case "sha512":
		newHash, maxWork = sha512.New, ps.lim.MaxPBKDF2SHA512Work
	case "sha1":
		newHash = sha1.New
	default:
		return nil, invalid("unsupported algorithm %q", cfg.Algorithm)
	}
	iter := int64(cfg.IterationAmount)
	blocks := pbkdf2Blocks(len(key), newHash().Size())
	if iter < 1 || iter*blocks > maxWork {
		return nil, refuseAs("invalid_pbkdf_2_iteration_amount",
			"iteration_amount %d × %d output blocks is not in [1, %d]", iter, blocks, maxWork)
	}
	return func(ctx context.Context, password string) (bool, error) {
		got, err := pbkdf2Key(ctx, newHash, password, salt, int(iter), len(key))
		if err != nil {
			return false, err
		}
		return subtle.ConstantTimeCompare(got, key) == 1, nil
	}, nil
}

const phpassAlphabet = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

func (ps parser) phpass(encoded string) (func(context.Context, string) (bool, error), error) {
	if !strings.HasPrefix(encoded, "$P$") && !strings.HasPrefix(encoded, "$H$") {
		return nil, refuseAs("invalid_phpass_hash_prefix", "the hash does not start with $P$ or $H$")
	}
	if len(encoded) != 34 {
		return nil, invalid("not a 34-character portable hash")
	}
	if i := strings.IndexFunc(encoded[3:], func(r rune) bool { return !strings.ContainsRune(phpassAlphabet, r) }); i >= 0 {
		return nil, invalid("invalid character at offset %d", 3+i)
	}
	logRounds := strings.IndexByte(phpassAlphabet, encoded[3])
	if logRounds < 7 || logRounds > ps.lim.MaxPHPassLogRounds {
		return nil, invalid("log2 rounds %d not in [7, %d]", logRounds, ps.lim.MaxPHPassLogRounds)
	}
	want := []byte(encoded)
	return func(ctx context.Context, password string) (bool, error) {
		got, err := phpassHash(ctx, encoded[:12], logRounds, password)
		if err != nil {
			return false, err
		}
		return subtle.ConstantTimeCompare(got, want) == 1, nil
	}, nil
}

// phpassHash computes a portable phpass hash: setting is "$P$" or "$H$", the
// rounds character and an 8-character salt. It stops with ctx's error when
// ctx ends.
func phpassHash(ctx context.Context, setting string, logRounds int, password string) ([]byte, error) {
	sum := md5.Sum([]byte(setting[4:12] + password))
	buf := make([]byte, 0, md5.Size+len(password))
	for i := range 1 << logRounds {
		if i%pollEvery == pollEvery-1 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		buf = append(append(buf[:0], sum[:]...), password...)
		sum = md5.Sum(buf)
	}
	return phpassEncode(append([]byte(setting), make([]byte, 0, 22)...), sum[:]), nil
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
			return nil, invalid("unexpected PHC parameter %q", kv)
		}
		if _, dup := out[k]; dup {
			return nil, invalid("duplicate PHC parameter %s", k)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, invalid("PHC parameter %s is not an unsigned 32-bit number", k)
		}
		out[k] = uint32(n)
	}
	for _, k := range keys {
		if _, ok := out[k]; !ok {
			return nil, invalid("missing PHC parameter %s", k)
		}
	}
	return out, nil
}

func decodePHCSaltHash(salt, key string) ([]byte, []byte, error) {
	s, err := decodeBase64(salt)
	if err != nil {
		return nil, nil, invalid("the salt is not base64")
	}
	k, err := decodeBase64(key)
	if err != nil {
		return nil, nil, invalid("the hash is not base64")
	}
	return s, k, nil
}

// decodeBase64 decodes standard base64 with or without padding.
func decodeBase64(s string) ([]byte, error) {
	return base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
}

// checkKeyLength accepts a configured key length of zero or one equal to the
// decoded hash length; a mismatch is refused with errorType.
func checkKeyLength(configured int32, actual int, errorType string) error {
	if configured != 0 && int(configured) != actual {
		return refuseAs(errorType, "key_length %d does not match the %d-byte hash", configured, actual)
	}
	return nil
}
