package target_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestKeepTokensLacksRevocationTiming: an emulator that keeps session tokens on step-up has no
// rotated-out token to time, so its targets lack revocation-timing (the scenario that needs it is
// skipped with the reason instead of failing); a rotating emulator has it.
func TestKeepTokensLacksRevocationTiming(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		mode emulator.Rotation
		want bool
	}{{emulator.RotateTokens, true}, {emulator.KeepTokens, false}} {
		t.Run(string(tc.mode), func(t *testing.T) {
			opts := []emulator.Option{emulator.WithAutoProvision(), emulator.WithTokenRotation(tc.mode, 0)}

			in := target.NewInProcessOpener(emulator.New(opts...))
			require.Equal(t, tc.want, in.Has(target.RevocationTiming))
			tg, err := in.Open(ctx)
			require.NoError(t, err)
			t.Cleanup(func() { _ = tg.Close() })
			require.Equal(t, tc.want, tg.Has(target.RevocationTiming))
			require.True(t, tg.Has(target.ClockControl))

			ts := emulator.NewTestServer(t, opts...)
			remote, err := target.NewRemoteOpener(ts.URL)
			require.NoError(t, err)
			rt, err := remote.Open(ctx)
			require.NoError(t, err)
			t.Cleanup(func() { _ = rt.Close() })
			require.Equal(t, tc.want, rt.Has(target.RevocationTiming))
			require.Equal(t, tc.want, remote.Has(target.RevocationTiming), "the opener knows after its first Open")
			require.True(t, rt.Has(target.FaultInjection))

			rotation, err := target.NewControlClient(ts.URL, target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}, nil).TokenRotation(ctx)
			require.NoError(t, err)
			require.Equal(t, tc.mode, rotation)
		})
	}
}
