package main

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// flowUsersPerWorker is the pool of users each worker cycles through, so that no phone's outbox
// grows long enough to make reading the code a cost of its own.
const flowUsersPerWorker = 32

// stepUpWindow is how recent the SMS factor must be for the guide's step-up check.
const stepUpWindow = 5 * time.Minute

// flowTarget is where the MFA flow runs: an SDK client and a way to read the code just sent.
type flowTarget struct {
	name string
	c    *stytchapi.API
	code func(ctx context.Context, phone string) (string, error)
}

// flowUser is one user of a worker's pool: a verified email, a password and a phone number.
type flowUser struct{ email, phone string }

// measureFlow is (f): the MFA guide's flow through stytch-go, in-process and over loopback, as
// flows/s and p99 per flow, against the bare crypto the flow must do, measured in the same run.
func measureFlow(ctx context.Context, cfg config, emuURL string) ([]row, error) {
	inproc := emulator.New()
	inprocClient, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret,
		stytchapi.WithHTTPClient(inproc.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL))
	if err != nil {
		return nil, err
	}
	loopClient, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret, stytchapi.WithBaseURI(emuURL))
	if err != nil {
		return nil, err
	}
	targets := []flowTarget{
		{name: "in-process", c: inprocClient, code: func(_ context.Context, phone string) (string, error) {
			msgs := inproc.Project(emulator.DefaultProjectID).Messages(phone)
			if len(msgs) == 0 {
				return "", fmt.Errorf("no message to %s", phone)
			}
			return msgs[len(msgs)-1].Code, nil
		}},
		{name: "loopback", c: loopClient, code: func(ctx context.Context, phone string) (string, error) {
			return loopbackCode(ctx, emuURL, phone)
		}},
	}
	pools := make([][][]flowUser, len(targets)) // target -> worker -> users
	for t, tg := range targets {
		for w := range cfg.workers {
			var pool []flowUser
			for i := range flowUsersPerWorker {
				u := flowUser{email: fmt.Sprintf("flow-%d-%d@example.com", w, i), phone: fmt.Sprintf("+1555%03d%04d", w, i)}
				if err := signUpVerified(ctx, tg, u.email); err != nil {
					return nil, fmt.Errorf("(f) %s: set-up: %w", tg.name, err)
				}
				pool = append(pool, u)
			}
			pools[t] = append(pools[t], pool)
		}
	}
	floor, err := newCryptoFloor()
	if err != nil {
		return nil, err
	}
	type sample struct{ rate, p99 float64 }
	samples := make([][]sample, len(targets))
	var floorRates []float64
	for range cfg.rounds { // interleaved rounds, medians
		for t, tg := range targets {
			rate, p99, err := runFlows(ctx, cfg, tg, pools[t])
			if err != nil {
				return nil, fmt.Errorf("(f) %s: %w", tg.name, err)
			}
			samples[t] = append(samples[t], sample{rate, float64(p99)})
		}
		floorRates = append(floorRates, floor.rate(cfg))
	}
	floorRate := median(floorRates)
	var rows []row
	for t, tg := range targets {
		rate := median(mapSlice(samples[t], func(s sample) float64 { return s.rate }))
		p99 := time.Duration(median(mapSlice(samples[t], func(s sample) float64 { return s.p99 })))
		ratio := rate / floorRate
		rows = append(rows, row{
			id: "f", name: "MFA guide flow through stytch-go, " + tg.name + " ÷ its bare crypto",
			value: fmt.Sprintf("%.2f", ratio), target: "≥ 0.5", pass: ratio >= 0.5,
			detail: fmt.Sprintf("medians of %d interleaved rounds, %d workers: %.0f flows/s (p99 %s per flow); crypto alone %.0f flows/s (2 RS256-2048 signatures + 1 PBKDF2 check + 1 code compare)",
				cfg.rounds, cfg.workers, rate, ms(p99), floorRate),
		})
	}
	return rows, nil
}

// signUpVerified creates a user with a password and verifies its email with an email OTP on the
// sign-up session, as the MFA guide assumes.
func signUpVerified(ctx context.Context, tg flowTarget, addr string) error {
	created, err := tg.c.Passwords.Create(ctx, &passwords.CreateParams{Email: addr, Password: benchPassword, SessionDurationMinutes: 60})
	if err != nil {
		return err
	}
	sent, err := tg.c.OTPs.Email.Send(ctx, &email.SendParams{Email: addr})
	if err != nil {
		return err
	}
	code, err := tg.code(ctx, addr)
	if err != nil {
		return err
	}
	_, err = tg.c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: code, SessionToken: created.SessionToken})
	return err
}

// guideFlow is the MFA guide's flow for one user, five calls through stytch-go:
//  1. passwords.authenticate with a session duration (a session JWT is signed);
//  2. otps.sms.send with that session's token;
//  3. otps.authenticate with the code and the token (the step-up; a second JWT is signed);
//  4. sessions.authenticateJWT: the app checks the new JWT on a request, locally against the JWKS
//     the SDK fetched once, and requires both factors;
//  5. sessions.authenticateJWT again for a sensitive action, which requires the SMS factor to be
//     recent.
func guideFlow(ctx context.Context, tg flowTarget, u flowUser) error {
	pw, err := tg.c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: u.email, Password: benchPassword, SessionDurationMinutes: 60})
	if err != nil {
		return fmt.Errorf("passwords.authenticate: %w", err)
	}
	sent, err := tg.c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: u.phone, SessionToken: pw.SessionToken})
	if err != nil {
		return fmt.Errorf("otps.sms.send: %w", err)
	}
	code, err := tg.code(ctx, u.phone)
	if err != nil {
		return err
	}
	got, err := tg.c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: code, SessionToken: pw.SessionToken})
	if err != nil {
		return fmt.Errorf("otps.authenticate: %w", err)
	}
	for _, needRecentSMS := range []bool{false, true} {
		resp, err := tg.c.Sessions.AuthenticateJWT(ctx, jwtLocalAge, &sessions.AuthenticateParams{SessionJWT: got.SessionJWT})
		if err != nil {
			return fmt.Errorf("sessions.authenticateJWT: %w", err)
		}
		if !hasFactors(resp.Session, needRecentSMS) {
			return errors.New("the session lacks the password and SMS factors")
		}
	}
	return nil
}

// jwtLocalAge is the max token age of the local JWT checks: a fresh JWT always verifies locally.
const jwtLocalAge = time.Minute

// hasFactors reports whether s has a password factor and an SMS OTP factor (authenticated within
// stepUpWindow when recent is set).
func hasFactors(s sessions.Session, recent bool) bool {
	var pw, sms bool
	for _, f := range s.AuthenticationFactors {
		switch {
		case f.Type == "password":
			pw = true
		case f.Type == "otp" && f.DeliveryMethod == "sms":
			sms = !recent || (f.LastAuthenticatedAt != nil && time.Since(*f.LastAuthenticatedAt) < stepUpWindow)
		}
	}
	return pw && sms
}

// runFlows runs the flow from cfg.workers goroutines for cfg.duration (after a warm-up of a fifth
// of it) and returns flows/s and the p99 per flow.
func runFlows(ctx context.Context, cfg config, tg flowTarget, pools [][]flowUser) (float64, time.Duration, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var counting atomic.Bool
	var firstErr error
	var errOnce sync.Once
	lat := make([][]time.Duration, len(pools))
	var wg sync.WaitGroup
	for w, pool := range pools {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				if err := guideFlow(ctx, tg, pool[i%len(pool)]); err != nil {
					if ctx.Err() == nil {
						errOnce.Do(func() { firstErr = err; cancel() })
					}
					return
				}
				if counting.Load() {
					lat[w] = append(lat[w], time.Since(t0))
				}
			}
		}()
	}
	time.Sleep(cfg.duration / 5)
	counting.Store(true)
	start := time.Now()
	time.Sleep(cfg.duration)
	counting.Store(false)
	elapsed := time.Since(start)
	cancel()
	wg.Wait()
	if firstErr != nil {
		return 0, 0, firstErr
	}
	all := slices.Concat(lat...)
	if len(all) == 0 {
		return 0, 0, errors.New("no flow completed")
	}
	slices.Sort(all)
	return float64(len(all)) / elapsed.Seconds(), all[min(len(all)-1, len(all)*99/100)], nil
}

// loopbackCode reads the last code sent to phone from the control API.
func loopbackCode(ctx context.Context, base, phone string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/emulator/v1/messages?to="+url.QueryEscape(phone), nil)
	if err != nil {
		return "", err
	}
	req.Header = basicAuth()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var body struct {
		Messages []struct {
			Code string `json:"code"`
		} `json:"messages"`
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if err := json.Unmarshal(raw, &body); err != nil || len(body.Messages) == 0 {
		return "", fmt.Errorf("no message to %s (status %d)", phone, resp.StatusCode)
	}
	return body.Messages[len(body.Messages)-1].Code, nil
}

// cryptoFloor is the crypto the flow cannot avoid: two RS256-2048 signatures (one JWT per
// authenticated factor), one check of a password hash of the emulator's default construction and
// one constant-time code comparison.
type cryptoFloor struct {
	key    *rsa.PrivateKey
	claims jwt.MapClaims
	salt   []byte
	want   []byte
}

// floorIterations mirrors the PBKDF2 iteration count of the emulator's default password hashes.
const floorIterations = 100

func newCryptoFloor() (*cryptoFloor, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	want, err := pbkdf2.Key(sha256.New, benchPassword, salt, floorIterations, sha256.Size)
	if err != nil {
		return nil, err
	}
	// Claims of the size of a two-factor session JWT.
	claims := jwt.MapClaims{
		"aud": []string{emulator.DefaultProjectID}, "iss": "stytch.com/" + emulator.DefaultProjectID,
		"sub": "user-test-00000000-0000-4000-8000-000000000000", "iat": 1, "nbf": 1, "exp": 301,
		"https://stytch.com/session": map[string]any{
			"id": "session-test-00000000-0000-4000-8000-000000000000", "started_at": time.Now().Format(time.RFC3339),
			"last_accessed_at": time.Now().Format(time.RFC3339), "expires_at": time.Now().Format(time.RFC3339),
			"attributes": map[string]any{"ip_address": "", "user_agent": ""},
			"authentication_factors": []map[string]any{
				{"type": "password", "delivery_method": "knowledge", "last_authenticated_at": time.Now().Format(time.RFC3339)},
				{"type": "otp", "delivery_method": "sms", "last_authenticated_at": time.Now().Format(time.RFC3339),
					"phone_number_factor": map[string]any{"phone_id": "phone-number-test-00000000-0000-4000-8000-000000000000", "phone_number": "+15550000000"}},
			},
			"roles": []string{"stytch_user"},
		},
	}
	return &cryptoFloor{key: key, claims: claims, salt: salt, want: want}, nil
}

// once does one flow's worth of crypto.
func (f *cryptoFloor) once() error {
	for range 2 {
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, f.claims)
		t.Header["kid"] = "floor"
		if _, err := t.SignedString(f.key); err != nil {
			return err
		}
	}
	got, err := pbkdf2.Key(sha256.New, benchPassword, f.salt, floorIterations, sha256.Size)
	if err != nil || subtle.ConstantTimeCompare(got, f.want) != 1 || subtle.ConstantTimeCompare([]byte("123456"), []byte("123456")) != 1 {
		return errors.New("floor: check failed")
	}
	return nil
}

// rate runs once from cfg.workers goroutines for cfg.duration (after a warm-up) and returns
// flows/s.
func (f *cryptoFloor) rate(cfg config) float64 {
	var n atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if f.once() == nil {
					n.Add(1)
				}
			}
		}()
	}
	time.Sleep(cfg.duration / 5)
	start, before := time.Now(), n.Load()
	time.Sleep(cfg.duration)
	done, elapsed := n.Load()-before, time.Since(start)
	stop.Store(true)
	wg.Wait()
	return float64(done) / elapsed.Seconds()
}
