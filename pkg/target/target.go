// Package target says where a suite runs: the in-process emulator (no socket), a running emulator
// at a URL, or the real Stytch test environment ("sandbox"). Each Target hands out a configured
// stytch-go client, declares its capabilities, reads OTP codes for identities, supplies fresh
// identities, moves time, injects faults and cleans up what it created.
//
// A Target serves one scenario (or one harness TestCase). An Opener makes a fresh, isolated Target
// per scenario: on an emulator, a new project-test-<uuid> project on an emulator that auto-provisions
// projects; on the sandbox, the one real project with a per-scenario application clock. Each kind
// has one constructor (NewInProcessOpener, NewRemoteOpener, NewSandboxOpener), and NewOpener picks
// one from a single setting ("emulator", an emulator URL, or "sandbox").
//
// Calls to Stytch endpoints go through the official client (stytch-go); the only hand-written HTTP
// client is ControlClient, for the emulator-only control API.
package target

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Capability is something a target can do that a scenario may require. Scenarios
// say what they need with the tag @requires:<capability>. The zero value names no capability and
// no target has it.
type Capability string

// The capabilities a scenario may require.
const (
	// ClockControl: the server's time can be moved (session and code expiry can be tested).
	ClockControl Capability = "clock-control"
	// ReadCodes: any OTP code sent to any identity can be read.
	ReadCodes Capability = "read-codes"
	// FaultInjection: requests can be made to fail on demand.
	FaultInjection Capability = "fault-injection"
	// RealPasswordCheck: a wrong password fails (the sandbox identity accepts any password).
	RealPasswordCheck Capability = "real-password-check"
	// RevocationTiming: a rotated-out session token's death can be observed on a moved clock.
	RevocationTiming Capability = "revocation-timing"
	// SessionAgeing: the project's sessions can be moved into the past (AgeSessions), so that an
	// application on real time sees its factors grow old.
	SessionAgeing Capability = "session-ageing"
)

// AllCapabilities returns every capability, in a stable order (a new slice each call).
func AllCapabilities() []Capability {
	return []Capability{ClockControl, ReadCodes, FaultInjection, RealPasswordCheck, RevocationTiming, SessionAgeing}
}

// ParseCapability returns the capability named s (as written after @requires:), or an error for a
// name that is not one of AllCapabilities().
func ParseCapability(s string) (Capability, error) {
	for _, c := range AllCapabilities() {
		if string(c) == s {
			return c, nil
		}
	}
	return "", fmt.Errorf("unknown capability %q (known: %v)", s, AllCapabilities())
}

// Capable is what a Target and an Opener both say about their capabilities.
type Capable interface {
	// Name identifies the target in reports.
	Name() string
	// Has reports whether the target has a capability.
	Has(Capability) bool
	// Shared reports whether the target's project is shared with every other target of its
	// opener (an emulator that does not auto-provision), which is why it lacks clock-control,
	// fault-injection and revocation-timing. Always false on the sandbox.
	Shared() bool
}

// Lacks returns those of need that c lacks, in the order given, and the one-line reason a case or
// a scenario requiring them is skipped: "target sandbox lacks clock-control, read-codes", with why
// when the project is shared. Both are empty when nothing is missing.
func Lacks(c Capable, need ...Capability) ([]Capability, string) {
	var missing []Capability
	for _, n := range need {
		if !c.Has(n) {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return nil, ""
	}
	reason := "target " + c.Name() + " lacks " + joinCapabilities(missing)
	if c.Shared() {
		reason += " (" + SharedNote + ")"
	}
	return missing, reason
}

// ErrCodeUnavailable is returned (wrapped) by Target.Code when the target cannot know the code
// sent to an identity (on the sandbox, any identity but the sandbox ones).
var ErrCodeUnavailable = errors.New("the target cannot read codes sent to this identity")

// ErrNoCode is returned (wrapped) by Target.Code when the target can read codes but none has been
// sent to the identity.
var ErrNoCode = errors.New("no code has been sent to this identity")

// ErrUnsupported is returned (wrapped) for an operation a target lacks the capability for.
var ErrUnsupported = errors.New("the target does not support this operation")

// Identity is a test user's contact details and password. Sandbox reports whether it is Stytch's
// sandbox identity (known codes, any password accepted). The zero value is no identity.
type Identity struct {
	// Email is the email address (sandbox@stytch.com for the sandbox identity).
	Email string
	// Phone is the E.164 phone number (+10000000000 for the sandbox identity).
	Phone string
	// Password is a strong random password that passes Stytch's zxcvbn check.
	Password string
	// Sandbox reports whether this is Stytch's sandbox identity.
	Sandbox bool
}

// Fault is a request failure to inject (see emulator.Fault): the next Times requests matching
// Method and Path answer Status with ErrorType, after Delay.
type Fault = emulator.Fault

// Target is where a suite runs. Implementations are safe for concurrent use by parallel scenarios.
type Target interface {
	// Capable: Name is "emulator", the emulator URL, or "sandbox"; an emulator target on a shared
	// project lacks clock-control, fault-injection and revocation-timing.
	Capable
	// Client is a stytch-go client configured for the target.
	Client() *stytchapi.API
	// Code returns the latest OTP code sent to an identity (E.164 phone or email). It wraps
	// ErrCodeUnavailable when the target cannot read that identity's codes and ErrNoCode when none
	// was sent.
	Code(ctx context.Context, to string) (string, error)
	// NewIdentity returns a fresh, unique identity for one scenario; with needCodes the target
	// must be able to read codes sent to it (on the sandbox: the sandbox identity).
	NewIdentity(ctx context.Context, needCodes bool) (Identity, error)
	// Now is the application-side clock: the emulator's clock where the target has one, otherwise
	// real time plus what Advance added.
	Now() time.Time
	// Advance moves time forward: the server clock and the app clock on the emulator, the app clock
	// only on the sandbox. A negative d is an error.
	Advance(ctx context.Context, d time.Duration) error
	// InjectFault makes matching requests fail as f says; it wraps ErrUnsupported on a target
	// without FaultInjection.
	InjectFault(ctx context.Context, f Fault) error
	// ClearFaults removes the faults injected so far; it wraps ErrUnsupported on a target without
	// FaultInjection.
	ClearFaults(ctx context.Context) error
	// AgeSessions moves every session of the target's project d into the past, factors, times and
	// rotated-out tokens' grace alike, without moving the clock; it wraps ErrUnsupported on a
	// target without SessionAgeing.
	AgeSessions(ctx context.Context, d time.Duration) error
	// Track records a user created through the target, to be deleted by Cleanup. The sandbox user
	// is ignored.
	Track(userID string)
	// Cleanup deletes the users tracked so far, newest first (the sandbox user is never deleted;
	// users already gone are not an error). Users it failed to delete stay tracked.
	Cleanup(ctx context.Context) error
	// Close releases the target's resources (the client's background JWKS refresher). It does not
	// delete users: call Cleanup first. The client keeps working for API calls after Close.
	Close() error
}

// Opener makes a fresh, isolated Target per scenario (a factory, like the conformance suites'
// newBackend). Implementations are safe for concurrent use.
type Opener interface {
	// Capable says what the targets it opens can do, without opening one. An emulator opener
	// learns at its first Open whether it must fall back on a shared project, which lacks
	// clock-control, fault-injection and revocation-timing: the opened Target has the last word.
	Capable
	// Acceptance reports whether its targets reach the real Stytch test environment (the
	// sandbox), so that test runners gate them as acceptance tests.
	Acceptance() bool
	// Open returns a new Target for one scenario; the caller closes it.
	Open(ctx context.Context) (Target, error)
}
