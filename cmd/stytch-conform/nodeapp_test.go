package main

import (
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/internal/apptest"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// caughtBy returns, for each planted defect, the line of stytch-conform's output that shows its
// bug: the scenario fails at the step, and with the answer, the bug gives, not for another reason.
func caughtBy(t *testing.T, d goapp.Defect) *regexp.Regexp {
	t.Helper()
	c, ok := apptest.CaughtBy(d)
	require.True(t, ok, "the table names the scenario that catches %s", d)
	return regexp.MustCompile(`(?m)^FAIL  Scenario "` + regexp.QuoteMeta(c.Scenario) + `" \([^)]*\): .*` + regexp.QuoteMeta(c.Failure))
}

// nodeappDir is the Express app on the Node SDK.
const nodeappDir = "../../examples/nodeapp"

// needNode returns the paths of node and npm. Without them the test is skipped with one line,
// except in CI (CI set), where their absence is a failure.
func needNode(t *testing.T) (node, npm string) {
	t.Helper()
	node, errNode := exec.LookPath("node")
	npm, errNpm := exec.LookPath("npm")
	if errNode != nil || errNpm != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node and npm must be installed in CI (the Node app test needs them)")
		}
		t.Skip("SKIP nodeapp: node and npm are not installed (the Node app test needs them)")
	}
	return node, npm
}

// TestApp_NodeappOverHTTP: stytch-conform --app drives examples/nodeapp (Express on
// stytch@14.2.0) against a running emulator: the app features pass, and each planted defect fails
// them, the scenario that shows its bug among the failures; its magic links work only in the
// browser that asked for them (PKCE). Its dependencies are installed first
// (npm ci, from the lockfile). The app's magic links lead to its public redirect URL, which the
// emulator is configured to allow, as a project's redirect URLs would.
func TestApp_NodeappOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("installs the Node app's dependencies and starts it")
	}
	node, npm := needNode(t)
	install := exec.CommandContext(t.Context(), npm, "ci", "--no-audit", "--no-fund", "--loglevel=error")
	install.Dir = nodeappDir
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm ci in examples/nodeapp: %v\n%s", err, out)
	}
	const callback = "http://nodeapp.test/authenticate"
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision(), emulator.WithRedirectURLs(callback))
	ready := regexp.MustCompile(`^nodeapp ready on (http://\S+)`)
	start := func(t *testing.T, defect string) (map[string]string, string) {
		vars, creds := appEnv()
		cmd := exec.Command(node, "server.mjs", "--addr", "127.0.0.1:0", "--defect", defect)
		cmd.Dir = nodeappDir
		return vars, startApp(t, cmd, ready,
			"STYTCH_PROJECT_ID="+creds.ProjectID, "STYTCH_SECRET="+creds.Secret, "STYTCH_BASE_URL="+ts.URL, "MAGIC_LINK_URL="+callback)
	}
	const contract = nodeappDir + "/app.yaml"

	vars, appURL := start(t, "none")
	code, out, errOut := conform(t, vars, "--target", ts.URL, "--app", appURL, "--app-contract", contract)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "15 passed, 0 failed, 0 skipped")
	t.Run("case=malformed cookie", func(t *testing.T) { requireSurvivesMalformedCookie(t, appURL) })
	t.Run("case=link bound to the asking browser", func(t *testing.T) {
		apptest.CheckLinksBoundToBrowser(t, apptest.App{URL: appURL, CallbackPath: "/authenticate", Emulator: ts,
			Project: target.Credentials{ProjectID: vars[target.EnvProjectID], Secret: vars[target.EnvSecret]}})
	})

	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			vars, appURL := start(t, string(d))
			code, out, errOut := conform(t, vars, "--target", ts.URL, "--app", appURL, "--app-contract", contract)
			assert.Equal(t, exitFailed, code, "the defect %s went unnoticed:\n%s\n%s", d, out, errOut)
			assert.Regexp(t, `\d+ passed, [1-9]\d* failed`, out)
			assert.Regexp(t, caughtBy(t, d), out, "the scenario that shows the bug fails, for that bug")
		})
	}
}

// requireSurvivesMalformedCookie sends every route of the app at appURL a session cookie that is
// not percent-encoded text, as any client may: each answers a client error or signs nobody in,
// and the app still serves the next request (a handler that throws on the cookie must not end
// the process).
func requireSurvivesMalformedCookie(t *testing.T, appURL string) {
	t.Helper()
	for _, r := range []struct{ method, path string }{
		{http.MethodGet, "/authenticate?stytch_token_type=magic_links&token=x"},
		{http.MethodGet, "/account"},
		{http.MethodGet, "/inbox"},
		{http.MethodPost, "/mfa/sms/send"},
		{http.MethodPost, "/mfa/sms/verify"},
		{http.MethodPost, "/mfa/totp/register"},
		{http.MethodPost, "/logout"},
	} {
		req, err := http.NewRequestWithContext(t.Context(), r.method, appURL+r.path, strings.NewReader(`{}`))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", "stytch_session=%E0%A4%A; mfa_phone_id=%")
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err, "%s %s: the app answers", r.method, r.path)
		resp.Body.Close()
		assert.Less(t, resp.StatusCode, 500, "%s %s", r.method, r.path)
		if r.path != "/logout" {
			assert.GreaterOrEqual(t, resp.StatusCode, 400, "%s %s signs nobody in", r.method, r.path)
		}
	}
}
