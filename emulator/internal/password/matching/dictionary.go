package matching

import (
	"slices"
	"strings"

	"github.com/trustelem/zxcvbn/match"
)

type dictionaryMatch struct {
	rankedDictionaries map[string]rankedDictionnary
	// names orders the dictionaries: zxcvbn's frequency lists in their order, then the user
	// inputs. Upstream ranged over the map, so which of two equally cheap matches over the same
	// characters won (and so the feedback's wording) changed from one check to the next.
	names []string
}

func (dm dictionaryMatch) Matches(password string) []*match.Match {
	var results []*match.Match

	for _, dictionaryName := range dm.names {
		rankedDict := dm.rankedDictionaries[dictionaryName]
		for i := range password {
			for delta := range password[i:] {
				j := i + delta
				word := strings.ToLower(password[i : j+1])
				if val, ok := rankedDict[word]; ok {
					matchDic := &match.Match{
						Pattern:        "dictionary",
						I:              i,
						J:              j,
						Token:          password[i : j+1],
						MatchedWord:    word,
						Rank:           val,
						DictionaryName: dictionaryName,
					}

					results = append(results, matchDic)
				}
			}
		}
	}

	match.Sort(results)
	return results
}

func (dm dictionaryMatch) withDict(name string, d rankedDictionnary) dictionaryMatch {
	rd2 := make(map[string]rankedDictionnary, len(dm.rankedDictionaries)+1)
	for k, v := range dm.rankedDictionaries {
		rd2[k] = v
	}
	rd2[name] = d
	names := slices.DeleteFunc(slices.Clone(dm.names), func(n string) bool { return n == name })
	return dictionaryMatch{rankedDictionaries: rd2, names: append(names, name)}
}

type rankedDictionnary map[string]int

func buildRankedDict(unrankedList []string) rankedDictionnary {
	result := make(rankedDictionnary)

	for i, v := range unrankedList {
		result[strings.ToLower(v)] = i + 1
	}

	return result
}
