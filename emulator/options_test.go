package emulator_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// TestWithFaultsOption checks the in-process twin of POST /emulator/v1/faults: a fault given at
// construction fails the matching request once, then the endpoint works again.
func TestWithFaultsOption(t *testing.T) {
	e := emulator.New(emulator.WithFaults(emulator.DefaultProjectID, emulator.Fault{
		Method: "POST", Path: "/v1/otps/sms/send", Status: 429, ErrorType: "too_many_requests",
	}))
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	require.NoError(t, err)
	params := &sms.SendParams{PhoneNumber: emulator.SandboxPhone}
	_, err = c.OTPs.Sms.Send(context.Background(), params)
	var se stytcherror.Error
	require.ErrorAs(t, err, &se)
	require.EqualValues(t, 429, se.StatusCode)
	require.Equal(t, "too_many_requests", string(se.ErrorType))
	_, err = c.OTPs.Sms.Send(context.Background(), params)
	require.NoError(t, err)
	reqs := e.Project(emulator.DefaultProjectID).Requests()
	require.Len(t, reqs, 2)
	require.Equal(t, "too_many_requests", reqs[0].ErrorType)
	require.Equal(t, 200, reqs[1].Status)
}

// Bad options fail Build with the reason and make New panic, never silently used or answered
// with a 500 on every later request.
func TestBadOptionsReported(t *testing.T) {
	for name, opt := range map[string]emulator.Option{
		"cost":          emulator.WithPasswordCost(3),
		"rotation":      emulator.WithTokenRotation("sometimes", 0),
		"key":           emulator.WithSigningKey([]byte("not a key"), ""),
		"fault":         emulator.WithFaults(emulator.DefaultProjectID, emulator.Fault{Method: "GET", Path: "/v1/nowhere", Status: 500, ErrorType: "internal_server_error"}),
		"fault project": emulator.WithFaults("project-test-nope", emulator.Fault{Method: "GET", Path: "/v1/rbac/policy", Status: 500, ErrorType: "internal_server_error"}),
	} {
		e, err := emulator.Build(opt)
		require.Error(t, err, name)
		require.Nil(t, e, name)
		require.PanicsWithValue(t, "emulator: "+err.Error(), func() { emulator.New(opt) }, name)
	}
	e, err := emulator.Build()
	require.NoError(t, err)
	status, _ := serve(e, "GET", "/emulator/v1/health", nil, nil)
	require.Equal(t, 200, status)
}
