package harness_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// clientless is a target without a stytch-go client.
type clientless struct{ target.Target }

func (clientless) Client() *stytchapi.API { return nil }
func (clientless) Name() string           { return "clientless" }

// TestActions_CannotRun: every Stytch action says why it cannot run, before it calls anything:
// without a target, on a target without a client, and, for those that act on the state's user,
// before any user is in the state (a missing-state error naming the user id). Those that take the
// user only when asked (an explicit user id, ForUser) run without one otherwise.
func TestActions_CannotRun(t *testing.T) {
	o, _ := emulatorOpener(t)
	tgt, err := o.Open(context.Background())
	require.NoError(t, err)
	tests := []struct {
		action harness.Action
		// needsUser: it needs the state's user; without one it is a missing-state error.
		needsUser bool
	}{
		{harness.MagicLinkSend{}, false},
		{harness.MagicLinkSend{ForUser: true}, true},
		{harness.MagicLinkLoginOrCreate{}, false},
		{harness.MagicLinkInvite{}, false},
		{harness.MagicLinkRevokeInvite{}, false},
		{harness.MagicLinkCreate{}, true},
		{harness.MagicLinkAuthenticate{}, false},
		{harness.OTPSend{}, false},
		{harness.OTPSend{ForUser: true}, true},
		{harness.OTPLoginOrCreate{}, false},
		{harness.OTPAuthenticate{}, false},
		{harness.PasswordsCreate{}, false},
		{harness.PasswordsAuthenticate{}, false},
		{harness.PasswordsStrengthCheck{}, false},
		{harness.SessionsAuthenticate{}, false},
		{harness.SessionsAuthenticateJWTLocal{}, false},
		{harness.SessionsRevoke{}, false},
		{harness.SessionsGet{}, true},
		{harness.SessionsGet{UserID: "user-test-00000000-0000-4000-8000-000000000000"}, false},
		{harness.TOTPCreate{}, true},
		{harness.TOTPAuthenticate{}, true},
		{harness.TOTPRecover{}, true},
		{harness.UsersCreate{}, false},
		{harness.UsersGet{}, true},
		{harness.UsersGet{UserID: "user-test-00000000-0000-4000-8000-000000000000"}, false},
		{harness.UsersDelete{}, true},
		{harness.UsersDelete{UserID: "user-test-00000000-0000-4000-8000-000000000000"}, false},
	}
	do := func(a harness.Action, t target.Target) error {
		var resp harness.ActionResponse
		a.Do(context.Background(), harness.ActionRequest{Target: t, State: &harness.State{}}, &resp)
		return resp.Err
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%T%+v", tt.action, tt.action), func(t *testing.T) {
			require.EqualError(t, do(tt.action, nil), "no target")
			require.EqualError(t, do(tt.action, clientless{}), "target clientless has no client")
			err := do(tt.action, tgt)
			noUser := errors.Is(err, harness.ErrMissingState) && err.Error() == harness.ErrMissingState.Error()+": no user id in the state (create or authenticate a user first)"
			require.Equal(t, tt.needsUser, noUser, "%v", err)
		})
	}
}
