package harness

import (
	"errors"
	"fmt"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestCase is one flow: an ordered list of steps sharing one State, run by Test against a fresh
// target. Every field but Steps may be left zero.
type TestCase struct {
	// PreCheck, when set, runs once before the target is opened, and only when the case is not
	// skipped by the STYTCH_ACC gate. By convention it is a closure that fails the test when the
	// environment lacks what the case needs: PreCheck: func() { testAccPreCheck(t) }. The
	// credentials of the sandbox are checked by Test itself.
	PreCheck func()
	// Target opens the case's target (Test opens one per case and closes it). Nil: the target
	// named by STYTCH_TARGET (EnvTarget), the in-process emulator when unset; see OpenerFromEnv.
	// An opener whose Acceptance reports true (Sandbox(), *target.SandboxOpener) makes the case
	// an acceptance case, gated by STYTCH_ACC (EnvAcc).
	Target target.Opener
	// Requires lists the capabilities the case needs; on a target lacking any, the case is
	// skipped with a message naming them.
	Requires []target.Capability
	// App, when set, is the application under test that the case's AppRequest steps drive.
	App *App
	// Identity, when set, is the test identity; nil asks the target for a fresh one whose OTP
	// codes it can read (on the sandbox: the sandbox identity).
	Identity *target.Identity
	// Steps run in order; the first failure stops the case (required, at least one).
	Steps []TestStep
	// CheckDestroy, when set, runs after the target deleted the users the case created, even
	// when a step failed, e.g. CheckUsersDeleted().
	CheckDestroy CheckFunc
}

// validate reports a malformed case.
func (c TestCase) validate() error {
	if len(c.Steps) == 0 {
		return errors.New("the test case has no steps")
	}
	var errs []error
	if c.App != nil {
		if err := c.App.validate(); err != nil {
			errs = append(errs, fmt.Errorf("app: %w", err))
		}
	}
	for i, s := range c.Steps {
		if _, ok := s.Action.(AppRequest); ok && c.App == nil {
			errs = append(errs, fmt.Errorf("step %d/%d (%s) makes an app request but the case has no App", i+1, len(c.Steps), s.label()))
		}
		if s.Action == nil && s.Check == nil {
			errs = append(errs, fmt.Errorf("step %d/%d (%s) has neither an action nor a check", i+1, len(c.Steps), s.label()))
		}
		if s.Action == nil && s.ExpectError != nil {
			errs = append(errs, fmt.Errorf("step %d/%d (%s) expects an error but has no action", i+1, len(c.Steps), s.label()))
		}
	}
	return errors.Join(errs...)
}
