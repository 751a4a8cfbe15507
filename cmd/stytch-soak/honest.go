package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
)

// honestPassword is every honest user's password.
const honestPassword = "soak-correct-horse-battery-91!"

// project is one auto-provisioned project: its credentials and the stytch-go client for them.
type project struct {
	id, secret string
	client     *stytchapi.API
}

// session is a session the honest load created, with its newest token.
type session struct {
	project *project
	id      string
	token   string
}

// honest runs full MFA flows through stytch-go and remembers every session they leave.
type honest struct {
	base     string
	workers  int
	http     *http.Client
	stats    *stats
	projects []*project
	phones   atomic.Int64

	mu       sync.Mutex
	sessions []session
}

func newHonest(base string, cfg config, st *stats) *honest {
	h := &honest{
		base:    base,
		workers: cfg.workers,
		stats:   st,
		// A well-configured app keeps a keep-alive connection per concurrent caller; the timeout
		// turns a hung request into an error instead of a hung soak.
		http: &http.Client{
			Timeout: 30 * time.Second,
			Transport: countingTransport{stats: st, next: &http.Transport{
				MaxIdleConnsPerHost: cfg.workers, DisableCompression: true, IdleConnTimeout: 90 * time.Second,
			}},
		},
	}
	for range cfg.projects {
		p := &project{id: "project-test-" + uuid.NewString(), secret: "secret-test-" + uuid.NewString()}
		h.projects = append(h.projects, p)
	}
	return h
}

// start runs the workers until ctx ends; the channel closes when they have all stopped.
func (h *honest) start(ctx context.Context) <-chan struct{} {
	done := make(chan struct{})
	var wg sync.WaitGroup
	for w := range h.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p := h.projects[w%len(h.projects)]
			for ctx.Err() == nil {
				err := h.flow(ctx, p)
				if ctx.Err() != nil {
					return // cut by the end of the run: neither a success nor a failure
				}
				h.stats.flow(err)
			}
		}()
	}
	go func() { wg.Wait(); close(done) }()
	return done
}

// client returns p's stytch-go client, creating it on first use.
func (h *honest) client(p *project) (*stytchapi.API, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if p.client == nil {
		c, err := stytchapi.NewClient(p.id, p.secret, stytchapi.WithBaseURI(h.base), stytchapi.WithHTTPClient(h.http))
		if err != nil {
			return nil, fmt.Errorf("stytch-go client: %w", err)
		}
		p.client = c
	}
	return p.client, nil
}

// flow is the guide's MFA flow for a new user: sign-up with a password, email verification by OTP,
// password sign-in, SMS step-up on that session, and sessions/authenticate of the result.
func (h *honest) flow(ctx context.Context, p *project) error {
	c, err := h.client(p)
	if err != nil {
		return err
	}
	n := h.phones.Add(1)
	addr := fmt.Sprintf("soak-%d-%s@example.com", n, uuid.NewString()[:8])
	phone := fmt.Sprintf("+1555%07d", n%10_000_000)
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: addr, Password: honestPassword, SessionDurationMinutes: 60})
	if err != nil {
		return fmt.Errorf("passwords.create: %w", err)
	}
	if _, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: addr}); err != nil {
		return fmt.Errorf("otps.email.send: %w", err)
	}
	code, err := h.latestCode(ctx, p, addr)
	if err != nil {
		return err
	}
	verified, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: created.EmailID, Code: code, SessionToken: created.SessionToken})
	if err != nil {
		return fmt.Errorf("verify email: %w", err)
	}
	h.remember(p, verified.Session, verified.SessionToken)
	auth, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: addr, Password: honestPassword, SessionDurationMinutes: 60})
	if err != nil {
		return fmt.Errorf("passwords.authenticate: %w", err)
	}
	sent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: phone, SessionToken: auth.SessionToken})
	if err != nil {
		return fmt.Errorf("otps.sms.send: %w", err)
	}
	if code, err = h.latestCode(ctx, p, phone); err != nil {
		return err
	}
	stepped, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: code, SessionToken: auth.SessionToken})
	if err != nil {
		return fmt.Errorf("otps.authenticate (sms): %w", err)
	}
	if stepped.Session == nil || len(stepped.Session.AuthenticationFactors) != 2 {
		return errors.New("step-up did not leave a session with two factors")
	}
	h.remember(p, stepped.Session, stepped.SessionToken)
	checked, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: stepped.SessionToken})
	if err != nil {
		return fmt.Errorf("sessions.authenticate: %w", err)
	}
	if checked.Session.SessionID != stepped.Session.SessionID {
		return errors.New("sessions.authenticate answered for another session")
	}
	return nil
}

// remember records a session's newest token (a step-up may rotate it).
func (h *honest) remember(p *project, s *sessions.Session, token string) {
	if s == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.sessions = append(h.sessions, session{project: p, id: s.SessionID, token: token})
}

func (h *honest) sessionCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(latest(h.sessions))
}

// latest keeps the last token recorded for each session.
func latest(all []session) []session {
	idx := map[string]int{}
	var out []session
	for _, s := range all {
		if i, ok := idx[s.id]; ok {
			out[i] = s
			continue
		}
		idx[s.id] = len(out)
		out = append(out, s)
	}
	return out
}

// sessionCheck is the outcome of authenticating every honest session at the end.
type sessionCheck struct {
	Checked, Lost int64
	FirstLost     string
}

// checkSessions authenticates every session the honest load created, with its newest token.
func (h *honest) checkSessions(ctx context.Context) sessionCheck {
	h.mu.Lock()
	all := latest(h.sessions)
	h.mu.Unlock()
	var res sessionCheck
	var mu sync.Mutex
	next := make(chan session)
	var wg sync.WaitGroup
	for range h.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for s := range next {
				c, err := h.client(s.project)
				if err == nil {
					var got *sessions.AuthenticateResponse
					got, err = c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: s.token})
					if err == nil && got.Session.SessionID != s.id {
						err = fmt.Errorf("the token of %s authenticated %s", s.id, got.Session.SessionID)
					}
				}
				mu.Lock()
				res.Checked++
				if err != nil {
					res.Lost++
					if res.FirstLost == "" {
						res.FirstLost = fmt.Sprintf("%s: %v", s.id, err)
					}
				}
				mu.Unlock()
			}
		}()
	}
	for _, s := range all {
		if ctx.Err() != nil {
			break
		}
		next <- s
	}
	close(next)
	wg.Wait()
	return res
}

// latestCode reads the newest OTP code sent to `to` from the control API (not a Stytch endpoint, so
// it is called with net/http).
func (h *honest) latestCode(ctx context.Context, p *project, to string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.base+"/emulator/v1/messages?to="+url.QueryEscape(to), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(p.id+":"+p.secret)))
	resp, err := h.http.Do(req)
	if err != nil {
		return "", fmt.Errorf("messages: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("messages: %d %s", resp.StatusCode, b)
	}
	var body struct {
		Messages []struct {
			Code string `json:"code"`
		} `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("messages: %w", err)
	}
	if len(body.Messages) == 0 {
		return "", fmt.Errorf("no message to %s", to)
	}
	return body.Messages[len(body.Messages)-1].Code, nil
}
