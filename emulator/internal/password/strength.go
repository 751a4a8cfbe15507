package password

import (
	"strings"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn/match"
	"github.com/trustelem/zxcvbn/scoring"

	"github.com/stytch-emulator/stytchemu/emulator/internal/password/matching"
)

// Policy names a Stytch password strength policy, as reported in the
// strength_policy field of strength-check responses. The zero value "" is
// treated as PolicyZXCVBN.
type Policy string

// The strength policies Stytch supports.
const (
	// PolicyZXCVBN accepts passwords whose zxcvbn score is at least 3.
	PolicyZXCVBN Policy = "zxcvbn"
	// PolicyLUDS accepts passwords meeting a minimum length and a minimum
	// number of character classes (lowercase, uppercase, digit, symbol).
	PolicyLUDS Policy = "luds"
)

// Stytch's LUDS defaults, and the zxcvbn score a password needs to be valid.
const (
	defaultLUDSMinLength     = 8
	defaultLUDSMinComplexity = 3
	ludsClasses              = 4
	minValidScore            = 3
	// maxZXCVBNRunes bounds the zxcvbn input; longer passwords are scored on
	// this prefix. trustelem/zxcvbn's dictionary and l33t matching grow
	// roughly cubically with length: the worst inputs measured took about
	// 0.2 s at 72 characters but 11 s at 256, so this bound is what keeps a
	// huge password from stalling the server. 72 is also zxcvbn-python's
	// default max_length.
	maxZXCVBNRunes = 72
)

// LUDSConfig holds the LUDS requirements. The zero value means Stytch's
// defaults: at least 8 characters and 3 character classes.
type LUDSConfig struct {
	// MinLength is the minimum length in characters (Unicode code points).
	// Zero or negative means 8.
	MinLength int
	// MinComplexity is how many of the four character classes must be
	// present. Zero or negative means 3; values above 4 count as 4.
	MinComplexity int
}

// Checker evaluates password strength under one policy. The zero value
// checks with zxcvbn.
type Checker struct {
	// Policy selects the policy; any value other than PolicyLUDS, including
	// the zero value, means PolicyZXCVBN.
	Policy Policy
	// LUDS configures PolicyLUDS and is ignored otherwise; its zero value
	// means Stytch's defaults.
	LUDS LUDSConfig
}

// Result is the outcome of Checker.Check, shaped like Stytch's
// strength-check response. The zero value describes an invalid password with
// no feedback.
type Result struct {
	// Valid reports whether the password satisfies the policy.
	Valid bool
	// Score is the zxcvbn score, 0 (weakest) to 4, computed under either
	// policy.
	Score int
	// Policy is the policy that was applied.
	Policy Policy
	// Warning explains the main weakness found by zxcvbn; empty when the
	// password is valid or under PolicyLUDS.
	Warning string
	// Suggestions are zxcvbn's hints for a stronger password; never nil from
	// Check, and empty when the password is valid or under PolicyLUDS.
	Suggestions []string
	// LUDS details the LUDS requirements under PolicyLUDS; nil under
	// PolicyZXCVBN.
	LUDS *LUDSRequirements
}

// LUDSRequirements reports which LUDS requirements a password meets, like
// Stytch's luds_requirements object. The zero value means a password with no
// character of any class and nothing missing, which Check never returns.
type LUDSRequirements struct {
	// HasLowerCase reports an ASCII lowercase letter a-z.
	HasLowerCase bool
	// HasUpperCase reports an ASCII uppercase letter A-Z.
	HasUpperCase bool
	// HasDigit reports an ASCII digit 0-9.
	HasDigit bool
	// HasSymbol reports any character outside a-z, A-Z and 0-9, including
	// spaces, emoji and non-ASCII letters.
	HasSymbol bool
	// MissingComplexity is how many more character classes are required.
	MissingComplexity int
	// MissingCharacters is how many more characters are required.
	MissingCharacters int
}

// strength is zxcvbn's estimate of a password: how many guesses it takes, the 0-4 score, and the
// matches that make the cheapest sequence.
type strength struct {
	Guesses  float64
	Score    int
	Sequence []*match.Match
}

// zxcvbnStrength is trustelem/zxcvbn's PasswordStrength (without its timing), on the matching
// package that builds its dictionaries on first use. A password that is not valid UTF-8 scores 0.
func zxcvbnStrength(password string, userInputs []string) strength {
	if !utf8.ValidString(password) {
		return strength{}
	}
	seq := scoring.MostGuessableMatchSequence(password, matching.Omnimatch(password, userInputs), false)
	return strength{Guesses: seq.Guesses, Score: guessesToScore(seq.Guesses), Sequence: seq.Sequence}
}

// guessesToScore is zxcvbn's score of a guess count: below 10^3, 10^6, 10^8 and 10^10 guesses
// (each plus 5) score 0 to 3, more scores 4 (trustelem/zxcvbn time_estimate.go).
func guessesToScore(guesses float64) int {
	const delta = 5
	for score, limit := range []float64{1e3, 1e6, 1e8, 1e10} {
		if guesses < limit+delta {
			return score
		}
	}
	return 4
}

// Check evaluates password under the checker's policy. A non-empty email is
// given to zxcvbn as user input (the address, its local part and the words of
// the local part), so passwords built from it score lower. zxcvbn only sees
// the first 72 characters (code points) of password: a longer password is
// scored on that prefix, which bounds the cost of a check. LUDS length and
// character classes always use the whole password. A password that is not
// valid UTF-8 scores 0 under zxcvbn.
func (c Checker) Check(password, email string) Result {
	z := zxcvbnStrength(truncateRunes(password, maxZXCVBNRunes), userInputs(email))
	if c.Policy == PolicyLUDS {
		req := c.LUDS.check(password)
		return Result{
			Valid:       req.MissingComplexity == 0 && req.MissingCharacters == 0,
			Score:       z.Score,
			Policy:      PolicyLUDS,
			Suggestions: []string{},
			LUDS:        &req,
		}
	}
	warning, suggestions := feedback(z.Score, z.Sequence)
	return Result{
		Valid:       z.Score >= minValidScore,
		Score:       z.Score,
		Policy:      PolicyZXCVBN,
		Warning:     warning,
		Suggestions: suggestions,
	}
}

func (cfg LUDSConfig) check(password string) LUDSRequirements {
	minLength := cfg.MinLength
	if minLength <= 0 {
		minLength = defaultLUDSMinLength
	}
	minComplexity := min(cfg.MinComplexity, ludsClasses)
	if minComplexity <= 0 {
		minComplexity = defaultLUDSMinComplexity
	}
	var req LUDSRequirements
	for _, r := range password {
		switch {
		case 'a' <= r && r <= 'z':
			req.HasLowerCase = true
		case 'A' <= r && r <= 'Z':
			req.HasUpperCase = true
		case '0' <= r && r <= '9':
			req.HasDigit = true
		default:
			req.HasSymbol = true
		}
	}
	classes := 0
	for _, has := range []bool{req.HasLowerCase, req.HasUpperCase, req.HasDigit, req.HasSymbol} {
		if has {
			classes++
		}
	}
	req.MissingComplexity = max(0, minComplexity-classes)
	req.MissingCharacters = max(0, minLength-utf8.RuneCountInString(password))
	return req
}

// userInputs returns the zxcvbn user inputs derived from an email address.
func userInputs(email string) []string {
	if email == "" {
		return nil
	}
	inputs := []string{email}
	local := email
	if i := strings.LastIndexByte(email, '@'); i >= 0 {
		local = email[:i]
		inputs = append(inputs, local)
	}
	for _, word := range strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune(".-_+", r) }) {
		if word != local && utf8.RuneCountInString(word) >= 3 {
			inputs = append(inputs, word)
		}
	}
	return inputs
}

// truncateRunes returns the first n runes of s.
func truncateRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}
