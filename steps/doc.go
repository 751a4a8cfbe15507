// Package steps is the godog glue of the Gherkin suite (features/*.feature): thin step
// definitions, each one call into pkg/harness (a Runner.Run of one TestStep; the Given steps that
// set up a user run the few a user needs), and the hooks that give every scenario its own target.
//
// Run the suite with godog, under go test or from stytch-conform:
//
//	suite := steps.New(opener) // a target.Opener: a fresh Target per scenario
//	status := godog.TestSuite{
//		ScenarioInitializer: suite.InitializeScenario,
//		Options: &godog.Options{Strict: true, FS: features.FS, Paths: []string{"."}, Concurrency: 4},
//	}.Run()
//	suite.Report().WriteSummary(os.Stdout) // every skip with the capability the target lacks
//
// Per-scenario state lives in the scenario's context.Context (never in package variables), so
// scenarios run concurrently. Before each scenario, a scenario tagged @requires:<capability> (see
// target.Capability) on a target lacking it is skipped with the reason (godog.ErrSkip; a
// misspelt capability fails); otherwise a fresh Target is opened and a harness.Runner made on it.
// The context also names the scenario for drift recording ("<feature file>: <scenario name>";
// keep scenario names unique per file, giving Scenario Outlines a <placeholder> in their name);
// the Given steps whose set-up depends on the target ("a user with a verified email and a
// password", "a user who can receive email codes") and the clean-up are marked drift.Unrecorded,
// and WithRecorder records the skipped scenarios. After each scenario, always: a Stytch error that
// no step judged fails it, the users it created are deleted (failures are logged) and the target
// is closed. Godog fails a scenario without steps before any hook: Report counts it (Unseen), and
// Report.Reconcile names it.
//
// A "When" step that calls Stytch keeps a Stytch error for a later "Then the request fails ..."
// to judge (harness's AllowError); an error that no step judges fails the scenario, naming the
// step that got it. Times are the target's: "N minutes pass" moves the emulator's clock (the
// scenario needs @requires:clock-control to expect server-side effects), "N minutes pass on the
// app's clock" moves the application's clock, which works on every target.
//
// The MFA steps ("the request to a protected page", "a sensitive action") send a request with
// the session token in a cookie through a small application built on pkg/mfa's net/http
// middleware: /account requires a password and an SMS factor, /transfer also an SMS factor at
// most 5 minutes old, /authenticator a password and a TOTP factor, /inbox an email magic link and
// an SMS factor (the "magic-link-protected" page). The middleware authenticates
// the session with the target (sessions.authenticate) and checks it at the target's clock.
//
// # Steps
//
// <n> is a number, <a|b> one of the words, "<x>" a quoted string. List returns the same list with
// the regular expressions.
//
// Identities:
//   - a user with a verified email and a password: a fresh identity whose codes the target can
//     read. On the sandbox that is Stytch's sandbox user, which exists and is verified; elsewhere
//     the user is created with a session (passwords.create), its email verified with an email code
//     authenticated with that session token (Stytch's email-verification guide: without a session
//     of the user, the password would need a reset), and the session revoked.
//   - a new user signed up with a password: a fresh identity, never the sandbox one, created with
//     passwords.create and no session; its email stays unverified.
//   - a user who can receive email codes: a fresh identity whose codes the target can read (the
//     sandbox user on the sandbox); elsewhere created with its email only (users.create).
//
// Primary factor:
//   - the user signs in with their password for <n> minutes: passwords.authenticate.
//   - the user signs in with their password without a session: no session_duration_minutes.
//   - the user signs in with the wrong password
//   - the sandbox user signs in with any password for <n> minutes: the identity becomes Stytch's
//     sandbox user (sandbox@stytch.com, +10000000000), with a random password.
//
// One-time passcodes (the code is read from the target: the emulator's outbox, 000000 for the
// sandbox identities):
//   - a|an <SMS|WhatsApp|email> code is sent to the user's <phone|email> with the session token:
//     otps.<channel>.send with the current session token, attaching the contact to the user.
//   - a|an <SMS|WhatsApp|email> code is sent to a new <phone|email> with the session token: a fresh
//     phone number or email becomes the identity's first.
//   - an SMS code is sent to "<phone>" with the session token
//   - an email code is sent to the user: without a session.
//   - an email code is sent to "<email>": without a session.
//   - the user enters the <SMS|WhatsApp|email> code with the session token: otps.authenticate of the
//     last code sent (which must have gone by that channel): the step-up.
//   - the user enters the email code for <n> minutes: no session token, a new session.
//   - the user enters a wrong SMS code with the session token
//   - the user enters the same SMS code again: the code just used, with the current session token.
//   - the previous SMS code is kept: remembers the last code sent, for the next step.
//   - the user enters the previous SMS code with the session token
//   - the user enters the code "<code>" with the session token
//   - the user enters the code "<code>" for <n> minutes
//
// TOTP (the code is computed from the secret at the target's clock; 000000 for the sandbox user):
//   - the user registers an authenticator app: totps.create.
//   - the user enters the authenticator code with the session token
//   - the user recovers with a recovery code with the session token: an unused recovery code.
//   - the user recovers with the same recovery code again
//
// Sessions:
//   - the session is revoked
//   - the session is authenticated for <n> more minutes: extends the session.
//   - the session is authenticated with both its token and its JWT
//   - the session token "<token>" is authenticated: a literal token, e.g. a sandbox one.
//   - the session token authenticates: must succeed (also "the new session token authenticates").
//   - the session JWT authenticates
//   - the session JWT verifies locally with both factors: stytch-go's AuthenticateJWTLocal with the
//     target's JWKS; the claims carry exactly the password and SMS factors.
//   - the original session token still authenticates: the token held before the latest step-up.
//   - the original session token is refused with "<error_type>"
//   - the session token is refused with "<error_type>"
//   - the session has exactly these factors: a table with the columns type and delivery_method.
//   - the session has the factor "<type>" delivered by "<delivery_method>"
//   - the SMS factor carries the phone number: the number the code was sent to.
//   - the session id is unchanged: by the latest step-up.
//   - the session token has changed: by the latest step-up.
//   - the session token is unchanged: the latest authentication on the session (a factor it
//     already had) kept its token.
//   - the session expires in <n> minutes: by the target's clock, ± 1 minute.
//   - no session was started: the last call succeeded without a session.
//   - the SMS factor was last authenticated <n> minutes ago: sessions.authenticate, then the
//     factor's age by the target's clock, ± 10 s.
//
// Users (users.get):
//   - the user's email is verified
//   - the user's phone is unverified
//   - the user has no phone
//
// Outcomes of the last call:
//   - the request fails with status <status> and error "<error_type>"
//   - the result is a session of the sandbox user
//   - the result is the error "<error_type>"
//
// Time and faults:
//   - <n> seconds|minutes|hours pass: the target's clock (server and app on an emulator).
//   - <n> seconds|minutes|hours pass on the app's clock: the application's clock, on every target.
//   - the next SMS send fails with status <status> and error "<error_type>": a fault (needs
//     @requires:fault-injection).
//
// The application (pkg/mfa's middleware):
//   - the request to a <protected|TOTP-protected|magic-link-protected> page is allowed
//   - the request to a <protected|TOTP-protected|magic-link-protected> page is refused with "<reason>":
//     unauthenticated, missing_factor or stale_factor.
//   - a sensitive action is allowed
//   - a sensitive action requires a fresh SMS code: refused with stale_factor naming otp/sms.
//
// Magic links (a click authenticates the last link's token as the target read it from the email;
// on the sandbox only the sandbox email's link, Stytch's sandbox token, can be read):
//   - a user who can receive magic links: as "a user who can receive email codes".
//   - someone with a new email address: a fresh identity and no user (reading its links needs
//     @requires:read-codes).
//   - the user asks for a magic link: magic_links.email.login_or_create.
//   - the user asks for a magic link as a pending user: with create_user_as_pending.
//   - a magic link is sent to the user: magic_links.email.send.
//   - a magic link expiring in <n> minutes is sent to the user
//   - a magic link with a PKCE code challenge is sent to the user: later clicks send its verifier.
//   - the user is invited by magic link: magic_links.email.invite.
//   - the invite is revoked: magic_links.email.revoke_invite.
//   - the user clicks the magic link for <n> minutes: magic_links.authenticate.
//   - the user clicks the magic link without a session
//   - the user clicks the magic link with the session token: the factor joins the session.
//   - the user clicks the magic link again: the token the last click used.
//   - the user clicks the magic link without the code verifier
//   - the user clicks the magic link with a wrong code verifier
//   - the magic link token "<token>" is authenticated for <n> minutes: e.g. a sandbox token.
//   - the magic link is a|an <login|sign-up|invite> link: the kind of email Stytch would send.
//   - the user is <active|pending>: users.get.
//   - the magic link factor carries the email address: the address the link was sent to.
package steps
