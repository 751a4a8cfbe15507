package main

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
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

// TestRecordAndDiff records two emulator runs and a sandbox-mode run: the emulator runs agree,
// the sandbox-mode run (another identity flow, skipped scenarios) differs, and diff says so.
func TestRecordAndDiff(t *testing.T) {
	dir := t.TempDir()
	a, b, c := filepath.Join(dir, "a"), filepath.Join(dir, "b"), filepath.Join(dir, "c")
	const tags = "~@requires:fault-injection"
	for _, d := range []string{a, b} {
		code, out, errOut := conform(t, nil, "--record", d, "--tags", tags)
		require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
		assert.Regexp(t, `recorded \d+ scenarios in `+regexpQuote(d), out)
	}
	code, out, errOut := conform(t, nil, "diff", a, b)
	assert.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "no differences")

	vars, _ := sandboxEnv(t)
	code, out, errOut = conform(t, vars, "--target", "sandbox", "--record", c, "--tags", tags)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	code, out, _ = conform(t, nil, "diff", a, c)
	assert.Equal(t, exitFailed, code)
	assert.Contains(t, out, "drift: a="+a+" b="+c+": ")
	assert.Contains(t, out, `scenario "otp_codes.feature: An expired code":`)

	code, _, errOut = conform(t, nil, "diff", a, filepath.Join(dir, "missing"))
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, errOut, "load recording")
}
