package target

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// InProcess is a Target on an *emulator.Emulator in the same process, with no socket: the client's
// requests are served through the emulator's in-memory transport. Codes come from the emulator's
// outbox, time is the project's virtual clock, faults are installed directly. It has every
// capability, except on a shared project (see Shared). Open it with an InProcessOpener; its zero
// value is not usable.
type InProcess struct {
	*base
	e      *emulator.Emulator
	creds  Credentials
	clock  *emulator.Clock
	shared bool

	mu       sync.Mutex
	appAhead time.Duration // on a shared project: how far the app's clock is ahead of the server's
}

var _ Target = (*InProcess)(nil)

// newInProcess returns a target on project creds of e, which must exist.
func newInProcess(ctx context.Context, e *emulator.Emulator, hc *http.Client, creds Credentials, shared bool, o options) (*InProcess, error) {
	p := e.Project(creds.ProjectID)
	if p == nil {
		return nil, fmt.Errorf("in-process emulator: project %s does not exist", creds.ProjectID)
	}
	b, err := newBase(ctx, SpecEmulator, creds, emulator.InProcessURL, hc, o)
	if err != nil {
		return nil, err
	}
	return &InProcess{base: b, e: e, creds: creds, clock: p.Clock(), shared: shared}, nil
}

// probeInProcess makes an authenticated control request through the in-process transport (which
// provisions the project on an emulator that auto-provisions).
func probeInProcess(hc *http.Client) probeFunc {
	return func(ctx context.Context, creds Credentials) (time.Time, error) {
		return NewControlClient(emulator.InProcessURL, creds, hc).Now(ctx)
	}
}

// Emulator returns the emulator the target runs on.
func (t *InProcess) Emulator() *emulator.Emulator { return t.e }

// ProjectID returns the target's project.
func (t *InProcess) ProjectID() string { return t.creds.ProjectID }

// Shared reports whether the project is shared with other targets (the opener's fallback when the
// emulator does not auto-provision), so clock moves and faults are seen by them too. A shared
// target lacks clock-control, fault-injection and revocation-timing (Has reports false for them);
// its Advance moves only its own application clock, and InjectFault still works.
func (t *InProcess) Shared() bool { return t.shared }

// Has reports true for every capability, but for clock-control, fault-injection and
// revocation-timing on a shared project.
func (t *InProcess) Has(c Capability) bool {
	return emulatorHas(c, t.shared, t.e.TokenRotation() == emulator.KeepTokens)
}

// Code returns the latest code sent to to, from the emulator's outbox; the sandbox identities'
// code is 000000.
func (t *InProcess) Code(ctx context.Context, to string) (string, error) {
	if isSandboxContact(to) {
		return emulator.SandboxCode, nil
	}
	return latestCode(t.e.Project(t.creds.ProjectID).Messages(to), to)
}

// NewIdentity returns a unique identity; its codes can always be read, so needCodes changes nothing.
func (t *InProcess) NewIdentity(ctx context.Context, needCodes bool) (Identity, error) {
	return t.ids.unique()
}

// Now returns the project's virtual time, plus the application clock's advance on a shared project.
func (t *InProcess) Now() time.Time {
	t.mu.Lock()
	ahead := t.appAhead
	t.mu.Unlock()
	return t.clock.Now().Add(ahead)
}

// Advance moves the project's clock (and so Now) forward by d. On a shared project only Now, the
// application's clock, moves, as on the real sandbox: the server clock is every scenario's.
func (t *InProcess) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance %s: time only moves forward", d)
	}
	if t.shared {
		t.mu.Lock()
		t.appAhead += d
		t.mu.Unlock()
		return nil
	}
	if _, err := t.clock.Advance(d); err != nil {
		return fmt.Errorf("advance %s: %w", d, err)
	}
	return nil
}

// InjectFault installs f in the project.
func (t *InProcess) InjectFault(ctx context.Context, f Fault) error {
	if err := t.e.Project(t.creds.ProjectID).AddFault(f); err != nil {
		return fmt.Errorf("inject fault %s %s: %w", f.Method, f.Path, err)
	}
	return nil
}

// ClearFaults removes the project's faults.
func (t *InProcess) ClearFaults(ctx context.Context) error {
	t.e.Project(t.creds.ProjectID).ClearFaults()
	return nil
}

// AgeSessions moves the project's sessions d into the past.
func (t *InProcess) AgeSessions(ctx context.Context, d time.Duration) error {
	if _, err := t.e.Project(t.creds.ProjectID).AgeSessions(d); err != nil {
		return fmt.Errorf("age sessions %s: %w", d, err)
	}
	return nil
}

// InProcessOpener opens InProcess targets on one emulator, each on a fresh project-test-<uuid>
// project. When the emulator does not auto-provision, every target shares the fallback project
// (see WithCredentials), a log line says so, and from then on the opener and its targets lack
// clock-control, fault-injection and revocation-timing. Create it with NewInProcessOpener.
type InProcessOpener struct {
	e    *emulator.Emulator
	hc   *http.Client
	opts options
	prov *provisioner
}

var _ Opener = (*InProcessOpener)(nil)

// NewInProcessOpener returns an opener on e; a nil e means emulator.New(emulator.WithAutoProvision()).
// Options used: WithLogger, WithIdentityPrefix, WithTransport, WithCredentials and WithEnv (the
// fallback project).
func NewInProcessOpener(e *emulator.Emulator, opts ...Option) *InProcessOpener {
	if e == nil {
		e = emulator.New(emulator.WithAutoProvision())
	}
	o := newOptions(opts)
	fallback, _ := fallbackCredentials(o)
	return &InProcessOpener{
		e:    e,
		hc:   e.HTTPClient(),
		opts: o,
		prov: &provisioner{name: "in-process emulator", hint: "create it with emulator.WithAutoProvision()", fallback: fallback, logf: o.logf,
			one: o.oneProject, reset: func(ctx context.Context, creds Credentials) error {
				return NewControlClient(emulator.InProcessURL, creds, e.HTTPClient()).Reset(ctx)
			}},
	}
}

// Emulator returns the emulator the targets run on.
func (o *InProcessOpener) Emulator() *emulator.Emulator { return o.e }

// Name returns "emulator".
func (o *InProcessOpener) Name() string { return SpecEmulator }

// Shared reports whether the opener has fallen back on one shared project.
func (o *InProcessOpener) Shared() bool { return o.prov.isShared() }

// Has reports true for every capability, but, once the opener fell back on the shared project,
// for clock-control, fault-injection and revocation-timing. Before the first Open it cannot know
// yet: check the opened target's Has too.
func (o *InProcessOpener) Has(c Capability) bool {
	return emulatorHas(c, o.prov.isShared(), o.e.TokenRotation() == emulator.KeepTokens)
}

// Acceptance reports false: the targets are the emulator's.
func (o *InProcessOpener) Acceptance() bool { return false }

// Open returns an *InProcess target on a fresh project (or the shared fallback project).
func (o *InProcessOpener) Open(ctx context.Context) (Target, error) {
	creds, _, shared, err := o.prov.provision(ctx, probeInProcess(o.hc))
	if err != nil {
		return nil, err
	}
	return newInProcess(ctx, o.e, o.hc, creds, shared, o.opts)
}
