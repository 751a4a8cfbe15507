package password

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/trustelem/zxcvbn"
	"github.com/trustelem/zxcvbn/frequency"
	"github.com/trustelem/zxcvbn/match"
)

// TestSameStrengthAsUpstream holds the strength check, which runs on a copy of trustelem/zxcvbn's
// matching package that builds its dictionaries on first use, to upstream's PasswordStrength: the
// same guesses, score and match sequence for common passwords of every frequency list, their
// l33t, capitalised, reversed and dated variants, keyboard walks, repeats, sequences, dates,
// passwords built from the user's email, non-ASCII and invalid UTF-8, and seeded random strings.
func TestSameStrengthAsUpstream(t *testing.T) {
	t.Parallel()
	type sample struct{ password, email string }
	var corpus []sample
	add := func(email string, pws ...string) {
		for _, pw := range pws {
			corpus = append(corpus, sample{pw, email})
		}
	}
	for name, list := range frequency.FrequencyLists {
		step := max(1, len(list)/60)
		for i := 0; i < len(list); i += step {
			w := list[i]
			leet := strings.NewReplacer("a", "@", "e", "3", "o", "0", "s", "$", "i", "1").Replace(w)
			add("", w, strings.ToUpper(w[:1])+w[1:], leet, reverse(w), w+"1987", w+"!"+name)
		}
	}
	add("",
		"qwER43@!", "zxcvbnm,./", "1qaz2wsx3edc", "7894561230", "asdfghjkl;'", "poiuytrewq",
		"abcabcabc", "aaaaaaaaaaaa", "abcdefghij", "13579bdf", "zyxwvu", "9876543210",
		"12/25/1999", "1999-12-25", "25.12.99", "19991225", "recent2015year",
		"correct horse battery staple", "Tr0ub4dor&3", "!@#$%^&*()_+", "",
		"pässwörd", "密码密码密码", "пароль123", "\xff\xfeinvalid", strings.Repeat("ab", 36),
	)
	add("ada.lovelace@example.com", "adalovelace", "lovelace1815", "ada.lovelace", "Lovelace!Ada", "example.com123")
	r := rand.New(rand.NewChaCha8([32]byte{'s', 't', 'y', 't', 'c', 'h'}))
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*-_ "
	for range 200 {
		b := make([]byte, 4+r.IntN(28))
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		add("", string(b))
	}

	for _, s := range corpus {
		inputs := userInputs(s.email)
		got := zxcvbnStrength(s.password, inputs)
		want := zxcvbn.PasswordStrength(s.password, inputs)
		where := fmt.Sprintf("password %q, email %q", s.password, s.email)
		require.Equal(t, want.Guesses, got.Guesses, where)
		require.Equal(t, want.Score, got.Score, where)
		require.Equal(t, spans(want.Sequence), spans(got.Sequence), where)
	}
	t.Logf("%d passwords compared", len(corpus))
}

// spans describes a match sequence by each match's pattern and the characters it covers. Which of
// two equally cheap matches over the same characters (a word of the same rank in two frequency
// lists) zxcvbn picks follows Go's map order, in upstream as in the copy, so it is left out.
func spans(seq []*match.Match) []string {
	out := make([]string, len(seq))
	for i, m := range seq {
		out[i] = fmt.Sprintf("%s %d-%d %q %g", m.Pattern, m.I, m.J, m.Token, m.Guesses)
	}
	return out
}

func reverse(s string) string {
	r := []rune(s)
	for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
		r[i], r[j] = r[j], r[i]
	}
	return string(r)
}
