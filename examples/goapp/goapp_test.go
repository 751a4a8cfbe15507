package goapp_test

import (
	"bytes"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/cucumber/godog"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/features"
	"github.com/stytch-emulator/stytchemu/internal/apptest"
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

	// Each defect fails the scenario that shows its bug, at the step and with the answer the bug
	// gives: a scenario failing for another reason (a step error, a wrong setup) does not count.
	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			t.Parallel()
			want, ok := apptest.CaughtBy(d)
			require.True(t, ok, "the table names the scenario that catches %s", d)
			rep, out := runAppFeatures(t, goapp.Contract(), withDefect(d))
			require.True(t, rep.Failed(), "the defect %s went unnoticed:\n%s", d, out)
			i := slices.IndexFunc(rep.Results, func(r steps.Result) bool { return r.Scenario == want.Scenario })
			require.GreaterOrEqual(t, i, 0, "no scenario %q ran:\n%s", want.Scenario, out)
			got := rep.Results[i]
			require.Equal(t, steps.Failed, got.Outcome, "%s passed with the defect %s:\n%s", want.Scenario, d, out)
			require.ErrorContains(t, got.Err, want.Failure+want.GoappAnswer)
		})
	}
}

// TestAppFeatures_ContractLacksRoutes: a scenario needing a route the contract lacks is skipped,
// naming the routes it lacks; the others pass.
func TestAppFeatures_ContractLacksRoutes(t *testing.T) {
	t.Parallel()
	const noLinks = "app goapp lacks send_magic_link, authenticate_magic_link, magic_link_page in its contract"
	tests := []struct {
		name  string
		strip func(c *app.Contract)
		skips map[string]string // scenario: reason
	}{
		{
			name: "case=no sensitive action nor sign-out",
			strip: func(c *app.Contract) {
				c.Routes.SensitiveAction, c.Answers.NeedsFreshFactor, c.Routes.SignOut = nil, nil, nil
			},
			skips: map[string]string{
				"A sensitive action needs an SMS code at most 5 minutes old": "app goapp lacks sensitive_action in its contract",
				"Signing out closes the protected page":                      "app goapp lacks sign_out in its contract",
				"A used magic link signs nobody in":                          "app goapp lacks sign_out in its contract",
			},
		},
		{
			name: "case=no magic links",
			strip: func(c *app.Contract) {
				c.Routes.SendMagicLink, c.Routes.AuthenticateMagicLink, c.Routes.MagicLinkPage = nil, nil, nil
			},
			skips: map[string]string{
				"A magic link alone does not open the magic-link page":                                     noLinks,
				"A magic link and the SMS step-up open the magic-link page":                                noLinks,
				"The app keeps the token Stytch rotated when the SMS factor joined the magic-link session": noLinks,
				"The app keeps the token Stytch rotated when the magic link joined the session":            noLinks,
				"A password and an SMS code do not open the magic-link page":                               "app goapp lacks magic_link_page in its contract",
				"A magic link adds its factor to the session the user has":                                 noLinks,
				"Someone new signs up through the app with a magic link":                                   noLinks,
				"A used magic link signs nobody in":                                                        noLinks,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := goapp.Contract()
			tt.strip(c)
			rep, out := runAppFeatures(t, c, withDefect(goapp.NoDefect))
			require.False(t, rep.Failed(), "%s", out)
			reasons := map[string]string{}
			for _, r := range rep.Skips() {
				reasons[r.Scenario] = r.Reason
			}
			assert.Equal(t, tt.skips, reasons)
			assert.Equal(t, rep.Total()-len(reasons), rep.Count(steps.Passed), "%s", out)
		})
	}
}

// TestMagicLinkURL: the links lead to Config.MagicLinkURL when the project allows it (the
// emulator's WithRedirectURLs, a dashboard's redirect URLs), with the token Stytch appends; a URL
// the project does not allow makes the send fail; without one, the project's default applies.
func TestMagicLinkURL(t *testing.T) {
	const callback = "https://app.example.com/authenticate"
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision(), emulator.WithRedirectURLs(emulator.DefaultRedirectURL, callback))
	creds := target.NewTestCredentials()
	client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret, stytchapi.WithBaseURI(ts.URL), stytchapi.WithInitializationContext(t.Context()))
	require.NoError(t, err)
	for _, tt := range []struct{ name, url, wantPrefix string }{
		{"allowed", callback, callback + "?stytch_token_type=magic_links&token="},
		{"project default", "", emulator.DefaultRedirectURL + "?stytch_token_type=magic_links&token="},
		{"not allowed", "https://evil.example.com/authenticate", ""},
	} {
		t.Run("case="+tt.name, func(t *testing.T) {
			h, err := goapp.New(goapp.Config{Client: client, MagicLinkURL: tt.url})
			require.NoError(t, err)
			email := strings.ReplaceAll(tt.name, " ", "-") + "@example.com"
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/magic-link", strings.NewReader(`{"email":"`+email+`"}`)))
			msgs := ts.Project(creds.ProjectID).Messages(email)
			if tt.wantPrefix == "" {
				assert.Equal(t, http.StatusBadRequest, w.Code, "%s", w.Body)
				assert.JSONEq(t, `{"error":"send_failed"}`, w.Body.String())
				assert.Empty(t, msgs)
				return
			}
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
			require.Len(t, msgs, 1)
			assert.True(t, strings.HasPrefix(msgs[0].URL, tt.wantPrefix), "%s", msgs[0].URL)
			assert.True(t, strings.HasSuffix(msgs[0].URL, url.QueryEscape(msgs[0].Token)), "%s", msgs[0].URL)
		})
	}
}

// TestContract: the embedded contract is valid and names every route the app serves.
func TestContract(t *testing.T) {
	c := goapp.Contract()
	assert.Empty(t, c.Lacks(app.SignUp, app.SignIn, app.SendSMSCode, app.SubmitSMSCode, app.ProtectedPage, app.SensitiveAction, app.SignOut,
		app.RegisterTOTP, app.SubmitTOTPCode, app.TOTPPage, app.SendMagicLink, app.AuthenticateMagicLink, app.MagicLinkPage))
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
	_, err = goapp.New(goapp.Config{Client: &stytchapi.API{}, MagicLinkURL: "/authenticate"})
	require.ErrorContains(t, err, `Config.MagicLinkURL "/authenticate": want an absolute URL`)
	_, err = goapp.New(goapp.Config{Client: &stytchapi.API{}, MagicLinkURL: "https://app.example.com/%zz"})
	var ue *url.Error
	require.ErrorAs(t, err, &ue, "the parse error is wrapped")
	_, err = goapp.ParseDefect("forgets-everything")
	require.ErrorContains(t, err, `unknown defect "forgets-everything"`)
	d, err := goapp.ParseDefect("none")
	require.NoError(t, err)
	assert.Equal(t, goapp.NoDefect, d)
}

// TestMagicLinkOverAnotherSession: a link opened in a browser whose session cookie Stytch no longer
// knows (revoked, or expired elsewhere) starts a new session rather than failing the login; one
// opened in a browser signed in as someone else signs in the link's user on a session of their
// own, and the other user's session gets no factor.
func TestMagicLinkOverAnotherSession(t *testing.T) {
	tests := []struct {
		name      string
		linkOwner string // whose link is opened
		revoke    bool   // the browser's session was revoked first
	}{
		{name: "case=ended session", linkOwner: "signed-in@example.com", revoke: true},
		{name: "case=another user's session", linkOwner: "link-owner@example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
			creds := target.NewTestCredentials()
			client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret, stytchapi.WithBaseURI(ts.URL), stytchapi.WithInitializationContext(t.Context()))
			require.NoError(t, err)
			browser, err := client.Passwords.Create(t.Context(), &passwords.CreateParams{Email: "signed-in@example.com", Password: "a long unguessable passphrase " + rand.Text(), SessionDurationMinutes: 30})
			require.NoError(t, err)
			if tt.revoke {
				_, err = client.Sessions.Revoke(t.Context(), &sessions.RevokeParams{SessionToken: browser.SessionToken})
				require.NoError(t, err)
			}
			h, err := goapp.New(goapp.Config{Client: client})
			require.NoError(t, err)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/magic-link", strings.NewReader(`{"email":"`+tt.linkOwner+`"}`)))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
			msgs := ts.Project(creds.ProjectID).Messages(tt.linkOwner)
			require.NotEmpty(t, msgs)

			r := httptest.NewRequestWithContext(t.Context(), http.MethodGet, "/authenticate?stytch_token_type=magic_links&token="+url.QueryEscape(msgs[len(msgs)-1].Token), nil)
			r.AddCookie(&http.Cookie{Name: mfa.DefaultCookieName, Value: browser.SessionToken})
			carryCookies(r, w)
			w = httptest.NewRecorder()
			h.ServeHTTP(w, r)
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
			var fresh string
			for _, c := range w.Result().Cookies() {
				if c.Name == mfa.DefaultCookieName {
					fresh = c.Value
				}
			}
			require.NotEmpty(t, fresh)
			assert.NotEqual(t, browser.SessionToken, fresh)
			got, err := client.Sessions.Authenticate(t.Context(), &sessions.AuthenticateParams{SessionToken: fresh})
			require.NoError(t, err)
			assert.NotEqual(t, browser.Session.SessionID, got.Session.SessionID, "a session of its own")
			require.Len(t, got.Session.AuthenticationFactors, 1)
			assert.Equal(t, sessions.AuthenticationFactorTypeMagicLink, got.Session.AuthenticationFactors[0].Type)
			if tt.revoke {
				return
			}
			assert.NotEqual(t, browser.UserID, got.Session.UserID, "the link signs in its own user")
			other, err := client.Sessions.Authenticate(t.Context(), &sessions.AuthenticateParams{SessionToken: browser.SessionToken})
			require.NoError(t, err)
			require.Len(t, other.Session.AuthenticationFactors, 1, "the signed-in user's session gets no factor")
			assert.Equal(t, sessions.AuthenticationFactorTypePassword, other.Session.AuthenticationFactors[0].Type)
		})
	}
}

// carryCookies adds to r the cookies the answer w set, as the browser that got it would send them.
func carryCookies(r *http.Request, w *httptest.ResponseRecorder) {
	for _, c := range w.Result().Cookies() {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
}

// TestMagicLinkBoundToBrowser: the app's magic links work only in the browser that asked for them
// (PKCE): a link someone asked for their own address is refused in a victim's browser, signed in
// or not, whose session stays as it was, and in a browser with another link's verifier or a forged
// one; the same link works in the asking browser, once. Driven over HTTP, like a browser.
func TestMagicLinkBoundToBrowser(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	creds := target.NewTestCredentials()
	client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret, stytchapi.WithBaseURI(ts.URL), stytchapi.WithInitializationContext(t.Context()))
	require.NoError(t, err)
	h, err := goapp.New(goapp.Config{Client: client})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	apptest.CheckLinksBoundToBrowser(t, apptest.App{URL: srv.URL, CallbackPath: "/authenticate", Emulator: ts, Project: creds})
}

// TestMagicLinkVerifierCookiePath: the verifier cookie is scoped to the path of the redirect URL as
// the browser reaches it (Config.MagicLinkURL; the app's own /authenticate without one), so that a
// browser sends it to the callback alone, also behind a proxy that serves the app under a prefix.
func TestMagicLinkVerifierCookiePath(t *testing.T) {
	const prefixed = "https://app.example.com/shop/authenticate"
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision(), emulator.WithRedirectURLs(emulator.DefaultRedirectURL, prefixed))
	creds := target.NewTestCredentials()
	client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret, stytchapi.WithBaseURI(ts.URL), stytchapi.WithInitializationContext(t.Context()))
	require.NoError(t, err)
	for _, tt := range []struct{ name, url, wantPath string }{
		{"project default", "", "/authenticate"},
		{"app URL", emulator.DefaultRedirectURL, "/authenticate"},
		{"behind a proxy", prefixed, "/shop/authenticate"},
	} {
		t.Run("case="+tt.name, func(t *testing.T) {
			h, err := goapp.New(goapp.Config{Client: client, MagicLinkURL: tt.url})
			require.NoError(t, err)
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequestWithContext(t.Context(), http.MethodPost, "/magic-link", strings.NewReader(`{"email":"path@example.com"}`)))
			require.Equal(t, http.StatusOK, w.Code, "%s", w.Body)
			var got *http.Cookie
			for _, c := range w.Result().Cookies() {
				if c.Name == "stytch_pkce_verifier" {
					got = c
				}
			}
			require.NotNil(t, got, "the send sets the verifier cookie")
			assert.Equal(t, tt.wantPath, got.Path)
		})
	}
}
