package mfa

import (
	"context"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// TestMagicLinkFactorsOnEmulator: the factors the emulator records for an email magic link and an
// embeddable one are the ones MagicLink and EmbeddedMagicLink name, so a policy of "magic link and
// SMS" is met once the magic-link session is stepped up with an SMS code, and an embeddable link
// does not count as a second category.
func TestMagicLinkFactorsOnEmulator(t *testing.T) {
	ctx := context.Background()
	e := emulator.New()
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		t.Fatal(err)
	}
	const addr, phone = "mfa-link@example.com", "+15555550177"
	if _, err := c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: addr}); err != nil {
		t.Fatal(err)
	}
	msgs := e.Project(emulator.DefaultProjectID).Messages(addr)
	link, err := c.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: msgs[len(msgs)-1].Token, SessionDurationMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	now := e.Project(emulator.DefaultProjectID).Clock().Now()
	policy := Policy{Require: []Requirement{MagicLink, SMS}}
	if r := policy.Check(link.Session, now); r.Decision != MFA {
		t.Fatalf("magic link alone: want %s, got %+v", MFA, r)
	}
	sent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: link.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	msgs = e.Project(emulator.DefaultProjectID).Messages(phone)
	up, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: msgs[len(msgs)-1].Code, SessionToken: link.SessionToken})
	if err != nil {
		t.Fatal(err)
	}
	if r := policy.Check(up.Session, now); r.Decision != Allow {
		t.Fatalf("magic link + SMS: want %s, got %+v", Allow, r)
	}

	made, err := c.MagicLinks.Create(ctx, &magiclinks.CreateParams{UserID: link.UserID})
	if err != nil {
		t.Fatal(err)
	}
	embedded, err := c.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: made.Token, SessionDurationMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	if !EmbeddedMagicLink.Met(embedded.Session.AuthenticationFactors) || MagicLink.Met(embedded.Session.AuthenticationFactors) {
		t.Fatalf("embeddable link: want only %s, got %+v", EmbeddedMagicLink, embedded.Session.AuthenticationFactors)
	}
	if DistinctCategories(1).Met(embedded.Session.AuthenticationFactors) {
		t.Fatal("an embeddable link proves no category")
	}
}
