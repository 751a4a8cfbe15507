package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cucumber/godog"

	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// RequiresTag starts the tags with which a scenario names a capability it needs:
// @requires:clock-control.
const RequiresTag = "@requires:"

// cleanupTimeout bounds the After hook's cleanup of a scenario's users.
const cleanupTimeout = 30 * time.Second

// Suite is the Gherkin suite's glue for one run against one kind of target: it registers the
// steps and hooks on each scenario (InitializeScenario), opens a fresh Target per scenario from
// its Opener, and records how each scenario ended for the summary (Report). It is safe for
// concurrent scenarios. Create it with New.
type Suite struct {
	opener   target.Opener
	logf     func(ctx context.Context, format string, args ...any)
	skipLogf func(ctx context.Context, format string, args ...any)
	recorder *drift.Recorder
	// app is the application under test the app steps drive; appRoutes the routes they use.
	app       *harness.App
	appRoutes []routeMatcher

	mu      sync.Mutex
	results []Result
	started int // scenarios godog initialised (InitializeScenario calls)
}

// Option configures a Suite.
type Option func(*Suite)

// WithLogf routes the suite's problems that do not fail a scenario (a user its cleanup could not
// delete, a target that would not close) to logf. Nil means log.Printf. Under go test, pass
// godog.Logf, which logs through the scenario's subtest when godog.Options.TestingT is set.
func WithLogf(logf func(ctx context.Context, format string, args ...any)) Option {
	return func(s *Suite) {
		if logf != nil {
			s.logf = logf
		}
	}
}

// WithSkipLogf logs one line per skipped scenario, saying which capability the target lacks, as
// the scenario is skipped. Nil (the default) logs nothing: the Report lists the skips anyway.
// Under go test, pass godog.Logf to see the reason in each skipped scenario's subtest.
func WithSkipLogf(logf func(ctx context.Context, format string, args ...any)) Option {
	return func(s *Suite) { s.skipLogf = logf }
}

// WithRecorder records each skipped scenario, with the reason, in rec (drift.Recorder.Skip), so
// that a drift comparison with a run on another target lists it apart instead of as a
// difference. Wire rec's Wrap into the targets' transport (target.WithTransport) to record the
// calls; the steps mark a scenario's set-up and clean-up drift.Unrecorded.
func WithRecorder(rec *drift.Recorder) Option { return func(s *Suite) { s.recorder = rec } }

// New returns a Suite whose scenarios each run on a fresh Target of opener.
func New(opener target.Opener, opts ...Option) *Suite {
	s := &Suite{
		opener: opener,
		logf:   func(_ context.Context, format string, args ...any) { log.Printf(format, args...) },
	}
	for _, o := range opts {
		o(s)
	}
	if s.app == nil {
		s.app = defaultApp()
	}
	s.appRoutes = appRouteMatchers()
	return s
}

// InitializeScenario registers every step of List and the hooks on sc: godog.TestSuite's
// ScenarioInitializer.
//
// Before each scenario, a scenario whose @requires:<capability> tags name a capability the
// target lacks is skipped (godog.ErrSkip, the reason logged and kept for Report); otherwise a
// fresh Target is opened and a harness.Runner made on it, whose state the steps share through
// the context (the Given steps choose the test identity). The opened target is checked again: an
// emulator opener that had to fall back on one shared project lacks clock-control,
// fault-injection and revocation-timing from then on. The context also names the scenario for
// drift recording (drift.WithScenario), so every Stytch call the scenario makes is recorded under
// "<feature file>: <scenario name>", except its set-up (the Given steps whose calls depend on the
// target) and its clean-up, marked drift.Unrecorded.
//
// After each scenario, whatever happened: a Stytch error that no step judged fails the scenario,
// the users it created are deleted (failures are logged, not fatal) and its target is closed.
func (s *Suite) InitializeScenario(sc *godog.ScenarioContext) {
	// godog initialises every scenario it runs, also those it fails before any hook (one with no
	// steps): Report counts them.
	s.mu.Lock()
	s.started++
	s.mu.Unlock()
	sc.Before(s.before)
	sc.After(s.after)
	sc.StepContext().Before(func(ctx context.Context, st *godog.Step) (context.Context, error) {
		if c := scenarioFrom(ctx); c != nil {
			c.step = st.Text
		}
		return ctx, nil
	})
	for _, d := range definitions() {
		sc.Step(d.expr, d.fn)
	}
}

// before builds the scenario: skip on missing capabilities, else a fresh target and runner.
func (s *Suite) before(ctx context.Context, p *godog.Scenario) (context.Context, error) {
	c := &scenario{name: scenarioLabel(p)}
	ctx = withScenario(drift.WithScenario(ctx, c.name), c)
	need, err := requiredCapabilities(p)
	if err != nil {
		return ctx, err
	}
	var reason string
	if c.missing, reason = target.Lacks(s.opener, need...); reason != "" {
		return ctx, s.skip(ctx, p, c, reason)
	}
	if reason := s.appSkipReason(p); reason != "" {
		return ctx, s.skip(ctx, p, c, reason)
	}
	tgt, err := s.opener.Open(ctx)
	if err != nil {
		return ctx, fmt.Errorf("open target %s: %w", s.opener.Name(), err)
	}
	// The opener may have learnt at this Open that its targets share one project: the target
	// has the last word on its capabilities.
	if c.missing, reason = target.Lacks(tgt, need...); reason != "" {
		if err := tgt.Close(); err != nil {
			s.logf(ctx, "scenario %q: close target: %v", p.Name, err)
		}
		return ctx, s.skip(ctx, p, c, reason)
	}
	// The Given steps choose the identity: the runner starts with none.
	r, err := harness.NewRunner(ctx, tgt, harness.RunnerOptions{Identity: &target.Identity{}, App: s.app})
	if err != nil {
		return ctx, errors.Join(err, tgt.Close())
	}
	c.target, c.runner = tgt, r
	return ctx, nil
}

// skip records why the scenario is skipped (for the report and the drift recording), logs it when
// asked, and returns the error that makes godog skip it.
func (s *Suite) skip(ctx context.Context, p *godog.Scenario, c *scenario, reason string) error {
	c.skipReason = reason
	if s.skipLogf != nil {
		s.skipLogf(ctx, "skipping scenario %q: %s", p.Name, reason)
	}
	if s.recorder != nil {
		s.recorder.Skip(c.name, reason)
	}
	return fmt.Errorf("%w: %s", godog.ErrSkip, reason)
}

// after judges errors no step checked, cleans up, and records the outcome.
func (s *Suite) after(ctx context.Context, p *godog.Scenario, stepErr error) (context.Context, error) {
	c := scenarioFrom(ctx)
	var afterErr error
	if c != nil && c.runner != nil {
		if stepErr == nil {
			afterErr = unchecked(c.takePending())
		}
		// Clean-up is not the scenario's own doing: drift does not record it.
		cctx, cancel := context.WithTimeout(drift.Unrecorded(context.WithoutCancel(ctx)), cleanupTimeout)
		if err := c.runner.Cleanup(cctx); err != nil {
			s.logf(ctx, "scenario %q: %v", p.Name, err)
		}
		cancel()
	}
	if c != nil && c.target != nil {
		if err := c.target.Close(); err != nil {
			s.logf(ctx, "scenario %q: close target: %v", p.Name, err)
		}
	}
	res := Result{Scenario: p.Name, Feature: featureFile(p.Uri)}
	if c != nil {
		res.Missing, res.Reason = c.missing, c.skipReason
	}
	err := errors.Join(stepErr, afterErr)
	switch {
	case err != nil && !errors.Is(err, godog.ErrSkip):
		// A real failure wins over a skip: godog still fails a skipped scenario's undefined step
		// (strict mode). Missing stays as context.
		res.Outcome, res.Err = Failed, err
	case len(res.Missing) > 0 || res.Reason != "":
		res.Outcome = Skipped
	case err != nil:
		res.Outcome = Skipped
		if res.Reason == "" {
			res.Reason = "skipped by a step"
		}
	default:
		res.Outcome = Passed
	}
	s.mu.Lock()
	s.results = append(s.results, res)
	s.mu.Unlock()
	return ctx, afterErr
}

// Outcome is how a scenario ended.
type Outcome string

// The outcomes of a scenario.
const (
	Passed  Outcome = "pass"
	Failed  Outcome = "fail"
	Skipped Outcome = "skip"
)

// Result is how one scenario ended.
type Result struct {
	// Scenario is the scenario's name; Feature its feature file.
	Scenario, Feature string
	// Outcome is how it ended.
	Outcome Outcome
	// Missing are the capabilities the target lacks, for a scenario skipped because of them. A
	// failed scenario keeps them as context: it would have been skipped.
	Missing []target.Capability
	// Reason says why a skipped scenario was skipped ("target sandbox lacks clock-control").
	Reason string
	// Err is why a failed scenario failed.
	Err error
}

// Report is how every scenario of a run ended, for the summary. The zero value is an empty run.
type Report struct {
	// Target names the target the suite ran against.
	Target string
	// Results has one entry per scenario run (or skipped), sorted by feature file and name.
	Results []Result
	// Unseen counts the scenarios godog started but failed before any hook ran, so that they have
	// no Result: godog fails a scenario with no steps that way. They count as failed; Reconcile
	// names them.
	Unseen int
}

// Report returns how the scenarios that ran so far ended.
func (s *Suite) Report() Report {
	s.mu.Lock()
	rs := slices.Clone(s.results)
	unseen := max(s.started-len(s.results), 0)
	s.mu.Unlock()
	sortResults(rs)
	return Report{Target: s.opener.Name(), Results: rs, Unseen: unseen}
}

// sortResults sorts results by feature file and scenario name.
func sortResults(rs []Result) {
	slices.SortStableFunc(rs, func(a, b Result) int {
		if c := strings.Compare(a.Feature, b.Feature); c != 0 {
			return c
		}
		return strings.Compare(a.Scenario, b.Scenario)
	})
}

// Reconcile returns the report with a failed Result for each of scenarios (the scenarios godog
// was given, e.g. from godog.TestSuite.RetrieveFeatures with the run's options) that has none:
// godog fails a scenario with no steps before any hook runs, so the suite never sees it. They
// replace as many of the Unseen count.
func (r Report) Reconcile(scenarios []*godog.Scenario) Report {
	seen := map[string]int{}
	for _, res := range r.Results {
		seen[res.Feature+": "+res.Scenario]++
	}
	out := r
	out.Results = slices.Clone(r.Results)
	for _, p := range scenarios {
		if label := scenarioLabel(p); seen[label] > 0 {
			seen[label]--
			continue
		}
		why := errors.New("godog failed it before any hook ran")
		if len(p.Steps) == 0 {
			why = errors.New("godog failed it before any hook ran: no steps in scenario")
		}
		out.Results = append(out.Results, Result{Scenario: p.Name, Feature: featureFile(p.Uri), Outcome: Failed, Err: why})
		out.Unseen = max(out.Unseen-1, 0)
	}
	sortResults(out.Results)
	return out
}

// Total returns how many scenarios the run had: the Results and the Unseen ones.
func (r Report) Total() int { return len(r.Results) + r.Unseen }

// Count returns how many scenarios ended with outcome o (the Unseen ones count as failed).
func (r Report) Count(o Outcome) int {
	n := 0
	for _, res := range r.Results {
		if res.Outcome == o {
			n++
		}
	}
	if o == Failed {
		n += r.Unseen
	}
	return n
}

// Failed reports whether any scenario failed.
func (r Report) Failed() bool { return r.Count(Failed) > 0 }

// Skips returns the skipped scenarios.
func (r Report) Skips() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Outcome == Skipped {
			out = append(out, res)
		}
	}
	return out
}

// WriteSummary writes one line per skipped scenario, saying which capability the target lacks,
// and per failed scenario, saying why, then the counts:
//
//	SKIP  Scenario "An expired code" (otp_codes.feature): target sandbox lacks clock-control
//	FAIL  Scenario "A wrong code" (otp_codes.feature): step 4 (...): ...
//	33 scenarios on target sandbox: 20 passed, 0 failed, 13 skipped
//
// A failed scenario that would have been skipped says so after why it failed.
func (r Report) WriteSummary(w io.Writer) error {
	var b strings.Builder
	for _, res := range r.Results {
		switch res.Outcome {
		case Skipped:
			fmt.Fprintf(&b, "SKIP  Scenario %q (%s): %s\n", res.Scenario, res.Feature, res.reason())
		case Failed:
			fmt.Fprintf(&b, "FAIL  Scenario %q (%s): %s", res.Scenario, res.Feature, firstLine(res.Err))
			if len(res.Missing) > 0 {
				fmt.Fprintf(&b, " (it would have been skipped: %s)", res.reason())
			}
			b.WriteString("\n")
		}
	}
	if r.Unseen > 0 {
		fmt.Fprintf(&b, "FAIL  %d %s that godog failed before any hook ran (e.g. a scenario with no steps)\n",
			r.Unseen, plural(r.Unseen, "scenario", "scenarios"))
	}
	fmt.Fprintf(&b, "%d scenarios on target %s: %d passed, %d failed, %d skipped\n",
		r.Total(), r.Target, r.Count(Passed), r.Count(Failed), r.Count(Skipped))
	_, err := io.WriteString(w, b.String())
	return err
}

// reason says why the scenario was (or would have been) skipped.
func (res Result) reason() string {
	if res.Reason != "" {
		return res.Reason
	}
	return "skipped by a step"
}

// plural returns one or many by n.
func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// firstLine returns the first line of err's message.
func firstLine(err error) string {
	if err == nil {
		return ""
	}
	line, _, _ := strings.Cut(err.Error(), "\n")
	return line
}
