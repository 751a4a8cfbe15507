package harness

import (
	"context"
	"errors"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// T is the part of testing.TB the harness uses, so that it can be driven by a fake in its own
// tests. *testing.T satisfies it. As with testing.TB, Fatalf and Skipf are expected not to return.
type T interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	// Context is canceled when the test ends; the case's Stytch calls carry it.
	Context() context.Context
}

// ParallelT is a T that can run in parallel with others, as *testing.T does.
type ParallelT interface {
	T
	Parallel()
}

// ParallelTest marks t parallel, then runs the case like Test. Parallel cases each get their own
// target (on the emulator, their own project) and identity, so they do not see each other.
func ParallelTest(t ParallelT, c TestCase) {
	t.Helper()
	t.Parallel()
	Test(t, c)
}

// Test runs a case: it validates it, applies the acceptance gate, runs PreCheck, opens the target,
// skips when the target lacks a required capability, then runs the steps in order against one
// State, stopping at the first failure. Every failure names the step ("step 3/5 (step up): ...").
// After the steps, always, the target deletes the users the case created and CheckDestroy runs.
//
// The target is TestCase.Target, or where STYTCH_TARGET says (the in-process emulator when unset).
// The acceptance gate is one rule: a case whose target is the real Stytch sandbox runs only when
// STYTCH_ACC=1, and is skipped otherwise. With the gate on, missing or live sandbox credentials
// fail it.
func Test(t T, c TestCase) {
	t.Helper()
	if err := c.validate(); err != nil {
		t.Fatalf("harness: invalid test case: %v", err)
		return
	}
	opener := c.Target
	if opener == nil {
		o, err := OpenerFromEnv()
		if err != nil {
			t.Fatalf("harness: choosing the target: %v", err)
			return
		}
		opener = o
	}
	if opener.Acceptance() && !AcceptanceEnabled() {
		t.Skipf("harness: acceptance case against the real Stytch sandbox skipped: set %s=1 (with %s and %s of a test project) to run it",
			EnvAcc, EnvProjectID, EnvSecret)
		return
	}
	if c.PreCheck != nil {
		c.PreCheck()
	}

	ctx := t.Context()
	tgt, err := opener.Open(ctx)
	if err != nil {
		t.Fatalf("harness: opening target %s: %v", opener.Name(), err)
		return
	}
	defer func() {
		if err := tgt.Close(); err != nil {
			t.Errorf("harness: closing target %s: %v", tgt.Name(), err)
		}
	}()
	if _, reason := target.Lacks(tgt, c.Requires...); reason != "" {
		t.Skipf("harness: %s", reason)
		return
	}
	r, err := NewRunner(ctx, tgt, RunnerOptions{Identity: c.Identity, App: c.App})
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	defer teardown(ctx, t, r, c.CheckDestroy)

	t.Logf("harness: %d steps on target %s", len(c.Steps), tgt.Name())
	for _, step := range c.Steps {
		err := r.run(ctx, step, len(c.Steps))
		if errors.Is(err, ErrStepSkipped) {
			var se *StepError
			errors.As(err, &se)
			t.Logf("harness: skipping step %d/%d (%s)", se.Step, se.Total, se.Name)
			continue
		}
		if err != nil {
			t.Fatalf("%v", err)
			return
		}
	}
}

// teardown deletes what the case created, then runs CheckDestroy; it reports with Errorf, since it
// runs deferred, possibly after a Fatalf.
func teardown(ctx context.Context, t T, r *Runner, checkDestroy CheckFunc) {
	t.Helper()
	if err := r.Cleanup(ctx); err != nil {
		t.Errorf("%v (there may be dangling users)", err)
	}
	if checkDestroy != nil {
		if err := checkDestroy(r.State()); err != nil {
			t.Errorf("harness: check destroy: %v", err)
		}
	}
}
