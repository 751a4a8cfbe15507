package target_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// contract is what every target kind must satisfy; the fields say what differs by kind.
type contract struct {
	// caps are the capabilities the target must declare, and only those.
	caps []target.Capability
	// serverNow reads the server's clock, when the target moves it (nil on the sandbox).
	serverNow func(ctx context.Context) time.Time
}

// run runs the contract against tg. Its subtests share tg and run in order.
func (c contract) run(t *testing.T, tg target.Target) {
	t.Helper()
	ctx := context.Background()

	t.Run("case=capabilities", func(t *testing.T) {
		for _, capability := range target.AllCapabilities() {
			assert.Equal(t, slices.Contains(c.caps, capability), tg.Has(capability), "capability %s", capability)
		}
		assert.False(t, tg.Has("no-such-capability"))
	})

	t.Run("case=client-creates-user", func(t *testing.T) {
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		require.False(t, id.Sandbox)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		require.NotEmpty(t, created.UserID)
		tg.Track(created.UserID)
		got, err := tg.Client().Users.Get(ctx, &users.GetParams{UserID: created.UserID})
		require.NoError(t, err)
		require.Len(t, got.Emails, 1)
		assert.Equal(t, id.Email, got.Emails[0].Email)
	})

	t.Run("case=code-after-email-send", func(t *testing.T) {
		id, err := tg.NewIdentity(ctx, true)
		require.NoError(t, err)
		if !id.Sandbox {
			created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
			require.NoError(t, err)
			tg.Track(created.UserID)
		}
		sent, err := tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
		require.NoError(t, err)
		code, err := tg.Code(ctx, id.Email)
		require.NoError(t, err)
		require.Len(t, code, 6)
		_, err = tg.Client().OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: code})
		require.NoError(t, err, "the code the target read must authenticate")
	})

	t.Run("case=advance", func(t *testing.T) {
		const d = 6 * time.Minute
		var serverBefore time.Time
		if c.serverNow != nil {
			serverBefore = c.serverNow(ctx)
		}
		before := tg.Now()
		require.NoError(t, tg.Advance(ctx, d))
		after := tg.Now()
		moved := after.Sub(before)
		assert.GreaterOrEqual(t, moved, d-100*time.Millisecond, "Now moves by the duration")
		assert.Less(t, moved, d+5*time.Second, "Now moves by the duration")
		if c.serverNow != nil {
			serverMoved := c.serverNow(ctx).Sub(serverBefore)
			assert.GreaterOrEqual(t, serverMoved, d, "the server clock moves")
			assert.Less(t, serverMoved, d+5*time.Second)
			assert.WithinDuration(t, c.serverNow(ctx), tg.Now(), time.Second, "Now follows the server clock")
		}
		require.Error(t, tg.Advance(ctx, -time.Second), "time does not move backwards")
	})

	t.Run("case=faults", func(t *testing.T) {
		f := target.Fault{Method: "POST", Path: "/v1/otps/email/send", Status: 429, ErrorType: "too_many_requests"}
		if !tg.Has(target.FaultInjection) {
			require.ErrorIs(t, tg.InjectFault(ctx, f), target.ErrUnsupported)
			require.ErrorIs(t, tg.ClearFaults(ctx), target.ErrUnsupported)
			return
		}
		id, err := tg.NewIdentity(ctx, true)
		require.NoError(t, err)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		tg.Track(created.UserID)
		require.NoError(t, tg.InjectFault(ctx, f))
		_, err = tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
		requireErrorType(t, err, "too_many_requests")
		_, err = tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
		require.NoError(t, err, "a fault applies once by default")
		f.Times = -1
		require.NoError(t, tg.InjectFault(ctx, f))
		require.NoError(t, tg.ClearFaults(ctx))
		_, err = tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
		require.NoError(t, err, "cleared faults do not apply")
	})

	t.Run("case=age-sessions", func(t *testing.T) {
		if !tg.Has(target.SessionAgeing) {
			require.ErrorIs(t, tg.AgeSessions(ctx, time.Minute), target.ErrUnsupported)
			return
		}
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password, SessionDurationMinutes: 60})
		require.NoError(t, err)
		tg.Track(created.UserID)
		before := *created.Session.AuthenticationFactors[0].LastAuthenticatedAt
		require.NoError(t, tg.AgeSessions(ctx, 6*time.Minute))
		got, err := tg.Client().Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: created.SessionToken})
		require.NoError(t, err)
		assert.WithinDuration(t, before.Add(-6*time.Minute), *got.Session.AuthenticationFactors[0].LastAuthenticatedAt, time.Second)
		require.Error(t, tg.AgeSessions(ctx, -time.Minute), "ageing goes into the past only")
	})

	t.Run("case=cleanup", func(t *testing.T) {
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		tg.Track(created.UserID)
		tg.Track(emulator.SandboxUserID)
		tg.Track("user-test-00000000-0000-4000-8000-000000000000") // never existed: not an error
		require.NoError(t, tg.Cleanup(ctx))
		_, err = tg.Client().Users.Get(ctx, &users.GetParams{UserID: created.UserID})
		requireErrorType(t, err, "user_not_found")
		_, err = tg.Client().Users.Get(ctx, &users.GetParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err, "the sandbox user is never deleted")
		require.NoError(t, tg.Cleanup(ctx), "a second Cleanup has nothing to do")
	})
}

// requireErrorType asserts that err is a Stytch API error of the given error_type.
func requireErrorType(t *testing.T, err error, errorType string) {
	t.Helper()
	var se stytcherror.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, errorType, string(se.ErrorType), "error: %v", err)
}

// openAs opens a target of o as its concrete type.
func openAs[T target.Target](ctx context.Context, o target.Opener) (T, error) {
	var zero T
	tg, err := o.Open(ctx)
	if err != nil {
		return zero, err
	}
	c, ok := tg.(T)
	if !ok {
		return zero, fmt.Errorf("opened a %T", tg)
	}
	return c, nil
}

// newSandbox opens a sandbox target on creds.
func newSandbox(ctx context.Context, creds target.Credentials, opts ...target.Option) (*target.Sandbox, error) {
	o, err := target.NewSandboxOpener(creds, opts...)
	if err != nil {
		return nil, err
	}
	return openAs[*target.Sandbox](ctx, o)
}

// closeAtEnd closes tg when the test ends, after checking Cleanup left nothing behind.
func closeAtEnd(t *testing.T, tg target.Target) {
	t.Helper()
	t.Cleanup(func() {
		assert.NoError(t, tg.Cleanup(context.Background()))
		assert.NoError(t, tg.Close())
	})
}

func TestInProcess_Contract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, err := openAs[*target.InProcess](ctx, target.NewInProcessOpener(nil))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.Equal(t, "emulator", tg.Name())
	assert.False(t, tg.Shared())
	assert.True(t, strings.HasPrefix(tg.ProjectID(), "project-test-"))
	contract{
		caps:      target.AllCapabilities(),
		serverNow: func(context.Context) time.Time { return tg.Emulator().Project(tg.ProjectID()).Clock().Now() },
	}.run(t, tg)
}

func TestRemote_Contract(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	o, err := target.NewRemoteOpener(ts.URL)
	require.NoError(t, err)
	tg, err := openAs[*target.Remote](ctx, o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.Equal(t, ts.URL, tg.Name())
	assert.False(t, tg.Shared())
	contract{
		caps: target.AllCapabilities(),
		serverNow: func(ctx context.Context) time.Time {
			now, err := tg.Control().Now(ctx)
			require.NoError(t, err)
			return now
		},
	}.run(t, tg)
	// Two reads of the same clock a moment apart: close, not equal (a truncation to the second
	// would fail whenever the reads straddle a second boundary).
	assert.WithinDuration(t, ts.Project(tg.ProjectID()).Clock().Now(), tg.Now(), time.Second)
}

func TestSandbox_ContractAgainstEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	creds := target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}
	tg, err := newSandbox(ctx, creds, target.WithBaseURL(ts.URL))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.Equal(t, "sandbox("+ts.URL+")", tg.Name())
	contract{caps: nil}.run(t, tg)

	// The sandbox path never touches the emulator-only control API.
	reqs := ts.Project(emulator.DefaultProjectID).Requests()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		assert.True(t, strings.HasPrefix(r.Path, "/v1/"), "the sandbox target called %s %s", r.Method, r.Path)
	}
}
