package password

import (
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const addWord = "Add another word or two. Uncommon words are better."

func TestCheckZXCVBN(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, email string
		valid                 bool
		score                 int // checked when valid is false
		warning               string
		suggestions           []string // nil: not checked
	}{
		{name: "top-10 password", password: "password", score: 0, warning: "This is a top-10 common password.", suggestions: []string{addWord}},
		{
			name: "capitalised common password", password: "Password", score: 0, warning: "This is a top-10 common password.",
			suggestions: []string{addWord, "Capitalization doesn't help very much."},
		},
		{name: "top-100 password", password: "qwertyuiop", score: 0, warning: "This is a top-100 common password.", suggestions: []string{addWord}},
		{
			name: "l33t password", password: "p@ssword1", score: 1, warning: "This is similar to a commonly used password.",
			suggestions: []string{addWord, "Predictable substitutions like '@' instead of 'a' don't help very much."},
		},
		{
			name: "reversed password", password: "drowssap", score: 0, warning: "This is similar to a commonly used password.",
			suggestions: []string{addWord, "Reversed words aren't much harder to guess."},
		},
		{name: "repeat", password: "aaaaaaaa", score: 0, warning: `Repeats like "aaa" are easy to guess.`, suggestions: []string{addWord, "Avoid repeated words and characters."}},
		{name: "sequence", password: "abcdefgh", score: 0, warning: "Sequences like abc or 6543 are easy to guess.", suggestions: []string{addWord, "Avoid sequences."}},
		{name: "recent year", password: "1984", score: 0, warning: "Recent years are easy to guess."},
		{name: "name", password: "Michael", score: 0, warning: "Names and surnames by themselves are easy to guess."},
		{
			name: "empty", password: "", score: 0,
			suggestions: []string{"Use a few words, avoid common phrases.", "No need for symbols, digits, or uppercase letters."},
		},
		{name: "passphrase", password: "correct-horse-battery-staple-91!", valid: true},
		{name: "random", password: "kJ8#mQ2$vL9@", valid: true},
		{name: "uncommon words", password: "xkcd-tortoise-lumen", valid: true},
		{name: "email local part", password: "xkcd-tortoise-lumen", email: "xkcd-tortoise-lumen@example.com", score: 0, suggestions: []string{addWord}},
		{name: "email words", password: "pembertongwendolyn", email: "gwendolyn.pemberton@example.com", score: 1},
		{name: "invalid utf-8", password: "kJ8#mQ2$vL9@\xff", score: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Checker{}.Check(tt.password, tt.email)
			assert.Equal(t, PolicyZXCVBN, got.Policy)
			assert.Nil(t, got.LUDS)
			require.NotNil(t, got.Suggestions)
			assert.Equal(t, tt.valid, got.Valid, "score %d", got.Score)
			if tt.valid {
				assert.GreaterOrEqual(t, got.Score, 3)
				assert.Empty(t, got.Warning)
				assert.Empty(t, got.Suggestions)
				return
			}
			assert.Equal(t, tt.score, got.Score)
			assert.Equal(t, tt.warning, got.Warning)
			if tt.suggestions != nil {
				assert.Equal(t, tt.suggestions, got.Suggestions)
			} else {
				assert.NotEmpty(t, got.Suggestions)
			}
		})
	}
}

func TestCheckPolicySelection(t *testing.T) {
	t.Parallel()
	for _, p := range []Policy{"", PolicyZXCVBN, "LUDS", "bogus"} {
		got := Checker{Policy: p}.Check("password", "")
		assert.Equal(t, PolicyZXCVBN, got.Policy, "policy %q", p)
		assert.Nil(t, got.LUDS)
	}
	got := Checker{Policy: PolicyLUDS}.Check("password", "")
	assert.Equal(t, PolicyLUDS, got.Policy)
	assert.NotNil(t, got.LUDS)
}

func TestCheckLongPasswordUsesPrefix(t *testing.T) {
	t.Parallel()
	strong := "kJ8#mQ2$vL9@"
	weak := strings.Repeat("a", maxZXCVBNRunes)
	huge := strings.Repeat("ü", 1<<19) // 1 MiB

	// Only the prefix is scored: a strong tail cannot rescue a weak prefix...
	got := Checker{}.Check(weak+strong, "")
	assert.Equal(t, Checker{}.Check(weak, ""), got)
	assert.False(t, got.Valid)
	// ...and a huge password is checked quickly, on its prefix.
	assert.True(t, Checker{}.Check(strong+huge, "").Valid)
	assert.Equal(t, Checker{}.Check(strings.Repeat("ü", maxZXCVBNRunes), "").Score, Checker{}.Check(huge, "").Score)

	// LUDS counts every character.
	luds := Checker{Policy: PolicyLUDS, LUDS: LUDSConfig{MinLength: maxZXCVBNRunes + 2}}
	assert.Equal(t, 1, luds.Check(weak+"A", "").LUDS.MissingCharacters)
}

func TestCheckLUDS(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cfg      LUDSConfig
		password string
		want     LUDSRequirements
	}{
		{
			name: "defaults: one class", password: "abcdefgh",
			want: LUDSRequirements{HasLowerCase: true, MissingComplexity: 2},
		},
		{
			name: "defaults: exactly 8 characters and 3 classes", password: "abcDEF12",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true},
		},
		{
			name: "defaults: one character short", password: "abcDE12",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, MissingCharacters: 1},
		},
		{
			name: "defaults: all classes but short", password: "aB1!",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true, MissingCharacters: 4},
		},
		{
			name: "defaults: empty", password: "",
			want: LUDSRequirements{MissingComplexity: 3, MissingCharacters: 8},
		},
		{
			name: "length counts runes, non-ASCII is a symbol", password: "ééééééé1",
			want: LUDSRequirements{HasDigit: true, HasSymbol: true, MissingComplexity: 1},
		},
		{
			name: "space and emoji are symbols", password: "ab 😀CD12",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true},
		},
		{
			name: "custom: exactly 12 characters and 4 classes", cfg: LUDSConfig{MinLength: 12, MinComplexity: 4}, password: "abcDEF123!@#",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true},
		},
		{
			name: "custom: 12 characters, 3 of 4 classes", cfg: LUDSConfig{MinLength: 12, MinComplexity: 4}, password: "abcDEF123456",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, MissingComplexity: 1},
		},
		{
			name: "custom: 11 of 12 characters", cfg: LUDSConfig{MinLength: 12, MinComplexity: 4}, password: "abcDEF123!@",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true, MissingCharacters: 1},
		},
		{
			name: "custom: complexity 1", cfg: LUDSConfig{MinComplexity: 1}, password: "aaaaaaaa",
			want: LUDSRequirements{HasLowerCase: true},
		},
		{
			name: "complexity above 4 is clamped", cfg: LUDSConfig{MinComplexity: 9}, password: "aB1!aB1!",
			want: LUDSRequirements{HasLowerCase: true, HasUpperCase: true, HasDigit: true, HasSymbol: true},
		},
		{
			name: "negative config means defaults", cfg: LUDSConfig{MinLength: -1, MinComplexity: -1}, password: "abc",
			want: LUDSRequirements{HasLowerCase: true, MissingComplexity: 2, MissingCharacters: 5},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Checker{Policy: PolicyLUDS, LUDS: tt.cfg}.Check(tt.password, "user@example.com")
			assert.Equal(t, PolicyLUDS, got.Policy)
			require.NotNil(t, got.LUDS)
			assert.Equal(t, tt.want, *got.LUDS)
			assert.Equal(t, tt.want.MissingComplexity == 0 && tt.want.MissingCharacters == 0, got.Valid)
			assert.Empty(t, got.Warning)
			assert.NotNil(t, got.Suggestions)
			assert.Empty(t, got.Suggestions)
			assert.GreaterOrEqual(t, got.Score, 0)
			assert.LessOrEqual(t, got.Score, 4)
		})
	}
}

func TestCheckConcurrent(t *testing.T) {
	t.Parallel()
	want := Checker{}.Check("p@ssword1", "a@b.c")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			assert.Equal(t, want, Checker{}.Check("p@ssword1", "a@b.c"))
		})
	}
	wg.Wait()
}

func FuzzCheck(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""},
		{"password", "user@example.com"},
		{"p@ssword1", "@"},
		{"correct-horse-battery-staple-91!", "john.smith+tag@example.com"},
		{"\xff\xfe\x00", "\xff@\xfe"},
		{"é😀𝄞 ab", "é@😀"},
		{strings.Repeat("1q2w3e", 40), strings.Repeat("@", 300)},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, password, email string) {
		for _, c := range []Checker{{}, {Policy: PolicyLUDS}, {Policy: PolicyLUDS, LUDS: LUDSConfig{MinLength: 3, MinComplexity: 4}}} {
			got := c.Check(password, email)
			if got.Score < 0 || got.Score > 4 {
				t.Fatalf("score %d out of range", got.Score)
			}
			if got.Suggestions == nil {
				t.Fatal("nil suggestions")
			}
			switch got.Policy {
			case PolicyZXCVBN:
				if got.LUDS != nil || got.Valid != (got.Score >= 3) {
					t.Fatalf("inconsistent zxcvbn result %+v", got)
				}
			case PolicyLUDS:
				l := got.LUDS
				if l == nil || l.MissingCharacters < 0 || l.MissingCharacters > 8 ||
					l.MissingComplexity < 0 || l.MissingComplexity > 4 ||
					got.Valid != (l.MissingCharacters == 0 && l.MissingComplexity == 0) {
					t.Fatalf("inconsistent LUDS result %+v", got)
				}
			default:
				t.Fatalf("policy %q", got.Policy)
			}
		}
	})
}
