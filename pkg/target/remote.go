package target

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Remote is a Target on a running emulator reached at a URL (stytch-emulator, or
// emulator.NewTestServer). Stytch calls go through stytch-go with that base URL; codes, time and
// faults through the control API (ControlClient). It has every capability, except on a shared
// project (see Shared). Open it with a RemoteOpener; its zero value is not usable.
//
// Now follows the project's server clock without a request per call: it is the server time seen
// at creation and at each Advance, carried forward by the local clock (so it assumes the server's
// base clock runs at real time, as stytch-emulator's does). A clock moved by someone else
// (ControlClient.SetTime) is seen at the next Advance. On a shared project Advance moves only the
// target's own application clock, which Now includes.
type Remote struct {
	*base
	url    string
	creds  Credentials
	ctl    *ControlClient
	shared bool
	keeps  bool // the emulator keeps session tokens on step-up (--token-rotation keep)

	mu       sync.Mutex
	skew     time.Duration // server time minus local time
	appAhead time.Duration // on a shared project: how far the app's clock is ahead of the server's
}

var _ Target = (*Remote)(nil)

// newRemote returns a target on project creds of the emulator at u, whose time was serverNow
// when a request sent at sent read it.
func newRemote(ctx context.Context, u string, creds Credentials, serverNow, sent time.Time, shared, keeps bool, o options) (*Remote, error) {
	b, err := newBase(ctx, u, creds, u, o.httpClient, o)
	if err != nil {
		return nil, err
	}
	t := &Remote{base: b, url: u, creds: creds, ctl: NewControlClient(u, creds, o.httpClient), shared: shared, keeps: keeps}
	t.observe(serverNow, sent)
	return t, nil
}

// observe records the server time now, read by a request sent at sent.
func (t *Remote) observe(now, sent time.Time) {
	received := time.Now()
	local := sent.Add(received.Sub(sent) / 2)
	t.mu.Lock()
	t.skew = now.Sub(local)
	t.mu.Unlock()
}

// Control returns the target's control API client, for what the Target interface does not cover
// (request log, reset, setting the clock).
func (t *Remote) Control() *ControlClient { return t.ctl }

// ProjectID returns the target's project.
func (t *Remote) ProjectID() string { return t.creds.ProjectID }

// Shared reports whether the project is shared with other targets (the opener's fallback when the
// emulator does not auto-provision), so clock moves and faults are seen by them too. A shared
// target lacks clock-control, fault-injection and revocation-timing (Has reports false for them);
// its Advance moves only its own application clock, and InjectFault still works.
func (t *Remote) Shared() bool { return t.shared }

// Has reports true for every capability, but for clock-control, fault-injection and
// revocation-timing on a shared project, and revocation-timing on an emulator that keeps tokens.
func (t *Remote) Has(c Capability) bool { return emulatorHas(c, t.shared, t.keeps) }

// Code returns the latest code sent to to, read from the emulator's outbox; the sandbox
// identities' code is 000000.
func (t *Remote) Code(ctx context.Context, to string) (string, error) {
	if isSandboxContact(to) {
		return emulator.SandboxCode, nil
	}
	msgs, err := t.ctl.Messages(ctx, to)
	if err != nil {
		return "", fmt.Errorf("code for %s: %w", to, err)
	}
	return latestCode(msgs, to)
}

// NewIdentity returns a unique identity; its codes can always be read, so needCodes changes nothing.
func (t *Remote) NewIdentity(ctx context.Context, needCodes bool) (Identity, error) {
	return t.ids.unique()
}

// Now returns the project's server time (see Remote), plus the application clock's advance on a
// shared project.
func (t *Remote) Now() time.Time {
	t.mu.Lock()
	ahead := t.skew + t.appAhead
	t.mu.Unlock()
	return time.Now().Add(ahead).UTC()
}

// Advance moves the project's server clock, and so Now, forward by d. On a shared project only
// Now, the application's clock, moves, as on the real sandbox: the server clock is every
// scenario's, and moving it would stamp other scenarios' tokens in their future.
func (t *Remote) Advance(ctx context.Context, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("advance %s: time only moves forward", d)
	}
	if t.shared {
		t.mu.Lock()
		t.appAhead += d
		t.mu.Unlock()
		return nil
	}
	sent := time.Now()
	now, err := t.ctl.Advance(ctx, d)
	if err != nil {
		return fmt.Errorf("advance %s: %w", d, err)
	}
	t.observe(now, sent)
	return nil
}

// InjectFault installs f in the project.
func (t *Remote) InjectFault(ctx context.Context, f Fault) error {
	if err := t.ctl.AddFault(ctx, f); err != nil {
		return fmt.Errorf("inject fault %s %s: %w", f.Method, f.Path, err)
	}
	return nil
}

// ClearFaults removes the project's faults.
func (t *Remote) ClearFaults(ctx context.Context) error {
	if err := t.ctl.ClearFaults(ctx); err != nil {
		return fmt.Errorf("clear faults: %w", err)
	}
	return nil
}

// AgeSessions moves the project's sessions d into the past.
func (t *Remote) AgeSessions(ctx context.Context, d time.Duration) error {
	if err := t.ctl.AgeSessions(ctx, d); err != nil {
		return fmt.Errorf("age sessions %s: %w", d, err)
	}
	return nil
}

// RemoteOpener opens Remote targets on one running emulator, each on a fresh project-test-<uuid>
// project; the emulator must run with --auto-provision for that. When it does not (the first fresh
// project answers 401), every target shares the fallback project (WithCredentials, else
// STYTCH_PROJECT_ID / STYTCH_SECRET, else the emulator's defaults) and a log line says so: the
// scenarios would then see each other's clock moves and faults, so from then on the opener and its
// targets lack clock-control, fault-injection and revocation-timing. Create it with
// NewRemoteOpener.
type RemoteOpener struct {
	url  string
	opts options
	prov *provisioner

	mu    sync.Mutex
	keeps bool // seen at the first Open: the emulator keeps session tokens on step-up
}

var _ Opener = (*RemoteOpener)(nil)

// NewRemoteOpener returns an opener on the emulator at baseURL. It does no I/O. Options used:
// WithHTTPClient, WithLogger, WithIdentityPrefix, WithTransport, WithCredentials and WithEnv
// (fallback project).
//
// The fallback credentials go over the network (possibly plain HTTP), so, like the sandbox's, they
// must be those of a test project: a project-live- id (or any id not starting project-test-) is
// refused at once, wherever it came from.
func NewRemoteOpener(baseURL string, opts ...Option) (*RemoteOpener, error) {
	u, err := checkEmulatorURL(baseURL)
	if err != nil {
		return nil, err
	}
	o := newOptions(opts)
	fallback, from := fallbackCredentials(o)
	if err := fallback.checkTestProject(); err != nil {
		return nil, fmt.Errorf("emulator at %s: fallback project from %s: %w", u, from, err)
	}
	return &RemoteOpener{
		url:  u,
		opts: o,
		prov: &provisioner{name: "emulator at " + u, hint: "start stytch-emulator without --auto-provision=false", fallback: fallback, logf: o.logf,
			one: o.oneProject, reset: func(ctx context.Context, creds Credentials) error {
				return NewControlClient(u, creds, o.httpClient).Reset(ctx)
			}},
	}, nil
}

// Name returns the emulator's URL.
func (o *RemoteOpener) Name() string { return o.url }

// Has reports true for every capability, but, once the opener fell back on the shared project,
// for clock-control, fault-injection and revocation-timing. Before the first Open it cannot know
// yet: check the opened target's Has too.
func (o *RemoteOpener) Has(c Capability) bool {
	o.mu.Lock()
	keeps := o.keeps
	o.mu.Unlock()
	return emulatorHas(c, o.prov.isShared(), keeps)
}

// Shared reports whether the opener has fallen back on one shared project.
func (o *RemoteOpener) Shared() bool { return o.prov.isShared() }

// Acceptance reports false: the targets are an emulator's.
func (o *RemoteOpener) Acceptance() bool { return false }

// Open returns a *Remote target on a fresh project (or the shared fallback project).
func (o *RemoteOpener) Open(ctx context.Context) (Target, error) {
	var sent time.Time
	probe := func(ctx context.Context, creds Credentials) (time.Time, error) {
		sent = time.Now()
		return NewControlClient(o.url, creds, o.opts.httpClient).Now(ctx)
	}
	creds, now, shared, err := o.prov.provision(ctx, probe)
	if err != nil {
		return nil, err
	}
	rotation, err := NewControlClient(o.url, creds, o.opts.httpClient).TokenRotation(ctx)
	if err != nil {
		return nil, fmt.Errorf("emulator at %s: %w", o.url, err)
	}
	keeps := rotation == emulator.KeepTokens
	o.mu.Lock()
	o.keeps = keeps
	o.mu.Unlock()
	return newRemote(ctx, o.url, creds, now, sent, shared, keeps, o.opts)
}
