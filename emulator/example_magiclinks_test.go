package emulator_test

import (
	"context"
	"fmt"
	"net/url"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// A magic-link login: the app asks for a link, the test "clicks" the URL the email carries, and
// the app authenticates the token from it.
func Example_magicLinkLogin() {
	e := emulator.New()
	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		panic(err)
	}
	ctx := context.Background()
	const email = "ada@example.com"
	if _, err := client.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{
		Email:              email,
		LoginMagicLinkURL:  "http://localhost:3000/authenticate",
		SignupMagicLinkURL: "http://localhost:3000/authenticate",
	}); err != nil {
		panic(err)
	}

	// The outbox holds the link the user would click.
	msgs := e.Project(emulator.DefaultProjectID).Messages(email)
	link, err := url.Parse(msgs[len(msgs)-1].URL)
	if err != nil {
		panic(err)
	}
	fmt.Println(msgs[len(msgs)-1].LinkType, link.Host+link.Path, link.Query().Get("stytch_token_type"))

	// The app's /authenticate route reads the token from the URL.
	resp, err := client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{
		Token:                  link.Query().Get("token"),
		SessionDurationMinutes: 60,
	})
	if err != nil {
		panic(err)
	}
	f := resp.Session.AuthenticationFactors[0]
	fmt.Println(f.Type, f.DeliveryMethod, f.EmailFactor.EmailAddress, resp.User.Emails[0].Verified)

	// A magic link works once.
	_, err = client.MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: link.Query().Get("token")})
	fmt.Println(errType(err))
	// Output:
	// signup localhost:3000/authenticate magic_links
	// magic_link email ada@example.com true
	// unable_to_auth_magic_link
}
