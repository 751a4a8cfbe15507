package harness_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/internal/contract"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// fakeT records what the harness reports. Like *testing.T, its Fatalf and Skipf end the calling
// goroutine with runtime.Goexit, so the harness's deferred cleanup runs as it would under go test.
type fakeT struct {
	mu       sync.Mutex
	logs     []string
	errors   []string
	fatals   []string
	skips    []string
	cleanups []func()
	parallel bool
}

var _ harness.ParallelT = (*fakeT)(nil)

func (f *fakeT) Helper()                  {}
func (f *fakeT) Context() context.Context { return context.Background() }
func (f *fakeT) Name() string             { return "fake" }
func (f *fakeT) Parallel()                { f.mu.Lock(); f.parallel = true; f.mu.Unlock() }
func (f *fakeT) Cleanup(fn func())        { f.mu.Lock(); f.cleanups = append(f.cleanups, fn); f.mu.Unlock() }

func (f *fakeT) add(to *[]string, format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	*to = append(*to, fmt.Sprintf(format, args...))
}

func (f *fakeT) Logf(format string, args ...any)   { f.add(&f.logs, format, args...) }
func (f *fakeT) Errorf(format string, args ...any) { f.add(&f.errors, format, args...) }
func (f *fakeT) Fatalf(format string, args ...any) {
	f.add(&f.fatals, format, args...)
	runtime.Goexit()
}
func (f *fakeT) Skipf(format string, args ...any) { f.add(&f.skips, format, args...); runtime.Goexit() }

// failures returns the fatal and non-fatal failures, in that order.
func (f *fakeT) failures() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append(append([]string{}, f.fatals...), f.errors...)
}

// passed reports whether the case ran to the end with no failure and no skip.
func (f *fakeT) passed() bool { return len(f.failures()) == 0 && len(f.skips) == 0 }

// report formats everything recorded, for test failure messages.
func (f *fakeT) report() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var b strings.Builder
	for _, l := range [][2]any{{"fatal", f.fatals}, {"error", f.errors}, {"skip", f.skips}, {"log", f.logs}} {
		for _, m := range l[1].([]string) {
			fmt.Fprintf(&b, "\n  %s: %s", l[0], m)
		}
	}
	return b.String()
}

// run runs fn (which calls harness.Test) with a fake T in its own goroutine, as go test runs a
// test, and returns the fake once fn returned or called Goexit.
func run(fn func(t harness.ParallelT)) *fakeT {
	ft := &fakeT{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() {
			for _, c := range slices.Backward(ft.cleanups) {
				c()
			}
		}()
		fn(ft)
	}()
	<-done
	return ft
}

// runCase runs harness.Test(c) with a fake T.
func runCase(c harness.TestCase) *fakeT {
	return run(func(t harness.ParallelT) { harness.Test(t, c) })
}

// requirePassed fails t unless the fake T recorded a passing case.
func requirePassed(t *testing.T, ft *fakeT) {
	t.Helper()
	if !ft.passed() {
		t.Fatalf("want the case to pass, got:%s", ft.report())
	}
}

// requireFailure fails t unless the fake T recorded a failure containing every one of wants.
func requireFailure(t *testing.T, ft *fakeT, wants ...string) {
	t.Helper()
	all := strings.Join(ft.failures(), "\n")
	if all == "" {
		t.Fatalf("want a failure, got none:%s", ft.report())
	}
	for _, w := range wants {
		if !strings.Contains(all, w) {
			t.Errorf("want the failure to contain %q, got:%s", w, ft.report())
		}
	}
}

// requireSkip fails t unless the fake T recorded a skip containing every one of wants, and no failure.
func requireSkip(t *testing.T, ft *fakeT, wants ...string) {
	t.Helper()
	if len(ft.skips) != 1 || len(ft.failures()) > 0 {
		t.Fatalf("want exactly one skip and no failure, got:%s", ft.report())
	}
	for _, w := range wants {
		if !strings.Contains(ft.skips[0], w) {
			t.Errorf("want the skip to contain %q, got %q", w, ft.skips[0])
		}
	}
}

// emulatorOpener returns an opener of in-process emulator targets, each on its own project of one
// auto-provisioning emulator, which it returns too for inspection.
func emulatorOpener(t *testing.T) (*target.InProcessOpener, *emulator.Emulator) {
	t.Helper()
	e := emulator.New(emulator.WithAutoProvision(), emulator.WithLogger(t.Logf))
	// Every exchange is checked against Stytch's published OpenAPI description too.
	return target.NewInProcessOpener(e, target.WithLogger(t.Logf), target.WithTransport(contract.Collect(t))), e
}

// newRunner opens an in-process target and returns a Runner on it, cleaned up with t.
func newRunner(t *testing.T) *harness.Runner {
	t.Helper()
	ctx := context.Background()
	o, _ := emulatorOpener(t)
	tgt, err := o.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	r, err := harness.NewRunner(ctx, tgt, harness.RunnerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := r.Cleanup(ctx); err != nil {
			t.Error(err)
		}
		_ = tgt.Close()
	})
	return r
}

// lacking is an opener that hides some capabilities of another, and of the targets it opens.
type lacking struct {
	target.Opener
	missing []target.Capability
}

func (l lacking) Has(c target.Capability) bool {
	for _, m := range l.missing {
		if m == c {
			return false
		}
	}
	return l.Opener.Has(c)
}

func (l lacking) Open(ctx context.Context) (target.Target, error) {
	tg, err := l.Opener.Open(ctx)
	if err != nil {
		return nil, err
	}
	return lackingTarget{tg, l.missing}, nil
}

// lackingTarget is a target that hides some capabilities of another.
type lackingTarget struct {
	target.Target
	missing []target.Capability
}

func (l lackingTarget) Has(c target.Capability) bool {
	return !slices.Contains(l.missing, c) && l.Target.Has(c)
}
