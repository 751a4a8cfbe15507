package steps

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/pkg/app"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// The application under test. The app features (features/app_*.feature) drive an application
// through its app contract (pkg/app): by default the reference app (examples/goapp) built in
// process for each scenario's target; with WithApp the caller's own, built the same way; with
// WithAppURL one running elsewhere. A scenario whose steps need a route the contract lacks is
// skipped, naming it.

// WithApp makes the app steps drive the application newApp builds for each scenario's target (its
// stytch-go client, and its clock for factor ages), served in process: each scenario gets its own
// app on its own project. contract says how to drive it; an invalid contract panics here, naming
// the field, before any scenario runs.
func WithApp(contract *app.Contract, newApp func(tgt target.Target) (http.Handler, error)) Option {
	a := &harness.App{Contract: contract, New: newApp}
	mustValid("WithApp", a, newApp == nil)
	return func(s *Suite) { s.app = a }
}

// WithAppURL makes the app steps drive the application running at url, described by contract;
// an invalid contract panics here, naming the field. The app is configured with one project, so
// the suite's opener must put every scenario on that project (target.WithOneProject) and the
// scenarios must run one at a time (godog's Concurrency 1).
func WithAppURL(contract *app.Contract, url string) Option {
	a := &harness.App{Contract: contract, URL: url}
	mustValid("WithAppURL", a, url == "")
	return func(s *Suite) { s.app = a }
}

// mustValid panics when the app's contract is invalid or its builder is missing.
func mustValid(option string, a *harness.App, missing bool) {
	switch {
	case a.Contract == nil:
		panic("steps." + option + ": nil app contract")
	case missing:
		panic("steps." + option + ": no app to drive")
	}
	if err := a.Contract.Validate(); err != nil {
		panic("steps." + option + ": invalid app contract: " + err.Error())
	}
}

// defaultApp is the reference app, built in process for each scenario's target.
func defaultApp() *harness.App {
	return &harness.App{Contract: goapp.Contract(), New: referenceApp}
}

// appStepRoutes says which routes each app step uses, by pattern: a scenario using a step whose
// routes the contract lacks is skipped.
func appStepRoutes() map[string][]app.RouteName {
	return map[string][]app.RouteName{
		"a visitor signs up in the app":                             {app.SignUp},
		"the user signs in to the app":                              {app.SignIn},
		"the user completes the SMS step-up in the app":             {app.SendSMSCode, app.SubmitSMSCode},
		"the app allows the protected page":                         {app.ProtectedPage},
		"the app asks for the second factor on the protected page":  {app.ProtectedPage},
		"the app refuses the protected page as signed out":          {app.ProtectedPage},
		"the app allows a sensitive action":                         {app.SensitiveAction},
		"the app asks for a fresh factor before a sensitive action": {app.SensitiveAction},
		"the user signs out of the app":                             {app.SignOut},
		"the user registers an authenticator app in the app":        {app.RegisterTOTP},
		"the user enters the authenticator code in the app":         {app.SubmitTOTPCode},
		"the app allows the TOTP page":                              {app.TOTPPage},
		"the app asks for the second factor on the TOTP page":       {app.TOTPPage},
		"the user asks for a magic link in the app":                 {app.SendMagicLink},
		"the user opens the magic link in the app":                  {app.AuthenticateMagicLink},
		"the app refuses the same magic link":                       {app.AuthenticateMagicLink},
		"the app allows the magic-link page":                        {app.MagicLinkPage},
		"the app asks for the second factor on the magic-link page": {app.MagicLinkPage},
		"the app refuses the magic-link page as signed out":         {app.MagicLinkPage},
	}
}

// routeMatcher is an app step's expression and the routes it uses.
type routeMatcher struct {
	expr   *regexp.Regexp
	routes []app.RouteName
}

// appRouteMatchers returns the app steps' expressions with their routes.
func appRouteMatchers() []routeMatcher {
	need := appStepRoutes()
	var out []routeMatcher
	for _, d := range definitions() {
		if routes, ok := need[d.pattern]; ok {
			out = append(out, routeMatcher{expr: regexp.MustCompile(d.expr), routes: routes})
		}
	}
	return out
}

// appSkipReason says why the scenario cannot run with the suite's app ("" when it can): a step
// uses a route the contract lacks.
func (s *Suite) appSkipReason(p *godog.Scenario) string {
	var need []app.RouteName
	for _, st := range p.Steps {
		for _, m := range s.appRoutes {
			if m.expr.MatchString(st.Text) {
				need = append(need, m.routes...)
			}
		}
	}
	missing := s.app.Contract.Lacks(need...)
	if len(missing) == 0 {
		return ""
	}
	names := make([]string, len(missing))
	for i, r := range missing {
		names[i] = string(r)
	}
	return fmt.Sprintf("app %s lacks %s in its contract", s.app.Contract.DisplayName(), strings.Join(names, ", "))
}

// appStep runs one app request that must be answered as check says.
func appStep(ctx context.Context, route app.RouteName, check harness.CheckFunc) error {
	return must(ctx, harness.AppRequest{Route: route}, nil, check)
}

func signUpInApp(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	if err := sc.run(ctx,
		// A fresh identity, never the sandbox one: the app creates the user.
		harness.TestStep{Name: "identity", PreStep: useIdentity(false), Check: noCheck},
		harness.TestStep{Name: "sign up", Action: harness.AppRequest{Route: app.SignUp}, Check: harness.CheckAppOK()},
	); err != nil {
		return err
	}
	// The look-up is the suite's bookkeeping, not the scenario's: drift does not record it.
	return sc.run(setup(ctx), harness.TestStep{Name: "track the user", PreStep: trackAppUser, Check: noCheck})
}

// trackAppUser finds the user the app signed up (with a password or a magic link) by its email,
// makes it the state's user, and has the target delete it after the scenario, as it does the users
// the steps create.
func trackAppUser(ctx context.Context, s *harness.State) error {
	tgt := s.Target()
	resp, err := tgt.Client().Users.Search(ctx, &users.SearchParams{Limit: 2, Query: &users.SearchUsersQuery{
		Operator: users.SearchUsersQueryOperatorAND,
		Operands: []map[string]any{{"filter_name": "email_address", "filter_value": []string{s.Identity.Email}}},
	}})
	if err != nil {
		return fmt.Errorf("find the user the app signed up: %w", err)
	}
	if len(resp.Results) != 1 {
		return fmt.Errorf("the app answered the sign-up, but Stytch has %d users with the email %s", len(resp.Results), s.Identity.Email)
	}
	tgt.Track(resp.Results[0].UserID)
	s.UserID = resp.Results[0].UserID
	return nil
}

func signInToApp(ctx context.Context) error { return appStep(ctx, app.SignIn, harness.CheckAppOK()) }

func appStepUp(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.run(ctx,
		harness.TestStep{Name: "send the code", Action: harness.AppRequest{Route: app.SendSMSCode}, Check: harness.CheckAppOK()},
		harness.TestStep{Name: "submit the code", Action: harness.AppRequest{Route: app.SubmitSMSCode}, Check: harness.CheckAppOK()},
	)
}

func appAllowsPage(ctx context.Context) error {
	return appStep(ctx, app.ProtectedPage, harness.CheckAppAnswer(app.Allowed))
}

func appNeedsFactor(ctx context.Context) error {
	return appStep(ctx, app.ProtectedPage, harness.CheckAppAnswer(app.NeedsFactor))
}

func appSignedOut(ctx context.Context) error {
	return appStep(ctx, app.ProtectedPage, harness.CheckAppAnswer(app.Unauthenticated))
}

func appAllowsAction(ctx context.Context) error {
	return appStep(ctx, app.SensitiveAction, harness.CheckAppAnswer(app.Allowed))
}

func appNeedsFreshFactor(ctx context.Context) error {
	return appStep(ctx, app.SensitiveAction, harness.CheckAppAnswer(app.NeedsFreshFactor))
}

func signOutOfApp(ctx context.Context) error { return appStep(ctx, app.SignOut, harness.CheckAppOK()) }

func registerTOTPInApp(ctx context.Context) error {
	return appStep(ctx, app.RegisterTOTP, harness.CheckAppOK())
}

func enterTOTPInApp(ctx context.Context) error {
	return appStep(ctx, app.SubmitTOTPCode, harness.CheckAppOK())
}

func appAllowsTOTPPage(ctx context.Context) error {
	return appStep(ctx, app.TOTPPage, harness.CheckAppAnswer(app.Allowed))
}

func appNeedsTOTP(ctx context.Context) error {
	return appStep(ctx, app.TOTPPage, harness.CheckAppAnswer(app.NeedsFactor))
}

func ageAppSession(ctx context.Context, minutes int) error {
	return must(ctx, harness.AgeSessions{D: time.Duration(minutes) * time.Minute}, nil, nil)
}

func askForLinkInApp(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	if err := sc.run(ctx, harness.TestStep{Name: "ask for a magic link", Action: harness.AppRequest{Route: app.SendMagicLink}, Check: harness.CheckAppOK()}); err != nil {
		return err
	}
	if s := sc.state(); s.UserID != "" || s.Identity.Sandbox {
		return nil
	}
	// A new address: Stytch created the user the link signs up. The look-up is the suite's
	// bookkeeping, not the scenario's: drift does not record it.
	return sc.run(setup(ctx), harness.TestStep{Name: "track the user", PreStep: trackAppUser, Check: noCheck})
}

func openLinkInApp(ctx context.Context) error {
	return appStep(ctx, app.AuthenticateMagicLink, harness.CheckAppOK())
}

func appRefusesUsedLink(ctx context.Context) error {
	return must(ctx, harness.AppRequest{Route: app.AuthenticateMagicLink, Again: true}, nil, harness.CheckAppRefused())
}

func appAllowsLinkPage(ctx context.Context) error {
	return appStep(ctx, app.MagicLinkPage, harness.CheckAppAnswer(app.Allowed))
}

func appNeedsLinkFactor(ctx context.Context) error {
	return appStep(ctx, app.MagicLinkPage, harness.CheckAppAnswer(app.NeedsFactor))
}

func appLinkPageSignedOut(ctx context.Context) error {
	return appStep(ctx, app.MagicLinkPage, harness.CheckAppAnswer(app.Unauthenticated))
}
