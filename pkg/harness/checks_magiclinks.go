package harness

import (
	"fmt"
	"strings"
)

// CheckUserStatus checks the status ("active" or "pending") of the state's user object.
func CheckUserStatus(want string) CheckFunc {
	return func(s *State) error {
		u, err := userOf(s)
		if err != nil {
			return fmt.Errorf("user status: %w", err)
		}
		if u.Status != want {
			return fmt.Errorf("user %s status: want %q, got %q", u.UserID, want, u.Status)
		}
		return nil
	}
}

// CheckMagicLinkType checks the kind of the last magic link sent ("login", "signup" or
// "invite"), as the target read it from the email. It fails on a target that could not read the
// link (on the sandbox, for any address but the sandbox one).
func CheckMagicLinkType(want string) CheckFunc {
	return func(s *State) error {
		l := s.LastMagicLink
		if l.Link.Token == "" {
			return fmt.Errorf("%w: no magic link the target could read", ErrMissingState)
		}
		if l.Link.Type != want {
			return fmt.Errorf("magic link to %s: want a %s link, got %q", l.To, want, l.Link.Type)
		}
		return nil
	}
}

// CheckFactorEmailAddress checks that the session's factor of kind k carries the email address
// email ("": the address of the last magic link sent, else the identity's email, resolved at each
// call), case-insensitively.
func CheckFactorEmailAddress(k FactorKind, email string) CheckFunc {
	return func(s *State) error {
		want := email
		if want == "" {
			want = s.Identity.Email
			if s.LastMagicLink.To != "" {
				want = s.LastMagicLink.To
			}
		}
		f, ok := s.Session.Factor(k)
		if !ok {
			return fmt.Errorf("factor email: the session has no %s factor, got [%s]", k, strings.Join(kinds(s.Session), " "))
		}
		if !strings.EqualFold(f.EmailAddress, want) {
			return fmt.Errorf("factor email: want the %s factor for %s, got %q", k, want, f.EmailAddress)
		}
		return nil
	}
}
