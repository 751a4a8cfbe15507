package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// AdvanceTime moves the target's time forward by D (target.Advance): the emulator's clock and the
// application-side clock on the emulator, the application-side clock only on the sandbox. It makes
// no Stytch call. Server-side expiry after AdvanceTime needs the clock-control capability.
type AdvanceTime struct {
	// D is how far to move; it must not be negative.
	D time.Duration
}

// String describes the move.
func (a AdvanceTime) String() string { return "advance time " + a.D.String() }

// Do moves the clock.
func (a AdvanceTime) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	if req.Target == nil {
		resp.Err = fmt.Errorf("advance time: no target")
		return
	}
	if a.D < 0 {
		resp.Err = fmt.Errorf("advance time: negative duration %s", a.D)
		return
	}
	resp.Err = req.Target.Advance(ctx, a.D)
}

// InjectFault makes the target's next matching requests fail as Fault says (target.InjectFault):
// e.g. the next SMS send answers 429 too_many_requests. It makes no Stytch call and needs the
// fault-injection capability.
type InjectFault struct {
	// Fault is the failure to inject.
	Fault target.Fault
}

// String describes the fault.
func (a InjectFault) String() string {
	return fmt.Sprintf("inject fault %s %s → %d %s", a.Fault.Method, a.Fault.Path, a.Fault.Status, a.Fault.ErrorType)
}

// Do installs the fault.
func (a InjectFault) Do(ctx context.Context, req ActionRequest, resp *ActionResponse) {
	if req.Target == nil {
		resp.Err = fmt.Errorf("inject fault: no target")
		return
	}
	resp.Err = req.Target.InjectFault(ctx, a.Fault)
}
