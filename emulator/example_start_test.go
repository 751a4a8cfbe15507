package emulator_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// exampleT stands in for the *testing.T a real test passes to NewTestServer.
type exampleT struct{ cleanups []func() }

func (t *exampleT) Helper()          {}
func (t *exampleT) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }
func (t *exampleT) done() {
	for _, f := range t.cleanups {
		f()
	}
}

var _ emulator.TB = (*testing.T)(nil) // a *testing.T is what tests pass

// The emulator on a loopback port for the test, as a test of an app's SMS code would use it.
func ExampleNewTestServer() {
	t := &exampleT{} // in a test: the test's *testing.T
	defer t.done()
	ts := emulator.NewTestServer(t)
	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithBaseURI(ts.URL))
	if err != nil {
		panic(err)
	}
	sent, err := client.OTPs.Sms.LoginOrCreate(context.Background(), &sms.LoginOrCreateParams{PhoneNumber: "+15555550123"})
	if err != nil {
		panic(err)
	}
	msgs := ts.Project(emulator.DefaultProjectID).Messages("+15555550123")
	fmt.Println(len(msgs), msgs[0].Channel, msgs[0].MethodID == sent.PhoneID)
	// Output: 1 sms true
}

// The emulator with no socket at all: the official client talks to it through its HTTP client.
func ExampleEmulator_HTTPClient() {
	e := emulator.New()
	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		panic(err)
	}
	sent, err := client.OTPs.Sms.LoginOrCreate(context.Background(), &sms.LoginOrCreateParams{PhoneNumber: "+15555550123"})
	if err != nil {
		panic(err)
	}
	fmt.Println(sent.UserCreated, len(e.Project(emulator.DefaultProjectID).Messages("+15555550123")[0].Code))
	// Output: true 6
}
