package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// The load test is short by default (make test); raise these for a longer run, e.g.
// go test ./cmd/stytch-emulator -run TestLoad -load.projects 8 -load.workers 16 -load.flows 50
var (
	loadProjects = flag.Int("load.projects", 3, "projects used by TestLoad")
	loadWorkers  = flag.Int("load.workers", 6, "concurrent workers per project in TestLoad")
	loadFlows    = flag.Int("load.flows", 2, "full MFA flows per worker in TestLoad")
)

var readyURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startStandalone runs the command's own run() on a loopback port, with an empty environment, and
// returns its base URL.
func startStandalone(t *testing.T, args ...string) string {
	t.Helper()
	u, _ := startStandaloneEnv(t, func(string) string { return "" }, args...)
	return u
}

// flowResult is what one full flow leaves behind, checked against the server at the end.
type flowResult struct {
	userID, sessionID, token string
	phone, email             string
}

// TestLoad runs many concurrent full MFA flows against one standalone emulator over loopback,
// across several projects, and checks that nothing was lost or crossed.
func TestLoad(t *testing.T) {
	base := startStandalone(t, "--auto-provision")
	ctx := context.Background()
	type project struct{ id, secret string }
	projects := make([]project, *loadProjects)
	for i := range projects {
		projects[i] = project{id: "project-test-" + uuid.NewString(), secret: "secret-test-" + uuid.NewString()}
	}
	var mu sync.Mutex
	results := map[string][]flowResult{}
	var wg sync.WaitGroup
	errs := make(chan error, *loadProjects**loadWorkers**loadFlows)
	for _, p := range projects {
		client, err := stytchapi.NewClient(p.id, p.secret, stytchapi.WithBaseURI(base))
		require.NoError(t, err)
		for w := range *loadWorkers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for f := range *loadFlows {
					r, err := fullFlow(ctx, client, base, p.id, p.secret, w, f)
					if err != nil {
						errs <- fmt.Errorf("%s worker %d flow %d: %w", p.id, w, f, err)
						return
					}
					mu.Lock()
					results[p.id] = append(results[p.id], r)
					mu.Unlock()
				}
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}

	// Consistent state at the end: every user, session and code is where it should be, and no
	// project sees another's.
	for _, p := range projects {
		client, err := stytchapi.NewClient(p.id, p.secret, stytchapi.WithBaseURI(base))
		require.NoError(t, err)
		res := results[p.id]
		require.Len(t, res, *loadWorkers**loadFlows)
		search, err := client.Users.Search(ctx, &users.SearchParams{Limit: 1000})
		require.NoError(t, err)
		require.EqualValues(t, len(res), search.ResultsMetadata.Total, "users in %s", p.id)
		all, err := controlMessages(ctx, base, p.id, p.secret, "")
		require.NoError(t, err)
		require.Len(t, all, 2*len(res), "one email and one SMS code per flow in %s", p.id)
		for _, r := range res {
			got, err := client.Sessions.Get(ctx, &sessions.GetParams{UserID: r.userID})
			require.NoError(t, err)
			require.Len(t, got.Sessions, 2, "the sign-up session and the MFA session")
			require.True(t, slices.ContainsFunc(got.Sessions, func(s sessions.Session) bool { return s.SessionID == r.sessionID }))
			auth, err := client.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: r.token})
			require.NoError(t, err)
			require.Len(t, auth.Session.AuthenticationFactors, 2)
			for _, to := range []string{r.email, r.phone} {
				msgs, err := controlMessages(ctx, base, p.id, p.secret, to)
				require.NoError(t, err)
				require.Len(t, msgs, 1, "messages to %s", to)
				require.Equal(t, r.userID, msgs[0].UserID)
			}
		}
	}
}

// fullFlow is the guide's flow for a fresh user: sign-up, email verification, password sign-in,
// SMS step-up with the session token, and a check of the session.
func fullFlow(ctx context.Context, c *stytchapi.API, base, pid, secret string, worker, flow int) (flowResult, error) {
	r := flowResult{
		email: fmt.Sprintf("load-w%d-f%d-%s@example.com", worker, flow, uuid.NewString()[:8]),
		phone: fmt.Sprintf("+1555%03d%04d", worker, flow), // unique within the project
	}
	const pw = "load-test-correct-horse-91!"
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: r.email, Password: pw, SessionDurationMinutes: 30})
	if err != nil {
		return r, fmt.Errorf("passwords.create: %w", err)
	}
	r.userID = created.UserID
	if _, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: r.email}); err != nil {
		return r, fmt.Errorf("otps.email.send: %w", err)
	}
	code, err := latestCode(ctx, base, pid, secret, r.email)
	if err != nil {
		return r, err
	}
	if _, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: created.EmailID, Code: code, SessionToken: created.SessionToken}); err != nil {
		return r, fmt.Errorf("verify email: %w", err)
	}
	auth, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: r.email, Password: pw, SessionDurationMinutes: 60})
	if err != nil {
		return r, fmt.Errorf("passwords.authenticate: %w", err)
	}
	sent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: r.phone, SessionToken: auth.SessionToken})
	if err != nil {
		return r, fmt.Errorf("otps.sms.send: %w", err)
	}
	if code, err = latestCode(ctx, base, pid, secret, r.phone); err != nil {
		return r, err
	}
	stepped, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: code, SessionToken: auth.SessionToken})
	if err != nil {
		return r, fmt.Errorf("otps.authenticate: %w", err)
	}
	if stepped.Session == nil || stepped.Session.SessionID != auth.Session.SessionID || len(stepped.Session.AuthenticationFactors) != 2 {
		return r, errors.New("step-up did not add the SMS factor to the same session")
	}
	if stepped.UserID != r.userID {
		return r, fmt.Errorf("step-up answered for user %s, want %s", stepped.UserID, r.userID)
	}
	r.sessionID, r.token = stepped.Session.SessionID, stepped.SessionToken
	return r, nil
}

// message is the part of a control-API message the load test reads.
type message struct {
	Code   string `json:"code"`
	UserID string `json:"user_id"`
	To     string `json:"to"`
}

func latestCode(ctx context.Context, base, pid, secret, to string) (string, error) {
	msgs, err := controlMessages(ctx, base, pid, secret, to)
	if err != nil {
		return "", err
	}
	if len(msgs) == 0 {
		return "", fmt.Errorf("no message to %s", to)
	}
	return msgs[len(msgs)-1].Code, nil
}

// controlMessages reads GET /emulator/v1/messages (the control API is not a Stytch endpoint, so
// it is called with net/http).
func controlMessages(ctx context.Context, base, pid, secret, to string) ([]message, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/emulator/v1/messages?to="+url.QueryEscape(to), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(pid+":"+secret)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		return nil, fmt.Errorf("messages: %d %s", resp.StatusCode, b)
	}
	var body struct {
		Messages []message `json:"messages"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	return body.Messages, nil
}

// TestRunFlagsAndShutdown checks the command's contract: loopback by default, the ready line, and
// a clean stop.
func TestRunFlagsAndShutdown(t *testing.T) {
	// The default address, read from the flags without binding it (9010 may be taken).
	require.Equal(t, "127.0.0.1:9010", flagDefaults(t)["addr"])

	base := startStandalone(t)
	resp, err := http.Get(base + "/emulator/v1/health")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)

	err = run(context.Background(), []string{"--token-rotation", "sometimes"}, io.Discard, io.Discard, func(string) string { return "" })
	require.ErrorContains(t, err, "--token-rotation")
}

// TestNonLoopbackWarning checks the loud warning when the emulator binds beyond loopback.
func TestNonLoopbackWarning(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr safeBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"--addr", "0.0.0.0:0", "--data-dir", t.TempDir()}, pw, &stderr, func(string) string { return "" })
		pw.Close()
	}()
	_, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	cancel()
	require.NoError(t, <-done)
	require.Contains(t, stderr.String(), "WARNING")
	require.Contains(t, stderr.String(), "not a loopback address")
}

// safeBuffer is a strings.Builder safe for concurrent writes and reads.
type safeBuffer struct {
	mu sync.Mutex
	b  []byte
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.b = append(s.b, p...)
	return len(p), nil
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.b)
}

// TestRunRefusesBadConfiguration checks that a bad option stops the command before it listens.
func TestRunRefusesBadConfiguration(t *testing.T) {
	for _, args := range [][]string{
		{"--password-cost", "3"},
		{"--signing-key", "load_test.go"},
	} {
		err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...), io.Discard, io.Discard, func(string) string { return "" })
		require.Error(t, err, "%v", args)
	}
}
