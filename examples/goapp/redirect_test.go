package goapp_test

import (
	"encoding/json"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/internal/apptest"
	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// asRedirects serves the app h as a server-rendered app would, with redirects where h answers
// JSON errors: a page without a session sends the browser to /login?next=…, a missing factor to
// /mfa/sms?missing=…, a stale one to /mfa/sms/fresh, and a sign-in, code or link the app turns
// down back to /login?error=…; a successful sign-in or link leads to /account. Cookies pass
// through.
func asRedirects(h http.Handler) http.Handler {
	signIns := map[string]bool{"/signup": true, "/login": true, "/authenticate": true}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		maps.Copy(w.Header(), rec.Header())
		var body struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &body)
		ok := rec.Code >= 200 && rec.Code <= 299
		switch {
		case ok && signIns[r.URL.Path]:
			http.Redirect(w, r, "/account", http.StatusSeeOther)
		case ok:
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		case rec.Code >= 400 && rec.Code <= 499 && (signIns[r.URL.Path] || strings.HasSuffix(r.URL.Path, "/verify")):
			http.Redirect(w, r, "/login?error="+url.QueryEscape(body.Error), http.StatusFound)
		case body.Error == "missing_factor":
			http.Redirect(w, r, "/mfa/sms?missing="+url.QueryEscape(r.URL.Path), http.StatusFound)
		case body.Error == "stale_factor":
			http.Redirect(w, r, "/mfa/sms/fresh", http.StatusFound)
		case r.Method == http.MethodGet && rec.Code == http.StatusUnauthorized:
			http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusFound)
		default:
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		}
	})
}

// redirectContract is the reference app's contract with the answers of asRedirects.
func redirectContract(t *testing.T) *app.Contract {
	t.Helper()
	c := goapp.Contract()
	c.Name = "goapp with redirects"
	c.Answers = app.Answers{
		Allowed:          &app.Answer{Status: http.StatusOK},
		Unauthenticated:  &app.Answer{Status: http.StatusFound, Location: "/login?next"},
		NeedsFactor:      &app.Answer{Status: http.StatusFound, Location: "/mfa/sms?missing"},
		NeedsFreshFactor: &app.Answer{Status: http.StatusFound, Location: "/mfa/sms/fresh"},
		Refused:          &app.Answer{Status: http.StatusFound, Location: "/login?error"},
	}
	require.NoError(t, c.Validate())
	return c
}

// TestAppFeatures_RedirectingApp: an app that answers with redirects instead of JSON errors passes
// the app features when its contract describes the redirects, and each planted defect still fails
// the scenario that shows its bug, at the step and with the answer the bug gives.
func TestAppFeatures_RedirectingApp(t *testing.T) {
	t.Parallel()
	build := func(d goapp.Defect) func(target.Target) (http.Handler, error) {
		return func(tgt target.Target) (http.Handler, error) {
			h, err := withDefect(d)(tgt)
			return asRedirects(h), err
		}
	}
	rep, out := runAppFeatures(t, redirectContract(t), build(goapp.NoDefect))
	require.False(t, rep.Failed(), "%s", out)
	require.Equal(t, rep.Total(), rep.Count(steps.Passed), "every app scenario runs: %s", out)

	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			t.Parallel()
			want, ok := apptest.CaughtBy(d)
			require.True(t, ok, "the table names the scenario that catches %s", d)
			rep, out := runAppFeatures(t, redirectContract(t), build(d))
			require.True(t, rep.Failed(), "the defect %s went unnoticed behind redirects:\n%s", d, out)
			i := slices.IndexFunc(rep.Results, func(r steps.Result) bool { return r.Scenario == want.Scenario })
			require.GreaterOrEqual(t, i, 0, "no scenario %q ran:\n%s", want.Scenario, out)
			got := rep.Results[i]
			require.Equal(t, steps.Failed, got.Outcome, "%s passed with the defect %s:\n%s", want.Scenario, d, out)
			require.ErrorContains(t, got.Err, want.Failure)
		})
	}
}
