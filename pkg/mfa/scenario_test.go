package mfa

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
)

// backend is the seam for end-to-end tests of the backend MFA guide's flow:
// password, then SMS OTP on the same session, then protected and sensitive
// requests. memBackend implements it in memory; emulatorBackend (e2e_test.go)
// implements it on the emulator through a stytch-go client (Sessions() is
// client.Sessions; LoginPassword uses Passwords.Authenticate with
// SessionDurationMinutes; AuthenticateSMS uses OTPs.Sms.Send +
// OTPs.Authenticate with SessionToken; Clock/Advance use the emulator's
// controllable clock), and TestMFAScenarioOnEmulator runs runMFAScenario on it
// in process and over HTTP.
type backend interface {
	// Sessions is what the middleware authenticates against.
	Sessions() SessionAuthenticator
	// Clock is the time the middleware checks recency with; it must agree
	// with the timestamps the backend puts on factors.
	Clock() Clock
	// Advance moves the clock (and the backend's notion of now) forward.
	Advance(t *testing.T, d time.Duration)
	// LoginPassword starts a session with a password factor and returns its
	// session token.
	LoginPassword(t *testing.T) string
	// AuthenticateSMS sends an SMS OTP and authenticates it against the
	// session, adding or refreshing its otp/sms factor, and returns the
	// session token to use from now on.
	AuthenticateSMS(t *testing.T, token string) string
}

// runMFAScenario walks the guide's flow through Middleware.Require with a
// protected policy (password + SMS) and a sensitive one (SMS within 5m).
func runMFAScenario(t *testing.T, b backend) {
	mw := &Middleware{Sessions: b.Sessions(), Clock: b.Clock()}
	protected := Policy{Require: []Requirement{Password, SMS}}
	mux := http.NewServeMux()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s, _ := SessionFromContext(r.Context())
		fmt.Fprint(w, s.UserID)
	})
	mux.Handle("/account", mw.Require(protected)(ok))
	mux.Handle("/transfer", mw.Require(protected.WithStepUp(SMS, 5*time.Minute))(ok))

	expect := func(step, path, token string, wantStatus int, wantReason string) {
		t.Helper()
		req := httptest.NewRequest(http.MethodPost, path, nil)
		if token != "" {
			req.AddCookie(&http.Cookie{Name: DefaultCookieName, Value: token})
		}
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, req)
		if rec.Code != wantStatus {
			t.Fatalf("%s: %s = %d %s, want %d", step, path, rec.Code, rec.Body, wantStatus)
		}
		if wantReason != "" {
			if want := fmt.Sprintf(`"error":%q`, wantReason); !strings.Contains(rec.Body.String(), want) {
				t.Fatalf("%s: %s body %s, want %s", step, path, rec.Body, want)
			}
		}
	}

	expect("no session", "/account", "", 401, "unauthenticated")
	expect("unknown session", "/account", "session-token-does-not-exist", 401, "unauthenticated")

	tok := b.LoginPassword(t)
	expect("password only", "/account", tok, 403, "missing_factor")
	expect("password only", "/transfer", tok, 403, "missing_factor")

	tok = b.AuthenticateSMS(t, tok)
	expect("password + sms", "/account", tok, 200, "")
	expect("password + sms", "/transfer", tok, 200, "")

	b.Advance(t, 4*time.Minute)
	expect("sms 4m old", "/transfer", tok, 200, "")

	b.Advance(t, 2*time.Minute)
	expect("sms 6m old", "/account", tok, 200, "")
	expect("sms 6m old", "/transfer", tok, 403, "stale_factor")

	tok = b.AuthenticateSMS(t, tok)
	expect("sms re-challenged", "/transfer", tok, 200, "")
}

func TestMFAScenarioInMemory(t *testing.T) {
	runMFAScenario(t, &memBackend{fake: newFake(), now: now})
}

// memBackend is the in-memory backend: sessions live in a fakeSessions and
// factors are stamped with a manual clock.
type memBackend struct {
	mu   sync.Mutex
	fake *fakeSessions
	now  time.Time
	n    int
}

func (b *memBackend) Sessions() SessionAuthenticator { return b.fake }

func (b *memBackend) Clock() Clock {
	return ClockFunc(func() time.Time {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.now
	})
}

func (b *memBackend) Advance(_ *testing.T, d time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.now = b.now.Add(d)
}

func (b *memBackend) LoginPassword(*testing.T) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n++
	tok := fmt.Sprintf("session-token-%d", b.n)
	t := b.now
	b.fake.put(tok, &sessions.Session{UserID: "user-test", AuthenticationFactors: []sessions.AuthenticationFactor{{
		Type: "password", DeliveryMethod: "knowledge", LastAuthenticatedAt: &t, CreatedAt: &t, UpdatedAt: &t,
	}}})
	return tok
}

func (b *memBackend) AuthenticateSMS(t *testing.T, tok string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fake.mu.Lock()
	defer b.fake.mu.Unlock()
	s, ok := b.fake.byCred[tok]
	if !ok {
		t.Fatalf("AuthenticateSMS: unknown session %q", tok)
	}
	now := b.now
	sms := sessions.AuthenticationFactor{
		Type: "otp", DeliveryMethod: "sms", LastAuthenticatedAt: &now, CreatedAt: &now, UpdatedAt: &now,
		PhoneNumberFactor: &sessions.PhoneNumberFactor{PhoneID: "phone-number-test", PhoneNumber: "+12025550162"},
	}
	factors := make([]sessions.AuthenticationFactor, 0, len(s.AuthenticationFactors)+1)
	for _, f := range s.AuthenticationFactors {
		if f.Type == "otp" && f.DeliveryMethod == "sms" {
			sms.CreatedAt = f.CreatedAt
			continue
		}
		factors = append(factors, f)
	}
	cp := *s
	cp.AuthenticationFactors = append(factors, sms)
	b.fake.byCred[tok] = &cp
	return tok
}
