package goapp_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/features"
	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/mfa"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// runAppFeatures runs the app features (@app) in process against the app c and newApp build for
// each scenario, and returns the report and godog's output.
func runAppFeatures(t *testing.T, c *app.Contract, newApp func(target.Target) (http.Handler, error)) (steps.Report, string) {
	t.Helper()
	var out bytes.Buffer
	suite := steps.New(target.NewInProcessOpener(emulator.New(emulator.WithAutoProvision()), target.WithLogger(t.Logf)),
		steps.WithApp(c, newApp), steps.WithLogf(nil))
	godog.TestSuite{
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{Strict: true, Format: "progress", NoColors: true, Output: &out,
			FS: features.FS, Paths: []string{"."}, Tags: "@app", Concurrency: 4},
	}.Run()
	return suite.Report(), out.String()
}

// withDefect builds the reference app with defect d for a target.
func withDefect(d goapp.Defect) func(target.Target) (http.Handler, error) {
	return func(tgt target.Target) (http.Handler, error) {
		return goapp.New(goapp.Config{Client: tgt.Client(), Clock: mfa.ClockFunc(tgt.Now), Defect: d})
	}
}

// TestAppFeatures_InProcess: the app features pass against the reference app, and fail when it
// carries any one of the planted defects; each defect fails the scenario that shows its bug.
func TestAppFeatures_InProcess(t *testing.T) {
	t.Parallel()
	rep, out := runAppFeatures(t, goapp.Contract(), withDefect(goapp.NoDefect))
	require.False(t, rep.Failed(), "%s", out)
	require.Equal(t, rep.Total(), rep.Count(steps.Passed), "every app scenario runs: %s", out)
	require.GreaterOrEqual(t, rep.Total(), 5)

	caughtBy := map[goapp.Defect]string{
		goapp.KeepsOldToken:      "The app keeps the token Stytch rotated at the step-up",
		goapp.SkipsFactorCheck:   "A password session alone does not open the protected page",
		goapp.IgnoresFactorAge:   "A sensitive action needs an SMS code at most 5 minutes old",
		goapp.CodeWithoutSession: "The SMS step-up opens the protected page",
	}
	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			t.Parallel()
			rep, out := runAppFeatures(t, goapp.Contract(), withDefect(d))
			require.True(t, rep.Failed(), "the defect %s went unnoticed:\n%s", d, out)
			var failed []string
			for _, r := range rep.Results {
				if r.Outcome == steps.Failed {
					failed = append(failed, r.Scenario)
				}
			}
			assert.Contains(t, failed, caughtBy[d])
		})
	}
}

// TestAppFeatures_ContractLacksARoute: a scenario needing a route the contract lacks is skipped,
// naming it; the others run.
func TestAppFeatures_ContractLacksARoute(t *testing.T) {
	t.Parallel()
	c := goapp.Contract()
	c.Routes.SensitiveAction, c.Answers.NeedsFreshFactor, c.Routes.SignOut = nil, nil, nil
	rep, out := runAppFeatures(t, c, withDefect(goapp.NoDefect))
	require.False(t, rep.Failed(), "%s", out)
	reasons := map[string]string{}
	for _, r := range rep.Skips() {
		reasons[r.Scenario] = r.Reason
	}
	assert.Equal(t, map[string]string{
		"A sensitive action needs an SMS code at most 5 minutes old": "app goapp lacks sensitive_action in its contract",
		"Signing out closes the protected page":                      "app goapp lacks sign_out in its contract",
	}, reasons)
}

// TestContract: the embedded contract is valid and names every route the app serves.
func TestContract(t *testing.T) {
	c := goapp.Contract()
	assert.Empty(t, c.Lacks(app.SignUp, app.SignIn, app.SendSMSCode, app.SubmitSMSCode, app.ProtectedPage, app.SensitiveAction, app.SignOut,
		app.RegisterTOTP, app.SubmitTOTPCode, app.TOTPPage))
}

func TestWithApp_InvalidContractPanics(t *testing.T) {
	c := goapp.Contract()
	c.Routes.SignIn.Path = "login"
	assert.PanicsWithValue(t, `steps.WithApp: invalid app contract: routes.sign_in.path: "login" does not start with /`, func() {
		steps.WithApp(c, withDefect(goapp.NoDefect))
	})
}

func TestNew(t *testing.T) {
	_, err := goapp.New(goapp.Config{})
	require.ErrorContains(t, err, "Client is nil")
	_, err = goapp.ParseDefect("forgets-everything")
	require.ErrorContains(t, err, `unknown defect "forgets-everything"`)
	d, err := goapp.ParseDefect("none")
	require.NoError(t, err)
	assert.Equal(t, goapp.NoDefect, d)
}
