// Package harness is a Terraform-style conformance harness for the Stytch Consumer API: one
// declarative TestCase literal per flow, an ordered list of TestSteps that share one State, checks
// after each step, and one environment variable (STYTCH_ACC) that separates cheap runs against the
// in-process emulator from runs against the real Stytch sandbox.
//
//	harness.Test(t, harness.TestCase{
//		Steps: []harness.TestStep{
//			{Name: "sign up", Action: harness.PasswordsCreate{}},
//			{Name: "log in", Action: harness.PasswordsAuthenticate{},
//				Check: harness.CheckSessionFactors(harness.FactorPassword)},
//		},
//	})
//
// Each step's Action is exactly one Stytch call (or one move of the clock), made through the
// stytch-go client of the case's target.Target. Actions read what they need from the shared State
// (the test identity, the user id, the method id of the last OTP, the session token) and write
// back what the call returned, so that later steps and checks can use it. Every failure names the
// step ("step 3/5 (step up)") and says what was expected and what was got. After the steps, always,
// the target deletes the users the case created and CheckDestroy runs.
//
// The same actions and checks drive Gherkin scenarios one step at a time: a scenario is a Runner
// (NewRunner) and each Gherkin step is one Runner.Run of a TestStep.
package harness
