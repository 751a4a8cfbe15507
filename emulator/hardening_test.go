package emulator_test

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/base64"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Attack tests: each request here once cost the emulator hours of CPU, gigabytes of memory or
// unbounded state. They must be refused cheaply, with a Stytch-shaped error and no state change.

// Migrated hashes whose parameters would make one authenticate burn minutes to hours of CPU or
// gigabytes of memory are refused at migrate, with the endpoint's invalid-hash errors.
func TestAttackCostlyMigratedHashesAreRefused(t *testing.T) {
	t.Parallel()
	b64 := base64.StdEncoding.EncodeToString
	salt := b64([]byte("0123456789abcdef"))
	key32 := b64(make([]byte, 32))
	tests := []struct {
		name      string
		body      map[string]any
		errorType string
	}{
		{"pbkdf2 with ten million iterations", map[string]any{"hash_type": "pbkdf_2", "hash": key32,
			"pbkdf_2_config": map[string]any{"salt": salt, "iteration_amount": 10_000_000}}, "invalid_pbkdf_2_iteration_amount"},
		{"pbkdf2 with a 700 KB key", map[string]any{"hash_type": "pbkdf_2", "hash": b64(make([]byte, 700_000)),
			"pbkdf_2_config": map[string]any{"salt": salt, "iteration_amount": 1000}}, "invalid_pbkdf_2_hash"},
		{"phpass with 2^24 rounds", map[string]any{"hash_type": "phpass", "hash": "$P$MIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"}, "invalid_hash"},
		{"scrypt with r=2^20 p=16", map[string]any{"hash_type": "scrypt", "hash": "$scrypt$ln=1,r=1048576,p=16$" + salt + "$" + key32}, "invalid_hash"},
		{"argon2 with 256 MiB", map[string]any{"hash_type": "argon_2id", "hash": "$argon2id$v=19$m=262144,t=1,p=1$" + salt + "$" + key32}, "invalid_hash"},
		{"bcrypt with cost 16", map[string]any{"hash_type": "bcrypt", "hash": "$2b$16$" + strings.Repeat("a", 53)}, "invalid_bcrypt_cost"},
	}
	both(t, func(t *testing.T, h *H) {
		before := stateFingerprint(t, h.E, h.PID, h.Secret)
		for _, tt := range tests {
			req := map[string]any{"email": h.Email("costly")}
			maps.Copy(req, tt.body)
			status, body := h.RawJSON(t, "POST", "/v1/passwords/migrate", req)
			require.Equal(t, 400, status, "%s: %v", tt.name, body)
			require.Equal(t, tt.errorType, body["error_type"], tt.name)
		}
		require.Equal(t, before, stateFingerprint(t, h.E, h.PID, h.Secret), "refused migrations change nothing")
	})
}

// The caps are options: tiny ones make a hash exactly at them cheap to check, and one step above
// them refused.
func TestAttackMigratedHashCapsAreOptions(t *testing.T) {
	t.Parallel()
	const pw = "migrated-passphrase-4711"
	salt := []byte("0123456789abcdef")
	migrate := func(h *H, addr string, iterations int) error {
		key, err := pbkdf2.Key(sha256.New, pw, salt, iterations, 32)
		require.NoError(t, err)
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{
			Email: addr, Hash: base64.StdEncoding.EncodeToString(key), HashType: passwords.MigrateRequestHashTypePbkdf2,
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: int32(iterations), KeyLength: 32},
		})
		return err
	}
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("capped")
		require.NoError(t, migrate(h, addr, 100))
		_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: pw})
		require.NoError(t, err)

		requireAPIError(t, h, migrate(h, h.Email("capped"), 101), 400, "invalid_pbkdf_2_iteration_amount")

		// A password longer than the cap never matches a migrated hash.
		long := strings.Repeat("x", 33)
		key, err := pbkdf2.Key(sha256.New, long, salt, 10, 32)
		require.NoError(t, err)
		addr = h.Email("long")
		_, err = h.C.Passwords.Migrate(h.Ctx, &passwords.MigrateParams{
			Email: addr, Hash: base64.StdEncoding.EncodeToString(key), HashType: passwords.MigrateRequestHashTypePbkdf2,
			Pbkdf2Config: &passwords.PBKDF2Config{Salt: base64.StdEncoding.EncodeToString(salt), IterationAmount: 10},
		})
		require.NoError(t, err)
		_, err = h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: long})
		requireAPIError(t, h, err, 401, "unauthorized_credentials")
	}, emulator.WithLimits(emulator.Limits{MigratedHash: emulator.HashLimits{MaxPBKDF2Work: 100, MaxPasswordBytes: 32}}))
}
