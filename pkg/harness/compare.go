package harness

import (
	"errors"
	"fmt"
	"reflect"
	"time"
)

// Value reads one value from the state, for Capture and CompareValue: the session id, the session
// token, a factor's last_authenticated_at, ... Build one with the Value* constructors or set the
// fields for a value of your own.
type Value struct {
	// Name describes the value in messages, e.g. "session_id".
	Name string
	// Of reads the value; an error means the state does not have it.
	Of func(*State) (any, error)
}

// read returns v's value in s.
func (v Value) read(s *State) (any, error) {
	if v.Of == nil {
		return nil, fmt.Errorf("value %q has no Of func", v.Name)
	}
	return v.Of(s)
}

// nonEmpty returns a Value reading a string that must not be empty.
func nonEmpty(name string, get func(*State) string) Value {
	return Value{Name: name, Of: func(s *State) (any, error) {
		if v := get(s); v != "" {
			return v, nil
		}
		return nil, fmt.Errorf("%w: no %s in the state", ErrMissingState, name)
	}}
}

// ValueSessionID is the current session's session_id.
func ValueSessionID() Value {
	return nonEmpty("session_id", func(s *State) string { return s.Session.ID })
}

// ValueSessionToken is the current session token.
func ValueSessionToken() Value {
	return nonEmpty("session_token", func(s *State) string { return s.Session.Token })
}

// ValueSessionJWT is the current session JWT.
func ValueSessionJWT() Value {
	return nonEmpty("session_jwt", func(s *State) string { return s.Session.JWT })
}

// ValueUserID is the state's user id.
func ValueUserID() Value { return nonEmpty("user_id", func(s *State) string { return s.UserID }) }

// ValueSessionExpiresAt is the current session's expires_at.
func ValueSessionExpiresAt() Value {
	return Value{Name: "session expires_at", Of: func(s *State) (any, error) {
		if s.Session.ExpiresAt.IsZero() {
			return nil, fmt.Errorf("%w: no session expiry", ErrMissingState)
		}
		return s.Session.ExpiresAt, nil
	}}
}

// ValueFactorLastAuthenticatedAt is the last_authenticated_at of the current session's factor of
// kind k.
func ValueFactorLastAuthenticatedAt(k FactorKind) Value {
	return Value{Name: string(k) + " last_authenticated_at", Of: func(s *State) (any, error) {
		f, ok := s.Session.Factor(k)
		if !ok || f.LastAuthenticatedAt.IsZero() {
			return nil, fmt.Errorf("%w: the session has no %s factor", ErrMissingState, k)
		}
		return f.LastAuthenticatedAt, nil
	}}
}

// Ref points at an earlier value to compare with: the value at a step (AtStep) or a captured one
// (Captured). The zero Ref points nowhere.
type Ref struct {
	step int
	name string
}

// AtStep refers to a value as it was right after step k's action (1-based), read from
// State.History. Step k may be the current step.
func AtStep(k int) Ref { return Ref{step: k} }

// Captured refers to a value recorded by Capture under name.
func Captured(name string) Ref { return Ref{name: name} }

// String describes the reference.
func (r Ref) String() string {
	if r.name != "" {
		return fmt.Sprintf("capture %q", r.name)
	}
	return fmt.Sprintf("step %d", r.step)
}

// resolve returns v's value where r points.
func (r Ref) resolve(s *State, v Value) (any, error) {
	switch {
	case r.name != "":
		x, ok := s.Captured[r.name]
		if !ok {
			return nil, fmt.Errorf("%w: nothing captured as %q", ErrMissingState, r.name)
		}
		return x, nil
	case r.step >= 1 && r.step <= len(s.History):
		rec := s.History[r.step-1]
		if rec.Skipped || rec.State == nil {
			return nil, fmt.Errorf("step %d did not run", r.step)
		}
		return v.read(rec.State)
	case r.step >= 1:
		return nil, fmt.Errorf("step %d has not run yet (%d steps so far)", r.step, len(s.History))
	}
	return nil, errors.New("empty reference: use AtStep or Captured")
}

// Capture returns a check that records v's current value in State.Captured under name, for a
// later CompareValue with Captured(name). It fails only when the state lacks the value.
func Capture(name string, v Value) CheckFunc {
	return func(s *State) error {
		x, err := v.read(s)
		if err != nil {
			return fmt.Errorf("capture %q: %w", name, err)
		}
		if s.Captured == nil {
			s.Captured = map[string]any{}
		}
		s.Captured[name] = x
		return nil
	}
}

// Comparer compares an earlier value with a later one, as terraform-plugin-testing's
// compare.ValueComparer does. Build one with Same, Differ or Newer.
type Comparer interface {
	// Compare returns why later does not stand in the wanted relation to earlier, or nil.
	Compare(earlier, later any) error
}

// Same wants the later value to equal the earlier one.
func Same() Comparer { return same{} }

// Differ wants the later value to differ from the earlier one.
func Differ() Comparer { return differ{} }

// Newer wants the later value, a time, to be after the earlier one.
func Newer() Comparer { return newer{} }

type same struct{}

// Compare wants later equal to earlier (times by instant).
func (same) Compare(earlier, later any) error {
	if !equal(earlier, later) {
		return fmt.Errorf("want the same value, got %v then %v", show(earlier), show(later))
	}
	return nil
}

type differ struct{}

// Compare wants later different from earlier.
func (differ) Compare(earlier, later any) error {
	if equal(earlier, later) {
		return fmt.Errorf("want a different value, got %v both times", show(later))
	}
	return nil
}

type newer struct{}

// Compare wants later, a time, after earlier.
func (newer) Compare(earlier, later any) error {
	e, ok1 := earlier.(time.Time)
	l, ok2 := later.(time.Time)
	if !ok1 || !ok2 {
		return fmt.Errorf("want times to compare, got %T and %T", earlier, later)
	}
	if !l.After(e) {
		return fmt.Errorf("want a time after %s, got %s", e.Format(time.RFC3339), l.Format(time.RFC3339))
	}
	return nil
}

// equal compares two values: times by instant, anything else deeply.
func equal(a, b any) bool {
	if ta, ok := a.(time.Time); ok {
		tb, ok := b.(time.Time)
		return ok && ta.Equal(tb)
	}
	return reflect.DeepEqual(a, b)
}

// show formats a value for messages, shortening long strings (tokens, JWTs).
func show(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 64 {
			return abbrev(x)
		}
		return fmt.Sprintf("%q", x)
	case time.Time:
		return x.Format(time.RFC3339)
	}
	return fmt.Sprint(v)
}

// CompareValue returns a check comparing v's current value with its value where earlier points
// (a step or a capture) using c: "the session_id is the same as at step 4", "the token differs
// from the captured one", "the SMS factor's last_authenticated_at is newer".
func CompareValue(v Value, earlier Ref, c Comparer) CheckFunc {
	return func(s *State) error {
		before, err := earlier.resolve(s, v)
		if err != nil {
			return fmt.Errorf("compare %s with %s: %w", v.Name, earlier, err)
		}
		now, err := v.read(s)
		if err != nil {
			return fmt.Errorf("compare %s: %w", v.Name, err)
		}
		if err := c.Compare(before, now); err != nil {
			return fmt.Errorf("compare %s with %s: %w", v.Name, earlier, err)
		}
		return nil
	}
}
