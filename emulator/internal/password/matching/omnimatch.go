package matching

import (
	"regexp"
	"slices"
	"sync"

	"github.com/trustelem/zxcvbn/adjacency"
	"github.com/trustelem/zxcvbn/frequency"
	"github.com/trustelem/zxcvbn/match"
)

// Omnimatch returns every match zxcvbn's matchers find in password, sorted; userInputs are ranked
// as the "user_inputs" dictionary.
func Omnimatch(password string, userInputs []string) (matches []*match.Match) {
	dictMatcher := defaultRankedDictionnaries().withDict("user_inputs", buildRankedDict(userInputs))

	matchers := []match.Matcher{
		dictMatcher,
		reverseDictionnaryMatch{dm: dictMatcher},
		l33tMatch{dm: dictMatcher, table: l33tTable},
		spatialMatch{graphs: defaultGraphs},
		repeatMatch{},
		sequenceMatch{},
		regexpMatch{regexes: defaultRegexpMatch},
		dateMatch{},
	}

	for _, m := range matchers {
		matches = append(matches, m.Matches(password)...)
	}
	match.Sort(matches)
	return matches
}

var (
	// defaultRankedDictionnaries builds the ranked frequency dictionaries on first use, not at
	// program start: this is the one change from upstream (see doc.go).
	defaultRankedDictionnaries = sync.OnceValue(loadDefaultDictionnaries)
	defaultGraphs              = loadDefaultAdjacencyGraphs()
	defaultRegexpMatch         = []struct {
		Name   string
		Regexp *regexp.Regexp
	}{
		{
			Name:   "recent_year",
			Regexp: regexp.MustCompile(`19\d\d|200\d|201\d`),
		},
	}
	l33tTable = map[string][]string{
		"a": {"4", "@"},
		"b": {"8"},
		"c": {"(", "{", "[", "<"},
		"e": {"3"},
		"g": {"6", "9"},
		"i": {"1", "!", "|"},
		"l": {"1", "|", "7"},
		"o": {"0"},
		"s": {"$", "5"},
		"t": {"+", "7"},
		"x": {"%"},
		"z": {"2"},
	}
)

// frequencyListOrder is the order of zxcvbn's frequency lists (frequency_lists.coffee, and the
// generated frequency/lists.go): among equally cheap matches the first list's wins, as in zxcvbn.
var frequencyListOrder = []string{"passwords", "english_wikipedia", "female_names", "surnames", "us_tv_and_film", "male_names"}

func loadDefaultDictionnaries() dictionaryMatch {
	rd := make(map[string]rankedDictionnary)
	names := slices.Clone(frequencyListOrder)
	for n, list := range frequency.FrequencyLists {
		rd[n] = buildRankedDict(list)
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return dictionaryMatch{
		rankedDictionaries: rd,
		names:              names,
	}
}

func loadDefaultAdjacencyGraphs() []*adjacency.Graph {
	return []*adjacency.Graph{
		adjacency.Graphs["qwerty"],
		adjacency.Graphs["dvorak"],
		adjacency.Graphs["keypad"],
		adjacency.Graphs["mac_keypad"],
	}

}
