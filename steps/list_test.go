package steps_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/steps"
)

// TestCatalogue: every step reads one way, is described, has an anchored expression that its
// example matches and no other step's expression matches, and sits in a named group.
func TestCatalogue(t *testing.T) {
	list := steps.List()
	exprs := make([]*regexp.Regexp, len(list))
	for i, s := range list {
		re, err := regexp.Compile(s.Expression)
		require.NoError(t, err, "step %q", s.Pattern)
		exprs[i] = re
	}
	seen := map[string]bool{}
	for i, s := range list {
		assert.False(t, seen[s.Pattern], "pattern %q is listed twice", s.Pattern)
		seen[s.Pattern] = true
		assert.NotEmpty(t, s.Doc, "step %q has a description", s.Pattern)
		assert.NotEmpty(t, s.Group, "step %q has a group", s.Pattern)
		assert.True(t, strings.HasPrefix(s.Expression, "^") && strings.HasSuffix(s.Expression, "$"),
			"expression %q is anchored, so that no step matches another's text", s.Expression)
		assert.True(t, exprs[i].MatchString(s.Example), "the example %q of step %q matches its expression", s.Example, s.Pattern)
		for j, other := range exprs {
			if j != i {
				assert.False(t, other.MatchString(s.Example), "the example %q of step %q also matches step %q", s.Example, s.Pattern, list[j].Pattern)
			}
		}
	}
	n := 0
	for _, g := range steps.Catalogue() {
		assert.NotEmpty(t, g.Steps, "group %q has steps", g.Name)
		n += len(g.Steps)
	}
	assert.Equal(t, len(list), n)
}
