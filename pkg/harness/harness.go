package harness

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// T is the part of testing.TB the harness uses, so that it can be driven by a fake in its own
// tests. *testing.T satisfies it. As with testing.TB, Fatalf and Skipf are expected not to return.
//
// A T that also has *testing.T's Run method (Run(string, func(*testing.T)) bool) lets Test run a
// case on the emulator and on the sandbox as two subtests (see Test); *testing.T has it.
type T interface {
	Helper()
	Logf(format string, args ...any)
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// ParallelT is a T that can run in parallel with others, as *testing.T does.
type ParallelT interface {
	T
	Parallel()
}

// subtestRunner is a T that runs subtests: *testing.T.
type subtestRunner interface {
	Run(name string, f func(*testing.T)) bool
}

// ParallelTest marks t parallel, then runs the case like Test. Parallel cases each get their own
// target (on the emulator, their own project) and identity, so they do not see each other.
func ParallelTest(t ParallelT, c TestCase) {
	t.Helper()
	t.Parallel()
	Test(t, c)
}

// Test runs a case: it validates it, applies the STYTCH_ACC gate to acceptance cases (skip when
// unset; fail when the sandbox credentials are missing or name a live project), runs PreCheck,
// skips when the target lacks a required capability, opens the target, then runs the steps in
// order against one State, stopping at the first failure. Every failure names the step
// ("step 3/5 (step up): ..."). After the steps, always, the target deletes the users the case
// created and CheckDestroy runs.
//
// A case whose Target is nil runs where STYTCH_TARGET says (the in-process emulator when unset).
// When STYTCH_TARGET is unset and the STYTCH_ACC gate is on, it runs twice, as the subtests
// "emulator" and "sandbox" (design.md §3.4: the gate makes go test also run the cases against the
// real sandbox): the sandbox subtest needs STYTCH_PROJECT_ID and STYTCH_SECRET and fails naming
// them when they are missing, like any acceptance case; STYTCH_BASE_URL points it elsewhere (for
// testing). PreCheck then runs once, before both. This needs a T with *testing.T's Run method;
// with another T the case runs on the emulator only, and says so in the log.
func Test(t T, c TestCase) {
	t.Helper()
	if err := c.validate(); err != nil {
		t.Fatalf("harness: invalid test case: %v", err)
		return
	}
	if c.Target == nil && bothTargets() {
		if r, ok := t.(subtestRunner); ok {
			testBoth(t, r, c)
			return
		}
		t.Logf("harness: %s is set, but %T cannot run subtests: the case runs on the emulator only, not also on the sandbox", EnvAcc, t)
	}
	test(t, c)
}

// bothTargets reports whether cases without a Target run on the emulator and on the sandbox:
// STYTCH_TARGET is unset and the STYTCH_ACC gate is on.
func bothTargets() bool {
	return strings.TrimSpace(os.Getenv(EnvTarget)) == "" && AcceptanceEnabled()
}

// testBoth runs c as the subtests "emulator" and "sandbox", after c's PreCheck.
func testBoth(t T, r subtestRunner, c TestCase) {
	t.Helper()
	if c.PreCheck != nil {
		c.PreCheck()
		c.PreCheck = nil
	}
	emu, err := OpenerFromEnv()
	if err != nil {
		t.Fatalf("harness: choosing the target: %v", err)
		return
	}
	onEmulator, onSandbox := c, c
	onEmulator.Target, onSandbox.Target = emu, Sandbox()
	r.Run(target.SpecEmulator, func(st *testing.T) { test(st, onEmulator) })
	r.Run(target.SpecSandbox, func(st *testing.T) { test(st, onSandbox) })
}

// test runs a valid case on one target (Test without the emulator-and-sandbox split).
func test(t T, c TestCase) {
	t.Helper()
	opener := c.Target
	if opener == nil {
		o, err := OpenerFromEnv()
		if err != nil {
			t.Fatalf("harness: choosing the target: %v", err)
			return
		}
		opener = o
	}
	if isAcceptance(opener) {
		if !AcceptanceEnabled() {
			t.Skipf("harness: acceptance case against the real Stytch sandbox skipped: set %s=1 (with %s and %s of a test project) to run it",
				EnvAcc, EnvProjectID, EnvSecret)
			return
		}
		if err := checkCredentials(opener); err != nil {
			t.Fatalf("harness: %s is set but the sandbox cannot be used: %v", EnvAcc, err)
			return
		}
	}
	if c.PreCheck != nil {
		c.PreCheck()
	}
	if missing := target.Missing(opener.Has, c.Requires...); len(missing) > 0 {
		t.Skipf("harness: target %s lacks %s", opener.Name(), capabilities(missing, target.IsShared(opener)))
		return
	}

	ctx := contextOf(t)
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
	// An emulator opener learns at its first Open that it must share one project, which lacks
	// some capabilities: the target has the last word.
	if missing := target.Missing(tgt.Has, c.Requires...); len(missing) > 0 {
		t.Skipf("harness: target %s lacks %s", tgt.Name(), capabilities(missing, target.IsShared(tgt)))
		return
	}
	r, err := NewRunner(ctx, tgt, RunnerOptions{Identity: c.Identity})
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
	if err := r.UncheckedError(); err != nil {
		t.Fatalf("no step checked the error of %v", err)
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

// contextOf returns t's context when it has one (testing.TB does), else a background context.
func contextOf(t T) context.Context {
	if c, ok := t.(interface{ Context() context.Context }); ok {
		return c.Context()
	}
	return context.Background()
}

// capabilities names missing capabilities for a skip message; shared says the target lacks them
// because its project is shared (target.IsShared).
func capabilities(cs []target.Capability, shared bool) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	var out string
	if len(cs) == 1 {
		out = "the capability " + names[0] + " the case requires"
	} else {
		out = fmt.Sprintf("the capabilities %s the case requires", strings.Join(names, ", "))
	}
	if shared {
		out += " (" + target.SharedNote + ")"
	}
	return out
}
