package password

import (
	"encoding/hex"
	"strings"
	"testing"
)

// BenchmarkWorstCaseCheck checks a password against the most expensive hash
// of each type that the default Limits admit, with the longest password they
// admit: ns/op is the worst single check's time and B/op its memory. Run it
// with -benchtime=1x; docs/security.md records the figures.
func BenchmarkWorstCaseCheck(b *testing.B) {
	salt := b64(make([]byte, 1024))
	key := func(n int) string { return b64(make([]byte, n)) }
	long := strings.Repeat("p", DefaultLimits().MaxPasswordBytes)
	cases := []struct {
		name, hashType, hash string
		cfg                  MigrateConfig
	}{
		{"bcrypt-cost13", "bcrypt", "$2b$13$" + strings.Repeat("a", 53), MigrateConfig{}},
		{"pbkdf2-sha256-2Mx1", "pbkdf_2", key(32), MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 2_000_000}}},
		{"pbkdf2-sha1-1Mx2", "pbkdf_2", key(40), MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 1_000_000, Algorithm: "sha1"}}},
		{"pbkdf2-sha512-500kx1", "pbkdf_2", key(64), MigrateConfig{PBKDF2: &PBKDF2Config{Salt: salt, IterationAmount: 500_000, Algorithm: "sha512"}}},
		{"scrypt-ln17-r8-p1", "scrypt", "$scrypt$ln=17,r=8,p=1$" + salt + "$" + key(128), MigrateConfig{}},
		{"scrypt-ln16-r1-p16", "scrypt", "$scrypt$ln=16,r=1,p=16$" + salt + "$" + key(128), MigrateConfig{}},
		{"argon2id-128MiB-t2-p1", "argon_2id", "$argon2id$v=19$m=131072,t=2,p=1$" + salt + "$" + key(128), MigrateConfig{}},
		{"phpass-2e16", "phpass", "$P$EIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", MigrateConfig{}},
		{"digest-sha512-1KiB-salts", "sha_512", hex.EncodeToString(make([]byte, 64)),
			MigrateConfig{SHA512: &SaltConfig{PrependSalt: strings.Repeat("s", 1024), AppendSalt: strings.Repeat("s", 1024)}}},
	}
	for _, c := range cases {
		m, err := NewMigrated(c.hashType, c.hash, c.cfg, Limits{})
		if err != nil {
			b.Fatalf("%s: %v", c.name, err)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Verify(b.Context(), long); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
