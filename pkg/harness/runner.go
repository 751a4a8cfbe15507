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

	// pending is the failure of an AllowError step that no later step has judged yet.
	pending *StepError
}

// RunnerOptions configures NewRunner. The zero value is the usual choice.
type RunnerOptions struct {
	// Identity, when set, is the test identity; nil asks the target for a fresh one whose OTP codes
	// it can read (target.NewIdentity(ctx, true)).
	Identity *target.Identity
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
	return &Runner{target: tgt, state: &State{Identity: ident, target: tgt}}, nil
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

// UncheckedError returns the failure of an AllowError step that no later step checked (as a
// *StepError naming that step), or nil. Call it when the scenario ends: an error nobody judged is
// a failure.
func (r *Runner) UncheckedError() error {
	if r.pending == nil || r.state.lastErrJudged {
		return nil
	}
	return r.pending
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
	if step.Action != nil {
		if err := r.takeUnchecked(); err != nil {
			rec.Skipped = true
			return fail(err)
		}
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
		s.LastResponse, s.LastErr, s.lastErrJudged = resp.Response, resp.Err, false
		rec.Response, rec.Err = resp.Response, resp.Err
		// The record is complete before the checks run, so a check may compare with this very step.
		record()
		if err := r.judge(step, resp.Err, fail); err != nil {
			return err
		}
	}
	record()
	if step.Check != nil {
		if err := step.Check(s); err != nil {
			if step.Action == nil {
				// An earlier error nobody checked is likely why this check fails: say so first.
				err = errors.Join(r.takeUnchecked(), err)
			}
			return fail(err)
		}
	}
	if step.Action == nil {
		if err := r.takeUnchecked(); err != nil {
			return fail(err)
		}
	}
	return nil
}

// judge checks an action's outcome against the step's expectation; an error the step allows
// becomes pending.
func (r *Runner) judge(step TestStep, err error, fail func(error) error) error {
	if _, ok := target.AsStytchError(err); ok && step.AllowError && step.ExpectError == nil {
		r.pending = fail(fmt.Errorf("%s: unexpected error: %w", describe(step.Action), err)).(*StepError)
		return nil
	}
	if err := outcome(step.ExpectError, err); err != nil {
		return fail(fmt.Errorf("%s: %w", describe(step.Action), err))
	}
	return nil
}

// takeUnchecked returns (and forgets) the pending failure of an earlier AllowError step that no
// step has checked since.
func (r *Runner) takeUnchecked() error {
	p := r.pending
	if p == nil {
		return nil
	}
	r.pending = nil
	if r.state.lastErrJudged {
		return nil
	}
	return fmt.Errorf("no step checked the error of %w", p)
}

// describe names an action for messages.
func describe(a Action) string {
	if s, ok := a.(fmt.Stringer); ok {
		return s.String()
	}
	return fmt.Sprintf("%T", a)
}
