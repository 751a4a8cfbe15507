package target_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// noEnv is an empty environment.
func noEnv(string) string { return "" }

func TestNewOpener_Specs(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	testEnv := map[string]string{target.EnvProjectID: emulator.DefaultProjectID, target.EnvSecret: emulator.DefaultSecret}
	cases := []struct {
		name     string
		spec     string
		opts     []target.Option
		wantName string
		wantErr  string
	}{
		{name: "case=default", spec: "", wantName: "emulator"},
		{name: "case=emulator", spec: "emulator", wantName: "emulator"},
		{name: "case=url", spec: ts.URL, wantName: ts.URL},
		{name: "case=url-trailing-slash", spec: ts.URL + "/", wantName: ts.URL},
		{name: "case=sandbox-env", spec: "sandbox", opts: []target.Option{target.WithEnv(func(k string) string { return testEnv[k] }), target.WithBaseURL(ts.URL)}, wantName: "sandbox(" + ts.URL + ")"},
		{name: "case=sandbox-credentials", spec: "sandbox", opts: []target.Option{target.WithEnv(noEnv), target.WithCredentials(target.Credentials{ProjectID: emulator.DefaultProjectID, Secret: emulator.DefaultSecret}), target.WithBaseURL(ts.URL)}, wantName: "sandbox(" + ts.URL + ")"},
		{name: "case=sandbox-no-env", spec: "sandbox", opts: []target.Option{target.WithEnv(noEnv)}, wantErr: "STYTCH_PROJECT_ID and STYTCH_SECRET"},
		{name: "case=stytch-url", spec: "https://test.stytch.com", wantErr: `use the "sandbox" target`},
		{name: "case=stytch-url-trailing-dot", spec: "https://test.stytch.com.", wantErr: `use the "sandbox" target`},
		{name: "case=stytch-apex-trailing-dot", spec: "https://STYTCH.COM./v1", wantErr: `use the "sandbox" target`},
		{name: "case=stytch-url-trailing-dot-port", spec: "http://api.stytch.com.:443", wantErr: `use the "sandbox" target`},
		{name: "case=bad-scheme", spec: "ftp://127.0.0.1:9010", wantErr: "unknown target"},
		{name: "case=bad-word", spec: "emulater", wantErr: "unknown target"},
		{name: "case=no-host", spec: "http://", wantErr: "want http://host:port"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, err := target.NewOpener(tc.spec, tc.opts...)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantName, o.Name())
			tg, err := o.Open(context.Background())
			require.NoError(t, err)
			defer tg.Close()
			assert.Equal(t, tc.wantName, tg.Name())
			for _, c := range target.AllCapabilities() {
				assert.Equal(t, o.Has(c), tg.Has(c), "opener and target agree on %s", c)
			}
			_, err = tg.NewIdentity(context.Background(), false)
			require.NoError(t, err)
		})
	}
}

func TestOpen_Emulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o, err := target.NewOpener("emulator")
	require.NoError(t, err)
	assert.False(t, o.Acceptance())
	tg, err := o.Open(ctx)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	id, err := tg.NewIdentity(ctx, true)
	require.NoError(t, err)
	created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
	require.NoError(t, err)
	tg.Track(created.UserID)
}

// isolation opens two targets from o and checks that neither sees the other's clock or codes.
func isolation(t *testing.T, o target.Opener) {
	t.Helper()
	ctx := context.Background()
	a, err := o.Open(ctx)
	require.NoError(t, err)
	closeAtEnd(t, a)
	b, err := o.Open(ctx)
	require.NoError(t, err)
	closeAtEnd(t, b)

	require.NoError(t, a.Advance(ctx, time.Hour))
	assert.WithinDuration(t, time.Now().Add(time.Hour), a.Now(), 5*time.Second)
	assert.WithinDuration(t, time.Now(), b.Now(), 5*time.Second, "b's clock did not move")

	id, err := a.NewIdentity(ctx, true)
	require.NoError(t, err)
	created, err := a.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
	require.NoError(t, err)
	a.Track(created.UserID)
	_, err = a.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
	require.NoError(t, err)
	_, err = a.Code(ctx, id.Email)
	require.NoError(t, err)
	_, err = b.Code(ctx, id.Email)
	require.ErrorIs(t, err, target.ErrNoCode, "b does not see a's messages")
	// The same email is free in b's project.
	created, err = b.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
	require.NoError(t, err)
	b.Track(created.UserID)
}

func TestInProcessOpener_Isolation(t *testing.T) {
	t.Parallel()
	isolation(t, target.NewInProcessOpener(nil))
}

func TestRemoteOpener_Isolation(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	o, err := target.NewRemoteOpener(ts.URL)
	require.NoError(t, err)
	isolation(t, o)
}

// parallelScenarios runs n scenarios at once on targets of o: each signs up, gets a code and
// authenticates with it, moves its clock, and cleans up.
func parallelScenarios(t *testing.T, o target.Opener, n int) {
	t.Helper()
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- func() error {
				tg, err := o.Open(ctx)
				if err != nil {
					return err
				}
				defer tg.Close()
				id, err := tg.NewIdentity(ctx, true)
				if err != nil {
					return err
				}
				created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
				if err != nil {
					return fmt.Errorf("scenario %d: %w", i, err)
				}
				tg.Track(created.UserID)
				if _, err := tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email}); err != nil {
					return err
				}
				if _, err := tg.Code(ctx, id.Email); err != nil {
					return err
				}
				before := tg.Now()
				if err := tg.Advance(ctx, time.Duration(i+1)*time.Minute); err != nil {
					return err
				}
				if moved := tg.Now().Sub(before); moved < time.Duration(i+1)*time.Minute-time.Second || moved > time.Duration(i+1)*time.Minute+5*time.Second {
					return fmt.Errorf("scenario %d: clock moved %s", i, moved)
				}
				return tg.Cleanup(ctx)
			}()
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		assert.NoError(t, err)
	}
}

func TestOpeners_ParallelScenarios(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	remote, err := target.NewRemoteOpener(ts.URL)
	require.NoError(t, err)
	t.Run("case=in-process", func(t *testing.T) { t.Parallel(); parallelScenarios(t, target.NewInProcessOpener(nil), 16) })
	t.Run("case=remote", func(t *testing.T) { t.Parallel(); parallelScenarios(t, remote, 16) })
}

// logRecorder collects log lines.
type logRecorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *logRecorder) logf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lines = append(r.lines, fmt.Sprintf(format, args...))
}

func (r *logRecorder) all() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string{}, r.lines...)
}

// fallback checks that o falls back on the default project, once and loudly.
func fallback(t *testing.T, o interface {
	target.Opener
	Shared() bool
}, logs *logRecorder, hint string) {
	t.Helper()
	ctx := context.Background()
	for range 2 {
		tg, err := o.Open(ctx)
		require.NoError(t, err)
		closeAtEnd(t, tg)
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		tg.Track(created.UserID)
		require.NoError(t, tg.Advance(ctx, time.Minute))
	}
	assert.True(t, o.Shared())
	lines := logs.all()
	require.Len(t, lines, 1, "the fallback is logged once")
	assert.Contains(t, lines[0], hint)
	assert.Contains(t, lines[0], emulator.DefaultProjectID)
}

func TestRemoteOpener_FallbackWithoutAutoProvision(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t) // no auto-provisioning: only the default project
	logs := &logRecorder{}
	o, err := target.NewRemoteOpener(ts.URL, target.WithLogger(logs.logf), target.WithEnv(noEnv))
	require.NoError(t, err)
	fallback(t, o, logs, "without --auto-provision=false")
	tg, err := openAs[*target.Remote](context.Background(), o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.True(t, tg.Shared())
	assert.Equal(t, emulator.DefaultProjectID, tg.ProjectID())
}

func TestInProcessOpener_FallbackWithoutAutoProvision(t *testing.T) {
	t.Parallel()
	logs := &logRecorder{}
	o := target.NewInProcessOpener(emulator.New(), target.WithLogger(logs.logf), target.WithEnv(noEnv))
	fallback(t, o, logs, "emulator.WithAutoProvision()")
	tg, err := openAs[*target.InProcess](context.Background(), o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.True(t, tg.Shared())
	assert.Equal(t, emulator.DefaultProjectID, tg.ProjectID())
}

func TestRemoteOpener_FallbackCredentialsFromEnv(t *testing.T) {
	t.Parallel()
	ts := emulator.NewTestServer(t, emulator.WithProject("project-test-ci", "secret-test-ci"))
	env := map[string]string{target.EnvProjectID: "project-test-ci", target.EnvSecret: "secret-test-ci"}
	o, err := target.NewRemoteOpener(ts.URL, target.WithLogger(func(string, ...any) {}), target.WithEnv(func(k string) string { return env[k] }))
	require.NoError(t, err)
	tg, err := openAs[*target.Remote](context.Background(), o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	assert.Equal(t, "project-test-ci", tg.ProjectID())
}

func TestRemoteOpener_NoEmulator(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	notEmulator := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(notEmulator.Close)
	o, err := target.NewRemoteOpener(notEmulator.URL, target.WithLogger(func(string, ...any) {}))
	require.NoError(t, err)
	_, err = o.Open(ctx)
	var ce *target.ControlError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, http.StatusNotFound, ce.StatusCode)

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	o, err = target.NewRemoteOpener(closed.URL)
	require.NoError(t, err)
	_, err = o.Open(ctx)
	require.Error(t, err)
	assert.False(t, errors.As(err, &ce), "a connection error is not a control error")
	assert.True(t, strings.Contains(err.Error(), closed.URL))
}

func TestParseCapability(t *testing.T) {
	t.Parallel()
	for _, c := range target.AllCapabilities() {
		got, err := target.ParseCapability(string(c))
		require.NoError(t, err)
		assert.Equal(t, c, got)
	}
	_, err := target.ParseCapability("time-travel")
	require.ErrorContains(t, err, `unknown capability "time-travel"`)
}

// sharedOpener is an emulator opener that may fall back on a shared project.
type sharedOpener interface {
	target.Opener
	Shared() bool
}

// TestOpeners_SharedProjectLacksIsolationCapabilities: once an emulator opener falls back on the
// one shared project (the emulator does not auto-provision), neither it nor its targets claim
// clock-control, fault-injection or revocation-timing, which concurrent scenarios on one project
// would break for each other; the other capabilities stay. On a project of their own they have all.
func TestOpeners_SharedProjectLacksIsolationCapabilities(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	isolationCaps := []target.Capability{target.ClockControl, target.FaultInjection, target.RevocationTiming}
	otherCaps := []target.Capability{target.ReadCodes, target.RealPasswordCheck}
	newOpeners := map[string]func(t *testing.T, autoProvision bool, logf func(string, ...any)) sharedOpener{
		"in-process": func(t *testing.T, autoProvision bool, logf func(string, ...any)) sharedOpener {
			var opts []emulator.Option
			if autoProvision {
				opts = append(opts, emulator.WithAutoProvision())
			}
			return target.NewInProcessOpener(emulator.New(opts...), target.WithLogger(logf), target.WithEnv(noEnv))
		},
		"remote": func(t *testing.T, autoProvision bool, logf func(string, ...any)) sharedOpener {
			var opts []emulator.Option
			if autoProvision {
				opts = append(opts, emulator.WithAutoProvision())
			}
			o, err := target.NewRemoteOpener(emulator.NewTestServer(t, opts...).URL, target.WithLogger(logf), target.WithEnv(noEnv))
			require.NoError(t, err)
			return o
		},
	}
	for name, newOpener := range newOpeners {
		t.Run("case="+name+"/shared", func(t *testing.T) {
			t.Parallel()
			logs := &logRecorder{}
			o := newOpener(t, false, logs.logf)
			assert.True(t, o.Has(target.ClockControl), "before the first Open the opener cannot know")
			tg, err := o.Open(ctx)
			require.NoError(t, err)
			closeAtEnd(t, tg)
			require.True(t, o.Shared())
			assert.True(t, tg.Shared())
			for _, c := range isolationCaps {
				assert.False(t, o.Has(c), "opener claims %s on a shared project", c)
				assert.False(t, tg.Has(c), "target claims %s on a shared project", c)
			}
			for _, c := range otherCaps {
				assert.True(t, o.Has(c), "opener lost %s", c)
				assert.True(t, tg.Has(c), "target lost %s", c)
			}
			missing, reason := target.Lacks(tg, target.ReadCodes, target.ClockControl, target.RevocationTiming)
			assert.Equal(t, []target.Capability{target.ClockControl, target.RevocationTiming}, missing)
			assert.Equal(t, "target "+tg.Name()+" lacks clock-control, revocation-timing ("+target.SharedNote+")", reason)
			lines := logs.all()
			require.Len(t, lines, 1)
			assert.Contains(t, lines[0], "no longer claim clock-control, fault-injection, revocation-timing")
		})
		t.Run("case="+name+"/own project", func(t *testing.T) {
			t.Parallel()
			o := newOpener(t, true, t.Logf)
			tg, err := o.Open(ctx)
			require.NoError(t, err)
			closeAtEnd(t, tg)
			assert.False(t, o.Shared())
			assert.False(t, tg.Shared())
			missing, reason := target.Lacks(tg, target.AllCapabilities()...)
			assert.Empty(t, missing)
			assert.Empty(t, reason)
			for _, c := range target.AllCapabilities() {
				assert.True(t, o.Has(c), "opener lacks %s", c)
				assert.True(t, tg.Has(c), "target lacks %s", c)
			}
		})
	}
	assert.False(t, mustSandbox(t).Shared(), "the sandbox is never shared")
}

// mustSandbox returns a sandbox opener on made-up test credentials (no I/O).
func mustSandbox(t *testing.T) target.Opener {
	t.Helper()
	o, err := target.NewSandboxOpener(target.NewTestCredentials())
	require.NoError(t, err)
	return o
}

// TestRemoteOpener_RefusesLiveFallbackCredentials: the fallback project of an emulator URL target
// goes over the network (often plain HTTP), so a live project there is refused at once, like the
// sandbox's, whether it comes from the environment or from WithCredentials.
func TestRemoteOpener_RefusesLiveFallbackCredentials(t *testing.T) {
	t.Parallel()
	const liveID = "project-live-00000000-0000-4000-8000-000000000001"
	live := map[string]string{target.EnvProjectID: liveID, target.EnvSecret: "secret-live-x"}
	liveEnv := target.WithEnv(func(k string) string { return live[k] })
	_, err := target.NewRemoteOpener("http://127.0.0.1:9010", liveEnv)
	require.ErrorContains(t, err, "refusing a live project: "+liveID)
	assert.ErrorContains(t, err, "fallback project from $STYTCH_PROJECT_ID and $STYTCH_SECRET")

	_, err = target.NewOpener("http://127.0.0.1:9010", liveEnv)
	require.ErrorContains(t, err, "refusing a live project")

	_, err = target.NewRemoteOpener("http://127.0.0.1:9010", target.WithEnv(noEnv),
		target.WithCredentials(target.Credentials{ProjectID: liveID, Secret: "secret-live-x"}))
	require.ErrorContains(t, err, "fallback project from WithCredentials: refusing a live project")

	notTest := map[string]string{target.EnvProjectID: "project-prod-1", target.EnvSecret: "s"}
	_, err = target.NewRemoteOpener("http://127.0.0.1:9010", target.WithEnv(func(k string) string { return notTest[k] }))
	require.ErrorContains(t, err, "not a Stytch test project id")

	// Test credentials and the emulator's defaults are fine.
	_, err = target.NewRemoteOpener("http://127.0.0.1:9010", target.WithEnv(noEnv))
	require.NoError(t, err)
}

// TestWithOneProject: every target of the opener is on the one project, emptied first, with every
// capability; an auto-provisioning emulator creates it on first use.
func TestWithOneProject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	creds := target.NewTestCredentials()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	for name, o := range map[string]target.Opener{
		"remote":     mustRemote(t, ts.URL, target.WithOneProject(), target.WithCredentials(creds)),
		"in-process": target.NewInProcessOpener(emulator.New(emulator.WithAutoProvision()), target.WithOneProject(), target.WithCredentials(creds)),
	} {
		t.Run("case="+name, func(t *testing.T) {
			first, err := o.Open(ctx)
			require.NoError(t, err)
			closeAtEnd(t, first)
			id, err := first.NewIdentity(ctx, false)
			require.NoError(t, err)
			created, err := first.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
			require.NoError(t, err)
			require.NoError(t, first.Advance(ctx, time.Hour))

			second, err := o.Open(ctx)
			require.NoError(t, err)
			closeAtEnd(t, second)
			assert.False(t, second.Shared())
			missing, _ := target.Lacks(second, target.AllCapabilities()...)
			assert.Empty(t, missing)
			_, err = second.Client().Users.Get(ctx, &users.GetParams{UserID: created.UserID})
			requireErrorType(t, err, "user_not_found")
			assert.WithinDuration(t, time.Now(), second.Now(), time.Minute, "the clock is back on real time")
		})
	}
}

// mustRemote returns a remote opener on url.
func mustRemote(t *testing.T, url string, opts ...target.Option) target.Opener {
	t.Helper()
	o, err := target.NewRemoteOpener(url, opts...)
	require.NoError(t, err)
	return o
}
