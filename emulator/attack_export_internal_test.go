package emulator

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"
)

// An export's answer is the project's whole snapshot (60 MB for 8,500 users with full metadata),
// built and held in memory until the client has read it: 40 clients that asked for it and read
// nothing held 1.5 GB in the standalone emulator, and each more client added its answer. An export
// now holds one of the emulator's large-body slots until its answer is written, so at most
// LargeBodyDecodes answers are held at once; the others wait in the queue, 429 when it is full,
// 499 when their request ends while they wait.
func TestAttackExportsWaitForALargeBodySlot(t *testing.T) {
	t.Parallel()
	e := New(WithLimits(Limits{LargeBodyDecodes: 1, LargeBodyQueue: -1}))
	status, typ := servePost(t.Context(), t, e, "/emulator/v1/export", map[string]any{})
	require.Equal(t, http.StatusOK, status, typ)

	release, err := e.cfg.decodeGate.Enter(t.Context()) // the only slot is taken
	require.NoError(t, err)
	status, typ = servePost(t.Context(), t, e, "/emulator/v1/export", map[string]any{})
	require.Equal(t, http.StatusTooManyRequests, status, typ)
	require.Equal(t, "too_many_requests", typ)
	release()

	e = New(WithLimits(Limits{LargeBodyDecodes: 1}))
	release, err = e.cfg.decodeGate.Enter(t.Context())
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	status, typ = servePost(ctx, t, e, "/emulator/v1/export", map[string]any{})
	require.Equal(t, 499, status, typ)
	release()
	status, typ = servePost(t.Context(), t, e, "/emulator/v1/export", map[string]any{})
	require.Equal(t, http.StatusOK, status, typ)
}
