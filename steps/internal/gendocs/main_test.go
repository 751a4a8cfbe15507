package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stytch-emulator/stytchemu/steps"
)

// TestGeneratedDocsAreCurrent fails when the steps package's doc comment or docs/steps.md no
// longer say what the step catalogue says.
func TestGeneratedDocsAreCurrent(t *testing.T) {
	doc, err := os.ReadFile("../../doc.go")
	if err != nil {
		t.Fatal(err)
	}
	want, err := withGoDoc(doc, steps.Catalogue())
	if err != nil {
		t.Fatal(err)
	}
	if string(doc) != string(want) {
		t.Error("steps/doc.go is stale: run go generate ./steps")
	}
	md, err := os.ReadFile("../../../docs/steps.md")
	if err != nil {
		t.Fatalf("%v: run go generate ./steps", err)
	}
	if string(md) != string(markdown(steps.Catalogue())) {
		t.Error("docs/steps.md is stale: run go generate ./steps")
	}
}

// TestCommentWraps: the doc comment's lines stay within 100 columns, continuation lines indented
// under their list item.
func TestCommentWraps(t *testing.T) {
	var b strings.Builder
	comment(&b, "  - ", "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega")
	want := "//   - alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma\n" +
		"//     tau upsilon phi chi psi omega\n"
	if got := b.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "`plain`",
		`a "quoted" x`: "`a \"quoted\" x`",
		"has ` tick":   "``has ` tick``",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
}
