package emulator_test

// The inspector page in a real browser: headless Chromium driven through the DevTools protocol
// (chromedp). The page is opened on a real HTTP server, the MFA guide's flow runs through
// stytch-go, and the test reads what the page shows. Without a Chromium binary the test is skipped
// (the Makefile prints why); in CI .ci/run installs one.

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	pwemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// chromiumPath finds a Chromium or Chrome binary ($CHROMIUM overrides).
func chromiumPath() string {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browser is a fresh headless Chromium (own profile directory) for one test.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("no Chromium in CI: .ci/run installs the Debian package chromium")
		}
		t.Skip("SKIP browser test: chromium is not installed (apt-get install chromium)")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox, // CI runs as root, where Chromium's sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 900),
	}
	// A bound on the whole browser session so a broken page fails the test instead of hanging it;
	// no assertion depends on how fast anything happens.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 2*time.Minute)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc(); cancelTimeout() })
	require.NoError(t, chromedp.Do(bctx), "start %s", path)
	return bctx
}

// page helpers: each runs in the browser and fails the test on error.
type page struct {
	t   *testing.T
	ctx context.Context
	dir string // where screenshots go ("" for none)
}

func (p *page) run(actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	require.NoError(p.t, chromedp.Do(p.ctx, actions...))
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](p *page, expr string) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Evaluate[T](expr))
	require.NoError(p.t, err, "%s", expr)
	return v
}

// count is how many elements match a CSS selector right now.
func (p *page) count(sel string) int {
	p.t.Helper()
	return eval[int](p, fmt.Sprintf(`document.querySelectorAll(%q).length`, sel))
}

// texts are the text contents of the elements matching a selector right now.
func (p *page) texts(sel string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.textContent)`, sel))
}

// attrs are the values of an attribute of the elements matching a selector right now.
func (p *page) attrs(sel, attr string) []string {
	p.t.Helper()
	return eval[[]string](p, fmt.Sprintf(`[...document.querySelectorAll(%q)].map(e => e.getAttribute(%q))`, sel, attr))
}

// fill sets an input's value and fires its input and change events, as typing would.
func (p *page) fill(sel, value string) {
	p.t.Helper()
	eval[bool](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); e.value = %q;
		e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); return true })()`, sel, value))
}

// click clicks the element matching sel inside the page, in one step: lists that the page
// re-renders while polling replace their nodes, so a click by node id could miss.
func (p *page) click(sel string) {
	p.t.Helper()
	require.True(p.t, eval[bool](p, fmt.Sprintf(`(() => { const e = document.querySelector(%q); if (!e) return false; e.click(); return true })()`, sel)), "no %s to click", sel)
}

// shot saves a screenshot of the viewport when screenshots were asked for.
func (p *page) shot(name string) {
	p.t.Helper()
	if p.dir == "" {
		return
	}
	png, err := chromedp.Run(p.ctx, chromedp.CaptureScreenshot())
	require.NoError(p.t, err)
	require.NoError(p.t, os.WriteFile(filepath.Join(p.dir, name+".png"), png, 0o644))
}

// tab opens a view of the inspector.
func (p *page) tab(view string) {
	p.t.Helper()
	p.run(chromedp.Click(chromedp.CSS(`#tabs [data-view="`+view+`"]`)), chromedp.WaitVisible(chromedp.CSS(`#view-`+view)))
}

// TestInspectorInBrowser opens the inspector, signs in, runs the MFA guide's flow (password, then an
// SMS code sent and authenticated with the session) and checks what the page shows: the user, the
// SMS code in the outbox, two factors on the session's timeline, and the step-up window turning
// stale when the clock moves 5 minutes. It then adds and clears a fault, revokes the session and
// resets the project from the page. Set STYTCH_INSPECTOR_SCREENSHOTS to a directory to save
// screenshots of the views there.
func TestInspectorInBrowser(t *testing.T) {
	bctx := browser(t)
	// A frozen base clock half a second past a whole second: the API reports factor times to the
	// second, so after +5 min the newest factor is 5m0.5s old, just outside a 5-minute window.
	base := time.Now().UTC().Truncate(time.Second).Add(500 * time.Millisecond)
	h := newH(t, "http", fixedClock(base),
		emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret),
		emulator.WithProject(otherProjectID, otherSecret))
	p := &page{t: t, ctx: bctx, dir: os.Getenv("STYTCH_INSPECTOR_SCREENSHOTS")}

	// The guide's flow through the SDK.
	addr, phone := h.Email("ada"), h.Phone()
	user := h.verifiedPasswordUser(t, addr)
	pw := h.passwordSession(t, addr)
	h.Advance(t, 2*time.Minute)
	stepped := h.smsStepUp(t, pw.SessionToken, phone)
	require.Len(t, stepped.Session.AuthenticationFactors, 2)
	smsCode := h.LastCode(t, phone)
	sessionID := stepped.Session.SessionID
	// The password again a minute later, on the same session: its factor now spans 3 minutes.
	h.Advance(t, time.Minute)
	again, err := h.C.Passwords.Authenticate(h.Ctx, &passwords.AuthenticateParams{Email: addr, Password: strongPassword, SessionToken: stepped.SessionToken})
	require.NoError(t, err)
	require.Equal(t, sessionID, again.Session.SessionID)
	token := again.SessionToken
	start := h.Now() // base + 3 min

	// Sign in: a wrong secret is refused, the right one opens the project.
	p.run(chromedp.Navigate(h.Base+"/emulator/ui/"), chromedp.WaitVisible(chromedp.CSS(`#login-form`)))
	p.run(chromedp.SendKeys(chromedp.CSS(`#login-project`), h.PID))
	p.shot("inspector-login")
	p.run(chromedp.SendKeys(chromedp.CSS(`#login-secret`), "wrong-secret"),
		chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#login-error`)))
	require.Equal(t, []string{"Unknown project ID or wrong secret."}, p.texts(`#login-error`))
	p.fill(`#login-secret`, h.Secret)
	p.run(chromedp.Click(chromedp.CSS(`#login-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#app`)))
	require.Equal(t, []string{h.PID}, p.texts(`#project-id`))

	// Users: search by phone number finds the user, with its verified email, phone and password.
	card := `article.user[data-user-id="` + user.UserID + `"]`
	p.run(chromedp.WaitVisible(chromedp.CSS(card)))
	p.run(chromedp.SendKeys(chromedp.CSS(`#user-query`), phone),
		chromedp.WaitNotPresent(chromedp.CSS(`article.user[data-user-id="`+emulator.SandboxUserID+`"]`)))
	require.Equal(t, 1, p.count(`article.user`), "the search by phone finds one user")
	text := p.texts(card)[0]
	for _, want := range []string{addr, phone, "verified", "set", "not locked", "1 live session"} {
		require.Contains(t, text, want)
	}
	p.fill(`#user-query`, "")
	p.run(chromedp.WaitVisible(chromedp.CSS(`article.user[data-user-id="` + emulator.SandboxUserID + `"]`)))
	p.shot("inspector-users")

	// Outbox: a password-reset link (clickable) and the SMS code, newest first.
	_, err = h.C.Passwords.Email.ResetStart(h.Ctx, &pwemail.ResetStartParams{Email: addr, ResetPasswordRedirectURL: "http://localhost:3000/reset"})
	require.NoError(t, err)
	resetMsgs := h.Messages(addr)
	link := resetMsgs[len(resetMsgs)-1].URL
	require.Equal(t, "http://localhost:3000/reset?stytch_token_type=reset_password&token="+url.QueryEscape(resetMsgs[len(resetMsgs)-1].Token), link)
	p.tab("outbox")
	p.run(chromedp.WaitVisible(chromedp.CSS(`[data-code="` + smsCode + `"]`)))
	require.Equal(t, []string{addr, phone, addr}, p.attrs(`#outbox-list tr`, "data-to"), "newest first")
	require.Equal(t, []string{link}, p.attrs(`#outbox-list a[target="_blank"]`, "href"), "the reset link is clickable")
	p.shot("inspector-outbox")

	// Sessions: two factors on the timeline, the step-up window fresh.
	p.tab("sessions")
	sess := `article.session[data-session-id="` + sessionID + `"]`
	p.run(chromedp.WaitVisible(chromedp.CSS(sess + `[data-stepup="fresh"]`)))
	require.Equal(t, []string{"password · knowledge", "otp · sms"}, p.attrs(sess+` [data-timeline] .tl-row`, "data-factor"),
		"both factors are drawn on the timeline")
	require.Equal(t, []string{"fresh", "fresh"}, p.attrs(sess+` .tl-row`, "data-fresh"))
	require.Equal(t, 1, p.count(sess+` .tl-window`), "the step-up window is drawn")
	require.Equal(t, 1, p.count(sess+` .tl-now`), "now is drawn")
	require.Contains(t, p.texts(sess + ` .verdict`)[0], "A sensitive action passes")
	p.shot("inspector-sessions")

	// +5 min on the project's clock: the window is stale, as a step-up check would find it.
	p.run(chromedp.Click(chromedp.CSS(`#clock-5m`)), chromedp.WaitVisible(chromedp.CSS(sess+`[data-stepup="stale"]`)))
	require.True(t, start.Add(5*time.Minute).Equal(h.Now()), "the button moved the project's clock")
	require.Equal(t, []string{"stale", "stale"}, p.attrs(sess+` .tl-row`, "data-fresh"))
	require.Contains(t, p.texts(sess + ` .verdict`)[0], "403 stale_factor")
	require.Equal(t, "+8m 00s ahead", p.texts(`#clock-offset`)[0], "3 minutes of the flow and 5 of the button")
	p.shot("inspector-sessions-stale")
	// A wider window (10 minutes) makes the same session fresh again.
	p.fill(`#stepup-window`, "10")
	p.run(chromedp.WaitVisible(chromedp.CSS(sess + `[data-stepup="fresh"]`)))
	p.fill(`#stepup-window`, "5")
	p.run(chromedp.WaitVisible(chromedp.CSS(sess + `[data-stepup="stale"]`)))

	// Faults: add one from the form, see it listed and applied, clear it after confirming.
	p.tab("faults")
	p.fill(`#fault-path`, "/v1/otps/sms/send")
	p.fill(`#fault-status`, "429")
	p.fill(`#fault-type`, "too_many_requests")
	p.fill(`#fault-times`, "-1")
	p.run(chromedp.Click(chromedp.CSS(`#fault-add`)),
		chromedp.WaitVisible(chromedp.CSS(`#faults-list tr td.mono`)))
	require.Equal(t, []string{"POST", "/v1/otps/sms/send", "429 too_many_requests", "—", "until cleared"}, p.texts(`#faults-list tr td`))
	p.shot("inspector-faults")
	p.run(chromedp.Click(chromedp.CSS(`#faults-clear`)), chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)), chromedp.WaitNotPresent(chromedp.CSS(`#faults-list tr td.mono`)))
	require.Equal(t, 0, len(h.E.Project(otherProjectID).Requests()), "nothing reached the other project")

	// Requests: the application's calls, newest first; the page's own reads are not among them.
	p.tab("requests")
	p.run(chromedp.WaitVisible(chromedp.CSS(`#requests-list tr td.mono`)))
	paths := p.texts(`#requests-list tr td:nth-child(3)`)
	require.Equal(t, "/emulator/v1/faults", paths[0], "the newest entry is the clearing of faults")
	require.Contains(t, paths, "/v1/otps/authenticate")
	for _, path := range paths {
		require.NotContains(t, []string{"/emulator/v1/summary", "/emulator/v1/users", "/emulator/v1/sessions"}, path)
	}
	p.shot("inspector-requests")

	// Another project's credentials show none of this project's state.
	p.run(chromedp.Click(chromedp.CSS(`#logout`)), chromedp.WaitVisible(chromedp.CSS(`#login-form`)))
	p.fill(`#login-project`, otherProjectID)
	p.fill(`#login-secret`, otherSecret)
	p.run(chromedp.Click(chromedp.CSS(`#login-submit`)), chromedp.WaitVisible(chromedp.CSS(`#app`)))
	require.Equal(t, []string{otherProjectID}, p.texts(`#project-id`))
	p.tab("users")
	p.run(chromedp.WaitVisible(chromedp.CSS(`article.user`)))
	require.Equal(t, []string{emulator.SandboxUserID}, p.attrs(`article.user`, "data-user-id"))
	p.tab("outbox")
	p.run(chromedp.WaitVisible(chromedp.CSS(`#outbox-list td.empty`)))
	p.tab("sessions")
	p.run(chromedp.WaitVisible(chromedp.CSS(`#sessions-list .empty`)))
	require.Equal(t, 0, p.count(sess), "the other project does not see the session")
	for _, view := range []string{"users", "sessions", "outbox", "requests"} {
		p.tab(view)
		require.NotContains(t, p.texts(`#view-` + view)[0], addr)
		require.NotContains(t, p.texts(`#view-` + view)[0], phone)
	}
	p.run(chromedp.Click(chromedp.CSS(`#logout`)), chromedp.WaitVisible(chromedp.CSS(`#login-form`)))
	p.fill(`#login-project`, h.PID)
	p.fill(`#login-secret`, h.Secret)
	p.run(chromedp.Click(chromedp.CSS(`#login-submit`)), chromedp.WaitVisible(chromedp.CSS(`#app`)))

	// Revoke the session after confirming; cancelling first changes nothing.
	p.tab("sessions")
	p.run(chromedp.WaitVisible(chromedp.CSS(sess)))
	p.click(sess + ` [data-revoke]`)
	p.run(chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-cancel`)), chromedp.WaitNotVisible(chromedp.CSS(`#confirm`)))
	_, err = h.authSession(token)
	require.NoError(t, err, "cancelled: the session lives")
	p.click(sess + ` [data-revoke]`)
	p.run(chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)), chromedp.WaitNotPresent(chromedp.CSS(sess)))
	_, err = h.authSession(token)
	requireAPIError(t, h, err, 404, "session_not_found")

	// Export from the page (the snapshot is fetched; headless Chromium drops the download), and
	// keep one through the Go twin for the import below.
	p.run(chromedp.Click(chromedp.CSS(`#export-project`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('flash').textContent === 'Snapshot downloaded.'`))
	snap, err := h.E.Project(h.PID).Export()
	require.NoError(t, err)
	snapFile := filepath.Join(t.TempDir(), "snapshot.json")
	require.NoError(t, os.WriteFile(snapFile, snap, 0o600))

	// Set the clock to a given time (UTC), then back to real time; then reset the project after
	// confirming.
	target := base.Add(36 * time.Hour).Truncate(time.Second)
	p.fill(`#clock-set-input`, target.Format("2006-01-02T15:04:05"))
	p.run(chromedp.Click(chromedp.CSS(`#clock-set`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('clock-offset').textContent.startsWith('+1d 12h')`))
	require.True(t, target.Equal(h.Now()), "the project's clock is at the time set")
	p.run(chromedp.Click(chromedp.CSS(`#clock-real`)), chromedp.WaitVisible(chromedp.CSS(`#clock-offset.badge-muted`)))
	require.True(t, base.Equal(h.Now()), "back on the base clock: the offset is gone")
	p.run(chromedp.Click(chromedp.CSS(`#reset-project`)), chromedp.WaitVisible(chromedp.CSS(`#confirm`)),
		chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('flash').textContent === 'The project was reset.'`))
	p.tab("users")
	p.run(chromedp.WaitVisible(chromedp.CSS(`article.user[data-user-id="` + emulator.SandboxUserID + `"]`)))
	require.Equal(t, []string{emulator.SandboxUserID}, p.attrs(`article.user`, "data-user-id"), "only the sandbox fixture is left")
	require.Empty(t, h.Messages(""))

	// Import the snapshot file from the page, after confirming: the user is back.
	p.run(chromedp.SetUploadFiles(chromedp.CSS(`#import-file`), []string{snapFile}),
		chromedp.WaitVisible(chromedp.CSS(`#confirm`)), chromedp.Click(chromedp.CSS(`#confirm-ok`)),
		chromedp.Poll[chromedp.Void](`document.getElementById('flash').textContent === 'Snapshot imported.'`),
		chromedp.WaitVisible(chromedp.CSS(card)))
	_, err = h.C.Users.Get(h.Ctx, &users.GetParams{UserID: user.UserID})
	require.NoError(t, err, "the imported user answers through the API")
}
