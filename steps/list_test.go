package steps_test

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/steps"
)

// TestListIsDocumented keeps doc.go's list of steps in sync with the registered ones: every step
// appears there, as it reads, in a list item.
func TestListIsDocumented(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, s := range steps.List() {
		assert.False(t, seen[s.Pattern], "pattern %q is listed twice", s.Pattern)
		seen[s.Pattern] = true
		assert.Contains(t, string(doc), "//   - "+s.Pattern, "doc.go lists the step %q", s.Pattern)
		assert.NotEmpty(t, s.Doc, "step %q has a description", s.Pattern)
		_, err := regexp.Compile(s.Expression)
		assert.NoError(t, err, "step %q", s.Pattern)
		assert.True(t, strings.HasPrefix(s.Expression, "^") && strings.HasSuffix(s.Expression, "$"),
			"expression %q is anchored, so that no step matches another's text", s.Expression)
	}
}
