package steps_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/features"
	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// concurrency is how many scenarios run at once.
const concurrency = 4

// runFeatures runs the embedded suite on opener's targets, each scenario a subtest of t, and
// returns the suite's report. Undefined steps fail (Strict).
func runFeatures(t *testing.T, opener target.Opener) steps.Report {
	t.Helper()
	var out bytes.Buffer
	suite := steps.New(opener, steps.WithLogf(godog.Logf), steps.WithSkipLogf(godog.Logf))
	status := godog.TestSuite{
		Name:                "stytch-conform",
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			TestingT:    t,
			Strict:      true,
			Format:      "progress",
			NoColors:    true,
			Output:      &out,
			FS:          features.FS,
			Paths:       []string{"."},
			Concurrency: concurrency,
		},
	}.Run()
	rep := suite.Report()
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	t.Logf("target %s:\n%s", rep.Target, summary.String())
	if status != 0 {
		t.Errorf("godog exit status %d:\n%s", status, out.String())
	}
	require.NotEmpty(t, rep.Results, "no scenario ran")
	return rep
}

// requiresTags returns the names of the embedded scenarios that carry @requires: tags.
func requiresTags(t *testing.T) (withTags, all []string) {
	t.Helper()
	feats, err := godog.TestSuite{Options: &godog.Options{FS: features.FS, Paths: []string{"."}}}.RetrieveFeatures()
	require.NoError(t, err)
	for _, f := range feats {
		for _, p := range f.Pickles {
			all = append(all, p.Name)
			for _, tag := range p.Tags {
				if strings.HasPrefix(tag.Name, steps.RequiresTag) {
					withTags = append(withTags, p.Name)
					break
				}
			}
		}
	}
	return withTags, all
}

// names returns the scenario names of results with outcome o.
func names(rep steps.Report, o steps.Outcome) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Outcome == o {
			out = append(out, r.Scenario)
		}
	}
	return out
}

// TestFeatures runs the whole suite on the in-process emulator: one emulator that provisions a
// fresh project per scenario. Every scenario runs; none may fail or be skipped.
func TestFeatures(t *testing.T) {
	rep := runFeatures(t, target.NewInProcessOpener(emulator.New(emulator.WithAutoProvision()), withContract(t)))
	_, all := requiresTags(t)
	assert.ElementsMatch(t, all, names(rep, steps.Passed), "every scenario passes on the emulator")
	assert.Zero(t, rep.Count(steps.Skipped))
}

// TestFeaturesRemote runs the whole suite on an emulator reached over HTTP, through the control
// API (the URL target of stytch-conform --target http://...).
func TestFeaturesRemote(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	opener, err := target.NewRemoteOpener(ts.URL, withContract(t))
	require.NoError(t, err)
	rep := runFeatures(t, opener)
	_, all := requiresTags(t)
	assert.ElementsMatch(t, all, names(rep, steps.Passed))
}

// TestFeaturesSandboxMode runs the whole suite through the sandbox target's code path (Stytch
// endpoints only, no control API, no capabilities) pointed at an emulator on a loopback port, as
// stytch-conform --target sandbox does against test.stytch.com: every scenario that requires a
// capability is skipped with the reason, and all the others pass.
func TestFeaturesSandboxMode(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	opener, err := target.NewSandboxOpener(target.NewTestCredentials(), target.WithBaseURL(ts.URL), withContract(t))
	require.NoError(t, err)
	rep := runFeatures(t, opener)

	withTags, all := requiresTags(t)
	require.NotEmpty(t, withTags)
	assert.ElementsMatch(t, withTags, names(rep, steps.Skipped), "exactly the scenarios with @requires: tags are skipped")
	assert.Len(t, names(rep, steps.Passed), len(all)-len(withTags), "all the others pass")
	for _, s := range rep.Skips() {
		assert.NotEmpty(t, s.Missing, "scenario %q is skipped for a missing capability", s.Scenario)
	}
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	assert.Contains(t, summary.String(), `SKIP  Scenario "An expired code" (otp_codes.feature): target sandbox(`+ts.URL+`) lacks clock-control`)
}

// runInline runs one in-memory feature on a fresh in-process emulator, without TestingT (the
// scenario is expected to fail), and returns godog's exit status, its pretty output and the report.
func runInline(t *testing.T, feature string) (int, string, steps.Report) {
	t.Helper()
	var out bytes.Buffer
	suite := steps.New(target.NewInProcessOpener(emulator.New(emulator.WithAutoProvision())),
		steps.WithLogf(func(_ context.Context, format string, args ...any) { t.Logf(format, args...) }))
	status := godog.TestSuite{
		Name:                "inline",
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Strict:          true,
			Format:          "pretty",
			NoColors:        true,
			Output:          &out,
			FeatureContents: []godog.Feature{{Name: "inline.feature", Contents: []byte(feature)}},
		},
	}.Run()
	return status, out.String(), suite.Report()
}

// TestFailures: a wrong expectation, an undefined step, an error nobody checked and a misspelt
// capability each fail the scenario, with a message naming the step and saying why.
func TestFailures(t *testing.T) {
	tests := []struct {
		name    string
		feature string
		want    []string // in godog's output and the report's error
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
				`the request fails with status 401 and error "unauthorized_credentials"`,
				"expected an error (status 401, error_type unauthorized_credentials) but got none",
			},
		},
		{
			name: "case=wrong factors",
			feature: `Feature: wrong
  Scenario: A password session expected to carry SMS
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the session has exactly these factors:
      | type | delivery_method |
      | otp  | sms             |
`,
			want: []string{"the session has exactly these factors:", "want exactly [otp/sms], got [password/knowledge]"},
		},
		{
			name: "case=undefined step",
			feature: `Feature: undefined
  Scenario: A step nobody wrote
    Given a user with a verified email and a password
    When the user sings a song
`,
			want: []string{"the user sings a song", "undefined"},
		},
		{
			name: "case=unchecked error",
			feature: `Feature: unchecked
  Scenario: A failure nobody looks at
    Given a user with a verified email and a password
    When the user signs in with the wrong password
`,
			want: []string{"the user signs in with the wrong password", "unauthorized_credentials"},
		},
		{
			name: "case=unchecked error before the next call",
			feature: `Feature: unchecked
  Scenario: A failure followed by another call
    Given a user with a verified email and a password
    When the user signs in with the wrong password
    And the user signs in with their password for 60 minutes
`,
			want: []string{`step "the user signs in with their password for 60 minutes": no step checked the error of step "the user signs in with the wrong password"`, "unauthorized_credentials"},
		},
		{
			name: "case=unchecked error under a check",
			feature: `Feature: unchecked
  Scenario: A failure followed by a check that does not judge it
    Given a user with a verified email and a password
    When the user signs in with the wrong password
    Then the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
`,
			want: []string{`step "the session has exactly these factors:": no step checked the error of step "the user signs in with the wrong password"`, "session factors: want exactly [password/knowledge], got [otp/email password/knowledge]"},
		},
		{
			name: "case=unknown capability",
			feature: `Feature: tags
  @requires:time-travel
  Scenario: A misspelt capability
    Given a user with a verified email and a password
`,
			want: []string{"@requires:time-travel", "unknown capability"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, out, rep := runInline(t, tt.feature)
			assert.Equal(t, 1, status, "godog exit status\n%s", out)
			require.Len(t, rep.Results, 1)
			res := rep.Results[0]
			assert.Equal(t, steps.Failed, res.Outcome)
			require.Error(t, res.Err)
			for _, w := range tt.want {
				assert.Contains(t, out, w, "godog output")
			}
			var summary strings.Builder
			require.NoError(t, rep.WriteSummary(&summary))
			assert.Contains(t, summary.String(), "FAIL  Scenario ")
			assert.Contains(t, summary.String(), "1 failed")
		})
	}
}

// TestSkipIsVisible: a scenario requiring a capability the target lacks is skipped, not failed,
// and the report says which capability is missing.
func TestSkipIsVisible(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	opener, err := target.NewSandboxOpener(target.NewTestCredentials(), target.WithBaseURL(ts.URL))
	require.NoError(t, err)
	var out bytes.Buffer
	var skipped []string
	suite := steps.New(opener, steps.WithSkipLogf(func(_ context.Context, format string, args ...any) {
		skipped = append(skipped, fmt.Sprintf(format, args...))
	}))
	status := godog.TestSuite{
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Strict: true, Format: "progress", NoColors: true, Output: &out,
			FeatureContents: []godog.Feature{{Name: "skip.feature", Contents: []byte(`Feature: skip
  @requires:clock-control @requires:read-codes
  Scenario: Needs the clock
    Given a user with a verified email and a password
    When 3 minutes pass
`)}},
		},
	}.Run()
	assert.Equal(t, 0, status, out.String())
	rep := suite.Report()
	require.Len(t, rep.Skips(), 1)
	assert.Equal(t, []target.Capability{target.ClockControl, target.ReadCodes}, rep.Skips()[0].Missing)
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	assert.Contains(t, summary.String(), `SKIP  Scenario "Needs the clock" (skip.feature): target sandbox(`+ts.URL+`) lacks clock-control, read-codes`)
	assert.Contains(t, summary.String(), "1 scenarios on target sandbox("+ts.URL+"): 0 passed, 0 failed, 1 skipped")
	assert.Equal(t, []string{`skipping scenario "Needs the clock": target sandbox(` + ts.URL + `) lacks clock-control, read-codes`}, skipped)
}

// TestScenarioNamesAreUnique: scenarios are reported and recorded (drift) as "<feature file>:
// <name>", so names must be unique per file; Scenario Outlines put a <placeholder> in their name.
func TestScenarioNamesAreUnique(t *testing.T) {
	feats, err := godog.TestSuite{Options: &godog.Options{FS: features.FS, Paths: []string{"."}}}.RetrieveFeatures()
	require.NoError(t, err)
	seen := map[string]bool{}
	for _, f := range feats {
		for _, p := range f.Pickles {
			label := p.Uri + ": " + p.Name
			assert.False(t, seen[label], "scenario %q appears twice", label)
			seen[label] = true
		}
	}
}

// runFeature runs one in-memory feature on opener's targets (not as subtests: its scenarios may
// fail) and returns godog's exit status, its output and the report.
func runFeature(t *testing.T, opener target.Opener, feature string, opts ...steps.Option) (int, string, steps.Report) {
	t.Helper()
	var out bytes.Buffer
	suite := steps.New(opener, append([]steps.Option{steps.WithLogf(func(_ context.Context, format string, args ...any) { t.Logf(format, args...) })}, opts...)...)
	status := godog.TestSuite{
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Strict: true, Format: "pretty", NoColors: true, Output: &out, Concurrency: 2,
			FeatureContents: []godog.Feature{{Name: "inline.feature", Contents: []byte(feature)}},
		},
	}.Run()
	return status, out.String(), suite.Report()
}

// TestFailureBeatsMissingCapability: a scenario that would be skipped for a missing capability
// but that godog fails (an undefined step, strict mode) is reported as failed, not skipped, with
// the missing capability kept as context.
func TestFailureBeatsMissingCapability(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	opener, err := target.NewSandboxOpener(target.NewTestCredentials(), target.WithBaseURL(ts.URL))
	require.NoError(t, err)
	status, out, rep := runFeature(t, opener, `Feature: undefined
  @requires:clock-control
  Scenario: Needs the clock and has a typo
    Given a user with a verified email and a password
    When the moon is full
`)
	assert.Equal(t, 1, status, out)
	require.Len(t, rep.Results, 1)
	res := rep.Results[0]
	assert.Equal(t, steps.Failed, res.Outcome)
	assert.ErrorIs(t, res.Err, godog.ErrUndefined)
	assert.Equal(t, []target.Capability{target.ClockControl}, res.Missing)
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	assert.Contains(t, summary.String(), `FAIL  Scenario "Needs the clock and has a typo" (inline.feature): step is undefined: the moon is full (it would have been skipped: target sandbox(`+ts.URL+`) lacks clock-control)`)
	assert.Contains(t, summary.String(), "0 passed, 1 failed, 0 skipped")
	assert.NotContains(t, summary.String(), "SKIP")
}

// TestScenarioWithoutStepsIsReported: godog fails a scenario without steps before any hook runs;
// the report still counts it as failed (Unseen), and Reconcile names it.
func TestScenarioWithoutStepsIsReported(t *testing.T) {
	const feature = `Feature: empty
  Scenario: Nothing to do

  Scenario: Password sign-in
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the session has the factor "password" delivered by "knowledge"
`
	status, out, rep := runFeature(t, target.NewInProcessOpener(nil), feature)
	assert.Equal(t, 1, status, "godog fails the run:\n%s", out)
	assert.Equal(t, 1, rep.Unseen)
	assert.Equal(t, 2, rep.Total())
	assert.True(t, rep.Failed())
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	assert.Contains(t, summary.String(), "FAIL  1 scenario that godog failed before any hook ran")
	assert.Contains(t, summary.String(), "2 scenarios on target emulator: 1 passed, 1 failed, 0 skipped")

	feats, err := godog.TestSuite{Options: &godog.Options{
		FS: fstest.MapFS{"inline.feature": {Data: []byte(feature)}}, Paths: []string{"."},
	}}.RetrieveFeatures()
	require.NoError(t, err)
	var pickles []*godog.Scenario
	for _, f := range feats {
		pickles = append(pickles, f.Pickles...)
	}
	named := rep.Reconcile(pickles)
	assert.Zero(t, named.Unseen)
	require.Len(t, named.Results, 2)
	summary.Reset()
	require.NoError(t, named.WriteSummary(&summary))
	assert.Contains(t, summary.String(), `FAIL  Scenario "Nothing to do" (inline.feature): godog failed it before any hook ran: no steps in scenario`)
	assert.Contains(t, summary.String(), "2 scenarios on target emulator: 1 passed, 1 failed, 0 skipped")
	assert.Equal(t, named, named.Reconcile(pickles), "reconciling twice changes nothing")
}

// TestSharedProjectSkipsIsolationScenarios: on an emulator that does not auto-provision, every
// scenario shares one project; scenarios needing clock-control (or fault-injection, or
// revocation-timing) are then skipped with the reason rather than run against a clock and faults
// the other scenarios share, and the others still run.
func TestSharedProjectSkipsIsolationScenarios(t *testing.T) {
	opener := target.NewInProcessOpener(emulator.New(), target.WithLogger(t.Logf), target.WithEnv(func(string) string { return "" }))
	status, out, rep := runFeature(t, opener, `Feature: shared
  @requires:clock-control
  Scenario: An expired session is gone
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes
    When 61 minutes pass
    Then the session token is refused with "session_not_found"

  @requires:fault-injection
  Scenario: The app sees Stytch's rate limit
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes
    And the next SMS send fails with status 429 and error "too_many_requests"
    When an SMS code is sent to the user's phone with the session token
    Then the request fails with status 429 and error "too_many_requests"

  @requires:read-codes
  Scenario: Password sign-in
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the session has the factor "password" delivered by "knowledge"
`)
	assert.Equal(t, 0, status, out)
	assert.True(t, opener.Shared())
	assert.Equal(t, []string{"Password sign-in"}, names(rep, steps.Passed))
	assert.ElementsMatch(t, []string{"An expired session is gone", "The app sees Stytch's rate limit"}, names(rep, steps.Skipped))
	var summary strings.Builder
	require.NoError(t, rep.WriteSummary(&summary))
	assert.Contains(t, summary.String(), `SKIP  Scenario "An expired session is gone" (inline.feature): target emulator lacks clock-control (`+target.SharedNote+`)`)
	assert.Contains(t, summary.String(), `SKIP  Scenario "The app sees Stytch's rate limit" (inline.feature): target emulator lacks fault-injection (`+target.SharedNote+`)`)
}

// TestDriftRecordsOnlyTheScenariosOwnCalls: the set-up that depends on the target (creating and
// verifying a user on an emulator) and the clean-up are not recorded; the scenario's own calls
// are. WithRecorder records a skipped scenario with its reason.
func TestDriftRecordsOnlyTheScenariosOwnCalls(t *testing.T) {
	const feature = `Feature: drift
  Scenario: Password sign-in
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the session token authenticates

  Scenario: A new user
    Given a new user signed up with a password
    Then the user has no phone

  @requires:clock-control
  Scenario: Needs the clock
    Given a user with a verified email and a password
    When 3 minutes pass
`
	endpoints := func(rec drift.Recording, scenario string) []string {
		var out []string
		for _, c := range rec.Scenarios[scenario] {
			out = append(out, c.Endpoint())
		}
		return out
	}
	emuRec := drift.NewRecorder()
	opener := target.NewInProcessOpener(nil, target.WithTransport(emuRec.Wrap))
	status, out, _ := runFeature(t, opener, feature, steps.WithRecorder(emuRec))
	require.Equal(t, 0, status, out)
	got := emuRec.Recording()
	assert.Equal(t, []string{"POST /v1/passwords/authenticate", "POST /v1/sessions/authenticate"}, endpoints(got, "inline.feature: Password sign-in"),
		"no users.create, otps, sessions.revoke of the set-up; no users.delete of the clean-up")
	assert.Equal(t, []string{"POST /v1/passwords", "GET /v1/users/{user_id}"}, endpoints(got, "inline.feature: A new user"),
		"a set-up that is the same on every target stays recorded")
	assert.Empty(t, got.Skipped)

	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	sbRec := drift.NewRecorder()
	sandbox, err := target.NewSandboxOpener(target.NewTestCredentials(), target.WithBaseURL(ts.URL), target.WithTransport(sbRec.Wrap))
	require.NoError(t, err)
	status, out, _ = runFeature(t, sandbox, feature, steps.WithRecorder(sbRec))
	require.Equal(t, 0, status, out)
	got = sbRec.Recording()
	assert.Equal(t, []string{"POST /v1/passwords/authenticate", "POST /v1/sessions/authenticate"}, endpoints(got, "inline.feature: Password sign-in"))
	assert.Equal(t, map[string]string{"inline.feature: Needs the clock": "target sandbox(" + ts.URL + ") lacks clock-control"}, got.Skipped)
	assert.NotContains(t, got.Scenarios, "inline.feature: Needs the clock")
}
