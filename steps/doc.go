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
// to judge; an error that no step judges fails the scenario, naming the
// step that got it. Times are the target's: "N minutes pass" moves the emulator's clock (the
// scenario needs @requires:clock-control to expect server-side effects), "N minutes pass on the
// app's clock" moves the application's clock, which works on every target.
//
// The MFA steps ("the request to a protected page", "a sensitive action") send a request with
// the scenario's own session token in a cookie to the reference app (examples/goapp), built in
// process on the scenario's target: /account requires a password and an SMS factor, /transfer also
// an SMS factor at most 5 minutes old, /authenticator a password and a TOTP factor, /inbox an
// email magic link and an SMS factor (the "magic-link-protected" page); pkg/mfa's middleware
// authenticates the session with the target and checks it at the target's clock.
//
// The app steps ("the user signs in to the app", ...) drive an application under test through its
// app contract (pkg/app), carrying the session the app hands out: the reference app by default,
// the caller's with WithApp (built in process per scenario) or WithAppURL (running elsewhere). A
// scenario using a step whose route the contract lacks is skipped, naming it.
//
// # Steps
//
// <n> is a number, <a|b> one of the words, "<x>" a quoted string. Generated from Catalogue, which
// also gives each step's regular expression and an example (docs/steps.md lists them); do not edit
// this section, run go generate.
//
// Identities:
//   - a user with a verified email and a password: A fresh identity whose codes the target can
//     read; on the sandbox that is Stytch's sandbox user, which exists and is verified. Elsewhere,
//     as in Stytch's email-verification guide, the user is created with a session
//     (passwords.create) and the email verified by an email code authenticated with that session
//     token (otps.email.send, otps.authenticate), which keeps the password usable; then the session
//     is revoked, so that the scenario starts without one, as on the sandbox.
//   - a new user signed up with a password: A fresh identity (never the sandbox one), created with
//     passwords.create and no session: its email stays unverified.
//   - a user who can receive email codes: A fresh identity whose codes the target can read (the
//     sandbox user on the sandbox); elsewhere the user is created with its email only
//     (users.create).
//
// Primary factor:
//   - the user signs in with their password for <n> minutes: passwords.authenticate with
//     session_duration_minutes n.
//   - the user signs in with their password without a session: passwords.authenticate without
//     session_duration_minutes.
//   - the user signs in with the wrong password: passwords.authenticate with a password that is not
//     the user's.
//   - the sandbox user signs in with any password for <n> minutes: The identity becomes Stytch's
//     sandbox user (sandbox@stytch.com, +10000000000); passwords.authenticate with a random
//     password, which the sandbox user accepts.
//
// One-time passcodes. The code is read from the target: the emulator's outbox, 000000 for the
// sandbox identities.
//   - a|an <SMS|WhatsApp|email> code is sent to the user's <phone|email> with the session token:
//     otps.<channel>.send to the identity's phone or email with the current session token, which
//     attaches it to the session's user.
//   - a|an <SMS|WhatsApp|email> code is sent to a new <phone|email> with the session token: A fresh
//     phone number or email becomes the identity's; then otps.<channel>.send to it with the current
//     session token.
//   - an SMS code is sent to "<phone>" with the session token: otps.sms.send to the given phone
//     number with the current session token.
//   - an email code is sent to the user: otps.email.send to the identity's email, without a
//     session.
//   - an email code is sent to "<email>": otps.email.send to the given email, without a session.
//   - the user enters the <SMS|WhatsApp|email> code with the session token: otps.authenticate of
//     the last code sent (which must have gone by that channel), read from the target, with the
//     current session token: the step-up.
//   - the user enters the email code for <n> minutes: otps.authenticate of the last code sent (by
//     email), with session_duration_minutes n and no session token.
//   - the user enters a wrong SMS code with the session token: otps.authenticate of a well-formed
//     code that is not the one sent, with the current session token.
//   - the user enters the same SMS code again: otps.authenticate of the code just used, again, with
//     the current session token.
//   - the previous SMS code is kept: Reads the last code sent from the target and keeps it for a
//     later step.
//   - the user enters the previous SMS code with the session token: otps.authenticate of the code
//     kept earlier, with the current session token.
//   - the user enters the code "<code>" with the session token: otps.authenticate of the given code
//     for the last code sent, with the current session token.
//   - the user enters the code "<code>" for <n> minutes: otps.authenticate of the given code for
//     the last code sent, with session_duration_minutes n.
//
// TOTP. The code is computed from the secret at the target's clock; 000000 for the sandbox user.
//   - the user registers an authenticator app: totps.create for the user; keeps the secret and the
//     recovery codes.
//   - the user enters the authenticator code with the session token: totps.authenticate with the
//     code computed from the secret at the target's clock (000000 for the sandbox user), with the
//     current session token.
//   - the user recovers with a recovery code with the session token: totps.recover with an unused
//     recovery code, with the current session token.
//   - the user recovers with the same recovery code again: totps.recover with the recovery code
//     used last, with the current session token.
//
// Sessions:
//   - the session is revoked: sessions.revoke of the current session token.
//   - the session is authenticated for <n> more minutes: sessions.authenticate of the current token
//     with session_duration_minutes n (extends the session).
//   - the session is authenticated with both its token and its JWT: sessions.authenticate with
//     session_token and session_jwt together.
//   - the session token "<token>" is authenticated: sessions.authenticate of the given token (e.g.
//     a sandbox token).
//   - the session token authenticates: sessions.authenticate of the current token must succeed
//     (also: the new session token authenticates).
//   - the session JWT authenticates: sessions.authenticate of the current session JWT must succeed.
//   - the session JWT verifies locally with both factors: The current JWT verifies with the
//     target's JWKS, without a request (stytch-go's AuthenticateJWTLocal), and its claims carry
//     exactly the password and SMS factors.
//   - the original session token still authenticates: sessions.authenticate of the token held
//     before the latest step-up must succeed.
//   - the original session token is refused with "<error_type>": sessions.authenticate of the token
//     held before the latest step-up must fail with error_type.
//   - the session token is refused with "<error_type>": sessions.authenticate of the current token
//     must fail with error_type.
//   - the session has exactly these factors:: The current session's factors are exactly the table's
//     rows (columns type and delivery_method), in any order.
//   - the session has the factor "<type>" delivered by "<delivery_method>": The current session has
//     a factor of that type and delivery method.
//   - the SMS factor carries the phone number: The session's SMS factor names the phone number the
//     code was sent to.
//   - the session id is unchanged: The latest step-up kept the session_id.
//   - the session token has changed: The latest step-up returned a new session token.
//   - the session token is unchanged: The latest authentication on the session added no new factor
//     (one it already had), so the session kept its token.
//   - the session expires in <n> minutes: The current session's expires_at is n minutes from the
//     target's now (± 1 minute).
//   - no session was started: The last call succeeded and returned no session.
//   - the SMS factor was last authenticated <n> minutes ago: sessions.authenticate of the current
//     token; its SMS factor's last_authenticated_at is n minutes before the target's now (± 10 s).
//
// Users:
//   - the user's email is verified: users.get: the identity's email is verified.
//   - the user's phone is unverified: users.get: the identity's phone number is attached and
//     unverified.
//   - the user has no phone: users.get: the user has no phone number.
//
// Outcomes of the last call. They judge the outcome of the last call, which a "When" step leaves
// for them.
//   - the request fails with status <status> and error "<error_type>": The last call failed with
//     that HTTP status and Stytch error_type.
//   - the result is a session of the sandbox user: The last call succeeded and returned a session
//     of Stytch's sandbox user.
//   - the result is the error "<error_type>": The last call failed with that Stytch error_type.
//
// Time and faults:
//   - <n> seconds|minutes|hours pass: Moves the target's time forward: the server clock and the app
//     clock on an emulator (needs @requires:clock-control to expect server-side effects).
//   - <n> seconds|minutes|hours pass on the app's clock: Moves the application's clock forward;
//     this works on every target (on an emulator the server clock moves along).
//   - the next SMS send fails with status <status> and error "<error_type>": Injects a fault: the
//     next otps.sms.send answers that status and error_type (needs @requires:fault-injection).
//
// Magic links. Clicking a link authenticates the token of the last link sent, as the target read it
// from the email (on the sandbox: Stytch's sandbox token for the sandbox email; other addresses
// need @requires:read-codes).
//   - a user who can receive magic links: A fresh identity whose links the target can read (the
//     sandbox user on the sandbox); elsewhere the user is created with its email only
//     (users.create), active and unverified.
//   - someone with a new email address: A fresh identity with no user yet (never the sandbox one):
//     reading its links needs @requires:read-codes.
//   - the user asks for a magic link: magic_links.email.login_or_create for the identity's email: a
//     login link to an active user, a sign-up link (and a new user) otherwise.
//   - the user asks for a magic link as a pending user: magic_links.email.login_or_create with
//     create_user_as_pending: a new user is created pending.
//   - a magic link is sent to the user: magic_links.email.send to the identity's email.
//   - a magic link expiring in <n> minutes is sent to the user: magic_links.email.send with
//     login_expiration_minutes n.
//   - a magic link with a PKCE code challenge is sent to the user: magic_links.email.send with the
//     code_challenge of a fresh code_verifier, which later clicks send.
//   - the user is invited by magic link: magic_links.email.invite for the identity's email: a
//     pending user and an invite link.
//   - the invite is revoked: magic_links.email.revoke_invite for the identity's email.
//   - the user clicks the magic link for <n> minutes: magic_links.authenticate of the last link's
//     token (with its PKCE verifier, if any) and session_duration_minutes n.
//   - the user clicks the magic link without a session: magic_links.authenticate of the last link's
//     token without session_duration_minutes.
//   - the user clicks the magic link with the session token: magic_links.authenticate of the last
//     link's token with the current session token: the factor joins that session.
//   - the user clicks the magic link again: magic_links.authenticate of the token the last click
//     used, again.
//   - the user clicks the magic link without the code verifier: magic_links.authenticate of the
//     last link's token without a code_verifier.
//   - the user clicks the magic link with a wrong code verifier: magic_links.authenticate of the
//     last link's token with a code_verifier that does not match the challenge.
//   - the magic link token "<token>" is authenticated for <n> minutes: magic_links.authenticate of
//     the given token (e.g. a sandbox token) with session_duration_minutes n.
//   - the magic link is a|an <login|sign-up|invite> link: The last link sent, as the target read
//     it, is of that kind (Stytch's login, sign-up or invite email).
//   - the user is <active|pending>: users.get: the user's status.
//   - the magic link factor carries the email address: The session's magic_link/email factor names
//     the address the link was sent to.
//
// The application. The application is the reference app: pages behind pkg/mfa's middleware, which
// authenticates the session token (sent in a cookie) with the target and checks it at the target's
// clock. /account needs a password and an SMS factor, /transfer also an SMS factor at most 5
// minutes old, /authenticator a password and a TOTP factor.
//   - the request to a <protected|TOTP-protected|magic-link-protected> page is allowed: A request
//     with the session token in a cookie to a page behind mfa.Middleware (password + SMS, or
//     password + TOTP) gets through; the middleware authenticates the session with the target at
//     the target's clock.
//   - the request to a <protected|TOTP-protected|magic-link-protected> page is refused with
//     "<reason>": The same request is refused with the middleware's reason (unauthenticated,
//     missing_factor, stale_factor).
//   - a sensitive action is allowed: A request to a page behind mfa.Middleware requiring password +
//     SMS with the SMS factor at most 5 minutes old (by the app's clock) gets through.
//   - a sensitive action requires a fresh SMS code: The same request is refused with stale_factor,
//     naming the SMS factor.
//
// The application under test. These steps drive the application through its app contract: the
// reference app (examples/goapp) unless WithApp or stytch-conform --app names another. The session
// is the one the app hands out (its cookie or header), not the steps' own; the codes and the magic
// links come from the target. A scenario using a step whose route the contract lacks is skipped,
// naming it.
//   - a visitor signs up in the app: A fresh identity (never the sandbox one) signs up through the
//     app's sign_up route, which must succeed; the user is deleted after the scenario.
//   - the user signs in to the app: The identity's email and password go to the app's sign_in
//     route, which must succeed.
//   - the user completes the SMS step-up in the app: The app's send_sms_code route with the
//     identity's phone, then its submit_sms_code route with the code the target read for that
//     phone; both must succeed.
//   - the app allows the protected page: The app's protected_page answers allowed.
//   - the app asks for the second factor on the protected page: The app's protected_page answers
//     needs_factor.
//   - the app refuses the protected page as signed out: The app's protected_page answers
//     unauthenticated.
//   - the app allows a sensitive action: The app's sensitive_action answers allowed.
//   - the app asks for a fresh factor before a sensitive action: The app's sensitive_action answers
//     needs_fresh_factor.
//   - the user signs out of the app: The app's sign_out route, which must succeed.
//   - the user registers an authenticator app in the app: The app's register_totp route, which must
//     succeed and answer with the TOTP secret (in the contract's secret_field).
//   - the user enters the authenticator code in the app: The app's submit_totp_code route with the
//     code computed from that secret at the target's clock; it must succeed.
//   - the app allows the TOTP page: The app's totp_page answers allowed.
//   - the app asks for the second factor on the TOTP page: The app's totp_page answers
//     needs_factor.
//   - the user asks for a magic link in the app: The identity's email goes to the app's
//     send_magic_link route, which must succeed; the link is then read from the target (Stytch's
//     sandbox token for the sandbox email). A user the app's send created is deleted after the
//     scenario.
//   - the user opens the magic link in the app: The app's authenticate_magic_link route (its
//     redirect URL) with the token of the link the app had sent, with the app's session if it has
//     one; it must succeed.
//   - the app refuses the same magic link: The app's authenticate_magic_link route with the token
//     it authenticated last answers a refusal (4xx).
//   - the app allows the magic-link page: The app's magic_link_page answers allowed.
//   - the app asks for the second factor on the magic-link page: The app's magic_link_page answers
//     needs_factor.
//   - the app refuses the magic-link page as signed out: The app's magic_link_page answers
//     unauthenticated.
//   - the app's session ages <n> minutes: Moves the target's sessions n minutes into the past, as
//     if the app's user had signed in and stepped up that much earlier, whatever clock the app
//     reads (needs @requires:session-ageing).

package steps

//go:generate go run ./internal/gendocs -doc doc.go -md ../docs/steps.md
