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

// junitDoc is the part of a JUnit document the tests read.
type junitDoc struct {
	Name     string `xml:"name,attr"`
	Tests    int    `xml:"tests,attr"`
	Skipped  int    `xml:"skipped,attr"`
	Failures int    `xml:"failures,attr"`
	Errors   int    `xml:"errors,attr"`
	Suites   []struct {
		Name     string `xml:"name,attr"`
		Tests    int    `xml:"tests,attr"`
		Skipped  int    `xml:"skipped,attr"`
		Failures int    `xml:"failures,attr"`
		Errors   int    `xml:"errors,attr"`
		Cases    []struct {
			Name    string `xml:"name,attr"`
			Status  string `xml:"status,attr"`
			Skipped *struct {
				Message string `xml:"message,attr"`
			} `xml:"skipped"`
			Failure *struct{} `xml:"failure"`
			Errors  []struct {
				Type string `xml:"type,attr"`
			} `xml:"error"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

// TestSandboxReportsSkipsAsSkipped: on the sandbox, the scenarios needing a capability it lacks
// are skipped, and godog's formatters say so (formatters.go): the JUnit document counts them in
// skipped, as skipped test cases, not as errors; the progress count line lists them as skipped,
// not passed; every step of theirs is skipped in the Cucumber JSON. The suite's own summary lists
// them with the capability, as before.
func TestSandboxReportsSkipsAsSkipped(t *testing.T) {
	vars, url := sandboxEnv(t)
	dir := t.TempDir()
	junit, cucumber := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "cucumber.json")
	code, out, errOut := conform(t, vars, "--target", "sandbox", "--format", "progress,junit:"+junit+",cucumber:"+cucumber)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)

	// The scenarios that need a capability the sandbox target lacks, by name.
	opener, err := target.NewOpener(target.SpecSandbox, target.WithEnv(env(vars)), target.WithBaseURL(url))
	require.NoError(t, err)
	pickles, err := scenarios(features.FS, "")
	require.NoError(t, err)
	lacking := map[string]int{}
	nLacking := 0
	for _, p := range pickles {
		var need []target.Capability
		for _, tag := range p.Tags {
			if name, ok := strings.CutPrefix(tag.Name, steps.RequiresTag); ok {
				c, err := target.ParseCapability(name)
				require.NoError(t, err)
				need = append(need, c)
			}
		}
		if missing, _ := target.Lacks(opener, need...); len(missing) > 0 {
			lacking[p.Name]++
			nLacking++
		}
	}
	require.Positive(t, nLacking)
	require.Less(t, nLacking, len(pickles))

	// JUnit: skipped test cases, no errors, no failures.
	raw, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc junitDoc
	require.NoError(t, xml.Unmarshal(raw, &doc), "junit.xml is XML:\n%s", raw)
	assert.Equal(t, len(pickles), doc.Tests)
	assert.Equal(t, nLacking, doc.Skipped, "skipped")
	assert.Zero(t, doc.Errors, "errors")
	assert.Zero(t, doc.Failures, "failures")
	skippedCases := map[string]int{}
	sumSkipped := 0
	for _, ts := range doc.Suites {
		sumSkipped += ts.Skipped
		assert.Zero(t, ts.Errors, "errors in %q", ts.Name)
		assert.Zero(t, ts.Failures, "failures in %q", ts.Name)
		n := 0
		for _, tc := range ts.Cases {
			assert.Empty(t, tc.Errors, "test case %q has <error> elements", tc.Name)
			assert.Nil(t, tc.Failure, "test case %q has a <failure>", tc.Name)
			if tc.Status == "skipped" {
				n++
				skippedCases[tc.Name]++
				if assert.NotNil(t, tc.Skipped, "skipped test case %q has no <skipped>", tc.Name) {
					assert.NotEmpty(t, tc.Skipped.Message)
				}
			} else {
				assert.Equal(t, "passed", tc.Status, "test case %q", tc.Name)
				assert.Nil(t, tc.Skipped, "passed test case %q has a <skipped>", tc.Name)
			}
		}
		assert.Equal(t, n, ts.Skipped, "skipped in %q", ts.Name)
	}
	assert.Equal(t, nLacking, sumSkipped, "the test suites' skipped add up")
	assert.Equal(t, lacking, skippedCases, "the skipped test cases are the scenarios needing a missing capability")

	// Progress: godog's count line.
	assert.Contains(t, out, fmt.Sprintf("\n%d scenarios (%d passed, %d skipped)\n", len(pickles), len(pickles)-nLacking, nLacking))

	// Cucumber JSON: every step of a skipped scenario is skipped, every other step passed.
	raw, err = os.ReadFile(cucumber)
	require.NoError(t, err)
	var feats []struct {
		Elements []struct {
			Name  string `json:"name"`
			Steps []struct {
				Result struct {
					Status string `json:"status"`
				} `json:"result"`
			} `json:"steps"`
		} `json:"elements"`
	}
	require.NoError(t, json.Unmarshal(raw, &feats))
	skippedScenarios := map[string]int{}
	for _, f := range feats {
		for _, e := range f.Elements {
			statuses := map[string]bool{}
			for _, st := range e.Steps {
				statuses[st.Result.Status] = true
			}
			switch {
			case len(statuses) == 1 && statuses["skipped"]:
				skippedScenarios[e.Name]++
			default:
				assert.Equal(t, map[string]bool{"passed": true}, statuses, "steps of %q", e.Name)
			}
		}
	}
	assert.Equal(t, lacking, skippedScenarios)

	// The suite's own summary is unchanged: a SKIP line per scenario, with the capability.
	assert.Equal(t, nLacking, strings.Count(out, "\nSKIP  Scenario "))
	assert.Contains(t, out, `SKIP  Scenario "An expired code" (otp_codes.feature): target sandbox(`+url+`) lacks clock-control`)
	assert.Contains(t, out, fmt.Sprintf("%d scenarios on target sandbox(%s): %d passed, 0 failed, %d skipped\n",
		len(pickles), url, len(pickles)-nLacking, nLacking))
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
	// do not differ at all: the README counts 13 (the TOTP and sandbox-value scenarios, the sandbox
	// magic-link tokens, the unverified-email one, and the app's sign-up and TOTP ones).
	sameIdentity := 0
	for name := range recB.Scenarios {
		if strings.HasPrefix(name, "totp.feature: ") || strings.HasPrefix(name, "sandbox.feature: ") ||
			strings.HasPrefix(name, "magic_links.feature: The sandbox magic-link token that ") ||
			name == "unverified_factors.feature: A user whose email is unverified cannot add a phone" ||
			name == "app_mfa.feature: A visitor who signs up has no second factor yet" ||
			name == "app_totp.feature: An authenticator app opens the TOTP page" {
			sameIdentity++
			assert.False(t, withDiffs[name], "scenario %q differs", name)
		}
	}
	assert.Equal(t, 13, sameIdentity, "scenarios whose identity is the same on both targets")
	t.Logf("%s", rep)

	// The counts the README's drift section states. The suite and the identities are fixed, so
	// they are deterministic: a change here is a change of the suite or of the emulator's
	// responses, and the README must say the new counts.
	const wantDiffs, wantDiffScenarios, wantCompared, wantSkipped = 109, 24, 37, 28
	assert.Len(t, rep.Diffs, wantDiffs, "differences")
	assert.Len(t, withDiffs, wantDiffScenarios, "scenarios with differences")
	assert.Equal(t, wantCompared, rep.Scenarios-len(rep.Skipped), "scenarios compared")
	assert.Len(t, rep.Skipped, wantSkipped, "scenarios skipped")
	assert.Equal(t, wantCompared, wantDiffScenarios+sameIdentity, "every compared scenario differs or has the same identity")

	// The command says the same: the differences, then the skipped scenarios apart; it exits 1 for
	// the differences (the identity's data).
	code, out, _ = conform(t, nil, "diff", a, b)
	assert.Equal(t, exitFailed, code, "diff exits 1 when the recordings differ:\n%s", out)
	assert.Contains(t, out, fmt.Sprintf("drift: a=%s b=%s: %d differences in %d of %d scenarios (", a, b, wantDiffs, wantDiffScenarios, wantCompared))
	assert.Contains(t, out, fmt.Sprintf("; %d scenarios skipped on a side, not compared)", wantSkipped))
	assert.Contains(t, out, fmt.Sprintf("\nskipped, not compared (%d):\n", wantSkipped))
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

// TestBaseURLVariableOnlyConcernsTheSandbox: $STYTCH_BASE_URL left in the environment must not
// break the in-process run (the emulator target needs nothing).
func TestBaseURLVariableOnlyConcernsTheSandbox(t *testing.T) {
	var stdout, stderr strings.Builder
	env := func(k string) string {
		if k == EnvBaseURL {
			return "http://127.0.0.1:1"
		}
		return ""
	}
	code := run(context.Background(), []string{"--target", "emulator", "--tags", "@requires:fault-injection"}, &stdout, &stderr, env)
	if code != exitOK {
		t.Fatalf("exit %d with $%s set: %s%s", code, EnvBaseURL, stdout.String(), stderr.String())
	}
}
