package matching

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/trustelem/zxcvbn/match"
)

// TestOmnimatch_ConcurrentFirstUse: many strength checks at once, the first ones of the process,
// build the dictionaries once and all see them whole (run with -race); each finds the same matches
// as a check made afterwards, alone, in the same order.
func TestOmnimatch_ConcurrentFirstUse(t *testing.T) {
	passwords := []string{"password1", "Tr0ub4dor&3", "correct horse battery staple", "qwerty12345", "ada.lovelace1815"}
	const n = 16
	got := make([][][]*match.Match, n)
	var start, wg sync.WaitGroup
	start.Add(1)
	for i := range n {
		wg.Go(func() {
			start.Wait()
			for _, pw := range passwords {
				got[i] = append(got[i], Omnimatch(pw, []string{"ada.lovelace@example.com", "ada", "lovelace"}))
			}
		})
	}
	start.Done()
	wg.Wait()
	for j, pw := range passwords {
		want := Omnimatch(pw, []string{"ada.lovelace@example.com", "ada", "lovelace"})
		require.NotEmpty(t, want, pw)
		for i := range n {
			require.Equal(t, want, got[i][j], "check %d of %q", i, pw)
		}
	}
}

// TestOmnimatch_DictionaryOrder: a word of the same rank in a frequency list and in the user
// inputs (zxcvbn's lists share no word) is matched in the list first, then the user inputs, at
// every check, as zxcvbn orders them: the match that wins the tie, and so the feedback, does not
// depend on Go's map order.
func TestOmnimatch_DictionaryOrder(t *testing.T) {
	dictionaries := func() []string {
		var names []string
		for _, m := range Omnimatch("123456", []string{"123456"}) {
			if m.Pattern == "dictionary" && !m.L33t && !m.Reversed && m.I == 0 && m.J == 5 {
				names = append(names, m.DictionaryName)
			}
		}
		return names
	}
	for range 50 {
		require.Equal(t, []string{"passwords", "user_inputs"}, dictionaries())
	}
}
