package harness_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/mfa"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// referenceApp is the reference app (examples/goapp), built for each case on its own target,
// with one planted defect or none.
func referenceApp(d goapp.Defect) *harness.App {
	return &harness.App{Contract: goapp.Contract(), New: func(tgt target.Target) (http.Handler, error) {
		return goapp.New(goapp.Config{Client: tgt.Client(), Clock: mfa.ClockFunc(tgt.Now), Defect: d})
	}}
}

// appFlow is the guide's flow driven through the app, for a user with a verified email and a
// password: sign in, the protected page needs the
// second factor, the SMS step-up opens it and the sensitive action, which asks for a fresh code
// once the factor is 6 minutes old; the magic-link page needs a magic link too, which the app
// sends and authenticates with the session, and which opens it with the token Stytch rotated;
// signing out closes the page, and the used link opens nothing.
func appFlow() []harness.TestStep {
	stepUp := []harness.TestStep{
		{Name: "send SMS code", Action: harness.AppRequest{Route: app.SendSMSCode}, Check: harness.CheckAppOK()},
		{Name: "submit SMS code", Action: harness.AppRequest{Route: app.SubmitSMSCode}, Check: harness.CheckAppOK()},
	}
	steps := append(verifiedUser(),
		harness.TestStep{Name: "sign in", Action: harness.AppRequest{Route: app.SignIn}, Check: harness.CheckAppOK()},
		harness.TestStep{Name: "page needs the SMS factor", Action: harness.AppRequest{Route: app.ProtectedPage}, Check: harness.CheckAppAnswer(app.NeedsFactor)},
	)
	steps = append(steps, stepUp...)
	steps = append(steps,
		harness.TestStep{Name: "page opens", Action: harness.AppRequest{Route: app.ProtectedPage}, Check: harness.CheckAppAnswer(app.Allowed)},
		harness.TestStep{Name: "sensitive action", Action: harness.AppRequest{Route: app.SensitiveAction}, Check: harness.CheckAppAnswer(app.Allowed)},
		harness.TestStep{Name: "six minutes", Action: harness.AgeSessions{D: 6 * time.Minute}},
		harness.TestStep{Name: "fresh code needed", Action: harness.AppRequest{Route: app.SensitiveAction}, Check: harness.CheckAppAnswer(app.NeedsFreshFactor)},
	)
	steps = append(steps, stepUp...)
	return append(steps,
		harness.TestStep{Name: "sensitive action again", Action: harness.AppRequest{Route: app.SensitiveAction}, Check: harness.CheckAppAnswer(app.Allowed)},
		harness.TestStep{Name: "magic-link page needs the link", Action: harness.AppRequest{Route: app.MagicLinkPage}, Check: harness.CheckAppAnswer(app.NeedsFactor)},
		harness.TestStep{Name: "send a magic link", Action: harness.AppRequest{Route: app.SendMagicLink}, Check: func(s *harness.State) error {
			if s.LastMagicLink.Link.Token == "" {
				return errors.New("the link the app had sent was not read from the target")
			}
			return nil
		}},
		harness.TestStep{Name: "open the magic link", Action: harness.AppRequest{Route: app.AuthenticateMagicLink}, Check: harness.CheckAppOK()},
		// Past the grace of the token the link's factor rotated out: only the new one opens pages.
		harness.TestStep{Name: "61 seconds", Action: harness.AdvanceTime{D: 61 * time.Second}},
		harness.TestStep{Name: "magic-link page opens", Action: harness.AppRequest{Route: app.MagicLinkPage}, Check: harness.CheckAppAnswer(app.Allowed)},
		harness.TestStep{Name: "sign out", Action: harness.AppRequest{Route: app.SignOut}, Check: harness.CheckAppOK()},
		harness.TestStep{Name: "page closed", Action: harness.AppRequest{Route: app.ProtectedPage}, Check: harness.CheckAppAnswer(app.Unauthenticated)},
		harness.TestStep{Name: "used link refused", Action: harness.AppRequest{Route: app.AuthenticateMagicLink, Again: true}, Check: harness.CheckAppRefused()},
		harness.TestStep{Name: "magic-link page closed", Action: harness.AppRequest{Route: app.MagicLinkPage}, Check: harness.CheckAppAnswer(app.Unauthenticated)},
	)
}

// TestApp_ReferenceAppFlow drives the reference app through the guide's flow: it passes, and each
// planted defect makes it fail at the step that shows the bug.
func TestApp_ReferenceAppFlow(t *testing.T) {
	o, _ := emulatorOpener(t)
	requirePassed(t, runCase(harness.TestCase{Target: o, App: referenceApp(goapp.NoDefect),
		Requires: []target.Capability{target.SessionAgeing, target.ClockControl}, Steps: appFlow(), CheckDestroy: harness.CheckUsersDeleted()}))

	wants := map[goapp.Defect]string{
		goapp.SkipsFactorCheck:   "(page needs the SMS factor): app: want needs_factor, got allowed",
		goapp.CodeWithoutSession: "(page opens): app: want allowed, got needs_factor",
		goapp.IgnoresFactorAge:   "(fresh code needed): app: want needs_fresh_factor, got allowed",
		goapp.KeepsOldToken:      "(fresh code needed): app: want needs_fresh_factor, got unauthenticated",
		goapp.SkipsLinkCheck:     "(magic-link page needs the link): app: want needs_factor, got allowed",
		goapp.LinkWithoutSession: "(magic-link page opens): app: want allowed, got needs_factor",
		goapp.LinkKeepsOldToken:  "(magic-link page opens): app: want allowed, got unauthenticated",
	}
	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			ft := runCase(harness.TestCase{Target: o, App: referenceApp(d), Steps: appFlow()})
			requireFailure(t, ft, wants[d])
		})
	}
}

// TestApp_Invalid: a case that makes app requests without an app, or with an app that has
// neither New nor URL, fails before any step runs; opening a magic link before the app sent one
// fails naming what is missing.
func TestApp_Invalid(t *testing.T) {
	o, _ := emulatorOpener(t)
	steps := []harness.TestStep{{Action: harness.AppRequest{Route: app.SignIn}}}
	requireFailure(t, runCase(harness.TestCase{Target: o, Steps: steps}), "makes an app request but the case has no App")
	requireFailure(t, runCase(harness.TestCase{Target: o, App: &harness.App{Contract: goapp.Contract()}, Steps: steps}), "the app needs New or URL")
	for _, a := range []harness.AppRequest{{Route: app.AuthenticateMagicLink}, {Route: app.AuthenticateMagicLink, Again: true}} {
		requireFailure(t, runCase(harness.TestCase{Target: o, App: referenceApp(goapp.NoDefect), Steps: []harness.TestStep{{Action: a, Check: harness.CheckAppOK()}}}),
			"app authenticate_magic_link: missing input: no ")
	}
}

// TestApp_SendWithoutALink: an app that answers that it sent a magic link but sends none fails the
// step, rather than the suite opening a link an earlier send left: the last link the case saw, or
// an older one to the same address when the case's last link went elsewhere.
func TestApp_SendWithoutALink(t *testing.T) {
	o, _ := emulatorOpener(t)
	send := harness.TestStep{Action: harness.AppRequest{Route: app.SendMagicLink}, Check: harness.CheckAppOK()}
	tests := []struct {
		name  string
		steps []harness.TestStep
	}{
		{"case=after the app's own link", []harness.TestStep{send, send}},
		{"case=after a link to another address", []harness.TestStep{send, {Action: harness.MagicLinkLoginOrCreate{To: "someone.else@example.com"}}, send}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sends := 0
			claimsToSend := &harness.App{Contract: goapp.Contract(), New: func(tgt target.Target) (http.Handler, error) {
				h, err := goapp.New(goapp.Config{Client: tgt.Client(), Clock: mfa.ClockFunc(tgt.Now)})
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/magic-link" {
						if sends++; sends > 1 {
							_, _ = w.Write([]byte(`{"sent":"true"}`))
							return
						}
					}
					h.ServeHTTP(w, r)
				}), err
			}}
			requireFailure(t, runCase(harness.TestCase{Target: o, App: claimsToSend, Steps: append(verifiedUser(), tt.steps...)}),
				"but no new magic link reached")
		})
	}
}

// TestApp_SignUp: a visitor who signs up in the app has a password session, which the protected
// page refuses until the second factor.
func TestApp_SignUp(t *testing.T) {
	o, _ := emulatorOpener(t)
	requirePassed(t, runCase(harness.TestCase{Target: o, App: referenceApp(goapp.NoDefect), Steps: []harness.TestStep{
		{Name: "sign up", Action: harness.AppRequest{Route: app.SignUp}, Check: harness.CheckAppOK()},
		{Name: "page needs the SMS factor", Action: harness.AppRequest{Route: app.ProtectedPage}, Check: harness.CheckAppAnswer(app.NeedsFactor)},
	}}))
}

// TestApp_TOTP: a user registers an authenticator app through the app, whose answer carries the
// secret; the code computed from it opens the TOTP page.
func TestApp_TOTP(t *testing.T) {
	o, _ := emulatorOpener(t)
	requirePassed(t, runCase(harness.TestCase{Target: o, App: referenceApp(goapp.NoDefect), Steps: []harness.TestStep{
		{Name: "sign up", Action: harness.AppRequest{Route: app.SignUp}, Check: harness.CheckAppOK()},
		{Name: "page needs TOTP", Action: harness.AppRequest{Route: app.TOTPPage}, Check: harness.CheckAppAnswer(app.NeedsFactor)},
		{Name: "register", Action: harness.AppRequest{Route: app.RegisterTOTP}, Check: func(s *harness.State) error {
			if s.TOTP.Secret == "" {
				return errors.New("no TOTP secret kept")
			}
			return nil
		}},
		{Name: "submit code", Action: harness.AppRequest{Route: app.SubmitTOTPCode}, Check: harness.CheckAppOK()},
		{Name: "page opens", Action: harness.AppRequest{Route: app.TOTPPage}, Check: harness.CheckAppAnswer(app.Allowed)},
	}}))
}

// TestCheckAppOK: a 2xx or 3xx answer is an acceptance; a refusal or a server error is not, and
// the failure says which answer came instead.
func TestCheckAppOK(t *testing.T) {
	tests := []struct {
		name string
		last any
		want string
	}{
		{"case=200", &app.Response{Request: "POST /login", Status: http.StatusOK}, ""},
		{"case=redirected", &app.Response{Request: "POST /login", Status: http.StatusSeeOther, Location: "/account"}, ""},
		{"case=refused", &app.Response{Request: "POST /login", Status: http.StatusUnauthorized}, "app: want the request accepted, got POST /login: 401"},
		{"case=server error", &app.Response{Request: "POST /login", Status: http.StatusInternalServerError}, "app: want the request accepted, got POST /login: 500"},
		{"case=no app answer", nil, "no app answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := harness.CheckAppOK()(&harness.State{LastResponse: tt.last})
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}

// TestCheckAppRefused: only a 4xx answer is a refusal; an acceptance, a server error or no app
// answer at all fail the check.
func TestCheckAppRefused(t *testing.T) {
	tests := []struct {
		name string
		last any
		want string
	}{
		{"case=401", &app.Response{Request: "GET /authenticate", Status: http.StatusUnauthorized}, ""},
		{"case=400", &app.Response{Request: "GET /authenticate", Status: http.StatusBadRequest}, ""},
		{"case=accepted", &app.Response{Request: "GET /authenticate", Status: http.StatusOK}, "app: want a refusal (a 4xx status or the contract's refused answer), got GET /authenticate: 200"},
		{"case=redirected", &app.Response{Request: "GET /authenticate", Status: http.StatusSeeOther}, "app: want a refusal (a 4xx status or the contract's refused answer), got GET /authenticate: 303"},
		{"case=server error", &app.Response{Request: "GET /authenticate", Status: http.StatusInternalServerError}, "want a refusal (a 4xx status or the contract's refused answer), got GET /authenticate: 500"},
		{"case=no app answer", nil, "no app answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := harness.CheckAppRefused()(&harness.State{LastResponse: tt.last})
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tt.want)
		})
	}
}
