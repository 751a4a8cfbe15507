package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGodogFormat(t *testing.T) {
	assert.Equal(t, "stytch-conform-progress", godogFormat("progress"))
	assert.Equal(t, "stytch-conform-pretty,stytch-conform-junit:out/j.xml,cucumber:c.json,events",
		godogFormat("pretty, junit:out/j.xml,cucumber:c.json,events"))
	for name := range fixedFormatters {
		assert.NotNil(t, godog.FindFmt(fixedFormatPrefix+name), "%s is registered", name)
	}
}

// TestUnknownFormatListsGodogNames: the names of the fixed formatters are internal: the usage error
// lists godog's.
func TestUnknownFormatListsGodogNames(t *testing.T) {
	code, _, errOut := conform(t, nil, "--format", "html")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "known: cucumber, events, junit, pretty, progress")
	assert.NotContains(t, errOut, fixedFormatPrefix)
}

func TestScenarioStatus(t *testing.T) {
	p, f, s, u, pe, a := godog.StepPassed, godog.StepFailed, godog.StepSkipped, godog.StepUndefined, godog.StepPending, godog.StepAmbiguous
	tests := []struct {
		steps []godog.StepResultStatus
		want  godog.StepResultStatus
	}{
		{nil, u},
		{[]godog.StepResultStatus{p, p}, p},
		{[]godog.StepResultStatus{s, s, s}, s},
		{[]godog.StepResultStatus{p, s}, s},
		{[]godog.StepResultStatus{p, f, s}, f},
		{[]godog.StepResultStatus{u, s}, u},
		{[]godog.StepResultStatus{p, pe, s}, pe},
		{[]godog.StepResultStatus{a, s}, a},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, scenarioStatus(tt.steps), "%v", tt.steps)
	}
}

// TestFixJUnit: skipped steps are never errors; a test case is skipped when nothing worse
// happened to it; the status follows the worst that happened (godog may say "passed" for a failed
// case), and the counts follow the statuses.
func TestFixJUnit(t *testing.T) {
	const godogDoc = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="s" tests="8" skipped="0" failures="0" errors="1" time="1">
  <testsuite name="f" tests="8" skipped="0" failures="0" errors="1" time="1">
    <testcase name="passes" status="passed" time="0.1"></testcase>
    <testcase name="skipped at once" status="" time="0.1">
      <error message="Step one" type="skipped"></error>
      <error message="Step two" type="skipped"></error>
    </testcase>
    <testcase name="skipped by its second step" status="passed" time="0.1">
      <error message="Step two" type="skipped"></error>
    </testcase>
    <testcase name="fails" status="passed" time="0.1">
      <failure message="Step one: boom"></failure>
      <error message="Step two" type="skipped"></error>
    </testcase>
    <testcase name="undefined" status="undefined" time="0.1">
      <error message="Step one" type="undefined"></error>
      <error message="Step two" type="skipped"></error>
    </testcase>
    <testcase name="pending then ambiguous" status="pending" time="0.1">
      <error message="Step two" type="ambiguous"></error>
      <error message="Step one" type="pending"></error>
    </testcase>
    <testcase name="never ran" status="skipped" time=""></testcase>
  </testsuite>
  <testsuite name="g" tests="1" skipped="0" failures="1" errors="0" time="1">
    <testcase name="fails too" status="failed" time="0.1">
      <failure message="Step one: boom" type="x"></failure>
    </testcase>
  </testsuite>
</testsuites>`
	out, err := fixJUnit([]byte(godogDoc))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), xml.Header), "%s", out)
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(out, &doc))
	assert.Equal(t, "s", doc.Name)
	// tests, skipped, failures, errors
	assert.Equal(t, []int{8, 3, 2, 2}, []int{doc.Tests, doc.Skipped, doc.Failures, doc.Errors})
	require.Len(t, doc.Suites, 2)
	f, g := doc.Suites[0], doc.Suites[1]
	assert.Equal(t, []int{8, 3, 1, 2}, []int{f.Tests, f.Skipped, f.Failures, f.Errors})
	assert.Equal(t, []int{1, 0, 1, 0}, []int{g.Tests, g.Skipped, g.Failures, g.Errors})
	got := map[string]string{}
	for _, ts := range doc.Suites {
		for _, tc := range ts.Cases {
			var b strings.Builder
			b.WriteString(tc.Status)
			if tc.Skipped != nil {
				b.WriteString(" <skipped " + tc.Skipped.Message + ">")
			}
			if tc.Failure != nil {
				b.WriteString(" <failure " + tc.Failure.Message + ">")
			}
			for _, e := range tc.Errors {
				b.WriteString(" <error " + e.Type + ": " + e.Message + ">")
			}
			got[tc.Name] = b.String()
		}
	}
	assert.Equal(t, map[string]string{
		"passes":                     "passed",
		"skipped at once":            "skipped <skipped 2 steps skipped>",
		"skipped by its second step": "skipped <skipped 1 step skipped>",
		"fails":                      "failed <failure Step one: boom>",
		"undefined":                  "undefined <error undefined: Step one>",
		"pending then ambiguous":     "ambiguous <error ambiguous: Step two> <error pending: Step one>",
		"never ran":                  "skipped <skipped not run>",
		"fails too":                  "failed <failure Step one: boom>",
	}, got)
	assert.Equal(t, "x", g.Cases[0].Failure.Type)

	_, err = fixJUnit([]byte("not xml"))
	assert.Error(t, err)
}

// TestFailedRunFormatters: the fixed formatters report a failure: a failed JUnit test case,
// counted (godog's own says status="passed" here, failures="0", from the order in which its
// storage keeps the step results), and the count line's failed scenario.
func TestFailedRunFormatters(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "wrong.feature"), []byte(`Feature: wrong
  Scenario: A right password expected to fail
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the request fails with status 401 and error "unauthorized_credentials"
    And the session JWT authenticates

  Scenario: A password sign-in
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
`), 0o644))
	junit := filepath.Join(dir, "junit.xml")
	code, out, errOut := conform(t, nil, "--features", dir, "--format", "progress,junit:"+junit)
	require.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
	assert.Contains(t, out, "\n2 scenarios (1 passed, 1 failed)\n")

	raw, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc junitSuites
	require.NoError(t, xml.Unmarshal(raw, &doc))
	assert.Equal(t, []int{2, 0, 1, 0}, []int{doc.Tests, doc.Skipped, doc.Failures, doc.Errors})
	require.Len(t, doc.Suites, 1)
	statuses := map[string]string{}
	for _, tc := range doc.Suites[0].Cases {
		statuses[tc.Name] = tc.Status
		assert.Empty(t, tc.Errors, "%q: the steps after the failure are not errors", tc.Name)
		assert.Nil(t, tc.Skipped, tc.Name)
	}
	assert.Equal(t, map[string]string{"A right password expected to fail": "failed", "A password sign-in": "passed"}, statuses)
}
