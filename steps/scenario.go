package steps

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/cucumber/godog"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// scenario is the state of one running scenario, kept in its context.Context under scenarioKey.
// The Before hook builds it; steps run one at a time, so it needs no lock.
type scenario struct {
	// name is the scenario's unique label: "<feature file>: <scenario name>".
	name string
	// missing are the capabilities the scenario requires and the target lacks; the scenario is
	// skipped when there are any.
	missing []target.Capability
	// skipReason says why the scenario is skipped ("" when it is not).
	skipReason string
	// target is the scenario's own target (nil when skipped).
	target target.Target
	// runner runs the scenario's harness steps (nil when skipped).
	runner *harness.Runner
	// step is the text of the Gherkin step running now, to name harness steps in messages.
	step string
	// pending is the failure of a "When" step's Stytch call that no "Then" step has judged yet.
	pending *stepFailure
}

// scenarioKey is the context key of the scenario.
type scenarioKey struct{}

// withScenario returns a copy of ctx carrying sc.
func withScenario(ctx context.Context, sc *scenario) context.Context {
	return context.WithValue(ctx, scenarioKey{}, sc)
}

// scenarioFrom returns the scenario the Before hook put in ctx, or nil.
func scenarioFrom(ctx context.Context) *scenario {
	sc, _ := ctx.Value(scenarioKey{}).(*scenario)
	return sc
}

// errNoScenario is returned by steps that run without a scenario (the Before hook failed).
var errNoScenario = errors.New("steps: no scenario in the context (did the Before hook fail?)")

// current returns the scenario of ctx, ready to run steps.
func current(ctx context.Context) (*scenario, error) {
	sc := scenarioFrom(ctx)
	if sc == nil || sc.runner == nil {
		return nil, errNoScenario
	}
	return sc, nil
}

// state returns the scenario's harness state.
func (sc *scenario) state() *harness.State { return sc.runner.State() }

// run runs harness steps in order, each named after the Gherkin step running now (with the
// step's own name in parentheses when a Gherkin step needs several), and stops at the first
// failure. A Stytch error an earlier "When" step left for a "Then" step to judge fails it: before
// an action runs, or, for a check, alongside what the check found.
func (sc *scenario) run(ctx context.Context, steps ...harness.TestStep) error {
	for _, st := range steps {
		if p := sc.takePending(); p != nil {
			here := fmt.Errorf("step \"%s\": %w", sc.step, unchecked(p))
			if st.Action != nil {
				return here
			}
			return errors.Join(here, sc.runOne(ctx, st))
		}
		if err := sc.runOne(ctx, st); err != nil {
			return err
		}
	}
	return nil
}

// when runs the action step of a "When": a Stytch error the call returns does not fail it, but
// waits for a "Then" step to judge it (judge); a step that does not judge it fails, and so does
// the scenario when it ends with the error unjudged. Other failures (a pre-step, a harness error)
// fail the step at once.
func (sc *scenario) when(ctx context.Context, st harness.TestStep) error {
	if p := sc.takePending(); p != nil {
		return fmt.Errorf("step \"%s\": %w", sc.step, unchecked(p))
	}
	err := sc.runOne(ctx, st)
	var f *stepFailure
	if errors.As(err, &f) && sc.actionFailed() {
		sc.pending = f
		return nil
	}
	return err
}

// judge runs a check-only step that judges the outcome of the last call (it reads
// State.LastErr): the error a "When" step left is settled.
func (sc *scenario) judge(ctx context.Context, check harness.CheckFunc) error {
	sc.pending = nil
	return sc.runOne(ctx, harness.TestStep{Check: check})
}

// actionFailed reports whether the last harness step ran its action and Stytch refused the call.
func (sc *scenario) actionFailed() bool {
	h := sc.state().History
	if len(h) == 0 {
		return false
	}
	last := h[len(h)-1]
	_, stytchErr := target.AsStytchError(last.Err)
	return !last.Skipped && stytchErr
}

// takePending returns and forgets the unjudged error of an earlier "When" step (nil when none).
func (sc *scenario) takePending() *stepFailure {
	p := sc.pending
	sc.pending = nil
	return p
}

// runOne runs one harness step named after the Gherkin step.
func (sc *scenario) runOne(ctx context.Context, st harness.TestStep) error {
	switch {
	case st.Name == "":
		st.Name = sc.step
	case sc.step != "":
		st.Name = sc.step + " (" + st.Name + ")"
	}
	if err := sc.runner.Run(ctx, st); err != nil {
		var se *harness.StepError
		if errors.As(err, &se) {
			return &stepFailure{se}
		}
		return err
	}
	return nil
}

// unchecked describes the error of a "When" step that no "Then" step judged.
func unchecked(p *stepFailure) error {
	if p == nil {
		return nil
	}
	return fmt.Errorf("no step checked the error of %w", p)
}

// stepFailure is a harness step's failure reported by the Gherkin step's text: the harness's
// step numbers count the harness steps of the whole scenario, which a reader of the feature
// does not see.
type stepFailure struct{ step *harness.StepError }

// Error returns `step "<Gherkin step text>": why`.
func (f *stepFailure) Error() string { return fmt.Sprintf("step \"%s\": %v", f.step.Name, f.step.Err) }

// Unwrap returns the harness's StepError.
func (f *stepFailure) Unwrap() error { return f.step }

// scenarioLabel is a pickle's unique label, "<feature file>: <name>": the name scenarios are
// recorded under (drift) and reported by.
func scenarioLabel(p *godog.Scenario) string { return featureFile(p.Uri) + ": " + p.Name }

// featureFile returns a pickle's feature file as reported: its path without a leading "./".
func featureFile(uri string) string {
	if uri == "" {
		return "(in memory)"
	}
	return strings.TrimPrefix(path.Clean(uri), "./")
}

// requiredCapabilities returns the capabilities a scenario's @requires:<capability> tags name.
// An unknown capability is an error: a typo must not turn into a silent skip or a silent run.
func requiredCapabilities(p *godog.Scenario) ([]target.Capability, error) {
	var caps []target.Capability
	var errs []error
	for _, tag := range p.Tags {
		name, ok := strings.CutPrefix(tag.Name, RequiresTag)
		if !ok {
			continue
		}
		c, err := target.ParseCapability(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("tag %s: %w", tag.Name, err))
			continue
		}
		caps = append(caps, c)
	}
	return caps, errors.Join(errs...)
}
