package target_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

func TestControlClient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	o, err := target.NewRemoteOpener(ts.URL)
	require.NoError(t, err)
	tg, err := openAs[*target.Remote](ctx, o)
	require.NoError(t, err)
	closeAtEnd(t, tg)
	ctl := tg.Control()

	t.Run("case=health", func(t *testing.T) {
		require.NoError(t, target.NewControlClient(ts.URL, target.Credentials{}, nil).Health(ctx))
	})

	t.Run("case=clock", func(t *testing.T) {
		now, err := ctl.Now(ctx)
		require.NoError(t, err)
		assert.WithinDuration(t, ts.Project(tg.ProjectID()).Clock().Now(), now, time.Second)
		later, err := ctl.Advance(ctx, 90*time.Second)
		require.NoError(t, err)
		assert.WithinDuration(t, now.Add(90*time.Second), later, time.Second)
		set := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		got, err := ctl.SetTime(ctx, set)
		require.NoError(t, err)
		assert.WithinDuration(t, set, got, time.Second)
		_, err = ctl.Advance(ctx, -time.Minute)
		var ce *target.ControlError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, http.StatusBadRequest, ce.StatusCode)
	})

	var userID, emailAddr string
	t.Run("case=messages", func(t *testing.T) {
		id, err := tg.NewIdentity(ctx, true)
		require.NoError(t, err)
		created, err := tg.Client().Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		userID, emailAddr = created.UserID, id.Email
		sent, err := tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: id.Email})
		require.NoError(t, err)
		msgs, err := ctl.Messages(ctx, id.Email)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		assert.Equal(t, "email", msgs[0].Channel)
		assert.Equal(t, sent.EmailID, msgs[0].MethodID)
		assert.Equal(t, created.UserID, msgs[0].UserID)
		_, err = tg.Client().OTPs.Sms.LoginOrCreate(ctx, &sms.LoginOrCreateParams{PhoneNumber: id.Phone})
		require.NoError(t, err)
		byPhone, err := ctl.Messages(ctx, id.Phone)
		require.NoError(t, err)
		require.Len(t, byPhone, 1, "a phone's + is passed intact")
		assert.Equal(t, "sms", byPhone[0].Channel)
		code, err := tg.Code(ctx, id.Phone)
		require.NoError(t, err)
		assert.Equal(t, byPhone[0].Code, code)
	})

	t.Run("case=faults", func(t *testing.T) {
		require.NoError(t, ctl.AddFault(ctx, emulator.Fault{Method: "POST", Path: "/v1/otps/email/send", Delay: 10 * time.Millisecond, Status: 503, ErrorType: "server_unavailable"}))
		_, err := tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: emailAddr})
		requireErrorType(t, err, "server_unavailable")
		require.NoError(t, ctl.AddFault(ctx, emulator.Fault{Method: "POST", Path: "/v1/otps/email/send", Status: 429, ErrorType: "too_many_requests", Times: -1}))
		require.NoError(t, ctl.ClearFaults(ctx))
		_, err = tg.Client().OTPs.Email.Send(ctx, &email.SendParams{Email: emailAddr})
		require.NoError(t, err)
		err = ctl.AddFault(ctx, emulator.Fault{Method: "POST", Path: "/emulator/v1/clock", Status: 500, ErrorType: "x"})
		var ce *target.ControlError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, "bad_request", ce.ErrorType)
	})

	t.Run("case=requests", func(t *testing.T) {
		reqs, err := ctl.Requests(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, reqs)
		var sawFault bool
		for _, r := range reqs {
			sawFault = sawFault || (r.Path == "/v1/otps/email/send" && r.Status == 503)
		}
		assert.True(t, sawFault, "the injected failure is logged")
	})

	t.Run("case=reset", func(t *testing.T) {
		require.NoError(t, ctl.Reset(ctx))
		_, err := tg.Client().Users.Get(ctx, &users.GetParams{UserID: userID})
		requireErrorType(t, err, "user_not_found")
		_, err = tg.Client().Users.Get(ctx, &users.GetParams{UserID: emulator.SandboxUserID})
		require.NoError(t, err, "the sandbox fixtures are restored")
		msgs, err := ctl.Messages(ctx, "")
		require.NoError(t, err)
		assert.Empty(t, msgs)
	})

	t.Run("case=bad-credentials", func(t *testing.T) {
		bad := target.NewControlClient(ts.URL, target.Credentials{ProjectID: tg.ProjectID(), Secret: "wrong"}, nil)
		_, err := bad.Now(ctx)
		var ce *target.ControlError
		require.ErrorAs(t, err, &ce)
		assert.Equal(t, http.StatusUnauthorized, ce.StatusCode)
		assert.Equal(t, "unauthorized_credentials", ce.ErrorType)
		assert.NotEmpty(t, ce.RequestID)
	})
}
