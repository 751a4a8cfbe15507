package harness

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestStep is one step of a case: an optional PreStep and SkipFunc, then exactly one Action, which
// must fail as ExpectError says or else succeed, then Check. A step without an Action is a check-only step: it
// runs Check against the state as the earlier steps left it (a Gherkin "Then").
type TestStep struct {
	// Name names the step in messages: "step 2/4 (step up)". Empty: the action's description.
	Name string
	// PreStep, when set, runs first, e.g. to adjust the state; an error fails the step.
	PreStep func(ctx context.Context, s *State) error
	// SkipFunc, when set, runs after PreStep; true skips the step ("skipping step i/n"), an error
	// fails it. A skipped step still takes its number in State.History.
	SkipFunc func(s *State) (bool, error)
	// Action is the step's one Stytch call; nil makes a check-only step, which needs a Check.
	Action Action
	// ExpectError, when set, requires the action to fail with a matching Stytch error; "expected an
	// error but got none" is a failure. Nil: the action must succeed.
	ExpectError *ExpectError
	// Check, when set, runs after the action, also after an expected error.
	Check CheckFunc
}

// label is the step's name for messages.
func (s TestStep) label() string {
	if s.Name != "" {
		return s.Name
	}
	if str, ok := s.Action.(fmt.Stringer); ok {
		return str.String()
	}
	if s.Action == nil {
		return "check"
	}
	return fmt.Sprintf("%T", s.Action)
}

// ExpectError describes the Stytch error a step must fail with; every zero field matches anything.
// It is matched against the stytcherror.Error of stytch-go, so errors the harness raises itself
// (missing state, no target) never match.
type ExpectError struct {
	// Status is the HTTP status (0: any).
	Status int
	// ErrorType is Stytch's error_type, e.g. "otp_code_not_found" ("": any).
	ErrorType string
	// Message must match error_message (nil: any). Stytch's wording carries no compatibility
	// promise: prefer ErrorType.
	Message *regexp.Regexp
}

// String describes the expected error.
func (e ExpectError) String() string {
	var parts []string
	if e.Status != 0 {
		parts = append(parts, fmt.Sprintf("status %d", e.Status))
	}
	if e.ErrorType != "" {
		parts = append(parts, "error_type "+e.ErrorType)
	}
	if e.Message != nil {
		parts = append(parts, fmt.Sprintf("message matching %q", e.Message))
	}
	if len(parts) == 0 {
		return "any Stytch error"
	}
	return strings.Join(parts, ", ")
}

// Match reports why err does not match e (nil when it does).
func (e ExpectError) Match(err error) error {
	if err == nil {
		return fmt.Errorf("expected an error (%s) but got none", e)
	}
	se, ok := target.AsStytchError(err)
	if !ok {
		return fmt.Errorf("expected a Stytch error (%s), got: %w", e, err)
	}
	var why []string
	if e.Status != 0 && se.StatusCode != e.Status {
		why = append(why, fmt.Sprintf("status %d, want %d", se.StatusCode, e.Status))
	}
	if e.ErrorType != "" && string(se.ErrorType) != e.ErrorType {
		why = append(why, fmt.Sprintf("error_type %q, want %q", se.ErrorType, e.ErrorType))
	}
	if e.Message != nil && !e.Message.MatchString(string(se.ErrorMessage)) {
		why = append(why, fmt.Sprintf("error_message %q, want a match for %q", se.ErrorMessage, e.Message))
	}
	if len(why) > 0 {
		return fmt.Errorf("wrong error: %s (got %d %s: %s)", strings.Join(why, "; "), se.StatusCode, se.ErrorType, se.ErrorMessage)
	}
	return nil
}

// outcome checks an action's error against the step's expectation.
func outcome(want *ExpectError, err error) error {
	if want != nil {
		return want.Match(err)
	}
	if err != nil {
		return fmt.Errorf("unexpected error: %w", err)
	}
	return nil
}

// StepError is the error of a failed step; its message names the step and says why.
type StepError struct {
	// Step is the 1-based step number.
	Step int
	// Total is the number of steps in the case (0 when unknown, as in a Gherkin scenario).
	Total int
	// Name is the step's name.
	Name string
	// Err is why the step failed.
	Err error
}

// Error returns "step i/n (name): why" ("step i (name): why" without a total).
func (e *StepError) Error() string {
	if e.Total > 0 {
		return fmt.Sprintf("step %d/%d (%s): %v", e.Step, e.Total, e.Name, e.Err)
	}
	return fmt.Sprintf("step %d (%s): %v", e.Step, e.Name, e.Err)
}

// Unwrap returns Err.
func (e *StepError) Unwrap() error { return e.Err }

// ErrStepSkipped is returned (wrapped in a StepError) by Runner.Run for a step its SkipFunc
// skipped.
var ErrStepSkipped = errors.New("skipped by SkipFunc")
