package harness

import (
	"context"
	"errors"
	"fmt"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// Runner runs steps one at a time against one target, with one State: it is what Test uses for a
// whole case, and what a Gherkin scenario uses one step at a time (a scenario is a Runner; each
// Gherkin step is one Run). A Runner is not safe for concurrent use; parallel scenarios each have
// their own.
//
// The zero value has no target and no State: Run and Cleanup return errZeroRunner, State and
// Target return nil. Create Runners with NewRunner.
type Runner struct {
	target target.Target
	state  *State
}

// RunnerOptions configures NewRunner. The zero value is the usual choice.
type RunnerOptions struct {
	// Identity, when set, is the test identity; nil asks the target for a fresh one whose OTP codes
	// it can read (target.NewIdentity(ctx, true)).
	Identity *target.Identity
	// App, when set, is the application under test that AppRequest steps drive.
	App *App
}

// NewRunner returns a Runner for tgt whose State holds the test identity. When the scenario is
// over, whatever happened, call Cleanup (and close the target).
func NewRunner(ctx context.Context, tgt target.Target, opts RunnerOptions) (*Runner, error) {
	if tgt == nil {
		return nil, errors.New("harness: nil target")
	}
	var ident target.Identity
	if opts.Identity != nil {
		ident = *opts.Identity
	} else {
		var err error
		if ident, err = tgt.NewIdentity(ctx, true); err != nil {
			return nil, fmt.Errorf("harness: new identity on %s: %w", tgt.Name(), err)
		}
	}
	s := &State{Identity: ident, target: tgt}
	if opts.App != nil {
		c, err := opts.App.open(tgt)
		if err != nil {
			return nil, err
		}
		s.app = c
	}
	return &Runner{target: tgt, state: s}, nil
}

// State returns the runner's state, which checks read and actions write.
func (r *Runner) State() *State { return r.state }

// Target returns the runner's target.
func (r *Runner) Target() target.Target { return r.target }

// Run runs one step as the next step of the scenario. On failure it returns a *StepError naming
// the step ("step 3 (name): why"); a step skipped by its SkipFunc returns a StepError wrapping
// ErrStepSkipped. Either way the step is recorded in State.History.
func (r *Runner) Run(ctx context.Context, step TestStep) error {
	return r.run(ctx, step, 0)
}

// Cleanup deletes the users the target tracked (target.Cleanup). Call it once the scenario is
// over, whether it passed or not.
func (r *Runner) Cleanup(ctx context.Context) error {
	if r.target == nil {
		return errZeroRunner
	}
	if err := r.target.Cleanup(ctx); err != nil {
		return fmt.Errorf("harness: cleanup on %s: %w", r.target.Name(), err)
	}
	return nil
}

// errZeroRunner is returned by the methods of a Runner not made by NewRunner.
var errZeroRunner = errors.New("harness: the Runner was not made by NewRunner (it has no target)")

// run runs a step of a case with total steps (0: unknown).
func (r *Runner) run(ctx context.Context, step TestStep, total int) error {
	if r.state == nil || r.target == nil {
		return errZeroRunner
	}
	s := r.state
	rec := StepRecord{Number: len(s.History) + 1, Name: step.label()}
	fail := func(err error) error {
		return &StepError{Step: rec.Number, Total: total, Name: rec.Name, Err: err}
	}
	recorded := false
	record := func() {
		if !recorded {
			rec.State, recorded = s.snapshot(), true
			s.History = append(s.History, rec)
		}
	}
	defer record()

	if step.Action == nil && step.Check == nil {
		rec.Skipped = true
		return fail(errors.New("the step has neither an action nor a check"))
	}
	if step.PreStep != nil {
		if err := step.PreStep(ctx, s); err != nil {
			rec.Skipped = true
			return fail(fmt.Errorf("pre-step: %w", err))
		}
	}
	if step.SkipFunc != nil {
		skip, err := step.SkipFunc(s)
		if err != nil {
			rec.Skipped = true
			return fail(fmt.Errorf("skip func: %w", err))
		}
		if skip {
			rec.Skipped = true
			return fail(ErrStepSkipped)
		}
	}

	if step.Action != nil {
		var resp ActionResponse
		step.Action.Do(ctx, ActionRequest{Target: r.target, State: s}, &resp)
		s.LastResponse, s.LastErr = resp.Response, resp.Err
		rec.Response, rec.Err = resp.Response, resp.Err
		// The record is complete before the checks run, so a check may compare with this very step.
		record()
		if err := outcome(step.ExpectError, resp.Err); err != nil {
			return fail(fmt.Errorf("%s: %w", describe(step.Action), err))
		}
	}
	record()
	if step.Check != nil {
		if err := step.Check(s); err != nil {
			return fail(err)
		}
	}
	return nil
}

// describe names an action for messages.
func describe(a Action) string {
	if s, ok := a.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", a)
}
