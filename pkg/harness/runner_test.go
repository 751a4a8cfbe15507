package harness_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// mustRun runs a step and fails t on error.
func mustRun(t *testing.T, r *harness.Runner, step harness.TestStep) {
	t.Helper()
	if err := r.Run(context.Background(), step); err != nil {
		t.Fatal(err)
	}
}

// TestRunner_GherkinStyle drives a scenario the way the godog steps do: one Run per Gherkin step.
func TestRunner_GherkinStyle(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t)
	for _, step := range verifiedUser() {
		mustRun(t, r, step)
	}
	// When the user signs in with the wrong password, then the request fails with 401.
	mustRun(t, r, harness.TestStep{Name: "the user signs in with the wrong password",
		Action:      harness.PasswordsAuthenticate{Password: "wrong-password-but-strong-7!"},
		ExpectError: &harness.ExpectError{Status: 401, ErrorType: "unauthorized_credentials"}})
	// The last error stays in the state for checks.
	mustRun(t, r, harness.TestStep{Name: "the request fails",
		Check: harness.CheckLastError(harness.ExpectError{Status: 401, ErrorType: "unauthorized_credentials"})})
	// When the user signs in with their password
	mustRun(t, r, harness.TestStep{Name: "the user signs in", Action: harness.PasswordsAuthenticate{}})
	// Then the request succeeded and the session has exactly these factors
	mustRun(t, r, harness.TestStep{Check: harness.ComposeCheckFunc(
		harness.CheckLastSucceeded(), harness.CheckSessionFactors(harness.FactorPassword))})

	// A failure names the step without a total.
	err := r.Run(ctx, harness.TestStep{Name: "the session has an SMS factor", Check: harness.CheckSessionHasFactor(harness.FactorSMS)})
	step := len(verifiedUser()) + 5
	var se *harness.StepError
	if !errors.As(err, &se) || se.Step != step || se.Total != 0 {
		t.Fatalf("want a StepError for step %d, got %#v", step, err)
	}
	if want := fmt.Sprintf("step %d (the session has an SMS factor): session factors: want a otp/sms factor, got [password/knowledge]", step); err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	if n := len(r.State().History); n != step {
		t.Errorf("want %d steps in the history, got %d", step, n)
	}
}

// TestRunner_UnexpectedErrorKeepsTheOutcome: a step whose action fails unexpectedly fails, and
// its Stytch error is in the state and the step's record.
func TestRunner_UnexpectedErrorKeepsTheOutcome(t *testing.T) {
	r := newRunner(t)
	mustRun(t, r, harness.TestStep{Name: "sign up", Action: harness.PasswordsCreate{}})
	err := r.Run(context.Background(), harness.TestStep{Name: "bad token", Action: harness.SessionsAuthenticate{Token: harness.LiteralToken("nope")}})
	if err == nil || !strings.HasPrefix(err.Error(), "step 2 (bad token): sessions.authenticate: unexpected error:") {
		t.Fatalf("got %v", err)
	}
	s := r.State()
	if _, ok := target.AsStytchError(s.LastErr); !ok {
		t.Fatalf("want the Stytch error in State.LastErr, got %v", s.LastErr)
	}
	if rec := s.History[len(s.History)-1]; rec.Err == nil || rec.Err.Error() != s.LastErr.Error() || rec.Skipped {
		t.Fatalf("want the error in the step's record, got %+v", rec)
	}
}

func TestRunner_SkipFunc(t *testing.T) {
	r := newRunner(t)
	err := r.Run(context.Background(), harness.TestStep{Name: "maybe", Action: harness.PasswordsCreate{},
		SkipFunc: func(*harness.State) (bool, error) { return true, nil }})
	if !errors.Is(err, harness.ErrStepSkipped) || err.Error() != "step 1 (maybe): skipped by SkipFunc" {
		t.Fatalf("got %v", err)
	}
	if h := r.State().History; len(h) != 1 || !h[0].Skipped {
		t.Fatalf("want one skipped record, got %+v", h)
	}
}

func TestNewRunner_Identity(t *testing.T) {
	o, _ := emulatorOpener(t)
	tgt, err := o.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tgt.Close()
	id := target.Identity{Email: "ada@example.com", Phone: "+15555550123", Password: "correct-horse-battery-staple-91!"}
	r, err := harness.NewRunner(context.Background(), tgt, harness.RunnerOptions{Identity: &id})
	if err != nil {
		t.Fatal(err)
	}
	if r.State().Identity != id || r.Target() != tgt {
		t.Fatalf("identity %+v, target %v", r.State().Identity, r.Target())
	}
	if _, err := harness.NewRunner(context.Background(), nil, harness.RunnerOptions{}); err == nil {
		t.Fatal("want an error for a nil target")
	}
}

// TestActions_Surface runs every action not covered by the flows above once, with its check.
func TestActions_Surface(t *testing.T) {
	ctx := context.Background()
	r := newRunner(t)
	s := r.State()
	steps := append(verifiedUser(),
		harness.TestStep{Name: "weak password", Action: harness.PasswordsStrengthCheck{Password: "password"},
			Check: harness.CheckPasswordValid(false)},
		harness.TestStep{Name: "strong password", Action: harness.PasswordsStrengthCheck{Email: "x@example.com"},
			Check: harness.CheckPasswordValid(true)},
		harness.TestStep{Name: "log in", Action: harness.PasswordsAuthenticate{SessionMinutes: 30},
			Check: harness.CheckSessionExpiresIn(30*time.Minute, time.Minute)},
		harness.TestStep{Name: "second session", Action: harness.PasswordsAuthenticate{}},
		harness.TestStep{Name: "log in without a session", Action: harness.PasswordsAuthenticate{SessionMinutes: harness.NoSession},
			Check: harness.CheckNoSessionStarted()},
		harness.TestStep{Name: "list sessions", Action: harness.SessionsGet{}, Check: harness.CheckSessionCount(2)},
		harness.TestStep{Name: "jwt", Action: harness.SessionsAuthenticate{ByJWT: true, ExtendMinutes: 90},
			Check: harness.CheckSessionExpiresIn(90*time.Minute, time.Minute)},
		harness.TestStep{Name: "both", Action: harness.SessionsAuthenticate{Both: true},
			ExpectError: &harness.ExpectError{Status: 400, ErrorType: "too_many_session_arguments"}},
		harness.TestStep{Name: "add a phone", Action: harness.OTPSend{WithSession: true}},
		harness.TestStep{Name: "read user", Action: harness.UsersGet{},
			Check: harness.ComposeAggregateCheckFunc(harness.CheckPhoneVerified(false), harness.CheckPhoneCount(1))},
		harness.TestStep{Name: "verify phone", Action: harness.OTPAuthenticate{WithSession: true},
			Check: harness.CheckPhoneVerified(true)},
		harness.TestStep{Name: "rate limit", Action: harness.InjectFault{Fault: target.Fault{
			Method: "POST", Path: "/v1/otps/sms/send", Status: 429, ErrorType: "too_many_requests"}}},
		harness.TestStep{Name: "limited", Action: harness.OTPSend{WithSession: true},
			ExpectError: &harness.ExpectError{Status: 429, ErrorType: "too_many_requests"}},
		harness.TestStep{Name: "revoke by id", Action: harness.SessionsRevoke{BySessionID: true}},
		harness.TestStep{Name: "revoked", Action: harness.SessionsAuthenticate{},
			ExpectError: &harness.ExpectError{ErrorType: "session_not_found"}},
		harness.TestStep{Name: "one session left", Action: harness.SessionsGet{}, Check: harness.CheckSessionCount(1)},
		harness.TestStep{Name: "email login_or_create", Action: harness.OTPLoginOrCreate{Channel: harness.ChannelEmail, To: "new+surface@example.com"}},
		harness.TestStep{Name: "new user logs in", Action: harness.OTPAuthenticate{},
			Check: harness.CheckSessionFactors(harness.FactorEmailOTP)},
		harness.TestStep{Name: "delete the new user", Action: harness.UsersDelete{}},
		harness.TestStep{Name: "gone", Action: harness.UsersGet{},
			ExpectError: &harness.ExpectError{Status: 404, ErrorType: "user_not_found"}},
	)
	for _, step := range steps {
		mustRun(t, r, step)
	}
	if len(s.CreatedUsers) != 2 {
		t.Errorf("want 2 created users, got %v", s.CreatedUsers)
	}
	if err := r.Cleanup(ctx); err != nil {
		t.Fatal(err)
	}
	if err := harness.CheckUsersDeleted()(s); err != nil {
		t.Fatal(err)
	}
}

func TestActions_SessionsRevokeRefusesConflictingFields(t *testing.T) {
	r := newRunner(t)
	mustRun(t, r, harness.TestStep{Action: harness.PasswordsCreate{}})
	err := r.Run(context.Background(), harness.TestStep{Action: harness.SessionsRevoke{BySessionID: true, ByJWT: true}})
	if err == nil || !strings.Contains(err.Error(), "BySessionID revokes the current session") {
		t.Fatalf("got %v", err)
	}
}

// TestRunner_ZeroValue: a Runner not made by NewRunner says so instead of panicking.
func TestRunner_ZeroValue(t *testing.T) {
	var r harness.Runner
	ctx := context.Background()
	if err := r.Run(ctx, harness.TestStep{Check: func(*harness.State) error { return nil }}); err == nil || !strings.Contains(err.Error(), "NewRunner") {
		t.Errorf("Run: want an error naming NewRunner, got %v", err)
	}
	if err := r.Cleanup(ctx); err == nil {
		t.Error("Cleanup: want an error")
	}
	if r.State() != nil || r.Target() != nil {
		t.Error("want nil State and Target")
	}
}
