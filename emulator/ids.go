package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/google/uuid"
)

// ID prefixes in Stytch's test-environment formats.
const (
	prefixUser      = "user-test-"
	prefixEmail     = "email-test-"
	prefixPhone     = "phone-number-test-"
	prefixSession   = "session-test-"
	prefixRequest   = "request-id-test-"
	prefixPassword  = "password-test-"
	prefixTOTP      = "totp-test-"
	prefixRecovery  = "totp-recovery-code-test-"
	prefixJWK       = "jwk-test-"
	testProjectPref = "project-test-"
	liveProjectPref = "project-live-"
)

// IsTestProjectID reports whether id is a Stytch test project id: project-test- followed by a
// UUID in its canonical lowercase form (what the Stytch dashboard issues). Only such ids are
// auto-provisioned (WithAutoProvision), so a typo or a made-up name is refused rather than
// silently creating a project.
func IsTestProjectID(id string) bool {
	rest, ok := strings.CutPrefix(id, testProjectPref)
	if !ok {
		return false
	}
	u, err := uuid.Parse(rest)
	return err == nil && u.String() == rest
}

// newID returns prefix + a random (crypto/rand) UUIDv4.
func newID(prefix string) string { return prefix + uuid.NewString() }

// newSessionToken returns a 44-character base64url session token from 33 random bytes, the
// format observed on the real API.
func newSessionToken() string { return randomBase64(33, base64.RawURLEncoding) }

// newResetToken returns a 44-character password-reset token (32 random bytes, padded base64url),
// the format of Stytch's magic-link and reset tokens.
func newResetToken() string { return randomBase64(32, base64.URLEncoding) }

func randomBase64(n int, enc *base64.Encoding) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		// crypto/rand.Read never fails on supported platforms (Go 1.24+ crashes the program instead).
		panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
	}
	return enc.EncodeToString(b)
}

// newOTPCode returns a uniformly random 6-digit code from crypto/rand.
func newOTPCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
	}
	return fmt.Sprintf("%06d", n.Int64())
}

// newRecoveryCode returns a TOTP recovery code in Stytch's xxxx-xxxx-xxxx format (lowercase
// alphanumerics from crypto/rand).
func newRecoveryCode() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 14)
	for i := range b {
		if i == 4 || i == 9 {
			b[i] = '-'
			continue
		}
		n, err := rand.Int(rand.Reader, big.NewInt(int64(len(alphabet))))
		if err != nil {
			panic(fmt.Sprintf("emulator: crypto/rand: %v", err))
		}
		b[i] = alphabet[n.Int64()]
	}
	return string(b)
}

// ts formats a timestamp as the API does: RFC 3339, UTC, whole seconds.
func ts(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// tsPtr is ts for an optional timestamp (nil for the zero time).
func tsPtr(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := ts(t)
	return &s
}
