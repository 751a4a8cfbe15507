// Package mfa enforces multi-factor and step-up policies on Stytch consumer
// sessions, in the application's backend.
//
// After a user authenticates a password and then an SMS one-time passcode
// against the same session, the session carries two authentication factors,
// {type "password", delivery_method "knowledge"} and {type "otp",
// delivery_method "sms"}. On every request the application must check which
// factors the session carries (not how many: a password plus a WhatsApp code
// is not a password plus an SMS code), and before sensitive actions it must
// check that the relevant factor was authenticated recently, re-challenging
// it otherwise.
//
// A Policy states both, and Check tells the application what to do next:
//
//	protected := mfa.Policy{Require: []mfa.Requirement{mfa.Password, mfa.SMS}}
//	sensitive := protected.WithStepUp(mfa.SMS, 5*time.Minute)
//
//	switch res := sensitive.Check(session, now); res.Decision {
//	case mfa.Login: // no session: log in
//	case mfa.MFA: // res.Missing: challenge the missing factors
//	case mfa.StepUp: // res.Stale: re-challenge the stale factors
//	case mfa.Allow: // proceed
//	}
//
// Requirements compose: AnyOf(TOTP, SMS) accepts either as the second
// factor, and DistinctCategories(2) accepts any two factors of different
// categories (see CategoryOf).
//
// Time is always a parameter (Check's now, Middleware.Clock). Timestamps up
// to Policy.ClockSkew in the future count as age 0; beyond that they are
// invalid. A factor is fresh while its age <= MaxAge.
//
// Middleware authenticates each request's session with Stytch through
// stytch-go and applies a Policy, answering 401 or 403 with a JSON reason:
//
//	mw := &mfa.Middleware{Sessions: client.Sessions} // client is a *stytchapi.API
//	mux.Handle("/account", mw.Require(protected)(account))
//	mux.Handle("/transfer", mw.Require(sensitive)(transfer))
//
// Handlers find the session with SessionFromContext.
package mfa
