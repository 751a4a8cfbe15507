package mfa_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/stytch-emulator/stytchemu/pkg/mfa"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// Protect one route with password + SMS, and a sensitive one that also needs
// the SMS code to be at most five minutes old. In production Sessions is
// stytchapi.API.Sessions and Clock is left nil.
func Example() {
	mw := &mfa.Middleware{Sessions: stytchStub{}, Clock: mfa.ClockFunc(func() time.Time { return now })}
	protected := mfa.Policy{Require: []mfa.Requirement{mfa.Password, mfa.SMS}}

	mux := http.NewServeMux()
	mux.Handle("/account", mw.Require(protected)(http.HandlerFunc(hello)))
	mux.Handle("/transfer", mw.Require(protected.WithStepUp(mfa.SMS, 5*time.Minute))(http.HandlerFunc(hello)))

	for _, path := range []string{"/account", "/transfer"} {
		req := httptest.NewRequest("POST", path, nil)
		req.AddCookie(&http.Cookie{Name: "stytch_session", Value: "token-with-sms-7m-old"})
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		fmt.Print(rec.Code, " ", rec.Body)
	}
	// Output:
	// 200 hello user-test-123
	// 403 {"error":"stale_factor","decision":"step_up","missing":[],"stale":[{"factor":"otp/sms","max_age_seconds":300,"last_authenticated_at":"2024-01-02T02:57:05Z","age_seconds":420}]}
}

func hello(w http.ResponseWriter, r *http.Request) {
	s, _ := mfa.SessionFromContext(r.Context())
	fmt.Fprintln(w, "hello", s.UserID)
}

// Check a session directly, e.g. outside HTTP.
func ExamplePolicy_Check() {
	policy := mfa.Policy{Require: []mfa.Requirement{mfa.Password, mfa.AnyOf(mfa.TOTP, mfa.SMS)}}
	session := &sessions.Session{AuthenticationFactors: []sessions.AuthenticationFactor{
		{Type: "password", DeliveryMethod: "knowledge"},
		{Type: "otp", DeliveryMethod: "whatsapp"},
	}}
	res := policy.Check(session, now)
	fmt.Println(res.Decision, res.Decision.Reason(), res.Missing)
	// Output: mfa missing_factor [totp/authenticator_app|otp/sms]
}

var now = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// stytchStub stands in for stytchapi.API.Sessions: it knows one session,
// with a password and an SMS code authenticated seven minutes ago.
type stytchStub struct{}

func (stytchStub) Authenticate(context.Context, *sessions.AuthenticateParams) (*sessions.AuthenticateResponse, error) {
	pw, sms := now.Add(-time.Hour), now.Add(-7*time.Minute)
	return &sessions.AuthenticateResponse{Session: sessions.Session{UserID: "user-test-123",
		AuthenticationFactors: []sessions.AuthenticationFactor{
			{Type: "password", DeliveryMethod: "knowledge", LastAuthenticatedAt: &pw},
			{Type: "otp", DeliveryMethod: "sms", LastAuthenticatedAt: &sms},
		}}}, nil
}
