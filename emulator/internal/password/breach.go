package password

import (
	"slices"
	"strings"

	"github.com/trustelem/zxcvbn/frequency"
)

// Breached reports whether pw is a known-breached password: it is, case aside, one of the
// passwords of the frequency list that the zxcvbn port carries (github.com/trustelem/zxcvbn,
// frequency.FrequencyLists["passwords"], about 30,000 of the most common passwords of public
// password leaks, the list zxcvbn itself builds from leaked-password corpora). It stands in for
// the HaveIBeenPwned corpus Stytch checks, which no offline emulator can carry: every password it
// flags is one Stytch would flag too, but Stytch flags many more. The scan is linear and bounded
// by the list, so it costs well under a millisecond and keeps no state.
func Breached(pw string) bool {
	if pw == "" {
		return false
	}
	lower := strings.ToLower(pw)
	return slices.Contains(frequency.FrequencyLists["passwords"], lower)
}

// BreachListSize is the number of passwords Breached knows.
func BreachListSize() int { return len(frequency.FrequencyLists["passwords"]) }
