package emulator_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

const benchPassword = "correct-horse-battery-staple-91!"

// BenchmarkGuideFlow is the MFA guide's flow in-process through the official SDK: password
// authenticate → SMS send with the session → OTP authenticate with the session → sessions authenticate.
func BenchmarkGuideFlow(b *testing.B) {
	ctx := context.Background()
	e := emulator.New()
	c := newClientB(b, e)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "flow@example.com", Password: benchPassword, SessionDurationMinutes: 30})
	if err != nil {
		b.Fatal(err)
	}
	verifyEmailB(b, e, c, "flow@example.com", created.SessionToken)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		pw, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "flow@example.com", Password: benchPassword, SessionDurationMinutes: 60})
		if err != nil {
			b.Fatal(err)
		}
		phone := fmt.Sprintf("+1555%07d", i%10_000_000)
		sent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: pw.SessionToken})
		if err != nil {
			b.Fatal(err)
		}
		msgs := e.Project(emulator.DefaultProjectID).Messages(phone)
		got, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: msgs[len(msgs)-1].Code, SessionToken: pw.SessionToken})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: got.SessionToken}); err != nil {
			b.Fatal(err)
		}
		// Remove the phone again so the user never holds two unverified factors.
		if _, err := c.Users.DeletePhoneNumber(ctx, &users.DeletePhoneNumberParams{PhoneID: sent.PhoneID}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEndpoint measures single requests through ServeHTTP (no SDK), with allocations.
func BenchmarkEndpoint(b *testing.B) {
	ctx := context.Background()
	e := emulator.New()
	c := newClientB(b, e)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: "ep@example.com", Password: benchPassword, SessionDurationMinutes: 600})
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"sessions_authenticate", "POST", "/v1/sessions/authenticate", map[string]any{"session_token": created.SessionToken}, 200},
		{"passwords_authenticate", "POST", "/v1/passwords/authenticate", map[string]any{"email": "ep@example.com", "password": benchPassword}, 200},
		{"passwords_authenticate_session", "POST", "/v1/passwords/authenticate", map[string]any{"email": "ep@example.com", "password": benchPassword, "session_duration_minutes": 60}, 200},
		{"otps_email_send", "POST", "/v1/otps/email/send", map[string]any{"email": "ep@example.com"}, 200},
		{"users_get", "GET", "/v1/users/" + created.UserID, nil, 200},
		{"sessions_get", "GET", "/v1/sessions?user_id=" + created.UserID, nil, 200},
		{"jwks", "GET", "/v1/sessions/jwks/" + emulator.DefaultProjectID, nil, 200},
		{"strength_check", "POST", "/v1/passwords/strength_check", map[string]any{"password": benchPassword}, 200},
		{"error_404_route", "GET", "/v1/nope", nil, 404},
		{"error_401_auth", "POST", "/v1/sessions/authenticate", map[string]any{"session_token": created.SessionToken}, 401},
	}
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret))
	for _, tc := range cases {
		var body []byte
		if tc.body != nil {
			body, _ = json.Marshal(tc.body)
		}
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				r := httptest.NewRequest(tc.method, tc.path, bytes.NewReader(body))
				if tc.want != http.StatusUnauthorized {
					r.Header.Set("Authorization", auth)
				}
				w := httptest.NewRecorder()
				e.ServeHTTP(w, r)
				if w.Code != tc.want {
					b.Fatalf("status %d, want %d: %s", w.Code, tc.want, w.Body)
				}
			}
		})
	}
}

// newClientB is a stytch-go client on the emulator, in-process.
func newClientB(b *testing.B, e *emulator.Emulator) *stytchapi.API {
	b.Helper()
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// verifyEmailB verifies a user's email with an email OTP on the sign-up session, as the MFA guide
// assumes.
func verifyEmailB(b *testing.B, e *emulator.Emulator, c *stytchapi.API, addr, sessionToken string) {
	b.Helper()
	ctx := context.Background()
	sent, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: addr})
	if err != nil {
		b.Fatal(err)
	}
	msgs := e.Project(emulator.DefaultProjectID).Messages(addr)
	if _, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: msgs[len(msgs)-1].Code, SessionToken: sessionToken}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkSignUp measures POST /v1/passwords (a new user, its password hash, the strength check
// and a session JWT) through ServeHTTP.
func BenchmarkSignUp(b *testing.B) {
	e := emulator.New()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret))
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		body, _ := json.Marshal(map[string]any{"email": fmt.Sprintf("signup%d@example.com", i), "password": benchPassword, "session_duration_minutes": 60})
		r := httptest.NewRequest("POST", "/v1/passwords", bytes.NewReader(body))
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
		i++
	}
}
