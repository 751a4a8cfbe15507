package harness

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// CheckFunc checks the state after a step (TestStep.Check) or after cleanup
// (TestCase.CheckDestroy). It returns why the check failed, or nil.
type CheckFunc func(*State) error

// ComposeCheckFunc runs fs in order and stops at the first failure, which it returns as
// "check i/n: why". Nil entries are skipped.
func ComposeCheckFunc(fs ...CheckFunc) CheckFunc {
	return func(s *State) error {
		for i, f := range fs {
			if f == nil {
				continue
			}
			if err := f(s); err != nil {
				return fmt.Errorf("check %d/%d: %w", i+1, len(fs), err)
			}
		}
		return nil
	}
}

// ComposeAggregateCheckFunc runs every one of fs and returns all failures, each as
// "check i/n: why", joined with errors.Join. Prefer it: one run shows every broken assertion.
func ComposeAggregateCheckFunc(fs ...CheckFunc) CheckFunc {
	return func(s *State) error {
		var errs []error
		for i, f := range fs {
			if f == nil {
				continue
			}
			if err := f(s); err != nil {
				errs = append(errs, fmt.Errorf("check %d/%d: %w", i+1, len(fs), err))
			}
		}
		return errors.Join(errs...)
	}
}

// kinds returns the kinds of the session's factors.
func kinds(s Session) []string {
	out := make([]string, len(s.Factors))
	for i, f := range s.Factors {
		out[i] = string(f.Kind())
	}
	return out
}

// CheckSessionFactors checks that the current session has exactly the given factors, in any order
// (each kind as often as listed).
func CheckSessionFactors(want ...FactorKind) CheckFunc {
	return func(s *State) error {
		got := kinds(s.Session)
		w := make([]string, len(want))
		for i, k := range want {
			w[i] = string(k)
		}
		gs, ws := slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(w))
		if !slices.Equal(gs, ws) {
			return fmt.Errorf("session factors: want exactly [%s], got [%s]", strings.Join(ws, " "), strings.Join(gs, " "))
		}
		return nil
	}
}

// CheckSessionHasFactor checks that the current session has a factor of kind k.
func CheckSessionHasFactor(k FactorKind) CheckFunc {
	return func(s *State) error {
		if _, ok := s.Session.Factor(k); !ok {
			return fmt.Errorf("session factors: want a %s factor, got [%s]", k, strings.Join(kinds(s.Session), " "))
		}
		return nil
	}
}

// CheckSessionFactorCount checks that the current session has n factors.
func CheckSessionFactorCount(n int) CheckFunc {
	return func(s *State) error {
		if got := len(s.Session.Factors); got != n {
			return fmt.Errorf("session factors: want %d, got %d [%s]", n, got, strings.Join(kinds(s.Session), " "))
		}
		return nil
	}
}

// factorAge returns how long ago the session's factor of kind k was last authenticated, measured
// with State.Now (the target's clock).
func factorAge(s *State, k FactorKind) (time.Duration, error) {
	f, ok := s.Session.Factor(k)
	if !ok {
		return 0, fmt.Errorf("factor age: the session has no %s factor, got [%s]", k, strings.Join(kinds(s.Session), " "))
	}
	if f.LastAuthenticatedAt.IsZero() {
		return 0, fmt.Errorf("factor age: the %s factor has no last_authenticated_at", k)
	}
	return s.Now().Sub(f.LastAuthenticatedAt), nil
}

// CheckFactorAgeWithin checks that the session's factor of kind k was last authenticated at most
// d ago, by the target's clock: fresh enough for a step-up policy of d.
func CheckFactorAgeWithin(k FactorKind, d time.Duration) CheckFunc {
	return func(s *State) error {
		age, err := factorAge(s, k)
		if err != nil {
			return err
		}
		if age > d {
			return fmt.Errorf("factor age: want the %s factor authenticated within %s, got %s ago", k, d, age.Round(time.Second))
		}
		return nil
	}
}

// CheckFactorAgeOver checks that the session's factor of kind k was last authenticated at least d
// ago, by the target's clock: too old for a step-up policy shorter than d.
func CheckFactorAgeOver(k FactorKind, d time.Duration) CheckFunc {
	return func(s *State) error {
		age, err := factorAge(s, k)
		if err != nil {
			return err
		}
		if age < d {
			return fmt.Errorf("factor age: want the %s factor authenticated at least %s ago, got %s ago", k, d, age.Round(time.Second))
		}
		return nil
	}
}

// CheckTokenRotated checks that the latest step-up minted a new session token: the current token
// differs from the original one.
func CheckTokenRotated() CheckFunc {
	return func(s *State) error {
		if s.Original.Token == "" {
			return errors.New("session token: want a rotated token, but the session was not stepped up")
		}
		if s.Session.Token == s.Original.Token {
			return fmt.Errorf("session token: want a new token after step-up, got the original %s", abbrev(s.Original.Token))
		}
		return nil
	}
}

// CheckTokenKept checks that the latest step-up kept the session token: the current token equals
// the original one.
func CheckTokenKept() CheckFunc {
	return func(s *State) error {
		if s.Original.Token == "" {
			return errors.New("session token: want the original token kept, but the session was not stepped up")
		}
		if s.Session.Token != s.Original.Token {
			return fmt.Errorf("session token: want the original %s after step-up, got %s", abbrev(s.Original.Token), abbrev(s.Session.Token))
		}
		return nil
	}
}

// CheckTokenEquals checks that the current session token is the one tok stands for (the original
// token, or a literal).
func CheckTokenEquals(tok Token) CheckFunc {
	return func(s *State) error {
		want, err := tok.resolve(s, false)
		if err != nil {
			return fmt.Errorf("session token: %w", err)
		}
		if s.Session.Token != want {
			return fmt.Errorf("session token: want %s (%s), got %s", tok, abbrev(want), abbrev(s.Session.Token))
		}
		return nil
	}
}

// CheckSessionIDUnchanged checks that the latest step-up kept the session: the current session_id
// is the one the session had before it.
func CheckSessionIDUnchanged() CheckFunc {
	return func(s *State) error {
		if s.Original.ID == "" {
			return errors.New("session id: want it unchanged by a step-up, but the session was not stepped up")
		}
		if s.Session.ID != s.Original.ID {
			return fmt.Errorf("session id: want %s kept after step-up, got %s", s.Original.ID, s.Session.ID)
		}
		return nil
	}
}

// CheckSessionIDSameAs checks that the current session_id equals its value at an earlier step or
// capture: shorthand for CompareValue(ValueSessionID(), ref, Same()).
func CheckSessionIDSameAs(ref Ref) CheckFunc { return CompareValue(ValueSessionID(), ref, Same()) }

// CheckSessionExpiresIn checks that the current session expires d from now, by the target's
// clock, give or take tolerance.
func CheckSessionExpiresIn(d, tolerance time.Duration) CheckFunc {
	return func(s *State) error {
		if s.Session.ExpiresAt.IsZero() {
			return fmt.Errorf("session expiry: %w: no session expiry", ErrMissingState)
		}
		left := s.Session.ExpiresAt.Sub(s.Now())
		if diff := left - d; diff > tolerance || -diff > tolerance {
			return fmt.Errorf("session expiry: want expiry in %s (±%s), got %s", d, tolerance, left.Round(time.Second))
		}
		return nil
	}
}

// CheckFactorPhoneNumber checks that the session's factor of kind k carries the phone number phone
// ("": the destination of the last OTP sent, else the identity's phone, resolved at each call).
func CheckFactorPhoneNumber(k FactorKind, phone string) CheckFunc {
	return func(s *State) error {
		// Resolved per call: the same CheckFunc may check several states.
		want := phone
		if want == "" {
			want = s.Identity.Phone
			if s.LastOTP.Channel != ChannelEmail && s.LastOTP.To != "" {
				want = s.LastOTP.To
			}
		}
		f, ok := s.Session.Factor(k)
		if !ok {
			return fmt.Errorf("factor phone number: the session has no %s factor, got [%s]", k, strings.Join(kinds(s.Session), " "))
		}
		if f.PhoneNumber != want {
			return fmt.Errorf("factor phone number: want the %s factor for %s, got %q", k, want, f.PhoneNumber)
		}
		return nil
	}
}

// CheckLastError checks that the last action failed with the Stytch error want describes.
func CheckLastError(want ExpectError) CheckFunc {
	return func(s *State) error { return want.Match(s.LastErr) }
}

// CheckLastSucceeded checks that the last action succeeded.
func CheckLastSucceeded() CheckFunc {
	return func(s *State) error {
		if err := s.LastErr; err != nil {
			return fmt.Errorf("want the last call to succeed, got: %w", err)
		}
		return nil
	}
}

// CheckNoSessionStarted checks that the last action returned no session (as Stytch does for an
// authenticate call made without session_duration_minutes).
func CheckNoSessionStarted() CheckFunc {
	return func(s *State) error {
		if sess, ok := s.LastSession(); ok {
			return fmt.Errorf("session: want none started, got %s with [%s]", sess.ID, strings.Join(kinds(sess), " "))
		}
		return nil
	}
}

// userOf returns the state's latest user object.
func userOf(s *State) (*users.User, error) {
	if s.User == nil {
		return nil, fmt.Errorf("%w: no user object (run an action that returns the user, e.g. UsersGet)", ErrMissingState)
	}
	return s.User, nil
}

// CheckEmailVerified checks whether the identity's email is verified on the state's user object.
func CheckEmailVerified(want bool) CheckFunc {
	return func(s *State) error {
		u, err := userOf(s)
		if err != nil {
			return fmt.Errorf("email verified: %w", err)
		}
		for _, e := range u.Emails {
			if (s.EmailID != "" && e.EmailID == s.EmailID) || strings.EqualFold(e.Email, s.Identity.Email) {
				if e.Verified != want {
					return fmt.Errorf("email %s verified: want %t, got %t", e.Email, want, e.Verified)
				}
				return nil
			}
		}
		return fmt.Errorf("email verified: user %s has no email %s", u.UserID, s.Identity.Email)
	}
}

// CheckPhoneVerified checks whether the identity's phone number is verified on the state's user
// object.
func CheckPhoneVerified(want bool) CheckFunc {
	return func(s *State) error {
		u, err := userOf(s)
		if err != nil {
			return fmt.Errorf("phone verified: %w", err)
		}
		for _, p := range u.PhoneNumbers {
			if (s.PhoneID != "" && p.PhoneID == s.PhoneID) || p.PhoneNumber == s.Identity.Phone {
				if p.Verified != want {
					return fmt.Errorf("phone %s verified: want %t, got %t", p.PhoneNumber, want, p.Verified)
				}
				return nil
			}
		}
		return fmt.Errorf("phone verified: user %s has no phone number %s", u.UserID, s.Identity.Phone)
	}
}

// CheckPhoneCount checks that the state's user object lists n phone numbers.
func CheckPhoneCount(n int) CheckFunc {
	return func(s *State) error {
		u, err := userOf(s)
		if err != nil {
			return fmt.Errorf("phone numbers: %w", err)
		}
		if got := len(u.PhoneNumbers); got != n {
			return fmt.Errorf("phone numbers: want %d, got %d", n, got)
		}
		return nil
	}
}

// CheckSessionCount checks that the last SessionsGet listed n sessions.
func CheckSessionCount(n int) CheckFunc {
	return func(s *State) error {
		if got := len(s.UserSessions); got != n {
			return fmt.Errorf("user sessions: want %d, got %d", n, got)
		}
		return nil
	}
}

// CheckPasswordValid checks the valid_password verdict of the last PasswordsStrengthCheck.
func CheckPasswordValid(want bool) CheckFunc {
	return func(s *State) error {
		if s.Strength == nil {
			return fmt.Errorf("password strength: %w: run PasswordsStrengthCheck first", ErrMissingState)
		}
		if s.Strength.ValidPassword != want {
			return fmt.Errorf("password strength: want valid_password %t, got %t (score %d)", want, s.Strength.ValidPassword, s.Strength.Score)
		}
		return nil
	}
}

// CheckUsersDeleted checks, through the target's client, that every user the case created is gone
// (users.get answers 404 user_not_found). Meant for TestCase.CheckDestroy; it makes one call per
// user, with a background context.
func CheckUsersDeleted() CheckFunc {
	return func(s *State) error {
		t := s.Target()
		if t == nil {
			return errors.New("users deleted: the state has no target")
		}
		var errs []error
		for _, id := range s.CreatedUsers {
			_, err := t.Client().Users.Get(context.Background(), &users.GetParams{UserID: id})
			se, _ := target.AsStytchError(err)
			switch {
			case err == nil:
				errs = append(errs, fmt.Errorf("user %s still exists", id))
			case se.ErrorType != "user_not_found":
				errs = append(errs, fmt.Errorf("user %s: want user_not_found, got: %w", id, err))
			}
		}
		if len(errs) > 0 {
			return fmt.Errorf("users deleted: %w", errors.Join(errs...))
		}
		return nil
	}
}

// abbrev shortens a secret for messages: the first 6 characters and an ellipsis.
func abbrev(s string) string {
	if s == "" {
		return `""`
	}
	if len(s) <= 8 {
		return s
	}
	return s[:6] + "…"
}
