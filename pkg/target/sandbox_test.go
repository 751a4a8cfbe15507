package target_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// newSandboxOnEmulator returns a sandbox-mode target pointed at a fresh emulator test server.
func newSandboxOnEmulator(t *testing.T) (*target.Sandbox, *emulator.TestServer) {
	t.Helper()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	tg, err := newSandbox(context.Background(),
		target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret},
		target.WithBaseURL(ts.URL))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	return tg, ts
}

func TestSandbox_Code(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, _ := newSandboxOnEmulator(t)

	id, err := tg.NewIdentity(ctx, false)
	require.NoError(t, err)
	_, err = tg.Code(ctx, id.Email)
	require.ErrorIs(t, err, target.ErrCodeUnavailable)
	_, err = tg.Code(ctx, id.Phone)
	require.ErrorIs(t, err, target.ErrCodeUnavailable)

	for _, to := range []string{emulator.SandboxPhone, emulator.SandboxEmail, "SANDBOX@stytch.com"} {
		code, err := tg.Code(ctx, to)
		require.NoError(t, err, to)
		assert.Equal(t, "000000", code, to)
	}

	// The sandbox phone's code authenticates, through Stytch endpoints only.
	sent, err := tg.Client().OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: emulator.SandboxPhone})
	require.NoError(t, err)
	code, err := tg.Code(ctx, emulator.SandboxPhone)
	require.NoError(t, err)
	_, err = tg.Client().OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: code})
	require.NoError(t, err)
}

func TestSandbox_NewIdentity(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, _ := newSandboxOnEmulator(t)

	sb, err := tg.NewIdentity(ctx, true)
	require.NoError(t, err)
	assert.Equal(t, target.Identity{Email: "sandbox@stytch.com", Phone: "+10000000000", Password: sb.Password, Sandbox: true}, sb)
	assert.NotEmpty(t, sb.Password)
	// The sandbox identity accepts any password.
	_, err = tg.Client().Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: sb.Email, Password: sb.Password})
	require.NoError(t, err)

	a, err := tg.NewIdentity(ctx, false)
	require.NoError(t, err)
	b, err := tg.NewIdentity(ctx, false)
	require.NoError(t, err)
	assert.False(t, a.Sandbox)
	assert.Regexp(t, `^stytch-conform\+[a-z2-7]{16}@example\.com$`, a.Email)
	assert.Regexp(t, `^\+1555[0-9]{7}$`, a.Phone)
	assert.NotEqual(t, a.Email, b.Email)
	assert.NotEqual(t, a.Phone, b.Phone)
	assert.NotEqual(t, a.Password, b.Password)
}

func TestSandbox_AppClockOnly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, ts := newSandboxOnEmulator(t)
	serverBefore := ts.Project(emulator.DefaultProjectID).Clock().Now()
	require.NoError(t, tg.Advance(ctx, time.Hour))
	assert.WithinDuration(t, time.Now().Add(time.Hour), tg.Now(), 5*time.Second)
	assert.WithinDuration(t, serverBefore, ts.Project(emulator.DefaultProjectID).Clock().Now(), 5*time.Second, "the server clock does not move")
}

func TestSandbox_RefusesLiveProjects(t *testing.T) {
	t.Parallel()
	live := target.Credentials{ProjectID: "project-live-5e7c8a3b-0000-4000-8000-000000000000", Secret: "secret-live-x"}

	_, err := target.NewSandboxOpener(live)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "live project")
	assert.Contains(t, err.Error(), "only against a test project")

	env := map[string]string{target.EnvProjectID: live.ProjectID, target.EnvSecret: live.Secret}
	_, err = target.NewOpener("sandbox", target.WithEnv(func(k string) string { return env[k] }))
	require.ErrorContains(t, err, "live project")

	_, err = target.NewSandboxOpener(target.Credentials{ProjectID: "my-project", Secret: "s"})
	require.ErrorContains(t, err, "not a Stytch test project")
	_, err = target.NewSandboxOpener(target.Credentials{ProjectID: "project-test-x"})
	require.ErrorContains(t, err, "empty secret")
}

func TestSandboxOpener_ScenariosHaveOwnClocks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t)
	env := map[string]string{target.EnvProjectID: emulator.DefaultProjectID, target.EnvSecret: emulator.DefaultSecret}
	o, err := target.NewOpener("sandbox", target.WithEnv(func(k string) string { return env[k] }), target.WithBaseURL(ts.URL))
	require.NoError(t, err)
	assert.Equal(t, "sandbox("+ts.URL+")", o.Name())
	missing, reason := target.Lacks(o, target.AllCapabilities()...)
	assert.Equal(t, target.AllCapabilities(), missing)
	assert.Equal(t, "target sandbox("+ts.URL+") lacks clock-control, read-codes, fault-injection, real-password-check, revocation-timing, session-ageing", reason)
	assert.True(t, o.Acceptance())

	a, err := o.Open(ctx)
	require.NoError(t, err)
	closeAtEnd(t, a)
	b, err := o.Open(ctx)
	require.NoError(t, err)
	closeAtEnd(t, b)
	require.NoError(t, a.Advance(ctx, time.Hour))
	assert.WithinDuration(t, time.Now(), b.Now(), 5*time.Second, "another scenario's clock does not move")

	// Unique identities across the opener's targets.
	seen := map[string]bool{}
	for range 200 {
		for _, tg := range []target.Target{a, b} {
			id, err := tg.NewIdentity(ctx, false)
			require.NoError(t, err)
			require.False(t, seen[id.Phone] || seen[id.Email])
			seen[id.Phone], seen[id.Email] = true, true
		}
	}
}
