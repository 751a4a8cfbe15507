package password

import (
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
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var h Hasher
			hash, err := h.Hash(tt.password)
			require.NoError(t, err)
			assert.True(t, h.Verify(hash, tt.password))
			assert.False(t, h.Verify(hash, tt.wrong))

			again, err := h.Hash(tt.password)
			require.NoError(t, err)
			assert.NotEqual(t, hash, again, "hashes must be salted")
			assert.True(t, h.Verify(again, tt.password))
		})
	}
}

func TestHasherCost(t *testing.T) {
	t.Parallel()
	tests := []struct {
		cost, want int
		wantErr    bool
	}{
		{cost: 0, want: bcrypt.MinCost},
		{cost: 5, want: 5},
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
		got, err := bcrypt.Cost(hash)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got)
	}
}

func TestHasherVerifyMalformed(t *testing.T) {
	t.Parallel()
	var h Hasher
	plain, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	require.NoError(t, err)
	for _, hash := range [][]byte{nil, {}, []byte("pw"), []byte("$2a$04$short"), plain} {
		assert.False(t, h.Verify(hash, "pw"), "%q", hash)
	}
}

func BenchmarkHasherHash(b *testing.B) {
	var h Hasher
	for b.Loop() {
		if _, err := h.Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
