package apptest

import "github.com/stytch-emulator/stytchemu/examples/goapp"

// Catch says how the app features show a planted defect: the scenario that fails and how its step
// fails (the answer the bug gives, not a step error or a wrong setup).
type Catch struct {
	// Scenario is the name of the scenario that fails.
	Scenario string
	// Failure is the start of its failing step's error.
	Failure string
	// GoappAnswer, when set, is the reference app's answer that follows Failure in the error: it
	// shows the bug's cause (which factor the session lacks). The Node app's answers do not name it.
	GoappAnswer string
}

// CaughtBy returns how the app features catch defect d, the same in both example apps; ok is false
// for a defect it does not know, which a test must treat as a gap in the table.
func CaughtBy(d goapp.Defect) (c Catch, ok bool) {
	c, ok = map[goapp.Defect]Catch{
		goapp.KeepsOldToken: {Scenario: "The app keeps the token Stytch rotated at the step-up",
			Failure: `step "the app allows the protected page": app: want allowed, got unauthenticated`},
		goapp.SkipsFactorCheck: {Scenario: "A password session alone does not open the protected page",
			Failure: `step "the app asks for the second factor on the protected page": app: want needs_factor, got allowed`},
		goapp.IgnoresFactorAge: {Scenario: "A sensitive action needs an SMS code at most 5 minutes old",
			Failure: `step "the app asks for a fresh factor before a sensitive action": app: want needs_fresh_factor, got allowed`},
		goapp.CodeWithoutSession: {Scenario: "The SMS step-up opens the protected page",
			Failure:     `step "the app allows the protected page": app: want allowed, got needs_factor`,
			GoappAnswer: ` (GET /account: 403 {"error":"missing_factor","decision":"mfa","missing":["password/knowledge"]`},
		goapp.LinkWithoutSession: {Scenario: "A magic link adds its factor to the session the user has",
			Failure:     `step "the app allows the magic-link page": app: want allowed, got needs_factor`,
			GoappAnswer: ` (GET /inbox: 403 {"error":"missing_factor","decision":"mfa","missing":["otp/sms"]`},
		goapp.SkipsLinkCheck: {Scenario: "A password and an SMS code do not open the magic-link page",
			Failure: `step "the app asks for the second factor on the magic-link page": app: want needs_factor, got allowed`},
		goapp.LinkKeepsOldToken: {Scenario: "The app keeps the token Stytch rotated when the magic link joined the session",
			Failure: `step "the app allows the magic-link page": app: want allowed, got unauthenticated`},
	}[d]
	return c, ok
}
