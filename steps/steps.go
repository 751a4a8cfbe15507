package steps

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/cucumber/godog"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/mfa"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// Tolerances of the time checks: the session expiry and a factor's age are read from second-
// precision timestamps against a clock that may be estimated (a remote emulator's) or real (the
// sandbox's).
const (
	expiryTolerance    = time.Minute
	factorAgeTolerance = 10 * time.Second
)

// Step describes one registered step: the one source of the step catalogue, from which
// docs/steps.md and the list in this package's documentation are generated (go generate).
type Step struct {
	// Group is the catalogue section the step belongs to: "Identities", "Sessions", ...
	Group string
	// Pattern is how the step reads, with <parameters>: `the user signs in with their password
	// for <n> minutes`.
	Pattern string
	// Expression is the regular expression godog matches the step text with.
	Expression string
	// Doc says what the step does.
	Doc string
	// Example is the step as a feature file writes it (without the Given/When/Then keyword).
	Example string
}

// Group is a section of the step catalogue.
type Group struct {
	// Name names the section: "Identities", "Sessions", ...
	Name string
	// Intro, when set, says what the section's steps share.
	Intro string
	// Steps are the section's steps, in catalogue order.
	Steps []Step
}

// Catalogue returns every step the suite registers, in sections, in the order of the documentation.
func Catalogue() []Group {
	var out []Group
	for _, sec := range catalogue() {
		g := Group{Name: sec.name, Intro: sec.intro}
		for _, d := range sec.steps {
			g.Steps = append(g.Steps, Step{Group: sec.name, Pattern: d.pattern, Expression: d.expr, Doc: d.doc, Example: d.example})
		}
		out = append(out, g)
	}
	return out
}

// List returns every step the suite registers, in catalogue order.
func List() []Step {
	var out []Step
	for _, g := range Catalogue() {
		out = append(out, g.Steps...)
	}
	return out
}

// definition is one step: its expression, how it reads, what it does, an example, and its handler.
type definition struct {
	pattern, expr, doc, example string
	fn                          any
}

// plain is a step without parameters: its expression matches its text exactly, and its example is
// the text itself.
func plain(text, doc string, fn any) definition {
	return definition{pattern: text, expr: "^" + regexp.QuoteMeta(text) + "$", doc: doc, example: text, fn: fn}
}

// section is a group of the catalogue's definitions.
type section struct {
	name, intro string
	steps       []definition
}

// definitions returns every step, in catalogue order.
func definitions() []definition {
	var out []definition
	for _, sec := range catalogue() {
		out = append(out, sec.steps...)
	}
	return out
}

// catalogue returns every step, in sections. Each handler makes one harness call (Runner.Run) or,
// for the Given steps that set up a user, the few a user needs. "When" steps keep their call's
// Stytch error for a "Then the request fails ..." to judge (scenario.when); an error nobody judges
// fails the scenario.
func catalogue() []section {
	return []section{
		{"Identities", "", []definition{
			plain("a user with a verified email and a password", "A fresh identity whose codes the target can read; on the sandbox that is Stytch's sandbox user, which exists and is verified. Elsewhere, as in Stytch's email-verification guide, the user is created with a session (passwords.create) and the email verified by an email code authenticated with that session token (otps.email.send, otps.authenticate), which keeps the password usable; then the session is revoked, so that the scenario starts without one, as on the sandbox.",
				verifiedUser),
			plain("a new user signed up with a password", "A fresh identity (never the sandbox one), created with passwords.create and no session: its email stays unverified.",
				newUser),
			plain("a user who can receive email codes", "A fresh identity whose codes the target can read (the sandbox user on the sandbox); elsewhere the user is created with its email only (users.create).",
				emailUser),
		}},
		{"Primary factor", "", []definition{
			{"the user signs in with their password for <n> minutes", `^the user signs in with their password for (\d+) minutes?$`,
				"passwords.authenticate with session_duration_minutes n.",
				"the user signs in with their password for 60 minutes",
				signIn},
			plain("the user signs in with their password without a session", "passwords.authenticate without session_duration_minutes.",
				signInNoSession),
			plain("the user signs in with the wrong password", "passwords.authenticate with a password that is not the user's.",
				signInWrongPassword),
			{"the sandbox user signs in with any password for <n> minutes", `^the sandbox user signs in with any password for (\d+) minutes?$`,
				"The identity becomes Stytch's sandbox user (sandbox@stytch.com, +10000000000); passwords.authenticate with a random password, which the sandbox user accepts.",
				"the sandbox user signs in with any password for 30 minutes",
				sandboxSignIn},
		}},
		{"One-time passcodes", "The code is read from the target: the emulator's outbox, 000000 for the sandbox identities.", []definition{
			{"a|an <SMS|WhatsApp|email> code is sent to the user's <phone|email> with the session token", `^an? (SMS|WhatsApp|email) code is sent to the user's (phone|email) with the session token$`,
				"otps.<channel>.send to the identity's phone or email with the current session token, which attaches it to the session's user.",
				"an SMS code is sent to the user's phone with the session token",
				sendToUser},
			{"a|an <SMS|WhatsApp|email> code is sent to a new <phone|email> with the session token", `^an? (SMS|WhatsApp|email) code is sent to a new (phone|email) with the session token$`,
				"A fresh phone number or email becomes the identity's; then otps.<channel>.send to it with the current session token.",
				"an SMS code is sent to a new phone with the session token",
				sendToNew},
			{`an SMS code is sent to "<phone>" with the session token`, `^an SMS code is sent to "([^"]*)" with the session token$`,
				"otps.sms.send to the given phone number with the current session token.",
				`an SMS code is sent to "+10000000000" with the session token`,
				sendSMSTo},
			plain("an email code is sent to the user", "otps.email.send to the identity's email, without a session.",
				sendEmailToUser),
			{`an email code is sent to "<email>"`, `^an email code is sent to "([^"]*)"$`,
				"otps.email.send to the given email, without a session.",
				`an email code is sent to "sandbox@stytch.com"`,
				sendEmailTo},
			{"the user enters the <SMS|WhatsApp|email> code with the session token", `^the user enters the (SMS|WhatsApp|email) code with the session token$`,
				"otps.authenticate of the last code sent (which must have gone by that channel), read from the target, with the current session token: the step-up.",
				"the user enters the SMS code with the session token",
				enterCode},
			{"the user enters the email code for <n> minutes", `^the user enters the email code for (\d+) minutes?$`,
				"otps.authenticate of the last code sent (by email), with session_duration_minutes n and no session token.",
				"the user enters the email code for 30 minutes",
				enterEmailCodeFor},
			plain("the user enters a wrong SMS code with the session token", "otps.authenticate of a well-formed code that is not the one sent, with the current session token.",
				enterWrongCode),
			plain("the user enters the same SMS code again", "otps.authenticate of the code just used, again, with the current session token.",
				enterSameCode),
			plain("the previous SMS code is kept", "Reads the last code sent from the target and keeps it for a later step.",
				keepCode),
			plain("the user enters the previous SMS code with the session token", "otps.authenticate of the code kept earlier, with the current session token.",
				enterKeptCode),
			{`the user enters the code "<code>" with the session token`, `^the user enters the code "([^"]*)" with the session token$`,
				"otps.authenticate of the given code for the last code sent, with the current session token.",
				`the user enters the code "000000" with the session token`,
				enterLiteralWithSession},
			{`the user enters the code "<code>" for <n> minutes`, `^the user enters the code "([^"]*)" for (\d+) minutes?$`,
				"otps.authenticate of the given code for the last code sent, with session_duration_minutes n.",
				`the user enters the code "000000" for 30 minutes`,
				enterLiteralFor},
		}},
		{"TOTP", "The code is computed from the secret at the target's clock; 000000 for the sandbox user.", []definition{
			plain("the user registers an authenticator app", "totps.create for the user; keeps the secret and the recovery codes.",
				registerTOTP),
			plain("the user enters the authenticator code with the session token", "totps.authenticate with the code computed from the secret at the target's clock (000000 for the sandbox user), with the current session token.",
				enterTOTP),
			plain("the user recovers with a recovery code with the session token", "totps.recover with an unused recovery code, with the current session token.",
				recoverTOTP),
			plain("the user recovers with the same recovery code again", "totps.recover with the recovery code used last, with the current session token.",
				recoverTOTPAgain),
		}},
		{"Sessions", "", []definition{
			plain("the session is revoked", "sessions.revoke of the current session token.",
				revoke),
			{"the session is authenticated for <n> more minutes", `^the session is authenticated for (\d+) more minutes?$`,
				"sessions.authenticate of the current token with session_duration_minutes n (extends the session).",
				"the session is authenticated for 60 more minutes",
				extend},
			plain("the session is authenticated with both its token and its JWT", "sessions.authenticate with session_token and session_jwt together.",
				authenticateBoth),
			{`the session token "<token>" is authenticated`, `^the session token "([^"]*)" is authenticated$`,
				"sessions.authenticate of the given token (e.g. a sandbox token).",
				`the session token "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY" is authenticated`,
				authenticateLiteral},
			{"the session token authenticates", `^the (?:new )?session token authenticates$`,
				"sessions.authenticate of the current token must succeed (also: the new session token authenticates).",
				"the new session token authenticates",
				tokenAuthenticates},
			plain("the session JWT authenticates", "sessions.authenticate of the current session JWT must succeed.",
				jwtAuthenticates),
			plain("the session JWT verifies locally with both factors", "The current JWT verifies with the target's JWKS, without a request (stytch-go's AuthenticateJWTLocal), and its claims carry exactly the password and SMS factors.",
				jwtVerifiesLocally),
			plain("the original session token still authenticates", "sessions.authenticate of the token held before the latest step-up must succeed.",
				originalAuthenticates),
			{`the original session token is refused with "<error_type>"`, `^the original session token is refused with "([^"]*)"$`,
				"sessions.authenticate of the token held before the latest step-up must fail with error_type.",
				`the original session token is refused with "session_not_found"`,
				originalRefused},
			{`the session token is refused with "<error_type>"`, `^the session token is refused with "([^"]*)"$`,
				"sessions.authenticate of the current token must fail with error_type.",
				`the session token is refused with "session_not_found"`,
				tokenRefused},
			plain("the session has exactly these factors:", "The current session's factors are exactly the table's rows (columns type and delivery_method), in any order.",
				exactFactors),
			{`the session has the factor "<type>" delivered by "<delivery_method>"`, `^the session has the factor "([^"]*)" delivered by "([^"]*)"$`,
				"The current session has a factor of that type and delivery method.",
				`the session has the factor "otp" delivered by "sms"`,
				hasFactor},
			plain("the SMS factor carries the phone number", "The session's SMS factor names the phone number the code was sent to.",
				smsFactorPhone),
			plain("the session id is unchanged", "The latest step-up kept the session_id.",
				sessionIDUnchanged),
			plain("the session token has changed", "The latest step-up returned a new session token.",
				tokenChanged),
			plain("the session token is unchanged", "The latest authentication on the session added no new factor (one it already had), so the session kept its token.",
				tokenUnchanged),
			{"the session expires in <n> minutes", `^the session expires in (\d+) minutes?$`,
				"The current session's expires_at is n minutes from the target's now (± 1 minute).",
				"the session expires in 60 minutes",
				expiresIn},
			plain("no session was started", "The last call succeeded and returned no session.",
				noSession),
			{"the SMS factor was last authenticated <n> minutes ago", `^the SMS factor was last authenticated (\d+) minutes? ago$`,
				"sessions.authenticate of the current token; its SMS factor's last_authenticated_at is n minutes before the target's now (± 10 s).",
				"the SMS factor was last authenticated 6 minutes ago",
				smsFactorAge},
		}},
		{"Users", "", []definition{
			plain("the user's email is verified", "users.get: the identity's email is verified.",
				emailVerified),
			plain("the user's phone is unverified", "users.get: the identity's phone number is attached and unverified.",
				phoneUnverified),
			plain("the user has no phone", "users.get: the user has no phone number.",
				noPhone),
		}},
		{"Outcomes of the last call", "They judge the outcome of the last call, which a \"When\" step leaves for them.", []definition{
			{`the request fails with status <status> and error "<error_type>"`, `^the request fails with status (\d+) and error "([^"]*)"$`,
				"The last call failed with that HTTP status and Stytch error_type.",
				`the request fails with status 401 and error "unauthorized_credentials"`,
				requestFails},
			plain("the result is a session of the sandbox user", "The last call succeeded and returned a session of Stytch's sandbox user.",
				resultSandboxSession),
			{`the result is the error "<error_type>"`, `^the result is the error "([^"]*)"$`,
				"The last call failed with that Stytch error_type.",
				`the result is the error "session_not_found"`,
				resultError},
		}},
		{"Time and faults", "", []definition{
			{"<n> seconds|minutes|hours pass", `^(\d+) (seconds?|minutes?|hours?) pass(?:es)?$`,
				"Moves the target's time forward: the server clock and the app clock on an emulator (needs @requires:clock-control to expect server-side effects).",
				"6 minutes pass",
				advance},
			{"<n> seconds|minutes|hours pass on the app's clock", `^(\d+) (seconds?|minutes?|hours?) pass(?:es)? on the app's clock$`,
				"Moves the application's clock forward; this works on every target (on an emulator the server clock moves along).",
				"6 minutes pass on the app's clock",
				advance},
			{`the next SMS send fails with status <status> and error "<error_type>"`, `^the next SMS send fails with status (\d+) and error "([^"]*)"$`,
				"Injects a fault: the next otps.sms.send answers that status and error_type (needs @requires:fault-injection).",
				`the next SMS send fails with status 429 and error "too_many_requests"`,
				nextSMSFails},
		}},
		magicLinkSection(),
		{"The application", "The application is the reference app: pages behind pkg/mfa's middleware, which authenticates the session token (sent in a cookie) with the target and checks it at the target's clock. /account needs a password and an SMS factor, /transfer also an SMS factor at most 5 minutes old, /authenticator a password and a TOTP factor.", []definition{
			{"the request to a <protected|TOTP-protected|magic-link-protected> page is allowed", `^the request to a (protected|TOTP-protected|magic-link-protected) page is allowed$`,
				"A request with the session token in a cookie to a page behind mfa.Middleware (password + SMS, or password + TOTP) gets through; the middleware authenticates the session with the target at the target's clock.",
				"the request to a protected page is allowed",
				pageAllowed},
			{`the request to a <protected|TOTP-protected|magic-link-protected> page is refused with "<reason>"`, `^the request to a (protected|TOTP-protected|magic-link-protected) page is refused with "([^"]*)"$`,
				"The same request is refused with the middleware's reason (unauthenticated, missing_factor, stale_factor).",
				`the request to a protected page is refused with "missing_factor"`,
				pageRefused},
			plain("a sensitive action is allowed", "A request to a page behind mfa.Middleware requiring password + SMS with the SMS factor at most 5 minutes old (by the app's clock) gets through.",
				sensitiveAllowed),
			plain("a sensitive action requires a fresh SMS code", "The same request is refused with stale_factor, naming the SMS factor.",
				sensitiveStale),
		}},
		{"The application under test", "These steps drive the application through its app contract: the reference app (examples/goapp) unless WithApp or stytch-conform --app names another. The session is the one the app hands out (its cookie or header), not the steps' own; the codes and the magic links come from the target. A scenario using a step whose route the contract lacks is skipped, naming it.", []definition{
			plain("a visitor signs up in the app", "A fresh identity (never the sandbox one) signs up through the app's sign_up route, which must succeed; the user is deleted after the scenario.",
				signUpInApp),
			plain("the user signs in to the app", "The identity's email and password go to the app's sign_in route, which must succeed.",
				signInToApp),
			plain("the user completes the SMS step-up in the app", "The app's send_sms_code route with the identity's phone, then its submit_sms_code route with the code the target read for that phone; both must succeed.",
				appStepUp),
			plain("the app allows the protected page", "The app's protected_page answers allowed.",
				appAllowsPage),
			plain("the app asks for the second factor on the protected page", "The app's protected_page answers needs_factor.",
				appNeedsFactor),
			plain("the app refuses the protected page as signed out", "The app's protected_page answers unauthenticated.",
				appSignedOut),
			plain("the app allows a sensitive action", "The app's sensitive_action answers allowed.",
				appAllowsAction),
			plain("the app asks for a fresh factor before a sensitive action", "The app's sensitive_action answers needs_fresh_factor.",
				appNeedsFreshFactor),
			plain("the user signs out of the app", "The app's sign_out route, which must succeed.",
				signOutOfApp),
			plain("the user registers an authenticator app in the app", "The app's register_totp route, which must succeed and answer with the TOTP secret (in the contract's secret_field).",
				registerTOTPInApp),
			plain("the user enters the authenticator code in the app", "The app's submit_totp_code route with the code computed from that secret at the target's clock; it must succeed.",
				enterTOTPInApp),
			plain("the app allows the TOTP page", "The app's totp_page answers allowed.",
				appAllowsTOTPPage),
			plain("the app asks for the second factor on the TOTP page", "The app's totp_page answers needs_factor.",
				appNeedsTOTP),
			plain("the user asks for a magic link in the app", "The identity's email goes to the app's send_magic_link route, which must succeed; the link is then read from the target (Stytch's sandbox token for the sandbox email). A user the app's send created is deleted after the scenario.",
				askForLinkInApp),
			plain("the user opens the magic link in the app", "The app's authenticate_magic_link route (its redirect URL) with the token of the link the app had sent, with the app's session if it has one; it must succeed.",
				openLinkInApp),
			plain("the app refuses the same magic link", "The app's authenticate_magic_link route with the token it authenticated last answers a refusal (4xx).",
				appRefusesUsedLink),
			plain("the app allows the magic-link page", "The app's magic_link_page answers allowed.",
				appAllowsLinkPage),
			plain("the app asks for the second factor on the magic-link page", "The app's magic_link_page answers needs_factor.",
				appNeedsLinkFactor),
			plain("the app refuses the magic-link page as signed out", "The app's magic_link_page answers unauthenticated.",
				appLinkPageSignedOut),
			{"the app's session ages <n> minutes", `^the app's session ages (\d+) minutes?$`,
				"Moves the target's sessions n minutes into the past, as if the app's user had signed in and stepped up that much earlier, whatever clock the app reads (needs @requires:session-ageing).",
				"the app's session ages 6 minutes",
				ageAppSession},
		}},
	}
}

// Identities.

// useIdentity makes a fresh identity the scenario's (needCodes: the target must read its codes).
func useIdentity(needCodes bool) func(ctx context.Context, s *harness.State) error {
	return func(ctx context.Context, s *harness.State) error {
		id, err := s.Target().NewIdentity(ctx, needCodes)
		if err != nil {
			return fmt.Errorf("new identity: %w", err)
		}
		s.Identity = id
		return nil
	}
}

// sandboxIdentity is Stytch's sandbox user with a random password (it accepts any).
func sandboxIdentity() target.Identity {
	return target.Identity{Email: emulator.SandboxEmail, Phone: emulator.SandboxPhone, Password: "any password " + rand.Text(), Sandbox: true}
}

// isSandbox reports whether the state's identity is Stytch's sandbox user.
func isSandbox(s *harness.State) (bool, error) { return s.Identity.Sandbox, nil }

// setup marks ctx for the calls of a Given step whose set-up depends on the target (on an
// emulator a fresh user is created, and verified, where the sandbox uses its fixed sandbox user,
// with no call): drift does not record them, so that recordings of two targets compare the
// scenario's own calls only. Set-up that is the same on every target (a new user signing up) stays
// recorded.
func setup(ctx context.Context) context.Context { return drift.Unrecorded(ctx) }

func verifiedUser(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return runSkippable(setup(ctx), sc,
		harness.TestStep{Name: "identity", PreStep: useIdentity(true), Check: noCheck},
		// Stytch's sandbox user exists and is verified: nothing to create.
		harness.TestStep{Name: "sign up", SkipFunc: isSandbox, Action: harness.PasswordsCreate{}},
		harness.TestStep{Name: "send an email code", SkipFunc: isSandbox, Action: harness.OTPSend{Channel: harness.ChannelEmail}},
		// With the sign-up session: without a session of the user, Stytch would take the code for
		// the first passwordless login of a password user and make the password need a reset.
		harness.TestStep{Name: "verify the email with the session", SkipFunc: isSandbox, Action: harness.OTPAuthenticate{WithSession: true},
			Check: harness.CheckEmailVerified(true)},
		harness.TestStep{Name: "sign out", SkipFunc: isSandbox, Action: harness.SessionsRevoke{}},
	)
}

func newUser(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.run(ctx,
		harness.TestStep{Name: "identity", PreStep: useIdentity(false), Check: noCheck},
		harness.TestStep{Name: "sign up", Action: harness.PasswordsCreate{SessionMinutes: harness.NoSession}},
	)
}

func emailUser(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return runSkippable(setup(ctx), sc,
		harness.TestStep{Name: "identity", PreStep: useIdentity(true), Check: noCheck},
		harness.TestStep{Name: "create the user", SkipFunc: isSandbox, Action: harness.UsersCreate{}},
	)
}

// runSkippable runs steps, of which those skipped by their SkipFunc are not failures.
func runSkippable(ctx context.Context, sc *scenario, steps ...harness.TestStep) error {
	for _, st := range steps {
		if err := sc.run(ctx, st); err != nil && !errors.Is(err, harness.ErrStepSkipped) {
			return err
		}
	}
	return nil
}

// noCheck is the check of steps that only prepare the state in their PreStep.
func noCheck(*harness.State) error { return nil }

// Primary factor.

func signIn(ctx context.Context, minutes int) error {
	return when(ctx, harness.PasswordsAuthenticate{SessionMinutes: int32(minutes)})
}

func signInNoSession(ctx context.Context) error {
	return when(ctx, harness.PasswordsAuthenticate{SessionMinutes: harness.NoSession})
}

func signInWrongPassword(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	pw := sc.state().Identity.Password
	if pw == "" {
		return fmt.Errorf("%w: no identity (start with a Given that makes a user)", harness.ErrMissingState)
	}
	return when(ctx, harness.PasswordsAuthenticate{Password: "not-" + pw})
}

func sandboxSignIn(ctx context.Context, minutes int) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.when(ctx, harness.TestStep{
		PreStep: func(_ context.Context, s *harness.State) error {
			s.Identity = sandboxIdentity()
			return nil
		},
		Action: harness.PasswordsAuthenticate{SessionMinutes: int32(minutes)},
	})
}

// when runs a "When" action: its Stytch error is left for a later step to judge.
func when(ctx context.Context, a harness.Action) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.when(ctx, harness.TestStep{Action: a})
}

// must runs an action that must succeed (or fail as expect says), then a check: a "Then" step, or
// a setup step whose failure is the step's own.
func must(ctx context.Context, a harness.Action, expect *harness.ExpectError, check harness.CheckFunc) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.run(ctx, harness.TestStep{Action: a, ExpectError: expect, Check: check})
}

// check runs a check-only step.
func check(ctx context.Context, c harness.CheckFunc) error { return must(ctx, nil, nil, c) }

// judge runs a check-only step that judges the outcome of the last call.
func judge(ctx context.Context, c harness.CheckFunc) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.judge(ctx, c)
}

// One-time passcodes.

// channel returns the harness channel a step names.
func channel(name string) (harness.Channel, error) {
	switch name {
	case "SMS":
		return harness.ChannelSMS, nil
	case "WhatsApp":
		return harness.ChannelWhatsApp, nil
	case "email":
		return harness.ChannelEmail, nil
	}
	return "", fmt.Errorf("unknown channel %q", name)
}

// channelTo returns the channel a step names, checking that it delivers to contact.
func channelTo(name, contact string) (harness.Channel, error) {
	ch, err := channel(name)
	if err != nil {
		return "", err
	}
	if (ch == harness.ChannelEmail) != (contact == "email") {
		return "", fmt.Errorf("a %s code cannot be sent to a %s", name, contact)
	}
	return ch, nil
}

func sendToUser(ctx context.Context, name, contact string) error {
	ch, err := channelTo(name, contact)
	if err != nil {
		return err
	}
	return when(ctx, harness.OTPSend{Channel: ch, WithSession: true})
}

func sendToNew(ctx context.Context, name, contact string) error {
	ch, err := channelTo(name, contact)
	if err != nil {
		return err
	}
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.when(ctx, harness.TestStep{
		// A fresh identity's phone or email, never handed out before, becomes the user's new one.
		PreStep: func(ctx context.Context, s *harness.State) error {
			fresh, err := s.Target().NewIdentity(ctx, false)
			if err != nil {
				return fmt.Errorf("new %s: %w", contact, err)
			}
			if ch == harness.ChannelEmail {
				s.Identity.Email = fresh.Email
			} else {
				s.Identity.Phone = fresh.Phone
			}
			return nil
		},
		Action: harness.OTPSend{Channel: ch, WithSession: true},
	})
}

func sendSMSTo(ctx context.Context, phone string) error {
	return when(ctx, harness.OTPSend{To: phone, WithSession: true})
}

func sendEmailToUser(ctx context.Context) error {
	return when(ctx, harness.OTPSend{Channel: harness.ChannelEmail})
}

func sendEmailTo(ctx context.Context, email string) error {
	return when(ctx, harness.OTPSend{Channel: harness.ChannelEmail, To: email})
}

// enterOTP runs otps.authenticate after checking that the last code went by ch.
func enterOTP(ctx context.Context, ch harness.Channel, a harness.OTPAuthenticate) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.when(ctx, harness.TestStep{
		PreStep: func(_ context.Context, s *harness.State) error {
			if got := s.LastOTP.Channel; got != ch {
				return fmt.Errorf("the last code sent went by %q, not %q", orNone(string(got)), ch)
			}
			return nil
		},
		Action: a,
	})
}

// orNone returns s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func enterCode(ctx context.Context, name string) error {
	ch, err := channel(name)
	if err != nil {
		return err
	}
	return enterOTP(ctx, ch, harness.OTPAuthenticate{WithSession: true})
}

func enterEmailCodeFor(ctx context.Context, minutes int) error {
	return enterOTP(ctx, harness.ChannelEmail, harness.OTPAuthenticate{SessionMinutes: int32(minutes)})
}

func enterWrongCode(ctx context.Context) error {
	return enterOTP(ctx, harness.ChannelSMS, harness.OTPAuthenticate{Code: harness.WrongCode(), WithSession: true})
}

// enterSameCode authenticates the right code again: no code was sent since, so it is the one
// just used.
func enterSameCode(ctx context.Context) error {
	return enterOTP(ctx, harness.ChannelSMS, harness.OTPAuthenticate{WithSession: true})
}

// keptCode is the State.Captured name of the code kept by "the previous SMS code is kept".
const keptCode = "previous SMS code"

func keepCode(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	return sc.run(ctx, harness.TestStep{
		PreStep: func(ctx context.Context, s *harness.State) error {
			if s.LastOTP.To == "" {
				return fmt.Errorf("%w: no code sent yet", harness.ErrMissingState)
			}
			code, err := s.Target().Code(ctx, s.LastOTP.To)
			if err != nil {
				return fmt.Errorf("read the code: %w", err)
			}
			if s.Captured == nil {
				s.Captured = map[string]any{}
			}
			s.Captured[keptCode] = code
			return nil
		},
		Check: noCheck,
	})
}

func enterKeptCode(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	code, ok := sc.state().Captured[keptCode].(string)
	if !ok {
		return fmt.Errorf("%w: no SMS code was kept (use \"the previous SMS code is kept\" first)", harness.ErrMissingState)
	}
	return enterOTP(ctx, harness.ChannelSMS, harness.OTPAuthenticate{Code: harness.LiteralCode(code), WithSession: true})
}

func enterLiteralWithSession(ctx context.Context, code string) error {
	return when(ctx, harness.OTPAuthenticate{Code: harness.LiteralCode(code), WithSession: true})
}

func enterLiteralFor(ctx context.Context, code string, minutes int) error {
	return when(ctx, harness.OTPAuthenticate{Code: harness.LiteralCode(code), SessionMinutes: int32(minutes)})
}

// TOTP.

func registerTOTP(ctx context.Context) error { return must(ctx, harness.TOTPCreate{}, nil, nil) }

func enterTOTP(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	code := harness.RightCode()
	if sc.state().Identity.Sandbox {
		// Stytch's sandbox user's TOTP takes the documented sandbox code.
		code = harness.LiteralCode(emulator.SandboxCode)
	}
	return when(ctx, harness.TOTPAuthenticate{Code: code, WithSession: true})
}

func recoverTOTP(ctx context.Context) error {
	return when(ctx, harness.TOTPRecover{WithSession: true})
}

func recoverTOTPAgain(ctx context.Context) error {
	sc, err := current(ctx)
	if err != nil {
		return err
	}
	used := sc.state().TOTP.UsedRecoveryCodes
	if len(used) == 0 {
		return fmt.Errorf("%w: no recovery code was used yet", harness.ErrMissingState)
	}
	return when(ctx, harness.TOTPRecover{RecoveryCode: used[len(used)-1], WithSession: true})
}

// Sessions.

func revoke(ctx context.Context) error { return when(ctx, harness.SessionsRevoke{}) }

func extend(ctx context.Context, minutes int) error {
	return when(ctx, harness.SessionsAuthenticate{ExtendMinutes: int32(minutes)})
}

func authenticateBoth(ctx context.Context) error {
	return when(ctx, harness.SessionsAuthenticate{Both: true})
}

func authenticateLiteral(ctx context.Context, token string) error {
	return when(ctx, harness.SessionsAuthenticate{Token: harness.LiteralToken(token)})
}

func tokenAuthenticates(ctx context.Context) error {
	return must(ctx, harness.SessionsAuthenticate{}, nil, nil)
}

func jwtAuthenticates(ctx context.Context) error {
	return must(ctx, harness.SessionsAuthenticate{ByJWT: true}, nil, nil)
}

func jwtVerifiesLocally(ctx context.Context) error {
	return must(ctx, harness.SessionsAuthenticateJWTLocal{}, nil, harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS))
}

func originalAuthenticates(ctx context.Context) error {
	return must(ctx, harness.SessionsAuthenticate{Token: harness.OriginalToken()}, nil, nil)
}

func originalRefused(ctx context.Context, errorType string) error {
	return must(ctx, harness.SessionsAuthenticate{Token: harness.OriginalToken()}, &harness.ExpectError{ErrorType: errorType}, nil)
}

func tokenRefused(ctx context.Context, errorType string) error {
	return must(ctx, harness.SessionsAuthenticate{}, &harness.ExpectError{ErrorType: errorType}, nil)
}

func exactFactors(ctx context.Context, table *godog.Table) error {
	kinds, err := factorTable(table)
	if err != nil {
		return err
	}
	return check(ctx, harness.CheckSessionFactors(kinds...))
}

// factorTable reads a table with the columns type and delivery_method (a header row first).
func factorTable(t *godog.Table) ([]harness.FactorKind, error) {
	if t == nil || len(t.Rows) == 0 {
		return nil, errors.New("want a table with the columns type and delivery_method")
	}
	col := map[string]int{}
	for i, c := range t.Rows[0].Cells {
		col[strings.TrimSpace(c.Value)] = i
	}
	ti, ok1 := col["type"]
	di, ok2 := col["delivery_method"]
	if !ok1 || !ok2 {
		return nil, errors.New("the factor table needs the header row | type | delivery_method |")
	}
	var kinds []harness.FactorKind
	for _, row := range t.Rows[1:] {
		if len(row.Cells) <= max(ti, di) {
			return nil, errors.New("a row of the factor table has too few cells")
		}
		kinds = append(kinds, factorKind(row.Cells[ti].Value, row.Cells[di].Value))
	}
	return kinds, nil
}

// factorKind returns the kind of a factor of type typ delivered by delivery.
func factorKind(typ, delivery string) harness.FactorKind {
	return harness.FactorKind(strings.TrimSpace(typ) + "/" + strings.TrimSpace(delivery))
}

func hasFactor(ctx context.Context, typ, delivery string) error {
	return check(ctx, harness.CheckSessionHasFactor(factorKind(typ, delivery)))
}

func smsFactorPhone(ctx context.Context) error {
	return check(ctx, harness.CheckFactorPhoneNumber(harness.FactorSMS, ""))
}

func sessionIDUnchanged(ctx context.Context) error {
	return check(ctx, harness.CheckSessionIDUnchanged())
}

func tokenChanged(ctx context.Context) error { return check(ctx, harness.CheckTokenRotated()) }

func tokenUnchanged(ctx context.Context) error { return check(ctx, harness.CheckTokenKept()) }

func expiresIn(ctx context.Context, minutes int) error {
	return check(ctx, harness.CheckSessionExpiresIn(time.Duration(minutes)*time.Minute, expiryTolerance))
}

func noSession(ctx context.Context) error {
	return judge(ctx, harness.ComposeCheckFunc(harness.CheckLastSucceeded(), harness.CheckNoSessionStarted()))
}

func smsFactorAge(ctx context.Context, minutes int) error {
	d := time.Duration(minutes) * time.Minute
	return must(ctx, harness.SessionsAuthenticate{}, nil, harness.ComposeAggregateCheckFunc(
		harness.CheckFactorAgeOver(harness.FactorSMS, d-factorAgeTolerance),
		harness.CheckFactorAgeWithin(harness.FactorSMS, d+factorAgeTolerance),
	))
}

// Users.

func emailVerified(ctx context.Context) error {
	return must(ctx, harness.UsersGet{}, nil, harness.CheckEmailVerified(true))
}

func phoneUnverified(ctx context.Context) error {
	return must(ctx, harness.UsersGet{}, nil, harness.CheckPhoneVerified(false))
}

func noPhone(ctx context.Context) error {
	return must(ctx, harness.UsersGet{}, nil, harness.CheckPhoneCount(0))
}

// Outcomes.

func requestFails(ctx context.Context, status int, errorType string) error {
	return judge(ctx, harness.CheckLastError(harness.ExpectError{Status: status, ErrorType: errorType}))
}

func resultError(ctx context.Context, errorType string) error {
	return judge(ctx, harness.CheckLastError(harness.ExpectError{ErrorType: errorType}))
}

func resultSandboxSession(ctx context.Context) error {
	return judge(ctx, harness.ComposeCheckFunc(harness.CheckLastSucceeded(), func(s *harness.State) error {
		sess, ok := s.LastSession()
		switch {
		case !ok:
			return errors.New("want a session of the sandbox user, got no session")
		case sess.UserID != emulator.SandboxUserID:
			return fmt.Errorf("want a session of the sandbox user %s, got one of %s", emulator.SandboxUserID, sess.UserID)
		}
		return nil
	}))
}

// Time and faults.

func advance(ctx context.Context, n int, unit string) error {
	var d time.Duration
	switch strings.TrimSuffix(unit, "s") {
	case "second":
		d = time.Duration(n) * time.Second
	case "minute":
		d = time.Duration(n) * time.Minute
	case "hour":
		d = time.Duration(n) * time.Hour
	default:
		return fmt.Errorf("unknown unit %q", unit)
	}
	return must(ctx, harness.AdvanceTime{D: d}, nil, nil)
}

func nextSMSFails(ctx context.Context, status int, errorType string) error {
	return must(ctx, harness.InjectFault{Fault: target.Fault{
		Method: http.MethodPost, Path: "/v1/otps/sms/send", Status: status, ErrorType: errorType, Times: 1,
	}}, nil, nil)
}

// The application.

// page returns the path of the page a step names.
func page(name string) (string, error) {
	switch name {
	case "protected":
		return pageProtected, nil
	case "TOTP-protected":
		return pageTOTP, nil
	case "magic-link-protected":
		return pageMagicLink, nil
	}
	return "", fmt.Errorf("unknown page %q", name)
}

func pageAllowed(ctx context.Context, name string) error {
	p, err := page(name)
	if err != nil {
		return err
	}
	return must(ctx, appRequest{method: http.MethodGet, page: p}, nil, checkAppAllowed())
}

func pageRefused(ctx context.Context, name, reason string) error {
	p, err := page(name)
	if err != nil {
		return err
	}
	return must(ctx, appRequest{method: http.MethodGet, page: p}, nil, checkAppRefused(reason, ""))
}

func sensitiveAllowed(ctx context.Context) error {
	return must(ctx, appRequest{method: http.MethodPost, page: pageSensitive}, nil, checkAppAllowed())
}

func sensitiveStale(ctx context.Context) error {
	return must(ctx, appRequest{method: http.MethodPost, page: pageSensitive}, nil,
		checkAppRefused(mfa.StepUp.Reason(), mfa.SMS.String()))
}
