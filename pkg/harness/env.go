package harness

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// Environment variables the harness reads.
const (
	// EnvAcc gates acceptance cases, those against the real Stytch sandbox: they run only when it
	// is set to a true value ("1"), like Terraform's TF_ACC. Emulator cases always run.
	EnvAcc = "STYTCH_ACC"
	// EnvTarget names the target of cases whose TestCase.Target is nil: "emulator" (the default),
	// "sandbox", or the URL of a running emulator, as stytch-conform's --target.
	EnvTarget = "STYTCH_TARGET"
	// EnvProjectID and EnvSecret are the sandbox credentials: a Stytch test project's.
	EnvProjectID = target.EnvProjectID
	EnvSecret    = target.EnvSecret
	// EnvBaseURL, for testing only, points the sandbox targets of Sandbox() at another
	// Stytch-compatible base URL, such as an emulator's (as stytch-conform's --base-url does). A
	// target.WithBaseURL option given to Sandbox wins over it.
	EnvBaseURL = target.EnvBaseURL
)

// AcceptanceEnabled reports whether STYTCH_ACC is set to a true value ("1", "true").
func AcceptanceEnabled() bool {
	on, err := strconv.ParseBool(strings.TrimSpace(os.Getenv(EnvAcc)))
	return err == nil && on
}

// OpenerFromEnv returns the opener STYTCH_TARGET names: a fresh in-process emulator when it is
// unset or "emulator", Sandbox(opts...) for "sandbox", a running emulator for a URL. It does no
// I/O and, for the sandbox, does not read the credentials yet.
func OpenerFromEnv(opts ...target.Option) (target.Opener, error) {
	spec := strings.TrimSpace(os.Getenv(EnvTarget))
	if spec == target.SpecSandbox {
		return Sandbox(opts...), nil
	}
	o, err := target.NewOpener(spec, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", EnvTarget, err)
	}
	return o, nil
}

// Sandbox returns an opener of targets on the real Stytch test environment, with the credentials
// of STYTCH_PROJECT_ID and STYTCH_SECRET (and STYTCH_BASE_URL, for testing) read when a case first
// needs them. Cases using it are acceptance cases: they skip unless STYTCH_ACC=1, and fail when
// the credentials are missing or name a live project. Options are those of
// target.NewSandboxOpener.
func Sandbox(opts ...target.Option) target.Opener { return &sandboxOpener{opts: opts} }

// sandboxOpener is Sandbox's opener: a target.SandboxOpener built on first use.
type sandboxOpener struct {
	opts []target.Option

	mu     sync.Mutex
	opener *target.SandboxOpener
}

// get returns the underlying opener, building it on first use.
func (o *sandboxOpener) get() (*target.SandboxOpener, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.opener != nil {
		return o.opener, nil
	}
	creds, err := target.CredentialsFromEnv(os.Getenv)
	if err != nil {
		return nil, err
	}
	opts := o.opts
	if u := strings.TrimSpace(os.Getenv(EnvBaseURL)); u != "" {
		// Before the caller's options, so that their WithBaseURL wins.
		opts = append([]target.Option{target.WithBaseURL(u)}, opts...)
	}
	so, err := target.NewSandboxOpener(creds, opts...)
	if err != nil {
		return nil, err
	}
	o.opener = so
	return so, nil
}

// Name returns "sandbox" (or the name of the opener once built).
func (o *sandboxOpener) Name() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.opener != nil {
		return o.opener.Name()
	}
	return target.SpecSandbox
}

// Has reports false: the sandbox has no capability.
func (o *sandboxOpener) Has(target.Capability) bool { return false }

// Shared reports false.
func (o *sandboxOpener) Shared() bool { return false }

// Acceptance reports true: the targets reach the real sandbox.
func (o *sandboxOpener) Acceptance() bool { return true }

// Open opens a sandbox target; it fails naming the missing variables, or refusing a live project.
func (o *sandboxOpener) Open(ctx context.Context) (target.Target, error) {
	so, err := o.get()
	if err != nil {
		return nil, fmt.Errorf("%s is set but the sandbox cannot be used: %w", EnvAcc, err)
	}
	return so.Open(ctx)
}
