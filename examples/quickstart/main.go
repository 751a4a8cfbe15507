// Command quickstart is the README's Go quickstart: against a running stytch-emulator it signs up,
// verifies the email, logs in with the password, steps up with an SMS code and prints the session's
// factors. STYTCH_BASE_URL overrides the emulator's address (default http://127.0.0.1:9010).
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

const (
	projectID = "project-test-00000000-0000-4000-8000-000000000000"
	secret    = "secret-test-emulator"
	address   = "grace@example.com"
	phone     = "+15555550124"
	password  = "tarnished-oyster-lantern-71"
)

func main() {
	base := os.Getenv("STYTCH_BASE_URL")
	if base == "" {
		base = "http://127.0.0.1:9010"
	}
	ctx := context.Background()
	client, err := stytchapi.NewClient(projectID, secret, stytchapi.WithBaseURI(base))
	check(err)

	// 1. Sign up with a password. The response carries a session.
	signup, err := client.Passwords.Create(ctx, &passwords.CreateParams{
		Email: address, Password: password, SessionDurationMinutes: 60})
	check(err)

	// 2. Verify the email with a code, inside that session. Stytch lets a user hold one unverified
	//    factor at a time, so the phone can only be added once the email is verified.
	sent, err := client.OTPs.Email.Send(ctx, &email.SendParams{Email: address, SessionToken: signup.SessionToken})
	check(err)
	_, err = client.OTPs.Authenticate(ctx, &otp.AuthenticateParams{
		MethodID: sent.EmailID, Code: lastCode(base, address), SessionToken: signup.SessionToken})
	check(err)

	// 3. Log in with the password: a session with one factor, password/knowledge.
	login, err := client.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{
		Email: address, Password: password, SessionDurationMinutes: 60})
	check(err)

	// 4. Send an SMS code with the session: the phone is attached to this user.
	text, err := client.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: login.SessionToken})
	check(err)

	// 5. Step up with the code the "phone" received. Store the new token: the old one is revoked soon.
	stepUp, err := client.OTPs.Authenticate(ctx, &otp.AuthenticateParams{
		MethodID: text.PhoneID, Code: lastCode(base, phone), SessionToken: login.SessionToken})
	check(err)

	// 6. The session now carries both factors, each with its own timestamps.
	s, err := client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: stepUp.SessionToken})
	check(err)
	for _, f := range s.Session.AuthenticationFactors {
		fmt.Println(f.Type, f.DeliveryMethod, f.LastAuthenticatedAt.Format("15:04:05"))
	}
}

// lastCode reads the newest code "sent" to a phone or email from the emulator's outbox.
func lastCode(base, to string) string {
	req, err := http.NewRequest(http.MethodGet, base+"/emulator/v1/messages?to="+url.QueryEscape(to), nil)
	check(err)
	req.SetBasicAuth(projectID, secret)
	resp, err := http.DefaultClient.Do(req)
	check(err)
	defer resp.Body.Close()
	var out struct{ Messages []struct{ Code string } }
	check(json.NewDecoder(resp.Body).Decode(&out))
	if len(out.Messages) == 0 {
		log.Fatalf("no message was sent to %s", to)
	}
	return out.Messages[len(out.Messages)-1].Code
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
