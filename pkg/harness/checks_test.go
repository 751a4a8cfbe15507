package harness_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
)

// stateWith returns a state whose current session has the given factors.
func stateWith(fs ...harness.Factor) *harness.State {
	return &harness.State{Session: harness.Session{ID: "session-test-1", Factors: fs}}
}

func fail(msg string) harness.CheckFunc { return func(*harness.State) error { return errors.New(msg) } }

func pass() harness.CheckFunc { return func(*harness.State) error { return nil } }

func TestComposeAggregateCheckFunc_CollectsAll(t *testing.T) {
	err := harness.ComposeAggregateCheckFunc(fail("first"), pass(), nil, fail("fourth"))(stateWith())
	if err == nil {
		t.Fatal("want an error")
	}
	want := "check 1/4: first\ncheck 4/4: fourth"
	if err.Error() != want {
		t.Errorf("got %q, want %q", err, want)
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) || len(joined.Unwrap()) != 2 {
		t.Errorf("want an errors.Join of 2, got %#v", err)
	}
	if err := harness.ComposeAggregateCheckFunc(pass(), pass())(stateWith()); err != nil {
		t.Errorf("want nil, got %v", err)
	}
}

func TestComposeCheckFunc_FailsFast(t *testing.T) {
	ran := false
	err := harness.ComposeCheckFunc(pass(), fail("second"), func(*harness.State) error { ran = true; return nil })(stateWith())
	if err == nil || err.Error() != "check 2/3: second" {
		t.Errorf("got %v", err)
	}
	if ran {
		t.Error("a check ran after the first failure")
	}
}

func TestChecks(t *testing.T) {
	password := harness.Factor{Type: "password", DeliveryMethod: "knowledge"}
	sms := harness.Factor{Type: "otp", DeliveryMethod: "sms", PhoneNumber: "+15555550123"}
	now := time.Now()
	old := sms
	old.LastAuthenticatedAt = now.Add(-6*time.Minute - time.Second)
	fresh := sms
	fresh.LastAuthenticatedAt = now.Add(-time.Minute)
	stepped := stateWith(password, fresh)
	stepped.Original = harness.Session{ID: "session-test-1", Credentials: harness.Credentials{Token: "tok-1"}}
	stepped.Session.Token = "tok-2"
	kept := stateWith(password, fresh)
	kept.Original = harness.Session{ID: "session-test-0", Credentials: harness.Credentials{Token: "tok-1"}}
	kept.Session.Token = "tok-1"

	tests := []struct {
		name    string
		check   harness.CheckFunc
		state   *harness.State
		wantErr string // "" for a pass
	}{
		{"case=exact factors", harness.CheckSessionFactors(harness.FactorSMS, harness.FactorPassword), stateWith(password, sms), ""},
		{"case=exact factors, one missing", harness.CheckSessionFactors(harness.FactorPassword, harness.FactorSMS), stateWith(password),
			"session factors: want exactly [otp/sms password/knowledge], got [password/knowledge]"},
		{"case=exact factors, one extra", harness.CheckSessionFactors(harness.FactorPassword), stateWith(password, sms),
			"want exactly [password/knowledge], got [otp/sms password/knowledge]"},
		{"case=has factor", harness.CheckSessionHasFactor(harness.FactorSMS), stateWith(password, sms), ""},
		{"case=lacks factor", harness.CheckSessionHasFactor(harness.FactorTOTP), stateWith(password),
			"want a totp/authenticator_app factor, got [password/knowledge]"},
		{"case=factor count", harness.CheckSessionFactorCount(2), stateWith(password), "want 2, got 1"},
		{"case=fresh factor", harness.CheckFactorAgeWithin(harness.FactorSMS, 5*time.Minute), stateWith(fresh), ""},
		{"case=stale factor", harness.CheckFactorAgeWithin(harness.FactorSMS, 5*time.Minute), stateWith(old),
			"want the otp/sms factor authenticated within 5m0s, got 6m1s ago"},
		{"case=old enough", harness.CheckFactorAgeOver(harness.FactorSMS, 6*time.Minute), stateWith(old), ""},
		{"case=not old enough", harness.CheckFactorAgeOver(harness.FactorSMS, 6*time.Minute), stateWith(fresh),
			"want the otp/sms factor authenticated at least 6m0s ago, got 1m0s ago"},
		{"case=age of a missing factor", harness.CheckFactorAgeOver(harness.FactorSMS, time.Minute), stateWith(password),
			"the session has no otp/sms factor"},
		{"case=rotated", harness.CheckTokenRotated(), stepped, ""},
		{"case=not rotated", harness.CheckTokenRotated(), kept, "want a new token after step-up, got the original tok-1"},
		{"case=not stepped up", harness.CheckTokenRotated(), stateWith(), "the session was not stepped up"},
		{"case=kept", harness.CheckTokenKept(), kept, ""},
		{"case=token equals original", harness.CheckTokenEquals(harness.OriginalToken()), kept, ""},
		{"case=token equals literal", harness.CheckTokenEquals(harness.LiteralToken("tok-9")), kept,
			"session token: want \"tok-9\" (tok-9), got tok-1"},
		{"case=session id unchanged", harness.CheckSessionIDUnchanged(), stepped, ""},
		{"case=session id changed", harness.CheckSessionIDUnchanged(), kept,
			"want session-test-0 kept after step-up, got session-test-1"},
		{"case=phone number", harness.CheckFactorPhoneNumber(harness.FactorSMS, "+15555550123"), stateWith(sms), ""},
		{"case=wrong phone number", harness.CheckFactorPhoneNumber(harness.FactorSMS, "+15555550000"), stateWith(sms),
			`want the otp/sms factor for +15555550000, got "+15555550123"`},
		{"case=email without user", harness.CheckEmailVerified(true), stateWith(), "no user object"},
		{"case=no session started", harness.CheckNoSessionStarted(), stateWith(), ""},
		{"case=strength without check", harness.CheckPasswordValid(true), stateWith(), "run PasswordsStrengthCheck first"},
		{"case=expiry without session", harness.CheckSessionExpiresIn(time.Hour, time.Minute), stateWith(), "no session expiry"},
		{"case=last error none", harness.CheckLastError(harness.ExpectError{ErrorType: "x"}), stateWith(),
			"expected an error (error_type x) but got none"},
		{"case=last succeeded", harness.CheckLastSucceeded(), &harness.State{LastErr: errors.New("boom")},
			"want the last call to succeed, got: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(tt.state)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("want a pass, got %v", err)
			case tt.wantErr != "" && err == nil:
				t.Errorf("want an error containing %q, got a pass", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("got %q, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestExpectError_Match(t *testing.T) {
	notFound := stytcherror.Error{StatusCode: 404, ErrorType: "otp_code_not_found", ErrorMessage: "The code is wrong."}
	tests := []struct {
		name    string
		want    harness.ExpectError
		err     error
		wantErr string
	}{
		{"case=all match", harness.ExpectError{Status: 404, ErrorType: "otp_code_not_found", Message: regexp.MustCompile(`wrong`)}, notFound, ""},
		{"case=zero matches any Stytch error", harness.ExpectError{}, notFound, ""},
		{"case=wrapped", harness.ExpectError{ErrorType: "otp_code_not_found"}, errors.Join(errors.New("ctx"), notFound), ""},
		{"case=pointer", harness.ExpectError{ErrorType: "otp_code_not_found"}, &notFound, ""},
		{"case=none", harness.ExpectError{Status: 404}, nil, "expected an error (status 404) but got none"},
		{"case=status", harness.ExpectError{Status: 401}, notFound, "wrong error: status 404, want 401 (got 404 otp_code_not_found: The code is wrong.)"},
		{"case=type", harness.ExpectError{ErrorType: "session_not_found"}, notFound, `error_type "otp_code_not_found", want "session_not_found"`},
		{"case=message", harness.ExpectError{Message: regexp.MustCompile(`^expired`)}, notFound, `error_message "The code is wrong.", want a match for "^expired"`},
		{"case=not a Stytch error", harness.ExpectError{ErrorType: "x"}, errors.New("dial tcp: refused"), "expected a Stytch error (error_type x), got: dial tcp: refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.want.Match(tt.err)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("want a match, got %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

// TestCheckFactorPhoneNumber_ResolvesPerCall: one CheckFactorPhoneNumber(k, "") checks each state
// against that state's own phone (the last OTP's destination, else the identity's), also when
// shared by states checked at once; it used to keep the first phone it saw.
func TestCheckFactorPhoneNumber_ResolvesPerCall(t *testing.T) {
	check := harness.CheckFactorPhoneNumber(harness.FactorSMS, "")
	stateFor := func(phone string, viaOTP bool) *harness.State {
		s := stateWith(harness.Factor{Type: "otp", DeliveryMethod: "sms", PhoneNumber: phone})
		if viaOTP {
			s.LastOTP = harness.OTPSent{Channel: harness.ChannelSMS, To: phone}
		} else {
			s.Identity.Phone = phone
		}
		return s
	}
	for _, s := range []*harness.State{stateFor("+15555550101", true), stateFor("+15555550102", false), stateFor("+15555550103", true)} {
		if err := check(s); err != nil {
			t.Errorf("state with phone %s: %v", s.Session.Factors[0].PhoneNumber, err)
		}
	}
	if err := check(stateFor("+15555550104", true)); err != nil {
		t.Fatal(err)
	}
	wrong := stateFor("+15555550105", false)
	wrong.Session.Factors[0].PhoneNumber = "+15555550106"
	if err := check(wrong); err == nil || !strings.Contains(err.Error(), "want the otp/sms factor for +15555550105") {
		t.Errorf("want a mismatch naming +15555550105, got %v", err)
	}

	// Shared by concurrent checks (go test -race finds a data race on a captured variable).
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			if err := check(stateFor(fmt.Sprintf("+155555502%02d", i), true)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
