package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/features"
	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// env returns a getenv reading only vars.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

// conform runs the command and returns its exit status, stdout and stderr.
func conform(t *testing.T, vars map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb, env(vars))
	return code, out.String(), errb.String()
}

// sandboxEnv returns the environment of a sandbox run pointed at an emulator test server, with
// the credentials of a fresh project on it.
func sandboxEnv(t *testing.T) (map[string]string, string) {
	t.Helper()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	creds := target.NewTestCredentials()
	return map[string]string{
		target.EnvProjectID: creds.ProjectID,
		target.EnvSecret:    creds.Secret,
		EnvBaseURL:          ts.URL,
	}, ts.URL
}

func TestEmulatorTargetPasses(t *testing.T) {
	code, out, errOut := conform(t, nil, "--target", "emulator")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Regexp(t, `\n\d+ scenarios on target emulator: \d+ passed, 0 failed, 0 skipped\n`, out)
	assert.Contains(t, out, "finished in ")
	assert.NotContains(t, out, "SKIP")
}

func TestURLTargetPasses(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	code, out, errOut := conform(t, nil, "--target", ts.URL)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Regexp(t, `scenarios on target `+ts.URL+`: \d+ passed, 0 failed, 0 skipped`, out)
}

func TestSandboxNeedsCredentials(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"case=none", nil, "the sandbox target needs STYTCH_PROJECT_ID and STYTCH_SECRET set"},
		{"case=no secret", map[string]string{target.EnvProjectID: "project-test-00000000-0000-4000-8000-000000000001"}, "the sandbox target needs STYTCH_SECRET set"},
		{"case=live project", map[string]string{target.EnvProjectID: "project-live-00000000-0000-4000-8000-000000000001", target.EnvSecret: "secret-live-x"},
			"refusing a live project: project-live-00000000-0000-4000-8000-000000000001 is a live project; the conformance suite creates and deletes users and sends codes, so it runs only against a test project"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, tt.env, "--target", "sandbox")
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tt.want)
			assert.Empty(t, out, "nothing ran")
		})
	}
}

// TestSandboxSummaryListsSkips runs the sandbox target's code path against an emulator: the
// scenarios needing a capability are skipped, the summary says which capability each lacks, and
// the rest pass.
func TestSandboxSummaryListsSkips(t *testing.T) {
	vars, url := sandboxEnv(t)
	code, out, errOut := conform(t, vars, "--target", "sandbox")
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	name := "sandbox(" + url + ")"
	for _, want := range []string{
		`SKIP  Scenario "An expired code" (otp_codes.feature): target ` + name + ` lacks clock-control`,
		`SKIP  Scenario "A wrong password is refused" (primary_factor.feature): target ` + name + ` lacks real-password-check`,
		`SKIP  Scenario "The app sees Stytch's rate limit" (sessions.feature): target ` + name + ` lacks fault-injection`,
		`SKIP  Scenario "An unverified phone is removed after 5 minutes" (unverified_factors.feature): target ` + name + ` lacks read-codes, clock-control`,
		`SKIP  Scenario "Verifying the email without the session requires a password reset" (email_verification.feature): target ` + name + ` lacks read-codes`,
	} {
		assert.Contains(t, out, want)
	}
	assert.Regexp(t, `scenarios on target `+regexpQuote(name)+`: [1-9]\d* passed, 0 failed, [1-9]\d* skipped`, out)

	// --base-url does the same as $STYTCH_BASE_URL.
	delete(vars, EnvBaseURL)
	code, out, _ = conform(t, vars, "--target", "sandbox", "--base-url", url, "--tags", "@requires:clock-control")
	require.Equal(t, exitOK, code, out)
	assert.Regexp(t, `scenarios on target `+regexpQuote(name)+`: 0 passed, 0 failed, [1-9]\d* skipped`, out)
}

// regexpQuote escapes the metacharacters of a target name.
func regexpQuote(s string) string {
	r := strings.NewReplacer(".", `\.`, "(", `\(`, ")", `\)`, "/", `/`, ":", ":")
	return r.Replace(s)
}

func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	junit, cucumber := filepath.Join(dir, "reports", "junit.xml"), filepath.Join(dir, "cucumber.json")
	code, out, errOut := conform(t, nil, "--format", "progress,junit:"+junit+",cucumber:"+cucumber)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

	raw, err := os.ReadFile(junit)
	require.NoError(t, err)
	var suites struct {
		Name  string `xml:"name,attr"`
		Tests int    `xml:"tests,attr"`
	}
	require.NoError(t, xml.Unmarshal(raw, &suites), "junit.xml is XML")
	assert.Equal(t, "stytch-conform", suites.Name)
	assert.Positive(t, suites.Tests)

	raw, err = os.ReadFile(cucumber)
	require.NoError(t, err)
	var feats []map[string]any
	require.NoError(t, json.Unmarshal(raw, &feats), "cucumber.json is Cucumber JSON")
	assert.NotEmpty(t, feats)
}

// TestMachineFormatOnStdout: with a JUnit report on the standard output, the summary goes to
// stderr, so that stdout stays one XML document.
func TestMachineFormatOnStdout(t *testing.T) {
	code, out, errOut := conform(t, nil, "--format", "junit", "--tags", "@requires:fault-injection")
	require.Equal(t, exitOK, code, errOut)
	var suites struct {
		Tests int `xml:"tests,attr"`
	}
	require.NoError(t, xml.Unmarshal([]byte(out), &suites), "stdout is only the JUnit document:\n%s", out)
	assert.Equal(t, 1, suites.Tests)
	assert.Contains(t, errOut, "1 scenarios on target emulator: 1 passed, 0 failed, 0 skipped")
}

func TestFailuresExitOne(t *testing.T) {
	tests := []struct {
		name, feature string
		want          []string
	}{
		{
			name: "case=wrong expectation",
			feature: `Feature: wrong
  Scenario: A right password expected to fail
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the request fails with status 401 and error "unauthorized_credentials"
`,
			want: []string{
				`FAIL  Scenario "A right password expected to fail" (wrong.feature): step "the request fails with status 401 and error "unauthorized_credentials"": expected an error (status 401, error_type unauthorized_credentials) but got none`,
				"0 passed, 1 failed, 0 skipped",
			},
		},
		{
			name: "case=undefined step",
			feature: `Feature: undefined
  Scenario: A step nobody wrote
    Given the moon is full
`,
			want: []string{`FAIL  Scenario "A step nobody wrote" (undefined.feature)`, "the moon is full", "0 passed, 1 failed"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			file := strings.Fields(tt.feature)[1] + ".feature"
			require.NoError(t, os.WriteFile(filepath.Join(dir, file), []byte(tt.feature), 0o644))
			code, out, errOut := conform(t, nil, "--features", dir)
			assert.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
			for _, w := range tt.want {
				assert.Contains(t, out, w)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"case=unknown target", []string{"--target", "staging"}, `unknown target "staging"`},
		{"case=stytch itself as an emulator", []string{"--target", "https://test.stytch.com"}, "is Stytch itself, not an emulator"},
		{"case=unknown format", []string{"--format", "progress,html:out.html"}, `unknown formatter "html"`},
		{"case=base url without sandbox", []string{"--base-url", "http://127.0.0.1:1"}, "applies to --target sandbox only"},
		{"case=no features dir", []string{"--features", "/nonexistent/features"}, "--features"},
		{"case=stray argument", []string{"features/"}, "unexpected arguments"},
		{"case=bad concurrency", []string{"--concurrency", "0"}, "want at least 1"},
		{"case=diff arity", []string{"diff", "only-one"}, "usage: stytch-conform diff DIR_A DIR_B"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := conform(t, nil, tt.args...)
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errOut, tt.want)
		})
	}
	code, _, errOut := conform(t, nil, "-h")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, errOut, "--target")
}

// TestRecordAndDiff records two emulator runs, which agree, and diff says so; a missing
// directory is a usage error.
func TestRecordAndDiff(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	const tags = "~@requires:fault-injection"
	for _, d := range []string{a, b} {
		code, out, errOut := conform(t, nil, "--record", d, "--tags", tags)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		assert.Regexp(t, `recorded \d+ scenarios in `+regexpQuote(d), out)
	}
	code, out, errOut := conform(t, nil, "diff", a, b)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "no differences")
	assert.NotContains(t, out, "skipped")

	code, _, errOut = conform(t, nil, "diff", a, filepath.Join(dir, "missing"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "load recording")
}

// identityData are the JSON paths whose differences between the emulator and the sandbox come
// from the identity, not from the implementation: on an emulator a scenario's user is a fresh one
// (no phone number and no TOTP yet; an email-only user has no password), on the sandbox it is
// Stytch's fixed sandbox user, which has a phone number (+10000000000), a TOTP registration and
// a password. The README's drift section lists them.
var identityData = map[string]bool{
	"user.phone_numbers": true, "user.totps": true, "user.password": true, // in authenticate responses
	"phone_numbers": true, "totps": true, "password": true, // in users.get
}

// isIdentityData reports whether d is a difference of the identity's data: an array of the user
// empty on one side only, or the user's password null on one side only.
func isIdentityData(d drift.Diff) bool {
	switch d.Kind {
	case drift.KindEmptiness:
		return identityData[d.Path]
	case drift.KindType:
		return identityData[d.Path] && (d.A == drift.TypeNull) != (d.B == drift.TypeNull)
	}
	return false
}

// TestDriftEmulatorVersusSandbox records the embedded suite on the in-process emulator and on the
// sandbox target pointed at an emulator (--base-url: the sandbox code path, the sandbox identity,
// no capabilities), then compares them. Both sides run the same emulator, so whatever differs is
// how the targets run the suite, which must not show up as drift: the scenarios the sandbox skips
// are listed apart, with the reason, not as differences; in the scenarios both ran the calls line
// up one to one (no set-up or clean-up call is recorded) with the same endpoints, statuses and
// error types, and the only differences left are the identity's data (identityData).
func TestDriftEmulatorVersusSandbox(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "emulator"), filepath.Join(dir, "sandbox")
	code, out, errOut := conform(t, nil, "--target", "emulator", "--record", a)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	vars, url := sandboxEnv(t)
	code, out, errOut = conform(t, vars, "--target", "sandbox", "--record", b)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

	recA, err := drift.Load(a)
	require.NoError(t, err)
	recB, err := drift.Load(b)
	require.NoError(t, err)
	rep := drift.Compare(recA, recB)

	// The skipped scenarios: exactly those with @requires: tags, skipped on b with the reason.
	required := requiredCapabilities(t)
	require.NotEmpty(t, required)
	assert.Len(t, rep.Skipped, len(required))
	for _, s := range rep.Skipped {
		caps, ok := required[s.Scenario]
		if assert.True(t, ok, "scenario %q is skipped but requires nothing", s.Scenario) {
			assert.Equal(t, "target sandbox("+url+") lacks "+strings.Join(caps, ", "), s.B)
		}
		assert.Empty(t, s.A, "the emulator runs %q", s.Scenario)
	}
	assert.Equal(t, len(recA.Scenarios), rep.Scenarios, "every scenario is either compared or listed as skipped")

	// The scenarios both ran: only the identity's data differs.
	assert.Positive(t, rep.Calls)
	withDiffs := map[string]bool{}
	for _, d := range rep.Diffs {
		assert.True(t, isIdentityData(d), "not a difference of the identity's data: %s", d)
		withDiffs[d.Scenario] = true
	}
	// Scenarios whose identity is the same on both targets (a new user; the sandbox user on both)
	// do not differ at all.
	for name := range recB.Scenarios {
		if strings.HasPrefix(name, "totp.feature: ") || strings.HasPrefix(name, "sandbox.feature: ") ||
			name == "unverified_factors.feature: A user whose email is unverified cannot add a phone" {
			assert.False(t, withDiffs[name], "scenario %q differs", name)
		}
	}
	t.Logf("%s", rep)

	// The command says the same: the differences, then the skipped scenarios apart; it exits 1 for
	// the differences (the identity's data) only.
	code, out, _ = conform(t, nil, "diff", a, b)
	wantCode := exitOK
	if !rep.Empty() {
		wantCode = exitFailed
	}
	assert.Equal(t, wantCode, code)
	assert.Contains(t, out, "drift: a="+a+" b="+b+": ")
	assert.Contains(t, out, fmt.Sprintf("%d scenarios skipped on a side, not compared", len(required)))
	assert.Contains(t, out, `  scenario "otp_codes.feature: An expired code": skipped on b: target sandbox(`+url+`) lacks clock-control`)
	assert.NotContains(t, out, "only in a")
}

// requiredCapabilities returns the embedded scenarios that have @requires: tags, by their
// recorded name ("<feature file>: <name>"), with the capabilities in tag order.
func requiredCapabilities(t *testing.T) map[string][]string {
	t.Helper()
	pickles, err := scenarios(features.FS, "")
	require.NoError(t, err)
	out := map[string][]string{}
	for _, p := range pickles {
		for _, tag := range p.Tags {
			if c, ok := strings.CutPrefix(tag.Name, steps.RequiresTag); ok {
				name := p.Uri + ": " + p.Name
				out[name] = append(out[name], c)
			}
		}
	}
	return out
}

// TestNoScenarioExitsOne: a run in which no scenario ran checked nothing, so it fails, saying why.
func TestNoScenarioExitsOne(t *testing.T) {
	empty := t.TempDir()
	noScenarios := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(noScenarios, "x.feature"), []byte("Feature: nothing yet\n"), 0o644))
	pickles, err := scenarios(features.FS, "")
	require.NoError(t, err)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"case=misspelt tag", []string{"--tags", "@typo"},
			fmt.Sprintf(`no scenario ran: --tags "@typo" selects none of the %d scenarios in the embedded suite`, len(pickles))},
		{"case=empty features dir", []string{"--features", empty}, "no scenario ran: no *.feature file in " + empty + " has a scenario"},
		{"case=feature without scenarios", []string{"--features", noScenarios}, "no scenario ran: no *.feature file in " + noScenarios + " has a scenario"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := conform(t, nil, tt.args...)
			assert.Equal(t, exitFailed, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
			assert.Contains(t, errOut, tt.want)
			assert.Contains(t, out, "0 scenarios on target emulator")
		})
	}
}

// TestScenarioWithoutStepsFails: godog fails a scenario without steps before any hook runs; the
// summary names it as failed instead of leaving it out.
func TestScenarioWithoutStepsFails(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "empty.feature"), []byte(`Feature: empty
  Scenario: Nothing to do

  Scenario: The JWT authenticates the session too
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes
    Then the session JWT authenticates
`), 0o644))
	code, out, errOut := conform(t, nil, "--features", dir)
	assert.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
	assert.Contains(t, out, `FAIL  Scenario "Nothing to do" (empty.feature): godog failed it before any hook ran: no steps in scenario`)
	assert.Contains(t, out, "2 scenarios on target emulator: 1 passed, 1 failed, 0 skipped")
}

// TestSkippedScenarioThatFailsIsAFailure: on the sandbox, a scenario requiring a capability the
// target lacks but with an undefined step is reported as failed (the exit status already was 1),
// not as skipped.
func TestSkippedScenarioThatFailsIsAFailure(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "typo.feature"), []byte(`Feature: typo
  @requires:clock-control
  Scenario: An expired code, misspelt
    Given a user with a verified email and a password
    When 11 minuets pass
`), 0o644))
	vars, url := sandboxEnv(t)
	code, out, errOut := conform(t, vars, "--target", "sandbox", "--features", dir)
	assert.Equal(t, exitFailed, code, "stderr:\n%s", errOut)
	assert.Contains(t, out, `FAIL  Scenario "An expired code, misspelt" (typo.feature): step is undefined: 11 minuets pass (it would have been skipped: target sandbox(`+url+`) lacks clock-control)`)
	assert.Contains(t, out, "0 passed, 1 failed, 0 skipped")
}
