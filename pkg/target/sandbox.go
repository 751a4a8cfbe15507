package target

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Sandbox is a Target on Stytch's real test environment (https://test.stytch.com) or, through
// WithBaseURL, anything that answers like it. It uses only Stytch endpoints through stytch-go, never
// the emulator's control API, so pointing it at an emulator runs exactly what runs against Stytch.
//
// It has none of the capabilities: the server clock cannot move, only the sandbox identities'
// codes are known (000000), faults cannot be injected, and the sandbox identity accepts any
// password. Now and Advance move an application-side clock only (real time plus what Advance
// added), which is enough for step-up policy checks but not for server-side expiry. Open it with a
// SandboxOpener; its zero value is not usable.
type Sandbox struct {
	*base
	creds Credentials

	mu     sync.Mutex
	offset time.Duration
}

var _ Target = (*Sandbox)(nil)

// newSandbox returns a sandbox target for the test project creds, checked by NewSandboxOpener.
func newSandbox(ctx context.Context, creds Credentials, name string, o options) (*Sandbox, error) {
	u := SandboxURL
	if o.baseURL != "" {
		u = o.baseURL
	}
	b, err := newBase(ctx, name, creds, u, o.httpClient, o)
	if err != nil {
		return nil, err
	}
	return &Sandbox{base: b, creds: creds}, nil
}

// ProjectID returns the target's project.
func (t *Sandbox) ProjectID() string { return t.creds.ProjectID }

// Has reports false for every capability.
func (t *Sandbox) Has(c Capability) bool { return sandboxHas(c) }

// Shared reports false: the capabilities the sandbox lacks are not for sharing its project.
func (t *Sandbox) Shared() bool { return false }

// sandboxHas is the sandbox's capability set: empty.
func sandboxHas(Capability) bool { return false }

// Code returns 000000 for the sandbox identities (sandbox@stytch.com, +10000000000); for any other
// identity it wraps ErrCodeUnavailable.
func (t *Sandbox) Code(ctx context.Context, to string) (string, error) {
	if isSandboxContact(to) {
		return emulator.SandboxCode, nil
	}
	return "", fmt.Errorf("code for %s: %w: on the sandbox only %s and %s have a known code (%s); use NewIdentity(ctx, true) for them",
		to, ErrCodeUnavailable, emulator.SandboxEmail, emulator.SandboxPhone, emulator.SandboxCode)
}

// NewIdentity returns the sandbox identity (sandbox@stytch.com, +10000000000, any password, Sandbox
// true) when needCodes, since it is the only one whose codes are known; otherwise a unique identity
// (stytch-conform+<random>@example.com, a +1555 number, a strong password) to which no code should
// be sent.
func (t *Sandbox) NewIdentity(ctx context.Context, needCodes bool) (Identity, error) {
	if needCodes {
		return t.ids.sandbox()
	}
	return t.ids.unique()
}

// Now returns real time plus what Advance added: the application's clock, not Stytch's.
func (t *Sandbox) Now() time.Time {
	t.mu.Lock()
	off := t.offset
	t.mu.Unlock()
	return time.Now().Add(off).UTC()
}

// Advance moves the application clock forward by d; Stytch's clock does not move.
func (t *Sandbox) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance %s: time only moves forward", d)
	}
	t.mu.Lock()
	t.offset += d
	t.mu.Unlock()
	return nil
}

// InjectFault wraps ErrUnsupported: the sandbox cannot be made to fail.
func (t *Sandbox) InjectFault(ctx context.Context, f Fault) error {
	return fmt.Errorf("inject fault %s %s on %s: %w (no %s)", f.Method, f.Path, t.name, ErrUnsupported, FaultInjection)
}

// ClearFaults wraps ErrUnsupported: the sandbox cannot be made to fail.
func (t *Sandbox) ClearFaults(ctx context.Context) error {
	return fmt.Errorf("clear faults on %s: %w (no %s)", t.name, ErrUnsupported, FaultInjection)
}

// AgeSessions wraps ErrUnsupported: the sandbox's sessions age only by waiting.
func (t *Sandbox) AgeSessions(ctx context.Context, d time.Duration) error {
	return fmt.Errorf("age sessions on %s: %w (no %s)", t.name, ErrUnsupported, SessionAgeing)
}

// SandboxOpener opens Sandbox targets on the one real test project: each has its own application
// clock and its own tracked users, and all share one identity generator, so parallel scenarios do
// not collide. Create it with NewSandboxOpener.
type SandboxOpener struct {
	creds Credentials
	name  string
	opts  options
}

var _ Opener = (*SandboxOpener)(nil)

// NewSandboxOpener returns an opener on the test project creds; it refuses project-live- ids at
// once (and anything that is not project-test-), since the suite creates and deletes users. It
// does no I/O. Options used: WithBaseURL, WithHTTPClient, WithLogger, WithIdentityPrefix,
// WithTransport.
func NewSandboxOpener(creds Credentials, opts ...Option) (*SandboxOpener, error) {
	if err := creds.checkTestProject(); err != nil {
		return nil, fmt.Errorf("sandbox target: %w", err)
	}
	// One set of options, so the targets share the HTTP client and the identity generator.
	o := newOptions(opts)
	name := SpecSandbox
	if o.baseURL != "" && o.baseURL != SandboxURL {
		name = SpecSandbox + "(" + o.baseURL + ")"
	}
	return &SandboxOpener{creds: creds, name: name, opts: o}, nil
}

// Name returns "sandbox", or "sandbox(<url>)" with WithBaseURL.
func (o *SandboxOpener) Name() string { return o.name }

// Has reports false for every capability.
func (o *SandboxOpener) Has(c Capability) bool { return sandboxHas(c) }

// Shared reports false.
func (o *SandboxOpener) Shared() bool { return false }

// Acceptance reports true: the targets reach the real Stytch test environment.
func (o *SandboxOpener) Acceptance() bool { return true }

// Open returns a *Sandbox target with a fresh application clock.
func (o *SandboxOpener) Open(ctx context.Context) (Target, error) {
	return newSandbox(ctx, o.creds, o.name, o.opts)
}
