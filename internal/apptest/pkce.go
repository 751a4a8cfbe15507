// Package apptest holds what the example apps' tests share: which scenario of the app features
// catches each planted defect, and how (CaughtBy), and a check, over HTTP, of what the apps must
// do beyond the app features: their magic links work only in the browser that asked for them
// (PKCE), which no scenario of the suite requires of an app.
package apptest

import (
	"crypto/rand"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/sessions"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// App is an example app under test, served over HTTP as a client of an emulator's project.
type App struct {
	// URL is the app's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// CallbackPath is the path of the app's redirect URL as a browser reaches it, the path its
	// verifier cookie must be scoped to, e.g. /authenticate.
	CallbackPath string
	// Emulator is the Stytch the app uses, and Project its project there.
	Emulator *emulator.TestServer
	Project  target.Credentials
}

// Names of the app's cookies (the session cookie is the contract's; the verifier cookie is the
// examples' own).
const (
	sessionCookie  = "stytch_session"
	verifierCookie = "stytch_pkce_verifier"
)

// maxVerifierAge is the longest a verifier cookie may live: the lifetime of the examples' links.
const maxVerifierAge = time.Hour

// CheckLinksBoundToBrowser checks that the app's magic links are bound to the browser that asked
// for them: a link someone asked for their own address and got a victim to open is refused, in a
// browser signed in as the victim (whose session keeps its user and factors, and whose cookie is
// not replaced) and in a signed-out one; a browser holding the verifier of another link, or a
// forged one, is refused too; the same link then works in the browser that asked for it, which
// loses its verifier, and works once. The send sets the verifier cookie HttpOnly, Secure,
// SameSite=Lax, scoped to the callback, for at most the link's lifetime.
func CheckLinksBoundToBrowser(t *testing.T, a App) {
	t.Helper()
	client, err := stytchapi.NewClient(a.Project.ProjectID, a.Project.Secret, stytchapi.WithBaseURI(a.Emulator.URL),
		stytchapi.WithInitializationContext(t.Context()))
	require.NoError(t, err)
	id := strings.ToLower(rand.Text())
	victimEmail, attackerEmail, otherEmail := "victim-"+id+"@example.com", "attacker-"+id+"@example.com", "other-"+id+"@example.com"

	victim := newBrowser(t, a.URL)
	require.Equal(t, http.StatusOK, victim.do(http.MethodPost, "/signup", `{"email":"`+victimEmail+`","password":"a long unguessable passphrase `+id+`"}`).StatusCode)
	victimSession := victim.value(sessionCookie)
	require.NotEmpty(t, victimSession, "sign-up gives the victim a session cookie")

	attacker := newBrowser(t, a.URL)
	sent := attacker.do(http.MethodPost, "/magic-link", `{"email":"`+attackerEmail+`"}`)
	require.Equal(t, http.StatusOK, sent.StatusCode)
	v := setCookie(sent, verifierCookie)
	require.NotNil(t, v, "the send sets the verifier cookie")
	assert.True(t, v.HttpOnly, "HttpOnly")
	assert.True(t, v.Secure, "Secure")
	assert.Equal(t, http.SameSiteLaxMode, v.SameSite, "SameSite=Lax: sent on the top-level GET a click in an email makes")
	assert.Equal(t, a.CallbackPath, v.Path, "scoped to the callback")
	assert.Positive(t, v.MaxAge)
	assert.LessOrEqual(t, time.Duration(v.MaxAge)*time.Second, maxVerifierAge)
	raw, err := base64.RawURLEncoding.DecodeString(v.Value)
	require.NoError(t, err, "the verifier is unpadded base64url")
	assert.Len(t, raw, 32, "the verifier is 32 random bytes")
	link := a.callback(lastLinkToken(t, a, attackerEmail))

	t.Run("case=victim signed in", func(t *testing.T) {
		resp := victim.do(http.MethodGet, link, "")
		assert.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "refused: %s", victim.last)
		assert.Nil(t, setCookie(resp, sessionCookie), "the answer sets no session")
		assert.Equal(t, victimSession, victim.value(sessionCookie), "the victim's cookie keeps their session")
		got, err := client.Sessions.Authenticate(t.Context(), &sessions.AuthenticateParams{SessionToken: victimSession})
		require.NoError(t, err, "the victim's session lives")
		require.Len(t, got.Session.AuthenticationFactors, 1, "the victim's session gets no factor")
		assert.Equal(t, sessions.AuthenticationFactorTypePassword, got.Session.AuthenticationFactors[0].Type)
		assert.Equal(t, victimEmail, got.User.Emails[0].Email)
	})
	t.Run("case=victim signed out", func(t *testing.T) {
		b := newBrowser(t, a.URL)
		resp := b.do(http.MethodGet, link, "")
		assert.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "refused: %s", b.last)
		assert.Nil(t, setCookie(resp, sessionCookie), "the answer sets no session")
	})
	t.Run("case=verifier of another link", func(t *testing.T) {
		b := newBrowser(t, a.URL)
		require.Equal(t, http.StatusOK, b.do(http.MethodPost, "/magic-link", `{"email":"`+otherEmail+`"}`).StatusCode)
		require.NotEmpty(t, b.value(verifierCookie))
		resp := b.do(http.MethodGet, link, "")
		assert.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "refused: %s", b.last)
		assert.Nil(t, setCookie(resp, sessionCookie), "the answer sets no session")
		assert.Empty(t, b.value(verifierCookie), "the verifier is cleared after the attempt")
	})
	t.Run("case=forged verifier", func(t *testing.T) {
		b := newBrowser(t, a.URL)
		forged := make([]byte, 32)
		_, _ = rand.Read(forged)
		b.cookies[verifierCookie] = &http.Cookie{Name: verifierCookie, Value: base64.RawURLEncoding.EncodeToString(forged), Path: a.CallbackPath}
		resp := b.do(http.MethodGet, link, "")
		assert.True(t, resp.StatusCode >= 400 && resp.StatusCode < 500, "refused: %s", b.last)
		assert.Nil(t, setCookie(resp, sessionCookie), "the answer sets no session")
	})
	t.Run("case=asking browser", func(t *testing.T) {
		resp := attacker.do(http.MethodGet, link, "")
		require.Equal(t, http.StatusOK, resp.StatusCode, "the link works where it was asked for: %s", attacker.last)
		token := attacker.value(sessionCookie)
		require.NotEmpty(t, token, "the link signs the asking browser in")
		got, err := client.Sessions.Authenticate(t.Context(), &sessions.AuthenticateParams{SessionToken: token})
		require.NoError(t, err)
		assert.Equal(t, attackerEmail, got.User.Emails[0].Email, "as the link's user")
		require.Len(t, got.Session.AuthenticationFactors, 1)
		assert.Equal(t, sessions.AuthenticationFactorTypeMagicLink, got.Session.AuthenticationFactors[0].Type)
		assert.Empty(t, attacker.value(verifierCookie), "the verifier is cleared")

		again := attacker.do(http.MethodGet, link, "")
		assert.True(t, again.StatusCode >= 400 && again.StatusCode < 500, "the link works once: %s", attacker.last)
	})
}

// callback returns the path and query of the app's redirect URL with the link's token, as Stytch
// appends it.
func (a App) callback(token string) string {
	return a.CallbackPath + "?stytch_token_type=magic_links&token=" + url.QueryEscape(token)
}

// lastLinkToken returns the token of the last magic link the emulator sent to email.
func lastLinkToken(t *testing.T, a App, email string) string {
	t.Helper()
	msgs := a.Emulator.Project(a.Project.ProjectID).Messages(email)
	require.NotEmpty(t, msgs, "a link was sent to %s", email)
	return msgs[len(msgs)-1].Token
}

// browser is an HTTP client that keeps cookies as a browser does, by name and path (Secure is
// ignored: the apps are served over plain HTTP in tests).
type browser struct {
	t       *testing.T
	base    string
	cookies map[string]*http.Cookie
	last    string // the last answer, for messages
}

func newBrowser(t *testing.T, base string) *browser {
	return &browser{t: t, base: base, cookies: map[string]*http.Cookie{}}
}

// do sends a request with the cookies whose path matches, keeps the cookies the answer sets and
// drops those it clears; the answer's body is read and closed.
func (b *browser) do(method, path, body string) *http.Response {
	b.t.Helper()
	req, err := http.NewRequestWithContext(b.t.Context(), method, b.base+path, strings.NewReader(body))
	require.NoError(b.t, err)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range b.cookies {
		if pathMatch(c.Path, req.URL.Path) {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(b.t, err)
	defer resp.Body.Close()
	text, err := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	require.NoError(b.t, err)
	b.last = method + " " + req.URL.Path + ": " + resp.Status + " " + strings.TrimSpace(string(text))
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" || (!c.Expires.IsZero() && c.Expires.Before(time.Now())) {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c
		}
	}
	return resp
}

// value returns the value of the cookie the browser keeps under name ("" for none).
func (b *browser) value(name string) string {
	if c := b.cookies[name]; c != nil {
		return c.Value
	}
	return ""
}

// pathMatch is RFC 6265's path-match of a request path against a cookie's path ("" is /).
func pathMatch(cookiePath, reqPath string) bool {
	if cookiePath == "" || cookiePath == "/" || cookiePath == reqPath {
		return true
	}
	return strings.HasPrefix(reqPath, cookiePath) && (strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/')
}

// setCookie returns the cookie named name that resp sets with a value (nil for none).
func setCookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name && c.Value != "" && c.MaxAge >= 0 {
			return c
		}
	}
	return nil
}
