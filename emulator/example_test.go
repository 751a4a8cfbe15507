package emulator_test

import (
	"context"
	"fmt"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// The emulator in-process, with no socket: the official client, a code read from the outbox, and
// the virtual clock.
func Example() {
	e := emulator.New()
	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	loc, err := client.OTPs.Sms.LoginOrCreate(ctx, &sms.LoginOrCreateParams{PhoneNumber: "+15555550123"})
	if err != nil {
		panic(err)
	}
	project := e.Project(emulator.DefaultProjectID) // the project's test handle
	msgs := project.Messages("+15555550123")
	fmt.Println(loc.UserCreated, msgs[0].Channel, len(msgs[0].Code), msgs[0].MethodID == loc.PhoneID)

	clock := project.Clock()
	before := clock.Now()
	after, _ := clock.Advance(6 * time.Minute)
	fmt.Println(after.Sub(before).Round(time.Minute))
	// Output:
	// true sms 6 true
	// 6m0s
}
