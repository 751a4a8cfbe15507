package target_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// TestSharedProject_AdvanceMovesOnlyTheAppClock: on an emulator that does not auto-provision, the
// targets share one project, so Advance moves only the target's own application clock (as on the
// sandbox): the server clock, every scenario's, stays put, and another target does not see the move.
func TestSharedProject_AdvanceMovesOnlyTheAppClock(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.New() // no auto-provisioning
	ts := emulator.NewTestServer(t)
	remote, err := target.NewRemoteOpener(ts.URL, target.WithEnv(noEnv), target.WithLogger(func(string, ...any) {}))
	require.NoError(t, err)
	for name, tc := range map[string]struct {
		open  func() (target.Target, error)
		clock *emulator.Clock
	}{
		"case=remote": {func() (target.Target, error) { return remote.Open(ctx) }, ts.Project(emulator.DefaultProjectID).Clock()},
		"case=in-process": {func() (target.Target, error) {
			return target.NewInProcessOpener(e, target.WithEnv(noEnv), target.WithLogger(func(string, ...any) {})).Open(ctx)
		}, e.Project(emulator.DefaultProjectID).Clock()},
	} {
		t.Run(name, func(t *testing.T) {
			a, err := tc.open()
			require.NoError(t, err)
			closeAtEnd(t, a)
			require.True(t, a.Shared())
			b, err := tc.open()
			require.NoError(t, err)
			closeAtEnd(t, b)
			serverBefore := tc.clock.Now()
			require.NoError(t, a.Advance(ctx, time.Hour))
			assert.WithinDuration(t, serverBefore.Add(time.Hour), a.Now(), time.Minute, "the app's clock moved")
			assert.WithinDuration(t, serverBefore, tc.clock.Now(), time.Minute, "the shared server clock did not")
			assert.WithinDuration(t, serverBefore, b.Now(), time.Minute, "nor another scenario's clock")
			require.Error(t, a.Advance(ctx, -time.Second), "time does not move backwards")
		})
	}
}
