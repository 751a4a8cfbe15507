package password

import (
	"math"
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
)

// feedback ports zxcvbn's feedback.coffee, with Stytch's trailing periods:
// trustelem/zxcvbn scores passwords but produces no feedback text. It returns
// a non-nil suggestions slice.
func feedback(score int, sequence []*match.Match) (string, []string) {
	if score >= minValidScore {
		return "", []string{}
	}
	if len(sequence) == 0 {
		return "", []string{
			"Use a few words, avoid common phrases.",
			"No need for symbols, digits, or uppercase letters.",
		}
	}
	longest := sequence[0]
	for _, m := range sequence[1:] {
		if utf8.RuneCountInString(m.Token) > utf8.RuneCountInString(longest.Token) {
			longest = m
		}
	}
	warning, suggestions := matchFeedback(longest, len(sequence) == 1)
	return warning, append([]string{"Add another word or two. Uncommon words are better."}, suggestions...)
}

func matchFeedback(m *match.Match, soleMatch bool) (string, []string) {
	switch m.Pattern {
	case "dictionary":
		return dictionaryFeedback(m, soleMatch)
	case "spatial":
		warning := "Short keyboard patterns are easy to guess."
		if m.Turns == 1 {
			warning = "Straight rows of keys are easy to guess."
		}
		return warning, []string{"Use a longer keyboard pattern with more turns."}
	case "repeat":
		warning := `Repeats like "abcabcabc" are only slightly harder to guess than "abc".`
		if utf8.RuneCountInString(m.BaseToken) == 1 {
			warning = `Repeats like "aaa" are easy to guess.`
		}
		return warning, []string{"Avoid repeated words and characters."}
	case "sequence":
		return "Sequences like abc or 6543 are easy to guess.", []string{"Avoid sequences."}
	case "regex":
		if m.RegexName == "recent_year" {
			return "Recent years are easy to guess.", []string{"Avoid recent years.", "Avoid years that are associated with you."}
		}
	case "date":
		return "Dates are often easy to guess.", []string{"Avoid dates and years that are associated with you."}
	}
	return "", nil
}

func dictionaryFeedback(m *match.Match, soleMatch bool) (string, []string) {
	var warning string
	switch m.DictionaryName {
	case "passwords":
		switch {
		case soleMatch && !m.L33t && !m.Reversed && m.Rank <= 10:
			warning = "This is a top-10 common password."
		case soleMatch && !m.L33t && !m.Reversed && m.Rank <= 100:
			warning = "This is a top-100 common password."
		case soleMatch && !m.L33t && !m.Reversed:
			warning = "This is a very common password."
		case math.Log10(m.Guesses) <= 4:
			warning = "This is similar to a commonly used password."
		}
	case "english_wikipedia":
		if soleMatch {
			warning = "A word by itself is easy to guess."
		}
	case "surnames", "male_names", "female_names":
		warning = "Common names and surnames are easy to guess."
		if soleMatch {
			warning = "Names and surnames by themselves are easy to guess."
		}
	}

	var suggestions []string
	word := m.Token
	switch {
	case startsUpper(word):
		suggestions = append(suggestions, "Capitalization doesn't help very much.")
	case !strings.ContainsFunc(word, isASCIILower) && strings.ToLower(word) != word:
		suggestions = append(suggestions, "All-uppercase is almost as easy to guess as all-lowercase.")
	}
	if m.Reversed && utf8.RuneCountInString(word) >= 4 {
		suggestions = append(suggestions, "Reversed words aren't much harder to guess.")
	}
	if m.L33t {
		suggestions = append(suggestions, "Predictable substitutions like '@' instead of 'a' don't help very much.")
	}
	return warning, suggestions
}

// startsUpper matches zxcvbn's START_UPPER, /^[A-Z][^A-Z]+$/.
func startsUpper(word string) bool {
	return len(word) > 1 && 'A' <= word[0] && word[0] <= 'Z' &&
		!strings.ContainsFunc(word[1:], func(r rune) bool { return 'A' <= r && r <= 'Z' })
}

func isASCIILower(r rune) bool { return 'a' <= r && r <= 'z' }
