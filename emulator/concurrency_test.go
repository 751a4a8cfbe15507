package emulator_test

// 32 goroutines run the guide's full flow at once on one emulator spread over 4 projects (half of
// them through the in-process transport, half over HTTP). Run with -race. Nothing may leak across
// users or projects, nothing may be lost, and the final counts must add up.

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

const (
	concWorkers  = 32
	concProjects = 4
)

func concProject(i int) (string, string) {
	return fmt.Sprintf("project-test-c0000000-0000-4000-8000-%012d", i), fmt.Sprintf("secret-test-conc-%d", i)
}

// flowResult is what one worker created.
type flowResult struct {
	pid, secret   string
	userID        string
	email, phone  string
	emailID       string
	phoneID       string
	sessionID     string
	oldToken      string
	token         string
	jwt           string
	totalFactors  int
	ok            bool
	inProcessMode bool
}

func TestConcurrentGuideFlows(t *testing.T) {
	t.Parallel()
	var opts []emulator.Option
	for p := 0; p < concProjects; p++ {
		opts = append(opts, emulator.WithProject(concProject(p)))
	}
	ts := emulator.NewTestServer(t, opts...)
	e := ts.Emulator
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)

	// One SDK client per project and transport, shared by the workers of that project (the SDK is
	// used concurrently in real applications too).
	clients := map[string]*stytchapi.API{}
	for p := 0; p < concProjects; p++ {
		pid, secret := concProject(p)
		for _, mode := range []string{"inprocess", "http"} {
			var o []stytchapi.Option
			if mode == "inprocess" {
				o = []stytchapi.Option{stytchapi.WithHTTPClient(e.HTTPClient()), stytchapi.WithBaseURI(emulator.InProcessURL)}
			} else {
				o = []stytchapi.Option{stytchapi.WithHTTPClient(&http.Client{Timeout: 30 * time.Second}), stytchapi.WithBaseURI(ts.URL)}
			}
			c, err := stytchapi.NewClient(pid, secret, append(o, stytchapi.WithInitializationContext(ctx))...)
			require.NoError(t, err)
			clients[pid+"/"+mode] = c
		}
	}

	results := make([]flowResult, concWorkers)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := 0; i < concWorkers; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			pid, secret := concProject(i % concProjects)
			mode := "http"
			if i%2 == 0 {
				mode = "inprocess"
			}
			r := &results[i]
			*r = flowResult{pid: pid, secret: secret, inProcessMode: mode == "inprocess",
				email: fmt.Sprintf("worker-%02d@example.com", i), phone: fmt.Sprintf("+1555777%04d", i)}
			<-start
			r.ok = runGuideFlow(t, ctx, clients[pid+"/"+mode], e, r)
		}(i)
	}
	close(start)
	wg.Wait()
	for i, r := range results {
		require.True(t, r.ok, "worker %d failed", i)
	}
	// Every request of the flows reached its own project's log, and none failed.
	perProject := concWorkers / concProjects
	for p := 0; p < concProjects; p++ {
		pid, _ := concProject(p)
		log := e.Project(pid).Requests()
		require.Len(t, log, perProject*8, "requests logged in %s", pid)
		for _, rec := range log {
			require.Less(t, rec.Status, 300, "%s %s -> %d %s", rec.Method, rec.Path, rec.Status, rec.ErrorType)
		}
	}

	// Nothing lost: every session is found, with its own user and exactly its two factors.
	for i, r := range results {
		c := clients[r.pid+"/inprocess"]
		got, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: r.token})
		require.NoError(t, err, "worker %d", i)
		require.Equal(t, r.sessionID, got.Session.SessionID)
		require.Equal(t, r.userID, got.Session.UserID)
		require.Equal(t, []string{"password/knowledge", "otp/sms"}, factorTypes(&got.Session))
		sf := findFactor(t, &got.Session, "otp", "sms")
		require.Equal(t, r.phone, sf.PhoneNumberFactor.PhoneNumber, "worker %d sees another worker's phone", i)
		require.Equal(t, r.phoneID, sf.PhoneNumberFactor.PhoneID)
		byJWT, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionJWT: r.jwt})
		require.NoError(t, err)
		require.Equal(t, r.sessionID, byJWT.Session.SessionID)
		list, err := c.Sessions.Get(ctx, &sessions.GetParams{UserID: r.userID})
		require.NoError(t, err)
		require.Len(t, list.Sessions, 1, "worker %d", i)
		require.Equal(t, r.sessionID, list.Sessions[0].SessionID)
		u, err := c.Users.Get(ctx, &users.GetParams{UserID: r.userID})
		require.NoError(t, err)
		require.Len(t, u.Emails, 1)
		require.Equal(t, r.email, u.Emails[0].Email)
		require.True(t, u.Emails[0].Verified)
		require.NotNil(t, u.Password)
		require.False(t, u.Password.RequiresReset, "worker %d: verified on its own session, the password stays usable", i)
		require.Len(t, u.PhoneNumbers, 1)
		require.Equal(t, r.phone, u.PhoneNumbers[0].PhoneNumber)
		require.True(t, u.PhoneNumbers[0].Verified)
		// No cross-talk in the outbox: exactly this worker's two codes, for this user.
		for _, to := range []string{r.email, r.phone} {
			msgs := e.Project(r.pid).Messages(to)
			require.Len(t, msgs, 1, "worker %d: messages to %s", i, to)
			require.Equal(t, r.userID, msgs[0].UserID)
		}
		// Other projects know nothing of it.
		for p := 0; p < concProjects; p++ {
			opid, _ := concProject(p)
			if opid == r.pid {
				continue
			}
			oc := clients[opid+"/inprocess"]
			_, err := oc.Users.Get(ctx, &users.GetParams{UserID: r.userID})
			require.Equal(t, "user_not_found", errType(err), "worker %d visible in %s", i, opid)
			_, err = oc.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: r.token})
			require.Equal(t, "session_not_found", errType(err))
			require.Empty(t, e.Project(opid).Messages(r.email))
		}
	}

	// Final counts per project.
	for p := 0; p < concProjects; p++ {
		pid, _ := concProject(p)
		c := clients[pid+"/http"]
		res, err := c.Users.Search(ctx, &users.SearchParams{Limit: 1000})
		require.NoError(t, err)
		require.EqualValues(t, perProject, res.ResultsMetadata.Total, "users in %s", pid)
		require.Len(t, e.Project(pid).Messages(""), 2*perProject, "messages in %s", pid)
		var ids []string
		for _, u := range res.Results {
			ids = append(ids, u.UserID)
		}
		var want []string
		for _, r := range results {
			if r.pid == pid {
				want = append(want, r.userID)
			}
		}
		require.ElementsMatch(t, want, ids)
	}
}

// runGuideFlow is the guide's flow for one worker; failures are reported with assert (safe from
// any goroutine) and end the flow.
func runGuideFlow(t *testing.T, ctx context.Context, c *stytchapi.API, e *emulator.Emulator, r *flowResult) bool {
	a := assert.New(t)
	lastCode := func(to string) (string, bool) {
		msgs := e.Project(r.pid).Messages(to)
		if !a.NotEmpty(msgs, "no message to %s", to) {
			return "", false
		}
		m := msgs[len(msgs)-1]
		return m.Code, a.Equal(to, m.To) && a.Regexp(codePattern, m.Code)
	}

	// Sign up with a session and verify the email on it (Stytch's "email verification after
	// password creation" guide), so the password stays usable; then sign out.
	created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: r.email, Password: strongPassword, SessionDurationMinutes: 60})
	if !a.NoError(err) || !a.NotNil(created.Session) {
		return false
	}
	r.userID, r.emailID = created.UserID, created.EmailID
	sent, err := c.OTPs.Email.Send(ctx, &email.SendParams{Email: r.email})
	if !a.NoError(err) || !a.Equal(r.emailID, sent.EmailID) {
		return false
	}
	code, ok := lastCode(r.email)
	if !ok {
		return false
	}
	verified, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.EmailID, Code: code, SessionToken: created.SessionToken})
	if !a.NoError(err) || !a.Equal(created.Session.SessionID, verified.Session.SessionID) ||
		!a.Equal([]string{"password/knowledge", "otp/email"}, factorTypes(verified.Session)) ||
		!a.True(verified.User.Emails[0].Verified) || !a.False(verified.User.Password.RequiresReset) {
		return false
	}
	if _, err = c.Sessions.Revoke(ctx, &sessions.RevokeParams{SessionID: created.Session.SessionID}); !a.NoError(err) {
		return false
	}
	pw, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: r.email, Password: strongPassword, SessionDurationMinutes: 60})
	if !a.NoError(err) || !a.Equal([]string{"password/knowledge"}, factorTypes(pw.Session)) {
		return false
	}
	r.oldToken, r.sessionID = pw.SessionToken, pw.Session.SessionID
	smsSent, err := c.OTPs.Sms.Send(ctx, &sms.SendParams{PhoneNumber: r.phone, SessionToken: pw.SessionToken})
	if !a.NoError(err) || !a.Equal(r.userID, smsSent.UserID) {
		return false
	}
	r.phoneID = smsSent.PhoneID
	code, ok = lastCode(r.phone)
	if !ok {
		return false
	}
	stepped, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: smsSent.PhoneID, Code: code, SessionToken: pw.SessionToken})
	if !a.NoError(err) {
		return false
	}
	if !a.Equal(r.sessionID, stepped.Session.SessionID) || !a.Equal(r.userID, stepped.UserID) ||
		!a.Equal([]string{"password/knowledge", "otp/sms"}, factorTypes(stepped.Session)) ||
		!a.NotEqual(pw.SessionToken, stepped.SessionToken) {
		return false
	}
	r.token, r.jwt = stepped.SessionToken, stepped.SessionJWT
	// The old token still works within the grace period, and sees the same session.
	old, err := c.Sessions.Authenticate(ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken})
	if !a.NoError(err) || !a.Equal(r.sessionID, old.Session.SessionID) {
		return false
	}
	local, err := c.Sessions.AuthenticateJWTLocal(stepped.SessionJWT, time.Minute)
	if !a.NoError(err) || !a.Equal(r.userID, local.UserID) || !a.Len(local.AuthenticationFactors, 2) {
		return false
	}
	r.totalFactors = len(local.AuthenticationFactors)
	return true
}

// TestConcurrentSameUser hammers one user and one session from many goroutines: every call must
// succeed or fail cleanly, and the session must end up with consistent factors.
func TestConcurrentSameUser(t *testing.T) {
	t.Parallel()
	h := newH(t, "inprocess", emulator.WithTokenRotation(emulator.KeepTokens, 0))
	addr := h.Email("same")
	h.verifiedPasswordUser(t, addr)
	pw := h.passwordSession(t, addr)
	var wg sync.WaitGroup
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			switch i % 4 {
			case 0:
				_, err := h.C.Sessions.Authenticate(h.Ctx, &sessions.AuthenticateParams{SessionToken: pw.SessionToken, SessionDurationMinutes: 30})
				assert.NoError(t, err)
			case 1:
				_, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionToken: pw.SessionToken})
				assert.NoError(t, err)
			case 2:
				_, err := h.C.Users.Update(h.Ctx, &users.UpdateParams{UserID: pw.UserID, TrustedMetadata: map[string]any{fmt.Sprint("k", i): i}})
				assert.NoError(t, err)
			case 3:
				_, err := h.C.Sessions.Get(h.Ctx, &sessions.GetParams{UserID: pw.UserID})
				assert.NoError(t, err)
			}
		}(i)
	}
	wg.Wait()
	got, err := h.authSession(pw.SessionToken)
	require.NoError(t, err)
	require.Equal(t, []string{"password/knowledge"}, factorTypes(&got.Session), "re-authenticating a factor concurrently never duplicates it")
	u, err := h.C.Users.Get(h.Ctx, &users.GetParams{UserID: pw.UserID})
	require.NoError(t, err)
	require.Len(t, u.TrustedMetadata, 4, "every concurrent metadata update is kept")
}
