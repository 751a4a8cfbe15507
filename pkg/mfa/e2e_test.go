package mfa

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/internal/contract"
)

// The middleware end to end against the emulator, through stytch-go: the same scenario as the
// in-memory one, with sessions, factors and time all coming from the emulator (its clock is the
// app's clock, as the harness wires it).

func TestMFAScenarioOnEmulator(t *testing.T) {
	t.Run("case=in-process", func(t *testing.T) {
		e := emulator.New()
		// Every exchange is checked against Stytch's published OpenAPI description too.
		hc := &http.Client{Transport: contract.Collect(t)(e.Transport())}
		c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
			stytchapi.WithHTTPClient(hc), stytchapi.WithBaseURI(emulator.InProcessURL))
		if err != nil {
			t.Fatal(err)
		}
		runMFAScenario(t, newEmulatorBackend(t, e, c))
	})
	t.Run("case=over HTTP", func(t *testing.T) {
		ts := emulator.NewTestServer(t)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(tr.CloseIdleConnections)
		hc := &http.Client{Transport: contract.Collect(t)(tr)}
		c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
			stytchapi.WithHTTPClient(hc), stytchapi.WithBaseURI(ts.URL))
		if err != nil {
			t.Fatal(err)
		}
		runMFAScenario(t, newEmulatorBackend(t, ts.Emulator, c))
	})
}

// emulatorBackend drives the guide's flow on the emulator for runMFAScenario.
type emulatorBackend struct {
	e     *emulator.Emulator
	c     *stytchapi.API
	email string
	phone string
}

const e2ePassword = "mfa-e2e-correct-horse-battery-91!"

func newEmulatorBackend(t *testing.T, e *emulator.Emulator, c *stytchapi.API) *emulatorBackend {
	t.Helper()
	ctx := context.Background()
	b := &emulatorBackend{e: e, c: c, email: "mfa-e2e@example.com", phone: "+15555550142"}
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: b.email, Password: e2ePassword, SessionDurationMinutes: 30})
	if err != nil {
		t.Fatal(err)
	}
	// The guide assumes a verified email: verify it with an email code on the sign-up session.
	if _, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: b.email}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: created.EmailID, Code: b.code(t, b.email), SessionToken: created.SessionToken}); err != nil {
		t.Fatal(err)
	}
	return b
}

func (b *emulatorBackend) code(t *testing.T, to string) string {
	t.Helper()
	msgs := b.e.Project(emulator.DefaultProjectID).Messages(to)
	if len(msgs) == 0 {
		t.Fatalf("no code sent to %s", to)
	}
	return msgs[len(msgs)-1].Code
}

func (b *emulatorBackend) Sessions() SessionAuthenticator { return b.c.Sessions }

func (b *emulatorBackend) Clock() Clock { return b.e.Project(emulator.DefaultProjectID).Clock() }

func (b *emulatorBackend) Advance(t *testing.T, d time.Duration) {
	if _, err := b.e.Project(emulator.DefaultProjectID).Clock().Advance(d); err != nil {
		t.Fatal(err)
	}
}

func (b *emulatorBackend) LoginPassword(t *testing.T) string {
	resp, err := b.c.Passwords.Authenticate(context.Background(), &passwords.AuthenticateParams{Email: b.email, Password: e2ePassword, SessionDurationMinutes: 60})
	if err != nil {
		t.Fatal(err)
	}
	return resp.SessionToken
}

func (b *emulatorBackend) AuthenticateSMS(t *testing.T, token string) string {
	ctx := context.Background()
	sent, err := b.c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: b.phone, SessionToken: token})
	if err != nil {
		t.Fatal(fmt.Errorf("sms send: %w", err))
	}
	resp, err := b.c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: b.code(t, b.phone), SessionToken: token})
	if err != nil {
		t.Fatal(fmt.Errorf("otp authenticate: %w", err))
	}
	return resp.SessionToken
}
