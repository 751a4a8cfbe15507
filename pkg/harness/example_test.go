package harness_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestExample_SMSStepUp is Stytch's backend MFA guide as one test case: the user signs up and
// verifies the email with the sign-up session (without it, the password would need a reset); a
// password session is stepped up with an SMS code; it keeps its id, carries both factors and gets
// a new token; the original token dies once its grace period is over; six minutes later the SMS
// factor is too old for a sensitive action.
//
// It runs against the in-process emulator. With STYTCH_TARGET=sandbox it becomes an acceptance
// case, skipped unless STYTCH_ACC=1 (and then skipped again, since the sandbox cannot show
// revocation timing).
func TestExample_SMSStepUp(t *testing.T) {
	harness.Test(t, harness.TestCase{
		Requires: []target.Capability{target.RevocationTiming},
		Steps: []harness.TestStep{
			{Name: "sign up", Action: harness.PasswordsCreate{}},
			{Name: "send email code", Action: harness.OTPSend{Channel: harness.ChannelEmail}},
			// With the sign-up session, as in Stytch's email-verification guide: without it, Stytch
			// would take this for a passwordless login and make the password need a reset.
			{Name: "verify email", Action: harness.OTPAuthenticate{WithSession: true},
				Check: harness.CheckEmailVerified(true)},

			{Name: "log in", Action: harness.PasswordsAuthenticate{},
				Check: harness.CheckSessionFactors(harness.FactorPassword)},
			{Name: "send SMS code", Action: harness.OTPSend{Channel: harness.ChannelSMS, WithSession: true}},
			{Name: "step up", Action: harness.OTPAuthenticate{WithSession: true},
				Check: harness.ComposeAggregateCheckFunc(
					harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS),
					harness.CheckSessionIDUnchanged(),
					harness.CheckTokenRotated(),
				)},

			{Name: "new token works", Action: harness.SessionsAuthenticate{}},
			{Name: "original token works for now", Action: harness.SessionsAuthenticate{Token: harness.OriginalToken()}},
			{Name: "a minute passes", Action: harness.AdvanceTime{D: 61 * time.Second}},
			{Name: "original token is revoked", Action: harness.SessionsAuthenticate{Token: harness.OriginalToken()},
				ExpectError: &harness.ExpectError{Status: 404, ErrorType: "session_not_found"}},

			{Name: "six minutes pass", Action: harness.AdvanceTime{D: 6 * time.Minute},
				Check: harness.CheckFactorAgeOver(harness.FactorSMS, 5*time.Minute)},
		},
		CheckDestroy: harness.CheckUsersDeleted(),
	})
}

// A Gherkin scenario is a Runner, and each Gherkin step is one Run; "Then" steps are check-only
// steps.
func ExampleRunner() {
	ctx := context.Background()
	opener, err := target.NewOpener("emulator")
	if err != nil {
		panic(err)
	}
	tgt, err := opener.Open(ctx)
	if err != nil {
		panic(err)
	}
	defer tgt.Close()
	r, err := harness.NewRunner(ctx, tgt, harness.RunnerOptions{})
	if err != nil {
		panic(err)
	}
	defer r.Cleanup(ctx)

	scenario := []harness.TestStep{
		{Name: "Given a user with a password", Action: harness.PasswordsCreate{}},
		{Name: `When the user signs in with the wrong password, it fails with "unauthorized_credentials"`,
			Action:      harness.PasswordsAuthenticate{Password: "not-the-password-42!"},
			ExpectError: &harness.ExpectError{Status: 401, ErrorType: "unauthorized_credentials"}},
		{Name: "When the user signs in with their password",
			Action: harness.PasswordsAuthenticate{}},
		{Name: "Then the session has exactly the password factor",
			Check: harness.CheckSessionFactors(harness.FactorPassword)},
	}
	for _, step := range scenario {
		if err := r.Run(ctx, step); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println("ok:", step.Name)
	}
	// Output:
	// ok: Given a user with a password
	// ok: When the user signs in with the wrong password, it fails with "unauthorized_credentials"
	// ok: When the user signs in with their password
	// ok: Then the session has exactly the password factor
}

// ComposeAggregateCheckFunc reports every failing check, each named "check i/n".
func ExampleComposeAggregateCheckFunc() {
	s := &harness.State{Session: harness.Session{Factors: []harness.Factor{
		{Type: "password", DeliveryMethod: "knowledge"},
	}}}
	check := harness.ComposeAggregateCheckFunc(
		harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS),
		harness.CheckSessionHasFactor(harness.FactorPassword),
		harness.CheckSessionFactorCount(2),
	)
	fmt.Println(check(s))
	// Output:
	// check 1/3: session factors: want exactly [otp/sms password/knowledge], got [password/knowledge]
	// check 3/3: session factors: want 2, got 1 [password/knowledge]
}
