package main

import (
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// costlyHash is a migrate request body (without the email) and the password it was made from.
type costlyHash struct {
	name     string
	password string
	body     map[string]any
}

// hashSet is the abuse's hashes: the costliest ones the default caps admit (each checked over and
// over), and one per type a step over a cap (each sent to migrate once, never checked).
type hashSet struct {
	costly  []costlyHash
	overCap []costlyHash
}

// The emulator's default caps on migrated hashes (emulator.Limits; docs/security.md), which the
// "max" hashes sit exactly at. An emulator without caps accepts them too, at the same cost.
const (
	capBcryptCost      = 13
	capScryptLogN      = 17 // with r=8: 128·N·r = 128 MiB, the memory cap; N·r·p = 2^20, the work cap
	capScryptR         = 8
	capArgon2MemoryKiB = 128 << 10 // the memory cap; × t=2 is the argon2 work cap, 2^18
	capArgon2Time      = 2
	capArgon2Threads   = 16
	capPBKDF2SHA256    = 2_000_000 // iterations × 32-byte blocks
	capPBKDF2SHA512    = 500_000   // iterations × 64-byte blocks
	capPHPassLogRounds = 16
	capPasswordBytes   = 1024 // phpass hashes the password once per round: its length multiplies the work
)

// abuseHashes builds the hashes for cost "max" (at the default caps) or "min" (the same types and
// code paths, cheap to check).
func abuseHashes(cost string) (hashSet, error) {
	type params struct {
		bcrypt, scryptLogN, argonMem, argonTime, argonThreads, pbkdf256, pbkdf512, phpassLog, pwLen int
	}
	p := params{capBcryptCost, capScryptLogN, capArgon2MemoryKiB, capArgon2Time, capArgon2Threads, capPBKDF2SHA256, capPBKDF2SHA512, capPHPassLogRounds, capPasswordBytes}
	if cost == "min" {
		p = params{4, 4, 64, 1, 1, 1000, 1000, 7, 32}
	}
	pw := "soak-migrated-" + strings.Repeat("x", 58)
	longPW := strings.Repeat("p", p.pwLen)
	salt := randomBytes(16)
	b64 := base64.RawStdEncoding

	var set hashSet
	bc, err := bcrypt.GenerateFromPassword([]byte(pw), p.bcrypt)
	if err != nil {
		return hashSet{}, fmt.Errorf("bcrypt: %w", err)
	}
	set.costly = append(set.costly, costlyHash{name: fmt.Sprintf("bcrypt cost %d", p.bcrypt), password: pw,
		body: map[string]any{"hash_type": "bcrypt", "hash": string(bc)}})

	sk, err := scrypt.Key([]byte(pw), salt, 1<<p.scryptLogN, capScryptR, 1, 32)
	if err != nil {
		return hashSet{}, fmt.Errorf("scrypt: %w", err)
	}
	set.costly = append(set.costly, costlyHash{name: fmt.Sprintf("scrypt N=2^%d r=%d p=1", p.scryptLogN, capScryptR), password: pw,
		body: map[string]any{"hash_type": "scrypt", "hash": fmt.Sprintf("$scrypt$ln=%d,r=%d,p=1$%s$%s", p.scryptLogN, capScryptR, b64.EncodeToString(salt), b64.EncodeToString(sk))}})

	ak := argon2.IDKey([]byte(pw), salt, uint32(p.argonTime), uint32(p.argonMem), uint8(p.argonThreads), 32)
	set.costly = append(set.costly, costlyHash{name: fmt.Sprintf("argon2id m=%dKiB t=%d p=%d", p.argonMem, p.argonTime, p.argonThreads), password: pw,
		body: map[string]any{"hash_type": "argon_2id", "hash": fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.argonMem, p.argonTime, p.argonThreads, b64.EncodeToString(salt), b64.EncodeToString(ak))}})

	for _, k := range []struct {
		alg  string
		iter int
		size int
	}{{"sha256", p.pbkdf256, 32}, {"sha512", p.pbkdf512, 64}} {
		var key []byte
		if k.alg == "sha256" {
			key, err = pbkdf2.Key(sha256.New, pw, salt, k.iter, k.size)
		} else {
			key, err = pbkdf2.Key(sha512.New, pw, salt, k.iter, k.size)
		}
		if err != nil {
			return hashSet{}, fmt.Errorf("pbkdf2: %w", err)
		}
		set.costly = append(set.costly, costlyHash{name: fmt.Sprintf("pbkdf2-%s %d iterations", k.alg, k.iter), password: pw,
			body: map[string]any{"hash_type": "pbkdf_2", "hash": base64.StdEncoding.EncodeToString(key),
				"pbkdf_2_config": map[string]any{"salt": base64.StdEncoding.EncodeToString(salt), "iteration_amount": k.iter, "key_length": k.size, "algorithm": k.alg}}})
	}

	set.costly = append(set.costly, costlyHash{name: fmt.Sprintf("phpass 2^%d rounds, %d-byte password", p.phpassLog, p.pwLen), password: longPW,
		body: map[string]any{"hash_type": "phpass", "hash": phpass(longPW, p.phpassLog)}})

	// One step over a cap per type: the hash need not match anything, it is never checked.
	key := b64.EncodeToString(randomBytes(32))
	cheap, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		return hashSet{}, fmt.Errorf("bcrypt: %w", err)
	}
	set.overCap = []costlyHash{
		{name: fmt.Sprintf("bcrypt cost %d", capBcryptCost+1), body: map[string]any{"hash_type": "bcrypt",
			"hash": fmt.Sprintf("%s%02d%s", cheap[:4], capBcryptCost+1, cheap[6:])}},
		{name: fmt.Sprintf("scrypt N=2^%d r=%d", capScryptLogN+1, capScryptR), body: map[string]any{"hash_type": "scrypt",
			"hash": fmt.Sprintf("$scrypt$ln=%d,r=%d,p=1$%s$%s", capScryptLogN+1, capScryptR, b64.EncodeToString(salt), key)}},
		{name: fmt.Sprintf("argon2id m=%dKiB", 2*capArgon2MemoryKiB), body: map[string]any{"hash_type": "argon_2id",
			"hash": fmt.Sprintf("$argon2id$v=19$m=%d,t=1,p=1$%s$%s", 2*capArgon2MemoryKiB, b64.EncodeToString(salt), key)}},
		{name: fmt.Sprintf("pbkdf2-sha256 %d iterations", capPBKDF2SHA256+1), body: map[string]any{"hash_type": "pbkdf_2", "hash": base64.StdEncoding.EncodeToString(randomBytes(32)),
			"pbkdf_2_config": map[string]any{"salt": base64.StdEncoding.EncodeToString(salt), "iteration_amount": capPBKDF2SHA256 + 1, "key_length": 32, "algorithm": "sha256"}}},
		{name: "pbkdf2-sha256 1024-byte key", body: map[string]any{"hash_type": "pbkdf_2", "hash": base64.StdEncoding.EncodeToString(randomBytes(1024)),
			"pbkdf_2_config": map[string]any{"salt": base64.StdEncoding.EncodeToString(salt), "iteration_amount": 1000, "key_length": 1024, "algorithm": "sha256"}}},
		{name: fmt.Sprintf("phpass 2^%d rounds", capPHPassLogRounds+1), body: map[string]any{"hash_type": "phpass",
			"hash": phpassSetting(capPHPassLogRounds+1) + strings.Repeat(".", 22)}},
	}
	return set, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// itoa64 is phpass's alphabet.
const itoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// phpassSetting is the first 12 characters of a portable ($P$) phpass hash: the log2 round count
// and a random 8-character salt.
func phpassSetting(logRounds int) string {
	salt := make([]byte, 8)
	for i, b := range randomBytes(8) {
		salt[i] = itoa64[b&0x3f]
	}
	return "$P$" + string(itoa64[logRounds]) + string(salt)
}

// phpass is the portable phpass hash of password with 2^logRounds rounds (WordPress's $P$ format).
func phpass(password string, logRounds int) string {
	return phpassWithSetting(password, phpassSetting(logRounds))
}

// phpassWithSetting hashes password with a 12-character setting: "$P$", the log2 round count and
// the salt.
func phpassWithSetting(password, setting string) string {
	logRounds := strings.IndexByte(itoa64, setting[3])
	sum := md5.Sum([]byte(setting[4:12] + password))
	buf := make([]byte, 0, md5.Size+len(password))
	for range 1 << logRounds {
		buf = append(append(buf[:0], sum[:]...), password...)
		sum = md5.Sum(buf)
	}
	return setting + phpassEncode(sum[:])
}

// phpassEncode is phpass's encode64: little-endian groups of 6 bits.
func phpassEncode(in []byte) string {
	var out strings.Builder
	for i := 0; i < len(in); {
		v := int(in[i])
		i++
		out.WriteByte(itoa64[v&0x3f])
		if i < len(in) {
			v |= int(in[i]) << 8
		}
		out.WriteByte(itoa64[(v>>6)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		if i < len(in) {
			v |= int(in[i]) << 16
		}
		out.WriteByte(itoa64[(v>>12)&0x3f])
		if i >= len(in) {
			break
		}
		i++
		out.WriteByte(itoa64[(v>>18)&0x3f])
	}
	return out.String()
}
