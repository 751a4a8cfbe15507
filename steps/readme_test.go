package steps_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stytch-emulator/stytchemu/steps"
)

// TestReadmeListsEveryStep keeps the README's "Steps available" list in step with the registered
// steps: every step's pattern must appear there, as a code span.
func TestReadmeListsEveryStep(t *testing.T) {
	raw, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(raw)
	for _, s := range steps.List() {
		if !strings.Contains(readme, "`"+s.Pattern+"`") {
			t.Errorf("README.md does not list the step %q (copy it from steps/doc.go)", s.Pattern)
		}
	}
}
