package harness_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
)

func TestCompareValue(t *testing.T) {
	t0 := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	at := func(id, token string, smsAt time.Time) *harness.State {
		s := &harness.State{Session: harness.Session{ID: id, Credentials: harness.Credentials{Token: token}}}
		if !smsAt.IsZero() {
			s.Session.Factors = []harness.Factor{{Type: "otp", DeliveryMethod: "sms", LastAuthenticatedAt: smsAt}}
		}
		return s
	}
	// History: step 1 logged in, step 2 was skipped; the current state is after a step-up.
	now := at("session-test-1", "tok-2", t0.Add(time.Minute))
	now.History = []harness.StepRecord{
		{Number: 1, State: at("session-test-1", "tok-1", t0)},
		{Number: 2, Skipped: true},
	}
	now.Captured = map[string]any{"login": "tok-1"}
	smsAt := harness.ValueFactorLastAuthenticatedAt(harness.FactorSMS)

	tests := []struct {
		name    string
		check   harness.CheckFunc
		wantErr string
	}{
		{"case=same session id", harness.CompareValue(harness.ValueSessionID(), harness.AtStep(1), harness.Same()), ""},
		{"case=token differs", harness.CompareValue(harness.ValueSessionToken(), harness.AtStep(1), harness.Differ()), ""},
		{"case=token same fails", harness.CompareValue(harness.ValueSessionToken(), harness.AtStep(1), harness.Same()),
			`compare session_token with step 1: want the same value, got "tok-1" then "tok-2"`},
		{"case=captured differs", harness.CompareValue(harness.ValueSessionToken(), harness.Captured("login"), harness.Differ()), ""},
		{"case=captured same fails", harness.CompareValue(harness.ValueSessionID(), harness.Captured("login"), harness.Same()),
			`compare session_id with capture "login": want the same value, got "tok-1" then "session-test-1"`},
		{"case=differ fails", harness.CompareValue(harness.ValueSessionID(), harness.AtStep(1), harness.Differ()),
			`want a different value, got "session-test-1" both times`},
		{"case=newer", harness.CompareValue(smsAt, harness.AtStep(1), harness.Newer()), ""},
		{"case=newer on strings", harness.CompareValue(harness.ValueSessionID(), harness.AtStep(1), harness.Newer()),
			"want times to compare, got string and string"},
		{"case=skipped step", harness.CompareValue(harness.ValueSessionID(), harness.AtStep(2), harness.Same()), "step 2 did not run"},
		{"case=future step", harness.CompareValue(harness.ValueSessionID(), harness.AtStep(5), harness.Same()),
			"step 5 has not run yet (2 steps so far)"},
		{"case=nothing captured", harness.CompareValue(harness.ValueSessionID(), harness.Captured("nope"), harness.Same()),
			`nothing captured as "nope"`},
		{"case=empty ref", harness.CompareValue(harness.ValueSessionID(), harness.Ref{}, harness.Same()), "empty reference"},
		{"case=value missing now", harness.CompareValue(harness.ValueUserID(), harness.AtStep(1), harness.Same()),
			"compare user_id with step 1: missing input: no user_id in the state"},
		{"case=same id shorthand", harness.CheckSessionIDSameAs(harness.AtStep(1)), ""},
		{"case=expiry missing", harness.CompareValue(harness.ValueSessionExpiresAt(), harness.AtStep(1), harness.Newer()),
			"compare session expires_at with step 1: missing input: no session expiry"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.check(now)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("want a pass, got %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestCapture(t *testing.T) {
	s := &harness.State{Session: harness.Session{ID: "session-test-1"}}
	if err := harness.Capture("id", harness.ValueSessionID())(s); err != nil {
		t.Fatal(err)
	}
	if s.Captured["id"] != "session-test-1" {
		t.Fatalf("captured %v", s.Captured)
	}
	err := harness.Capture("jwt", harness.ValueSessionJWT())(s)
	if err == nil || !strings.Contains(err.Error(), `capture "jwt": missing input: no session_jwt in the state`) {
		t.Fatalf("got %v", err)
	}
}
