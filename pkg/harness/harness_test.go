package harness_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// verifiedUser are the steps that give the identity a user with a verified email and a password,
// without a session: the guide's starting point. As in Stytch's "email verification after password
// creation" guide, the email code is authenticated with the session passwords.create started,
// which keeps the password usable (see TestTest_EmailVerifiedWithoutSessionNeedsReset); then the
// user signs out.
func verifiedUser() []harness.TestStep {
	return []harness.TestStep{
		{Name: "sign up", Action: harness.PasswordsCreate{},
			Check: harness.ComposeAggregateCheckFunc(harness.CheckEmailVerified(false), harness.CheckSessionFactors(harness.FactorPassword))},
		{Name: "send email code", Action: harness.OTPSend{Channel: harness.ChannelEmail}},
		{Name: "verify email", Action: harness.OTPAuthenticate{WithSession: true},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckEmailVerified(true),
				harness.CheckSessionFactors(harness.FactorPassword, harness.FactorEmailOTP),
				harness.CheckSessionIDUnchanged(),
			)},
		{Name: "sign out", Action: harness.SessionsRevoke{}},
	}
}

// TestTest_EmailVerifiedWithoutSessionNeedsReset: an email code that verifies the email of a user
// with a password, authenticated without a session of that user, is Stytch's account-takeover
// case (a password user's first passwordless email login): the email is verified, but the
// password must be reset before it signs in again.
func TestTest_EmailVerifiedWithoutSessionNeedsReset(t *testing.T) {
	o, _ := emulatorOpener(t)
	requirePassed(t, runCase(harness.TestCase{Target: o, Steps: []harness.TestStep{
		{Name: "sign up", Action: harness.PasswordsCreate{SessionMinutes: harness.NoSession},
			Check: harness.ComposeAggregateCheckFunc(harness.CheckEmailVerified(false), harness.CheckNoSessionStarted())},
		{Name: "send email code", Action: harness.OTPSend{Channel: harness.ChannelEmail}},
		{Name: "verify email without a session", Action: harness.OTPAuthenticate{SessionMinutes: harness.NoSession},
			Check: harness.ComposeAggregateCheckFunc(harness.CheckEmailVerified(true), harness.CheckNoSessionStarted())},
		{Name: "log in", Action: harness.PasswordsAuthenticate{},
			ExpectError: &harness.ExpectError{Status: 400, ErrorType: "reset_password"}},
	}}))
}

func TestTest_MFAFlow(t *testing.T) {
	o, _ := emulatorOpener(t)
	logIn := len(verifiedUser()) + 1 // the log in step's number
	steps := append(verifiedUser(),
		harness.TestStep{Name: "log in", Action: harness.PasswordsAuthenticate{},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckSessionFactors(harness.FactorPassword),
				harness.CheckSessionExpiresIn(time.Hour, time.Minute),
				harness.Capture("login token", harness.ValueSessionToken()),
			)},
		harness.TestStep{Name: "send SMS code", Action: harness.OTPSend{Channel: harness.ChannelSMS, WithSession: true}},
		harness.TestStep{Name: "step up", Action: harness.OTPAuthenticate{WithSession: true},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS),
				harness.CheckFactorPhoneNumber(harness.FactorSMS, ""),
				harness.CheckSessionIDUnchanged(),
				harness.CheckSessionIDSameAs(harness.AtStep(logIn)),
				harness.CheckTokenRotated(),
				harness.CompareValue(harness.ValueSessionToken(), harness.Captured("login token"), harness.Differ()),
				harness.Capture("step-up token", harness.ValueSessionToken()),
				harness.CompareValue(harness.ValueSessionJWT(), harness.AtStep(logIn), harness.Differ()),
				harness.CompareValue(harness.ValueUserID(), harness.AtStep(1), harness.Same()),
				harness.CheckFactorAgeWithin(harness.FactorSMS, time.Minute),
			)},
		harness.TestStep{Name: "new token works", Action: harness.SessionsAuthenticate{},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS),
				// Authenticating the session does not rotate its token again.
				harness.CompareValue(harness.ValueSessionToken(), harness.Captured("step-up token"), harness.Same()),
			)},
		harness.TestStep{Name: "JWT verifies locally", Action: harness.SessionsAuthenticateJWTLocal{},
			Check: harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS)},
		harness.TestStep{Name: "original token works in the grace period",
			Action: harness.SessionsAuthenticate{Token: harness.OriginalToken()},
			// Presenting the original token leaves the state's session (the new token) alone.
			Check: harness.CompareValue(harness.ValueSessionToken(), harness.Captured("step-up token"), harness.Same())},
		harness.TestStep{Name: "grace period ends", Action: harness.AdvanceTime{D: 61 * time.Second}},
		harness.TestStep{Name: "original token is revoked",
			Action:      harness.SessionsAuthenticate{Token: harness.OriginalToken()},
			ExpectError: &harness.ExpectError{Status: 404, ErrorType: "session_not_found"}},
		harness.TestStep{Name: "new token still works", Action: harness.SessionsAuthenticate{Token: harness.CurrentToken()}},
		harness.TestStep{Name: "six minutes later", Action: harness.AdvanceTime{D: 6 * time.Minute},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckFactorAgeOver(harness.FactorSMS, 6*time.Minute),
				harness.CheckFactorAgeWithin(harness.FactorSMS, 8*time.Minute),
			)},
		harness.TestStep{Name: "sms factor is too old", Check: func(s *harness.State) error {
			if err := harness.CheckFactorAgeWithin(harness.FactorSMS, 5*time.Minute)(s); err == nil {
				return errors.New("want a 5-minute step-up policy to refuse the SMS factor")
			}
			return nil
		}},
	)
	ft := runCase(harness.TestCase{Target: o, Steps: steps, CheckDestroy: harness.CheckUsersDeleted()})
	requirePassed(t, ft)
}

func TestTest_ExpectError(t *testing.T) {
	o, _ := emulatorOpener(t)
	steps := append(verifiedUser(),
		harness.TestStep{Name: "log in", Action: harness.PasswordsAuthenticate{}},
		harness.TestStep{Name: "send SMS code", Action: harness.OTPSend{WithSession: true}},
		harness.TestStep{Name: "wrong code", Action: harness.OTPAuthenticate{Code: harness.WrongCode(), WithSession: true},
			ExpectError: &harness.ExpectError{Status: 404, ErrorType: "otp_code_not_found", Message: regexp.MustCompile(`.`)},
			Check:       harness.CheckSessionFactors(harness.FactorPassword)},
		harness.TestStep{Name: "right code", Action: harness.OTPAuthenticate{WithSession: true},
			Check: harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS)},
		harness.TestStep{Name: "code is single use", Action: harness.OTPAuthenticate{WithSession: true},
			ExpectError: &harness.ExpectError{Status: 401, ErrorType: "unable_to_auth_otp_code"}},
	)
	requirePassed(t, runCase(harness.TestCase{Target: o, Steps: steps}))
}

func TestTest_Failures(t *testing.T) {
	logIn := harness.TestStep{Name: "log in", Action: harness.PasswordsAuthenticate{}}
	tests := []struct {
		name  string
		steps []harness.TestStep
		wants []string
	}{
		{
			name: "case=check fails",
			steps: append(verifiedUser()[:2:2],
				harness.TestStep{Name: "verify email", Action: harness.OTPAuthenticate{WithSession: true},
					Check: harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS)},
				logIn,
				harness.TestStep{Name: "never runs", Action: harness.SessionsRevoke{}},
			),
			wants: []string{"step 3/5 (verify email): ", "session factors: want exactly [otp/sms password/knowledge], got [otp/email password/knowledge]"},
		},
		{
			name: "case=expected an error but got none",
			steps: []harness.TestStep{
				{Name: "sign up", Action: harness.PasswordsCreate{}},
				{Name: "log in", Action: harness.PasswordsAuthenticate{},
					ExpectError: &harness.ExpectError{Status: 401, ErrorType: "unauthorized_credentials"}},
			},
			wants: []string{"step 2/2 (log in): passwords.authenticate: expected an error (status 401, error_type unauthorized_credentials) but got none"},
		},
		{
			name: "case=wrong error",
			steps: []harness.TestStep{
				{Name: "sign up", Action: harness.PasswordsCreate{}},
				{Name: "wrong password", Action: harness.PasswordsAuthenticate{Password: "not-the-password-42!"},
					ExpectError: &harness.ExpectError{Status: 404, ErrorType: "email_not_found"}},
			},
			wants: []string{"step 2/2 (wrong password): passwords.authenticate: wrong error:", `status 401, want 404`, `error_type "unauthorized_credentials", want "email_not_found"`},
		},
		{
			name: "case=unexpected Stytch error",
			steps: []harness.TestStep{
				{Name: "sign up", Action: harness.PasswordsCreate{}},
				{Action: harness.PasswordsAuthenticate{Password: "not-the-password-42!"}},
			},
			wants: []string{"step 2/2 (passwords.authenticate): passwords.authenticate: unexpected error: ", "unauthorized_credentials"},
		},
		{
			name:  "case=missing state",
			steps: []harness.TestStep{{Name: "authenticate nothing", Action: harness.OTPAuthenticate{}}},
			wants: []string{"step 1/1 (authenticate nothing): otps.authenticate: unexpected error: missing input: no OTP method id in the state (send an OTP first)"},
		},
		{
			name: "case=a harness error never matches ExpectError",
			steps: []harness.TestStep{{Name: "revoke nothing", Action: harness.SessionsRevoke{},
				ExpectError: &harness.ExpectError{ErrorType: "session_not_found"}}},
			wants: []string{"step 1/1 (revoke nothing): sessions.revoke: expected a Stytch error (error_type session_not_found), got: missing input: no session token for the current token in the state"},
		},
		{
			name:  "case=invalid case",
			steps: []harness.TestStep{{Name: "empty"}},
			wants: []string{"invalid test case: step 1/1 (empty) has neither an action nor a check"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, _ := emulatorOpener(t)
			destroyed := false
			ft := runCase(harness.TestCase{Target: o, Steps: tt.steps, CheckDestroy: func(s *harness.State) error {
				destroyed = true
				return harness.CheckUsersDeleted()(s)
			}})
			requireFailure(t, ft, tt.wants...)
			if len(ft.fatals) != 1 || len(ft.errors) != 0 {
				t.Errorf("want exactly one fatal failure, got:%s", ft.report())
			}
			if tt.name != "case=invalid case" && !destroyed {
				t.Errorf("CheckDestroy did not run after the failure")
			}
		})
	}
}

func TestTest_CleanupDeletesCreatedUsers(t *testing.T) {
	o, e := emulatorOpener(t)
	var st *harness.State
	ft := runCase(harness.TestCase{
		Target: o,
		Steps: []harness.TestStep{
			{Name: "sign up", Action: harness.PasswordsCreate{}, PreStep: func(_ context.Context, s *harness.State) error {
				st = s
				return nil
			}},
			{Name: "another user", Action: harness.UsersCreate{Email: "second+" + strings.ToLower(t.Name()[:4]) + "@example.com"}},
			{Name: "login or create", Action: harness.OTPLoginOrCreate{Channel: harness.ChannelWhatsApp, To: "+15555550199"}},
			{Name: "fails", Action: harness.SessionsAuthenticate{Token: harness.LiteralToken("not-a-token")}},
		},
	})
	requireFailure(t, ft, "step 4/4 (fails)")
	if len(st.CreatedUsers) != 3 {
		t.Fatalf("want 3 created users, got %v", st.CreatedUsers)
	}
	// The emulator saw one successful delete per created user.
	projectID := st.Target().(*target.InProcess).ProjectID()
	var deleted []string
	for _, r := range e.Project(projectID).Requests() {
		if r.Method == "DELETE" && strings.HasPrefix(r.Path, "/v1/users/") && r.Status == 200 {
			deleted = append(deleted, strings.TrimPrefix(r.Path, "/v1/users/"))
		}
	}
	slices.Sort(deleted)
	want := slices.Sorted(slices.Values(st.CreatedUsers))
	if !slices.Equal(deleted, want) {
		t.Errorf("deleted users %v, want %v", deleted, want)
	}
	// And the users are gone.
	for _, id := range st.CreatedUsers {
		_, err := st.Target().Client().Users.Get(context.Background(), &users.GetParams{UserID: id})
		var se stytcherror.Error
		if !errors.As(err, &se) || se.ErrorType != "user_not_found" {
			t.Errorf("user %s: want user_not_found, got %v", id, err)
		}
	}
}

func TestTest_CheckDestroyFailureIsReported(t *testing.T) {
	o, _ := emulatorOpener(t)
	ft := runCase(harness.TestCase{
		Target:       o,
		Steps:        []harness.TestStep{{Action: harness.PasswordsCreate{}}},
		CheckDestroy: func(*harness.State) error { return errors.New("a session survived") },
	})
	if len(ft.fatals) != 0 || len(ft.errors) != 1 || !strings.Contains(ft.errors[0], "check destroy: a session survived") {
		t.Fatalf("want one check-destroy error, got:%s", ft.report())
	}
}

func TestTest_Requires(t *testing.T) {
	o, _ := emulatorOpener(t)
	tests := []struct {
		name     string
		opener   target.Opener
		requires []target.Capability
		wantSkip string
	}{
		{"case=has it", o, []target.Capability{target.ClockControl, target.ReadCodes}, ""},
		{"case=lacks one", lacking{o, []target.Capability{target.ClockControl}},
			[]target.Capability{target.ReadCodes, target.ClockControl}, "target emulator lacks clock-control"},
		{"case=lacks two", lacking{o, []target.Capability{target.ClockControl, target.FaultInjection}},
			[]target.Capability{target.FaultInjection, target.ClockControl}, "lacks fault-injection, clock-control"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ft := runCase(harness.TestCase{Target: tt.opener, Requires: tt.requires,
				Steps: []harness.TestStep{{Action: harness.AdvanceTime{D: time.Second}}}})
			if tt.wantSkip == "" {
				requirePassed(t, ft)
				return
			}
			requireSkip(t, ft, tt.wantSkip)
		})
	}
}

func TestTest_AcceptanceGate(t *testing.T) {
	const liveID = "project-live-00000000-0000-4000-8000-000000000000"
	oneStep := []harness.TestStep{{Action: harness.PasswordsAuthenticate{}}}
	tests := []struct {
		name      string
		env       map[string]string
		opener    target.Opener // nil: from STYTCH_TARGET
		wantSkip  []string
		wantFatal []string
	}{
		{name: "case=gate unset skips the sandbox",
			env: map[string]string{harness.EnvAcc: ""}, opener: harness.Sandbox(),
			wantSkip: []string{"set STYTCH_ACC=1", "STYTCH_PROJECT_ID", "STYTCH_SECRET"}},
		{name: "case=gate off skips the sandbox chosen by STYTCH_TARGET",
			env:      map[string]string{harness.EnvAcc: "0", harness.EnvTarget: "sandbox"},
			wantSkip: []string{"STYTCH_ACC"}},
		{name: "case=gate unset skips a SandboxOpener",
			env: map[string]string{harness.EnvAcc: ""}, opener: mustSandboxOpener(t),
			wantSkip: []string{"STYTCH_ACC"}},
		{name: "case=gate on without credentials fails",
			env:       map[string]string{harness.EnvAcc: "1", harness.EnvProjectID: "", harness.EnvSecret: ""},
			opener:    harness.Sandbox(),
			wantFatal: []string{"STYTCH_ACC is set but the sandbox cannot be used", "STYTCH_PROJECT_ID and STYTCH_SECRET"}},
		{name: "case=gate on with a live project fails",
			env:       map[string]string{harness.EnvAcc: "true", harness.EnvProjectID: liveID, harness.EnvSecret: "secret-live-x"},
			opener:    harness.Sandbox(),
			wantFatal: []string{"refusing a live project", liveID}},
		{name: "case=gate on with a bad STYTCH_TARGET fails",
			env:       map[string]string{harness.EnvAcc: "1", harness.EnvTarget: "production"},
			wantFatal: []string{"STYTCH_TARGET", `unknown target "production"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(harness.EnvTarget, "")
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			preChecked := false
			ft := runCase(harness.TestCase{Target: tt.opener, Steps: oneStep, PreCheck: func() { preChecked = true }})
			if tt.wantSkip != nil {
				requireSkip(t, ft, tt.wantSkip...)
				if preChecked {
					t.Errorf("PreCheck ran for a case the gate skips")
				}
			} else {
				requireFailure(t, ft, tt.wantFatal...)
			}
		})
	}
}

// mustSandboxOpener returns a target.SandboxOpener on made-up test credentials (it does no I/O).
func mustSandboxOpener(t *testing.T) *target.SandboxOpener {
	t.Helper()
	o, err := target.NewSandboxOpener(target.NewTestCredentials())
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// TestTest_NilTargetRunsWhereSTYTCH_TARGETSays: a case without a Target runs on the emulator
// when STYTCH_TARGET is unset, whatever STYTCH_ACC says: the gate never adds a target.
func TestTest_NilTargetRunsWhereSTYTCH_TARGETSays(t *testing.T) {
	for _, acc := range []string{"", "0", "1"} {
		t.Run("case=STYTCH_ACC="+acc, func(t *testing.T) {
			t.Setenv(harness.EnvAcc, acc)
			t.Setenv(harness.EnvTarget, "")
			t.Setenv(harness.EnvProjectID, "")
			t.Setenv(harness.EnvSecret, "")
			var where targetNames
			ft := runCase(whereCase(&where))
			requirePassed(t, ft)
			if got := where.all(); !slices.Equal(got, []string{"emulator"}) {
				t.Errorf("the case ran on %v, want the emulator only", got)
			}
		})
	}
}

// TestTest_AcceptanceCaseRuns runs an acceptance case with the gate on: the sandbox code path
// (stytch-go over HTTP, sandbox identity, codes 000000) against an emulator standing in for
// test.stytch.com.
func TestTest_AcceptanceCaseRuns(t *testing.T) {
	creds := target.NewTestCredentials()
	ts := emulator.NewTestServer(t, emulator.WithProject(creds.ProjectID, creds.Secret), emulator.WithLogger(t.Logf))
	t.Setenv(harness.EnvAcc, "1")
	t.Setenv(harness.EnvProjectID, creds.ProjectID)
	t.Setenv(harness.EnvSecret, creds.Secret)
	preChecked := false
	ft := runCase(harness.TestCase{
		Target:   harness.Sandbox(target.WithBaseURL(ts.URL), target.WithLogger(t.Logf)),
		PreCheck: func() { preChecked = true },
		Steps: []harness.TestStep{
			{Name: "sandbox user logs in", Action: harness.PasswordsAuthenticate{},
				Check: harness.CheckSessionFactors(harness.FactorPassword)},
			{Name: "send SMS code", Action: harness.OTPSend{WithSession: true}},
			{Name: "step up", Action: harness.OTPAuthenticate{WithSession: true},
				Check: harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS)},
			{Name: "app clock moves", Action: harness.AdvanceTime{D: 6 * time.Minute},
				Check: harness.CheckFactorAgeOver(harness.FactorSMS, 6*time.Minute)},
		},
	})
	requirePassed(t, ft)
	if !preChecked {
		t.Error("PreCheck did not run")
	}
}

func TestTest_PreCheckFailureStopsTheCase(t *testing.T) {
	o, _ := emulatorOpener(t)
	ran := false
	ft := run(func(ht harness.ParallelT) {
		harness.Test(ht, harness.TestCase{
			Target:   o,
			PreCheck: func() { ht.Fatalf("EXAMPLE_API_KEY must be set") },
			Steps: []harness.TestStep{{Action: harness.PasswordsCreate{}, PreStep: func(context.Context, *harness.State) error {
				ran = true
				return nil
			}}},
		})
	})
	requireFailure(t, ft, "EXAMPLE_API_KEY must be set")
	if ran {
		t.Error("a step ran after PreCheck failed")
	}
}

func TestTest_SkipFunc(t *testing.T) {
	o, _ := emulatorOpener(t)
	ft := runCase(harness.TestCase{
		Target: o,
		Steps: []harness.TestStep{
			{Name: "sign up", Action: harness.PasswordsCreate{}},
			{Name: "only on the sandbox", Action: harness.SessionsRevoke{},
				SkipFunc: func(s *harness.State) (bool, error) { return !s.Identity.Sandbox, nil }},
			{Name: "session still works", Action: harness.SessionsAuthenticate{},
				Check: harness.CompareValue(harness.ValueSessionID(), harness.AtStep(1), harness.Same())},
		},
	})
	requirePassed(t, ft)
	if !slices.ContainsFunc(ft.logs, func(l string) bool { return strings.Contains(l, "skipping step 2/3 (only on the sandbox)") }) {
		t.Errorf("want a log of the skipped step, got:%s", ft.report())
	}
}

func TestParallelTest(t *testing.T) {
	o, _ := emulatorOpener(t)
	ft := run(func(ht harness.ParallelT) {
		harness.ParallelTest(ht, harness.TestCase{Target: o, Steps: []harness.TestStep{{Action: harness.PasswordsCreate{}}}})
	})
	requirePassed(t, ft)
	if !ft.parallel {
		t.Error("ParallelTest did not call Parallel")
	}
}

func TestTest_TOTP(t *testing.T) {
	o, _ := emulatorOpener(t)
	steps := append(verifiedUser(),
		harness.TestStep{Name: "log in", Action: harness.PasswordsAuthenticate{}},
		harness.TestStep{Name: "register authenticator", Action: harness.TOTPCreate{}},
		harness.TestStep{Name: "wrong TOTP code", Action: harness.TOTPAuthenticate{Code: harness.WrongCode(), WithSession: true},
			ExpectError: &harness.ExpectError{ErrorType: "unable_to_authenticate_totp"}},
		harness.TestStep{Name: "TOTP step-up", Action: harness.TOTPAuthenticate{WithSession: true},
			Check: harness.ComposeAggregateCheckFunc(
				harness.CheckSessionFactors(harness.FactorPassword, harness.FactorTOTP),
				harness.CheckSessionIDUnchanged(),
			)},
		harness.TestStep{Name: "recover", Action: harness.TOTPRecover{WithSession: true},
			Check: harness.CheckSessionHasFactor(harness.FactorRecoveryCode)},
		harness.TestStep{Name: "recovery code reused", PreStep: func(_ context.Context, s *harness.State) error {
			if len(s.TOTP.UsedRecoveryCodes) != 1 || len(s.TOTP.RecoveryCodes) != 9 {
				return errors.New("want one used and nine unused recovery codes")
			}
			return nil
		}, Action: reuseRecoveryCode{}, ExpectError: &harness.ExpectError{Status: 401, ErrorType: "unable_to_authenticate_recovery_code"}},
	)
	requirePassed(t, runCase(harness.TestCase{Target: o, Steps: steps}))
}

// reuseRecoveryCode is an Action of a test's own: TOTPRecover with the last used recovery code.
type reuseRecoveryCode struct{}

func (reuseRecoveryCode) Do(ctx context.Context, req harness.ActionRequest, resp *harness.ActionResponse) {
	used := req.State.TOTP.UsedRecoveryCodes
	harness.TOTPRecover{RecoveryCode: used[len(used)-1]}.Do(ctx, req, resp)
}
