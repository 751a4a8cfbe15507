package drift_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

const stepUpScenario = "step-up: the original session token after the grace period"

// stepUpEndpoints returns the calls of runStepUp, in order.
func stepUpEndpoints() []string {
	return []string{
		"POST /v1/passwords",
		"POST /v1/otps/email/send",
		"POST /v1/otps/authenticate",
		"POST /v1/passwords/authenticate",
		"POST /v1/otps/sms/send",
		"POST /v1/otps/authenticate",
		"POST /v1/sessions/authenticate",
		"POST /v1/sessions/authenticate",
	}
}

// recordStepUp runs the step-up flow on a fresh in-process target of an emulator with the given
// token rotation, recording it, and returns the recording Saved and Loaded back.
func recordStepUp(t *testing.T, rotation emulator.Rotation) drift.Recording {
	t.Helper()
	rec := drift.NewRecorder()
	e := emulator.New(emulator.WithAutoProvision(), emulator.WithTokenRotation(rotation, 0))
	tg, err := target.NewInProcessOpener(e, target.WithTransport(rec.Wrap)).Open(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, tg.Cleanup(context.Background()))
		assert.NoError(t, tg.Close())
	})
	runStepUp(t, drift.WithScenario(context.Background(), stepUpScenario), tg)

	dir := t.TempDir()
	require.NoError(t, rec.Save(dir))
	got, err := drift.Load(dir)
	require.NoError(t, err)
	require.Len(t, got.Scenarios, 1, "only the scenario's calls are recorded (no JWKS fetch, no control API)")
	calls := got.Scenarios[stepUpScenario]
	require.Len(t, calls, len(stepUpEndpoints()))
	for i, c := range calls {
		assert.Equal(t, stepUpEndpoints()[i], c.Endpoint())
	}
	got.Label = "emulator(" + string(rotation) + ")"
	return got
}

// runStepUp: password create (with a session) → email verified by OTP with that session token →
// password authenticate (60 min) → SMS step-up with that session token → sessions.authenticate with
// the original token → 61 s later, the same again. The email is verified first because a user with
// an unverified factor (the email passwords.create adds) cannot add a phone
// (too_many_unverified_factors), on Stytch as on the emulator; it is verified with the sign-up
// session, as in Stytch's email-verification guide, because without a session of the user the
// password would then need a reset (reset_password). The last call's outcome depends on the token
// rotation, so it is not checked.
func runStepUp(t *testing.T, ctx context.Context, tg target.Target) {
	t.Helper()
	c := tg.Client()
	id, err := tg.NewIdentity(ctx, true)
	require.NoError(t, err)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password, SessionDurationMinutes: 60})
	require.NoError(t, err)
	tg.Track(created.UserID)
	emailSent, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
	require.NoError(t, err)
	emailCode, err := tg.Code(ctx, id.Email)
	require.NoError(t, err)
	_, err = c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: emailSent.EmailID, Code: emailCode, SessionToken: created.SessionToken})
	require.NoError(t, err)
	pw, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: id.Email, Password: id.Password, SessionDurationMinutes: 60})
	require.NoError(t, err)
	sent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: id.Phone, SessionToken: pw.SessionToken})
	require.NoError(t, err)
	code, err := tg.Code(ctx, id.Phone)
	require.NoError(t, err)
	_, err = c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: code, SessionToken: pw.SessionToken})
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
	require.NoError(t, err, "the original token works in the grace period")
	require.NoError(t, tg.Advance(ctx, 61*time.Second))
	_, _ = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
}

func TestEndToEnd_RotateVersusKeep(t *testing.T) {
	t.Parallel()
	rotate := recordStepUp(t, emulator.RotateTokens)
	keep := recordStepUp(t, emulator.KeepTokens)

	r := drift.Compare(rotate, keep)
	t.Logf("\n%s", r)
	assert.Equal(t, []drift.Diff{
		{Scenario: stepUpScenario, Call: 8, Endpoint: "POST /v1/sessions/authenticate", Kind: drift.KindStatus, A: "404", B: "200"},
		{Scenario: stepUpScenario, Call: 8, Endpoint: "POST /v1/sessions/authenticate", Kind: drift.KindErrorType, A: "session_not_found"},
	}, r.Diffs)
	assert.Equal(t, `drift: a=emulator(rotate) b=emulator(keep): 2 differences in 1 of 1 scenarios (8 calls compared)

scenario "step-up: the original session token after the grace period":
  call 8 POST /v1/sessions/authenticate:
    status: 404 vs 200
    error_type: session_not_found vs (none)
`, r.String())
}

func TestEndToEnd_SameConfigurationIsEmpty(t *testing.T) {
	t.Parallel()
	for _, rotation := range []emulator.Rotation{emulator.RotateTokens, emulator.KeepTokens} {
		a, b := recordStepUp(t, rotation), recordStepUp(t, rotation)
		r := drift.Compare(a, b)
		assert.True(t, r.Empty(), "%s", r)
		assert.Equal(t, len(stepUpEndpoints()), r.Calls)
	}
}
