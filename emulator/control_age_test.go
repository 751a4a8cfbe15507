package emulator_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// TestAgeSessions: ageing moves a session's times and its factors' timestamps into the past
// without moving the clock, and a rotated-out token whose grace has passed that way dies; over
// HTTP and through the Go twin alike.
func TestAgeSessions(t *testing.T) {
	both(t, func(t *testing.T, h *H) {
		addr := h.Email("age")
		h.verifiedPasswordUser(t, addr)
		pw := h.passwordSession(t, addr)
		up := h.smsStepUp(t, pw.SessionToken, h.Phone())
		require.NotEqual(t, pw.SessionToken, up.SessionToken, "the step-up rotates the token")
		before := *up.Session.AuthenticationFactors[1].LastAuthenticatedAt
		now := h.Now()

		if h.Mode == "http" {
			status, body := h.RawJSON(t, "POST", "/emulator/v1/sessions/age", map[string]any{"by": "6m"})
			require.Equal(t, 200, status, "%v", body)
			assert.EqualValues(t, 1, body["sessions"])
		} else {
			n, err := h.E.Project(h.PID).AgeSessions(6 * time.Minute)
			require.NoError(t, err)
			assert.Equal(t, 1, n)
		}
		assert.Equal(t, now.Truncate(time.Second), h.Now().Truncate(time.Second), "the clock does not move")

		got, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: up.SessionToken})
		require.NoError(t, err)
		for _, f := range got.Session.AuthenticationFactors {
			if f.DeliveryMethod == "sms" {
				assert.WithinDuration(t, before.Add(-6*time.Minute), *f.LastAuthenticatedAt, time.Second)
			}
		}
		assert.WithinDuration(t, up.Session.ExpiresAt.Add(-6*time.Minute), *got.Session.ExpiresAt, time.Second)

		_, err = h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
		requireAPIError(t, h, err, 404, "session_not_found")
	})
}

func TestAgeSessions_BadInput(t *testing.T) {
	h := newH(t, "http")
	for _, by := range []string{"0s", "-1m", "25h", "soon"} {
		status, body := h.RawJSON(t, "POST", "/emulator/v1/sessions/age", map[string]any{"by": by})
		assert.Equal(t, 400, status, "by %q: %v", by, body)
	}
	status, _ := h.RawJSON(t, "POST", "/emulator/v1/sessions/age", map[string]any{})
	assert.Equal(t, 400, status)
	_, err := h.E.Project(h.PID).AgeSessions(0)
	assert.Error(t, err)
}
