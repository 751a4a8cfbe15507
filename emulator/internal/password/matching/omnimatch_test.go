package matching

import (
	"cmp"
	"encoding/json"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/trustelem/zxcvbn/match"
)

// TestOmnimatch_ConcurrentFirstUse: many strength checks at once, the first ones of the process,
// build the dictionaries once and all see them whole (run with -race); each finds the same matches
// as a check made afterwards, alone. (Matches over the same characters come in no fixed order, as
// upstream's do, so they are compared in an order of the test's own.)
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
				got[i] = append(got[i], ordered(Omnimatch(pw, []string{"ada.lovelace@example.com", "ada", "lovelace"})))
			}
		})
	}
	start.Done()
	wg.Wait()
	for j, pw := range passwords {
		want := ordered(Omnimatch(pw, []string{"ada.lovelace@example.com", "ada", "lovelace"}))
		require.NotEmpty(t, want, pw)
		for i := range n {
			require.Equal(t, want, got[i][j], "check %d of %q", i, pw)
		}
	}
}

// ordered sorts matches by where they are, then by all they say.
func ordered(ms []*match.Match) []*match.Match {
	key := func(m *match.Match) string {
		b, err := json.Marshal(m)
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	slices.SortStableFunc(ms, func(a, b *match.Match) int {
		return cmp.Or(cmp.Compare(a.I, b.I), cmp.Compare(a.J, b.J), cmp.Compare(key(a), key(b)))
	})
	return ms
}
