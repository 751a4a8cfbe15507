package password

import (
	"context"
	"crypto/md5"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/scrypt"
)

// tiny are limits small enough that a hash exactly at them is cheap to
// check, so the accept side of every cap runs in the tests.
var tiny = Limits{
	MaxPasswordBytes:    16,
	MaxSaltBytes:        8,
	MaxKeyBytes:         24,
	MaxBcryptCost:       5,
	MaxPBKDF2Work:       64,
	MaxPBKDF2SHA512Work: 16,
	MaxScryptWork:       64,
	MaxScryptR:          4,
	MaxScryptP:          2,
	MaxMemoryKiB:        64,
	MaxArgon2Work:       128,
	MaxArgon2Threads:    2,
	MaxPHPassLogRounds:  8,
}

func pbkdf2B64(h func() hash.Hash, salt []byte, iter, keyLen int) string {
	return b64(must(pbkdf2.Key(h, rightPW, salt, iter, keyLen)))
}

func scryptB64(salt []byte, n, r, p, keyLen int) string {
	return b64(must(scrypt.Key([]byte(rightPW), salt, n, r, p, keyLen)))
}

func scryptCfg(salt []byte, n, r, p int) MigrateConfig {
	return MigrateConfig{Scrypt: &ScryptConfig{Salt: b64(salt), NParameter: int32(n), RParameter: int32(r), PParameter: int32(p)}}
}

func pbkdf2Cfg(salt []byte, iter int, alg string) MigrateConfig {
	return MigrateConfig{PBKDF2: &PBKDF2Config{Salt: b64(salt), IterationAmount: int32(iter), Algorithm: alg}}
}

func argon2Hash(salt []byte, m, tm, p, keyLen int) string {
	return argon2PHC("argon2id", argon2.IDKey([]byte(rightPW), salt, uint32(tm), uint32(m), uint8(p), uint32(keyLen)), salt, m, tm, p)
}

// phpassWithRounds is a $P$ hash of rightPW with 2^logRounds rounds.
func phpassWithRounds(t *testing.T, logRounds int) string {
	t.Helper()
	setting := "$P$" + string(phpassAlphabet[logRounds]) + "saltsalt"
	return string(must(phpassHash(t.Context(), setting, logRounds, rightPW)))
}

func TestLimitsAdmitAtTheCapAndRefuseAbove(t *testing.T) {
	t.Parallel()
	salt8 := []byte("12345678")
	saltN := func(n int) []byte { return []byte(strings.Repeat("s", n)) }
	pb := func(h func() hash.Hash, alg string, iter, keyLen int, salt []byte) (string, MigrateConfig) {
		return pbkdf2B64(h, salt, iter, keyLen), pbkdf2Cfg(salt, iter, alg)
	}
	sc := func(n, r, p int, salt []byte) (string, MigrateConfig) {
		return scryptB64(salt, n, r, p, 16), scryptCfg(salt, n, r, p)
	}
	ar := func(m, tm, p, keyLen int, salt []byte) (string, MigrateConfig) {
		return argon2Hash(salt, m, tm, p, keyLen), MigrateConfig{}
	}
	// Each case builds a hash whose parameter n is exactly at the cap (at)
	// and one step above it (above); reason names the cap that refuses it.
	tests := []struct {
		name, hashType, errorType, reason string
		lim                               *Limits // nil: tiny
		at, above                         int
		gen                               func(t *testing.T, n int) (string, MigrateConfig)
	}{
		{"bcrypt cost", "bcrypt", "invalid_bcrypt_cost", "cost", nil, 5, 6, func(_ *testing.T, n int) (string, MigrateConfig) {
			return string(must(bcrypt.GenerateFromPassword([]byte(rightPW), n))), MigrateConfig{}
		}},
		{"pbkdf2 iterations", "pbkdf_2", "invalid_pbkdf_2_iteration_amount", "iteration_amount", nil, 64, 65, func(_ *testing.T, n int) (string, MigrateConfig) {
			return pb(sha256.New, "", n, 20, salt8)
		}},
		{"pbkdf2 iterations × output blocks", "pbkdf_2", "invalid_pbkdf_2_iteration_amount", "× 2 output blocks", nil, 32, 33, func(_ *testing.T, n int) (string, MigrateConfig) {
			return pb(sha1.New, "sha1", n, 24, salt8)
		}},
		{"pbkdf2-sha512 iterations", "pbkdf_2", "invalid_pbkdf_2_iteration_amount", "iteration_amount", nil, 16, 17, func(_ *testing.T, n int) (string, MigrateConfig) {
			return pb(sha512.New, "sha512", n, 24, salt8)
		}},
		{"pbkdf2 key length", "pbkdf_2", "invalid_pbkdf_2_hash", "bytes", nil, 24, 25, func(_ *testing.T, n int) (string, MigrateConfig) {
			return pb(sha256.New, "", 2, n, salt8)
		}},
		{"pbkdf2 salt", "pbkdf_2", "invalid_pbkdf_2_salt", "salt", nil, 8, 9, func(_ *testing.T, n int) (string, MigrateConfig) {
			return pb(sha256.New, "", 2, 16, saltN(n))
		}},
		{"scrypt N·r·p", "scrypt", "invalid_hash", "N*r*p", nil, 16, 32, func(_ *testing.T, n int) (string, MigrateConfig) {
			return sc(n, 2, 2, salt8)
		}},
		{"scrypt memory 128·N·r", "scrypt", "invalid_hash", "128*N*r", &Limits{MaxMemoryKiB: 64, MaxScryptWork: 1 << 20}, 128, 256, func(_ *testing.T, n int) (string, MigrateConfig) {
			return sc(n, 4, 1, salt8)
		}},
		{"scrypt r", "scrypt", "invalid_hash", "r ", nil, 4, 5, func(_ *testing.T, n int) (string, MigrateConfig) {
			return sc(2, n, 1, salt8)
		}},
		{"scrypt p", "scrypt", "invalid_hash", "p ", nil, 2, 3, func(_ *testing.T, n int) (string, MigrateConfig) {
			return sc(2, 1, n, salt8)
		}},
		{"scrypt salt", "scrypt", "invalid_scrypt_salt_length", "salt", nil, 8, 9, func(_ *testing.T, n int) (string, MigrateConfig) {
			return sc(2, 1, 1, saltN(n))
		}},
		{"argon2 memory", "argon_2id", "invalid_hash", "memory", nil, 64, 65, func(_ *testing.T, n int) (string, MigrateConfig) {
			return ar(n, 1, 1, 16, salt8)
		}},
		{"argon2 memory × passes", "argon_2id", "invalid_hash", "memory*iterations", nil, 4, 5, func(_ *testing.T, n int) (string, MigrateConfig) {
			return ar(32, n, 1, 16, salt8)
		}},
		{"argon2 threads", "argon_2id", "invalid_hash", "threads", nil, 2, 3, func(_ *testing.T, n int) (string, MigrateConfig) {
			return ar(24, 1, n, 16, salt8)
		}},
		{"argon2 key length", "argon_2id", "invalid_hash", "bytes", nil, 24, 25, func(_ *testing.T, n int) (string, MigrateConfig) {
			return ar(16, 1, 1, n, salt8)
		}},
		{"argon2 salt", "argon_2id", "invalid_argon_2_salt", "salt", nil, 8, 9, func(_ *testing.T, n int) (string, MigrateConfig) {
			return ar(16, 1, 1, 16, saltN(n))
		}},
		{"phpass rounds", "phpass", "invalid_hash", "rounds", nil, 8, 9, func(t *testing.T, n int) (string, MigrateConfig) {
			return phpassWithRounds(t, n), MigrateConfig{}
		}},
		{"md5 salt", "md_5", "invalid_md_5_hash", "salt", nil, 8, 9, func(_ *testing.T, n int) (string, MigrateConfig) {
			s := strings.Repeat("s", n)
			return hex.EncodeToString(md5Of(s + rightPW)), MigrateConfig{MD5: &SaltConfig{PrependSalt: s}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			lim := tiny
			if tt.lim != nil {
				lim = *tt.lim
			}
			hash, cfg := tt.gen(t, tt.at)
			m, err := NewMigrated(tt.hashType, hash, cfg, lim)
			require.NoError(t, err, "at the cap")
			assert.True(t, verify(t, m, rightPW))
			assert.False(t, verify(t, m, wrongPW))

			hash, cfg = tt.gen(t, tt.above)
			_, err = NewMigrated(tt.hashType, hash, cfg, lim)
			var herr *HashError
			require.ErrorAs(t, err, &herr, "above the cap")
			assert.Equal(t, tt.errorType, herr.ErrorType)
			assert.Equal(t, tt.hashType, herr.HashType)
			assert.Contains(t, herr.Reason, tt.reason)
			assert.ErrorIs(t, err, ErrInvalidHash)
		})
	}
}

// The costly parameters an attacker sends are refused at the default
// limits, before any work is done.
func TestDefaultLimitsRefuseCostlyHashes(t *testing.T) {
	t.Parallel()
	salt := b64([]byte("0123456789abcdef"))
	key32 := b64(make([]byte, 32))
	tests := []struct {
		name, hashType, hash string
		cfg                  MigrateConfig
		errorType            string
	}{
		{"pbkdf2 ten million iterations", "pbkdf_2", key32,
			MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 10_000_000}}, "invalid_pbkdf_2_iteration_amount"},
		{"pbkdf2 700 KB key", "pbkdf_2", b64(make([]byte, 700_000)),
			MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 1000}}, "invalid_pbkdf_2_hash"},
		{"pbkdf2 sha512 one million iterations", "pbkdf_2", b64(make([]byte, 64)),
			MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 1_000_000, Algorithm: "sha512"}}, "invalid_pbkdf_2_iteration_amount"},
		{"phpass 2^24 rounds", "phpass", "$P$MIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", MigrateConfig{}, "invalid_hash"},
		{"scrypt r 2^20 p 16", "scrypt", "$scrypt$ln=1,r=1048576,p=16$" + salt + "$" + key32, MigrateConfig{}, "invalid_hash"},
		{"scrypt N 2^18 r 8", "scrypt", "$scrypt$ln=18,r=8,p=1$" + salt + "$" + key32, MigrateConfig{}, "invalid_hash"},
		{"argon2 256 MiB", "argon_2id", "$argon2id$v=19$m=262144,t=1,p=1$" + salt + "$" + key32, MigrateConfig{}, "invalid_hash"},
		{"argon2 255 threads", "argon_2id", "$argon2id$v=19$m=4080,t=1,p=255$" + salt + "$" + key32, MigrateConfig{}, "invalid_hash"},
		{"argon2 64 MiB × 8 passes", "argon_2id", "$argon2id$v=19$m=65536,t=8,p=1$" + salt + "$" + key32, MigrateConfig{}, "invalid_hash"},
		{"bcrypt cost 16", "bcrypt", "$2a$16$" + strings.Repeat("a", 53), MigrateConfig{}, "invalid_bcrypt_cost"},
		{"argon2 1 MB salt", "argon_2id", "", MigrateConfig{Argon2: &Argon2Config{Salt: strings.Repeat("s", 1<<20), IterationAmount: 1, Memory: 64, Threads: 1}}, "invalid_argon_2_salt"},
	}
	tests[len(tests)-1].hash = hex.EncodeToString(make([]byte, 32))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewMigrated(tt.hashType, tt.hash, tt.cfg, Limits{})
			var herr *HashError
			require.ErrorAs(t, err, &herr)
			assert.Equal(t, tt.errorType, herr.ErrorType, herr.Reason)
		})
	}
}

// The defaults admit what real systems store (see Limits).
func TestDefaultLimitsAdmitRealWorldSettings(t *testing.T) {
	t.Parallel()
	salt := b64([]byte("0123456789abcdef"))
	key32, key64 := b64(make([]byte, 32)), b64(make([]byte, 64))
	tests := []struct {
		name, hashType, hash string
		cfg                  MigrateConfig
	}{
		{"Django 6.1 PBKDF2-SHA256", "pbkdf_2", key32, MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 1_500_000}}},
		{"OWASP PBKDF2-SHA1", "pbkdf_2", b64(make([]byte, 20)), MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 1_300_000, Algorithm: "sha1"}}},
		{"OWASP PBKDF2-SHA512", "pbkdf_2", key64, MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 210_000, Algorithm: "sha512"}}},
		{"OWASP scrypt", "scrypt", "$scrypt$ln=17,r=8,p=1$" + salt + "$" + key32, MigrateConfig{}},
		{"Django argon2", "argon_2id", "$argon2id$v=19$m=102400,t=2,p=8$" + salt + "$" + key32, MigrateConfig{}},
		{"RFC 9106 second recommendation", "argon_2id", "$argon2id$v=19$m=65536,t=3,p=4$" + salt + "$" + key32, MigrateConfig{}},
		{"bcrypt cost 13", "bcrypt", "$2b$13$" + strings.Repeat("a", 53), MigrateConfig{}},
		{"WordPress phpass", "phpass", "$P$BIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", MigrateConfig{}},
	}
	for _, tt := range tests {
		_, err := NewMigrated(tt.hashType, tt.hash, tt.cfg, Limits{})
		assert.NoError(t, err, tt.name)
	}
}

func TestPasswordOverTheCapDoesNotMatch(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("p", 17)
	m, err := NewMigrated("md_5", hex.EncodeToString(md5Of(long)), MigrateConfig{}, tiny)
	require.NoError(t, err)
	assert.False(t, verify(t, m, long))
	m, err = NewMigrated("md_5", hex.EncodeToString(md5Of(long[:16])), MigrateConfig{}, tiny)
	require.NoError(t, err)
	assert.True(t, verify(t, m, long[:16]))
}

// countdown is a context that reports cancellation once Err has been asked
// more than n times: it shows a loop looks at its context part way.
type countdown struct {
	context.Context
	n atomic.Int64
}

func (c *countdown) Err() error {
	if c.n.Add(-1) < 0 {
		return context.Canceled
	}
	return nil
}

func TestVerifyStopsPartWayWhenTheContextEnds(t *testing.T) {
	t.Parallel()
	salt := []byte("0123456789abcdef")
	lim := Limits{MaxPBKDF2Work: 4 * pollEvery, MaxPHPassLogRounds: 12}
	pb, err := NewMigrated("pbkdf_2", pbkdf2B64(sha256.New, salt, 4*pollEvery, 32), pbkdf2Cfg(salt, 4*pollEvery, ""), lim)
	require.NoError(t, err)
	ph, err := NewMigrated("phpass", phpassWithRounds(t, 12), MigrateConfig{}, lim)
	require.NoError(t, err)
	for name, m := range map[string]Migrated{"pbkdf2": pb, "phpass": ph} {
		assert.True(t, verify(t, m, rightPW), name)
		// Err answers nil for the check before the work starts and once in
		// the loop, then reports cancellation: Verify stops part way.
		ctx := &countdown{Context: t.Context()}
		ctx.n.Store(2)
		ok, err := m.Verify(ctx, rightPW)
		assert.ErrorIs(t, err, context.Canceled, name)
		assert.False(t, ok, name)
		assert.Negative(t, ctx.n.Load(), name)
	}
}

func TestVerifyDoesNotStartAfterTheContextEnded(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	m, err := NewMigrated("bcrypt", bcryptHash(rightPW), MigrateConfig{}, Limits{})
	require.NoError(t, err)
	ok, err := m.Verify(ctx, rightPW)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ok)
}

func TestPBKDF2MatchesTheStandardLibrary(t *testing.T) {
	t.Parallel()
	for _, h := range []func() hash.Hash{sha1.New, sha256.New, sha512.New} {
		for _, keyLen := range []int{1, 20, 32, 65, 128} {
			for _, iter := range []int{1, 2, pollEvery + 3} {
				want := must(pbkdf2.Key(h, rightPW, []byte("salt"), iter, keyLen))
				got, err := pbkdf2Key(t.Context(), h, rightPW, []byte("salt"), iter, keyLen)
				require.NoError(t, err)
				require.Equal(t, want, got, fmt.Sprintf("%d-byte key, %d iterations", keyLen, iter))
			}
		}
	}
}

func TestGate(t *testing.T) {
	t.Parallel()
	slow, err := NewMigrated("bcrypt", bcryptHash(rightPW), MigrateConfig{}, Limits{})
	require.NoError(t, err)
	fast, err := NewMigrated("md_5", hex.EncodeToString(md5Of(rightPW)), MigrateConfig{}, Limits{})
	require.NoError(t, err)
	require.True(t, slow.Slow())
	require.False(t, fast.Slow())

	g := NewGate(1, 1)
	ok, err := g.Verify(t.Context(), slow, rightPW)
	require.NoError(t, err)
	require.True(t, ok, "a free slot checks at once")

	g.slots <- struct{}{} // every slot taken
	ok, err = g.Verify(t.Context(), fast, rightPW)
	require.NoError(t, err)
	require.True(t, ok, "plain digests do not wait for a slot")

	// One request may wait: it gives up when its context ends.
	waiting := make(chan error, 1)
	cctx, cancel := context.WithCancel(t.Context())
	go func() {
		_, err := g.Verify(cctx, slow, rightPW)
		waiting <- err
	}()
	for g.waiting.Load() == 0 {
		runtime.Gosched() // let the waiter take its place in the queue
	}
	// The queue (one place) is full: the next one is refused at once.
	_, err = g.Verify(t.Context(), slow, rightPW)
	require.ErrorIs(t, err, ErrBusy)
	cancel()
	require.ErrorIs(t, <-waiting, context.Canceled)
	require.Zero(t, g.waiting.Load())

	<-g.slots // the slot frees up
	ok, err = g.Verify(t.Context(), slow, rightPW)
	require.NoError(t, err)
	require.True(t, ok)
}

func md5Of(s string) []byte {
	sum := md5.Sum([]byte(s))
	return sum[:]
}

// TestGateHoldsChecksToACPUBudget: checks spend a burst of CPU time freely; once it is spent, a
// check waits for the bucket to refill in proportion to what the checks before it cost (their
// duration times their threads), and gives up when its request ends meanwhile.
func TestGateHoldsChecksToACPUBudget(t *testing.T) {
	t.Parallel()
	clock := time.Unix(1_700_000_000, 0)
	var slept []time.Duration
	g := newGate(1, 1, 8, 0.5, 4, func() time.Time { return clock }, func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		if err := ctx.Err(); err != nil {
			return err
		}
		clock = clock.Add(d)
		return nil
	})
	costs := func(d time.Duration, threads int) Migrated {
		return Migrated{slow: true, maxPassword: 64, threads: threads, verify: func(context.Context, string) (bool, error) {
			clock = clock.Add(d) // the check takes d
			return true, nil
		}}
	}

	// The bucket holds 4 CPU-seconds and refills by 0.5 a second, also while checks run.
	for range 2 { // 2 s each: 4 - 2 = 2; then 2 + 1 - 2 = 1 left
		ok, err := g.Verify(t.Context(), costs(2*time.Second, 1), rightPW)
		require.NoError(t, err)
		require.True(t, ok)
	}
	// 1 s on 3 threads: 1 + 1 - 3 = -1, a CPU-second of debt.
	ok, err := g.Verify(t.Context(), costs(time.Second, 3), rightPW)
	require.NoError(t, err)
	require.True(t, ok)
	require.Empty(t, slept, "the burst is spent without waiting")

	// Half a CPU-second of debt is left after the last check's own second: it waits 1 s for it.
	cancelled, cancel := context.WithCancel(t.Context())
	cancel()
	_, err = g.Verify(cancelled, costs(time.Second, 1), rightPW)
	require.ErrorIs(t, err, context.Canceled, "a request that ends while it waits for the bucket gives up")
	require.Equal(t, []time.Duration{time.Second}, slept, "the threads count: 3 CPU-seconds for 1 s on 3")

	ok, err = g.Verify(t.Context(), costs(time.Second, 1), rightPW)
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, []time.Duration{time.Second, time.Second}, slept, "the abandoned check cost nothing")

	plain, err := NewMigrated("md_5", hex.EncodeToString(md5Of(rightPW)), MigrateConfig{}, Limits{})
	require.NoError(t, err)
	ok, err = g.Verify(t.Context(), plain, rightPW)
	require.NoError(t, err)
	require.True(t, ok)
	require.Len(t, slept, 2, "plain digests do not wait for the bucket")
}
