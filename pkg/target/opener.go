package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Spec values of NewOpener besides emulator URLs.
const (
	// SpecEmulator is the in-process emulator, no network and no credentials (the default).
	SpecEmulator = "emulator"
	// SpecSandbox is the real Stytch test environment, credentials from STYTCH_PROJECT_ID and
	// STYTCH_SECRET.
	SpecSandbox = "sandbox"
)

// NewOpener returns the Opener a single setting names: "emulator" or "" (an in-process emulator
// with auto-provisioning, see NewInProcessOpener), "http://host:port" or "https://..." (a running
// emulator, see NewRemoteOpener), or "sandbox" (the real test environment, see NewSandboxOpener;
// credentials from WithCredentials or the environment). It does no I/O.
func NewOpener(spec string, opts ...Option) (Opener, error) {
	switch s := strings.TrimSpace(spec); {
	case s == "" || s == SpecEmulator:
		return NewInProcessOpener(nil, opts...), nil
	case s == SpecSandbox:
		o := newOptions(opts)
		creds := o.creds
		if creds == nil {
			c, err := CredentialsFromEnv(o.getenv)
			if err != nil {
				return nil, err
			}
			creds = &c
		}
		return NewSandboxOpener(*creds, opts...)
	case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
		return NewRemoteOpener(s, opts...)
	default:
		return nil, fmt.Errorf("unknown target %q: want %q, %q, or an emulator URL such as http://127.0.0.1:9010", spec, SpecEmulator, SpecSandbox)
	}
}

// checkEmulatorURL validates an emulator base URL and refuses Stytch's own hosts, which have no
// control API (use the sandbox target for them).
func checkEmulatorURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("emulator url %q: %w", raw, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", fmt.Errorf("emulator url %q: want http://host:port or https://host", raw)
	}
	// A fully qualified name may end with a dot ("test.stytch.com."), which resolves to the same host.
	if h := strings.TrimRight(strings.ToLower(u.Hostname()), "."); h == "stytch.com" || strings.HasSuffix(h, ".stytch.com") {
		return "", fmt.Errorf("%s is Stytch itself, not an emulator: use the %q target for the real test environment", raw, SpecSandbox)
	}
	return strings.TrimSuffix(u.String(), "/"), nil
}

// fallbackCredentials are the shared project an emulator opener falls back on, and where they
// come from (for error messages).
func fallbackCredentials(o options) (Credentials, string) {
	if o.creds != nil {
		return *o.creds, "WithCredentials"
	}
	if id, secret := o.getenv(EnvProjectID), o.getenv(EnvSecret); id != "" && secret != "" {
		return Credentials{ProjectID: id, Secret: secret}, "$" + EnvProjectID + " and $" + EnvSecret
	}
	return Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}, "the emulator's defaults"
}

// provisioner picks the project of each new emulator target: a fresh project-test-<uuid>, which an
// auto-provisioning emulator creates on first use, or, once the emulator has refused a fresh
// project (401), the shared fallback project for this and every later target.
type provisioner struct {
	name     string
	hint     string // how to make the emulator auto-provision
	fallback Credentials
	// one puts every target on the fallback project, reset first, rather than a fresh one.
	one     bool
	reset   func(ctx context.Context, creds Credentials) error
	logf    func(format string, args ...any)
	logOnce sync.Once

	mu     sync.Mutex
	shared bool
}

// probeFunc makes one authenticated control request as creds (which provisions the project) and
// returns the project's time.
type probeFunc func(ctx context.Context, creds Credentials) (time.Time, error)

// provision returns the credentials of a new target, the project's time, and whether the project
// is the shared fallback.
func (p *provisioner) provision(ctx context.Context, probe probeFunc) (Credentials, time.Time, bool, error) {
	if p.one {
		if err := p.reset(ctx, p.fallback); err != nil {
			return Credentials{}, time.Time{}, false, fmt.Errorf("%s: reset project %s: %w", p.name, p.fallback.ProjectID, err)
		}
		now, err := probe(ctx, p.fallback)
		if err != nil {
			return Credentials{}, time.Time{}, false, fmt.Errorf("%s: project %s: %w", p.name, p.fallback.ProjectID, err)
		}
		return p.fallback, now, false, nil
	}
	p.mu.Lock()
	shared := p.shared
	p.mu.Unlock()
	if !shared {
		creds := NewTestCredentials()
		now, err := probe(ctx, creds)
		var ce *ControlError
		switch {
		case err == nil:
			return creds, now, false, nil
		case !errors.As(err, &ce) || ce.StatusCode != http.StatusUnauthorized:
			return Credentials{}, time.Time{}, false, fmt.Errorf("%s: %w", p.name, err)
		}
		p.mu.Lock()
		p.shared = true
		p.mu.Unlock()
		p.logOnce.Do(func() {
			p.logf("target: %s refused a fresh project (%s): it does not auto-provision (%s); every scenario now shares project %s, so its targets no longer claim %s (scenarios requiring them are skipped)",
				p.name, ce.ErrorType, p.hint, p.fallback.ProjectID, joinCapabilities(sharedLacks()))
		})
	}
	now, err := probe(ctx, p.fallback)
	if err != nil {
		return Credentials{}, time.Time{}, false, fmt.Errorf("%s: shared project %s: %w", p.name, p.fallback.ProjectID, err)
	}
	return p.fallback, now, true, nil
}

// isShared reports whether the provisioner has fallen back on the shared project.
func (p *provisioner) isShared() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.shared
}

// sharedLacks are the capabilities an emulator target lacks when its project is shared with every
// other target of its opener (the fallback when the emulator does not auto-provision): concurrent
// scenarios would see each other's clock moves and faults, and so break each other.
func sharedLacks() []Capability {
	return []Capability{ClockControl, FaultInjection, RevocationTiming, SessionAgeing}
}

// emulatorHas is the capability set of the emulator targets: everything on a project of their
// own, everything but sharedLacks on the shared fallback project.
// An emulator that keeps session tokens on step-up (--token-rotation keep) has no rotated-out
// token whose revocation could be timed, so it also lacks revocation-timing.
func emulatorHas(c Capability, shared, keepsTokens bool) bool {
	if shared && slices.Contains(sharedLacks(), c) {
		return false
	}
	if keepsTokens && c == RevocationTiming {
		return false
	}
	switch c {
	case ClockControl, ReadCodes, FaultInjection, RealPasswordCheck, RevocationTiming, SessionAgeing:
		return true
	}
	return false
}

// SharedNote is what Lacks adds to a skip reason when a capability is missing because the
// project is shared (see Capable.Shared).
const SharedNote = "its scenarios share one project, since the emulator does not auto-provision"

// joinCapabilities names capabilities for messages: "a, b, c".
func joinCapabilities(cs []Capability) string {
	names := make([]string, len(cs))
	for i, c := range cs {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// latestCode returns the code of the newest OTP message in msgs (oldest first).
func latestCode(msgs []emulator.Message, to string) (string, error) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Code != "" {
			return msgs[i].Code, nil
		}
	}
	return "", fmt.Errorf("code for %s: %w", to, ErrNoCode)
}
