package emulator_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func newClient(t *testing.T, e *emulator.Emulator) *stytchapi.API {
	t.Helper()
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	require.NoError(t, err)
	return c
}

func TestGuideFlowInProcess(t *testing.T) {
	ctx := context.Background()
	e := emulator.New(emulator.WithClock(time.Now))
	c := newClient(t, e)
	clock := e.Project(emulator.DefaultProjectID).Clock()

	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "ada@example.com", Password: "correct-horse-battery-staple-91!", SessionDurationMinutes: 30})
	require.NoError(t, err)
	// Verify the email first (the guide assumes a verified email), with the sign-up session so the
	// password stays usable.
	sent, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: "ada@example.com"})
	require.NoError(t, err)
	require.Equal(t, created.EmailID, sent.EmailID)
	msgs := e.Project(emulator.DefaultProjectID).Messages("ada@example.com")
	require.Len(t, msgs, 1)
	_, err = c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: msgs[0].Code, SessionToken: created.SessionToken})
	require.NoError(t, err)

	pw, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "ada@example.com", Password: "correct-horse-battery-staple-91!", SessionDurationMinutes: 60})
	require.NoError(t, err)
	require.Len(t, pw.Session.AuthenticationFactors, 1)
	smsSent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: "+15555550123", SessionToken: pw.SessionToken})
	require.NoError(t, err)
	code := e.Project(emulator.DefaultProjectID).Messages("+15555550123")[0].Code
	stepped, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: smsSent.PhoneID, Code: code, SessionToken: pw.SessionToken})
	require.NoError(t, err)
	require.Len(t, stepped.Session.AuthenticationFactors, 2)
	require.NotEqual(t, pw.SessionToken, stepped.SessionToken)
	require.Equal(t, pw.Session.SessionID, stepped.Session.SessionID)

	// Local JWT verification through the SDK.
	local, err := c.Sessions.AuthenticateJWTLocal(stepped.SessionJWT, time.Minute)
	require.NoError(t, err)
	require.Len(t, local.AuthenticationFactors, 2)

	// The old token works in the grace period, then not.
	_, err = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
	require.NoError(t, err)
	_, err = clock.Advance(61 * time.Second)
	require.NoError(t, err)
	_, err = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
	var se stytcherror.Error
	require.ErrorAs(t, err, &se)
	require.Equal(t, "session_not_found", string(se.ErrorType))
	got, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: stepped.SessionToken})
	require.NoError(t, err)
	require.Len(t, got.Session.AuthenticationFactors, 2)
}
