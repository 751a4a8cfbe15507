package password

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"
)

func TestHasherRoundTrip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("ü", 100) // 200 bytes of UTF-8
	require.Len(t, long, 200)
	// Same first 198 bytes as long: plain bcrypt would not tell them apart.
	longTwin := strings.Repeat("ü", 99) + "ö"

	tests := []struct {
		name, password, wrong string
	}{
		{"ascii", "correct horse battery staple", "correct horse battery stapl"},
		{"empty", "", " "},
		{"200-byte utf-8", long, longTwin},
		{"emoji", "🔑🔒 pass", "🔑🔓 pass"},
		{"nul byte", "a\x00b", "a\x00c"},
	}
	for _, h := range []Hasher{{}, {Cost: bcrypt.MinCost}} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("cost=%d/%s", h.Cost, tt.name), func(t *testing.T) {
				t.Parallel()
				hash, err := h.Hash(tt.password)
				require.NoError(t, err)
				assert.True(t, h.Verify(hash, tt.password))
				assert.False(t, h.Verify(hash, tt.wrong))
				if tt.password != "" {
					assert.NotContains(t, string(hash), tt.password, "the hash must not carry the password")
				}

				again, err := h.Hash(tt.password)
				require.NoError(t, err)
				assert.NotEqual(t, hash, again, "hashes must be salted")
				assert.True(t, h.Verify(again, tt.password))
			})
		}
	}
}

func TestHasherCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cost       int
		wantPrefix string
		wantBcrypt int
		wantErr    bool
	}{
		{cost: 0, wantPrefix: "$pbkdf2-sha256$100$"},
		{cost: 4, wantBcrypt: 4},
		{cost: 5, wantBcrypt: 5},
		{cost: 3, wantErr: true},
		{cost: -1, wantErr: true},
		{cost: 32, wantErr: true},
	}
	for _, tt := range tests {
		hash, err := Hasher{Cost: tt.cost}.Hash("pw")
		if tt.wantErr {
			var costErr bcrypt.InvalidCostError
			assert.ErrorAs(t, err, &costErr, "cost %d", tt.cost)
			continue
		}
		require.NoError(t, err)
		if tt.wantPrefix != "" {
			assert.True(t, strings.HasPrefix(string(hash), tt.wantPrefix), "cost %d: %s", tt.cost, hash)
			continue
		}
		got, err := bcrypt.Cost(hash)
		require.NoError(t, err)
		assert.Equal(t, tt.wantBcrypt, got)
	}
}

// TestHasherVerifiesEitherConstruction checks that changing the cost keeps stored hashes usable.
func TestHasherVerifiesEitherConstruction(t *testing.T) {
	t.Parallel()
	fast, err := Hasher{}.Hash("pw")
	require.NoError(t, err)
	slow, err := Hasher{Cost: bcrypt.MinCost}.Hash("pw")
	require.NoError(t, err)
	for _, h := range []Hasher{{}, {Cost: bcrypt.MinCost}, {Cost: 10}} {
		assert.True(t, h.Verify(fast, "pw"), "cost %d", h.Cost)
		assert.True(t, h.Verify(slow, "pw"), "cost %d", h.Cost)
		assert.False(t, h.Verify(fast, "pW"), "cost %d", h.Cost)
		assert.False(t, h.Verify(slow, "pW"), "cost %d", h.Cost)
	}
}

func TestHasherVerifyMalformed(t *testing.T) {
	t.Parallel()
	var h Hasher
	plain, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	require.NoError(t, err)
	good, err := h.Hash("pw")
	require.NoError(t, err)
	parts := strings.Split(string(good), "$") // "", "pbkdf2-sha256", iterations, salt, key
	require.Len(t, parts, 5)
	iter, salt, key := parts[2], parts[3], parts[4]
	flip := func(s string) string { // changes the first character, keeping the length
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	malformed := []string{
		"", "pw", "$2a$04$short", string(plain),
		"$pbkdf2-sha256$",
		"$pbkdf2-sha256$" + iter,
		"$pbkdf2-sha256$" + iter + "$" + salt,
		"$pbkdf2-sha256$0$" + salt + "$" + key,
		"$pbkdf2-sha256$-1$" + salt + "$" + key,
		"$pbkdf2-sha256$99999999999$" + salt + "$" + key,
		"$pbkdf2-sha256$x$" + salt + "$" + key,
		"$pbkdf2-sha256$101$" + salt + "$" + key,
		"$pbkdf2-sha256$" + iter + "$" + flip(salt) + "$" + key,
		"$pbkdf2-sha256$" + iter + "$" + salt + "$" + flip(key),
		"$pbkdf2-sha256$" + iter + "$" + salt + "A$" + key,
		"$pbkdf2-sha256$" + iter + "$" + salt + "$" + key + "AAAA",
		"$pbkdf2-sha256$" + iter + "$" + salt[:len(salt)-1] + "$" + key,
		"$pbkdf2-sha256$" + iter + "$" + salt + "$" + key[:len(key)-1] + "!",
		"$pbkdf2-sha256$" + iter + "$" + salt + "$" + key + "$",
	}
	require.True(t, h.Verify(good, "pw"), "the untouched hash verifies")
	for _, hash := range malformed {
		assert.False(t, h.Verify([]byte(hash), "pw"), "%q", hash)
	}
	assert.False(t, h.Verify(nil, "pw"))
}

func BenchmarkHasher(b *testing.B) {
	for _, h := range []Hasher{{}, {Cost: bcrypt.MinCost}} {
		hash, err := h.Hash("correct horse battery staple")
		require.NoError(b, err)
		b.Run(fmt.Sprintf("cost=%d/hash", h.Cost), func(b *testing.B) {
			for b.Loop() {
				if _, err := h.Hash("correct horse battery staple"); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("cost=%d/verify", h.Cost), func(b *testing.B) {
			for b.Loop() {
				if !h.Verify(hash, "correct horse battery staple") {
					b.Fatal("verify failed")
				}
			}
		})
	}
}
