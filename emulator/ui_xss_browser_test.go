package emulator_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// TestInspectorShowsUserDataAsText plants markup in every value a client controls that the
// inspector shows — a user's name, a logged request path, a message's recipient, code and link
// (through an import) — and opens the page in a real browser: each is shown as text, no element is
// created from it, no script runs, and a javascript: link is not made a link.
func TestInspectorShowsUserDataAsText(t *testing.T) {
	bctx := browser(t)
	h := newH(t, "http", emulator.WithProject(emulator.DefaultProjectID, emulator.DefaultSecret))
	p := &page{t: t, ctx: bctx}
	const markup = `<img src=x onerror="window.pwned=1"><script>window.pwned=2</script>`
	const pathMarkup = `<img src=x onerror=window.pwned=4>` // one path segment

	status, m := h.RawJSON(t, "POST", "/v1/users", map[string]any{"email": h.Email("xss"),
		"name": map[string]any{"first_name": markup}, "external_id": "ext-1"})
	require.Equal(t, http.StatusCreated, status, "%v", m)
	userID := m["user_id"].(string)
	status, _ = h.Raw(t, "GET", "/v1/users/"+url.PathEscape(pathMarkup), nil, "") // logged with its path
	require.Equal(t, http.StatusNotFound, status)
	// Messages as an import can carry them (the API itself only sends to valid addresses).
	status, exported := h.Raw(t, "POST", "/emulator/v1/export", nil, "")
	require.Equal(t, http.StatusOK, status, "%s", exported)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(exported, &doc))
	project := doc["snapshot"].(map[string]any)["project"].(map[string]any)
	project["messages"] = []any{
		map[string]any{"channel": "email", "type": "magic_link", "to": markup, "url": "javascript:window.pwned=3",
			"token": markup, "sent_at": "2026-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z"},
		map[string]any{"channel": "sms", "type": "otp", "to": "+15555550100", "code": markup,
			"sent_at": "2026-01-01T00:00:00Z", "expires_at": "2099-01-01T00:00:00Z"},
	}
	b, err := json.Marshal(doc)
	require.NoError(t, err)
	status, body := h.Raw(t, "POST", "/emulator/v1/import", b, "")
	require.Equal(t, http.StatusOK, status, "%s", body)

	p.run(chromedp.Navigate(h.Base+"/emulator/ui/"), chromedp.WaitVisible(chromedp.CSS(`#login-form`)))
	p.fill(`#login-project`, h.PID)
	p.fill(`#login-secret`, h.Secret)
	p.run(chromedp.Click(chromedp.CSS(`#login-submit`)), chromedp.WaitVisible(chromedp.CSS(`#app`)))

	p.tab("users")
	p.run(chromedp.WaitVisible(chromedp.CSS(`article.user[data-user-id="` + userID + `"]`)))
	require.Contains(t, p.texts(`article.user[data-user-id="`+userID+`"] .title`), markup)
	p.tab("outbox")
	p.run(chromedp.WaitVisible(chromedp.CSS(`#outbox-list tr[data-to="+15555550100"]`)))
	require.Contains(t, p.texts(`#outbox-list .code`), markup)
	require.Zero(t, p.count(`#outbox-list a[href^="javascript"]`), "a javascript: link is not made a link")
	p.tab("requests")
	p.run(chromedp.WaitVisible(chromedp.CSS(`#requests-list tr td.mono`)))
	require.Contains(t, p.texts(`#requests-list tr td:nth-child(3)`), "/v1/users/"+pathMarkup)

	require.Zero(t, p.count(`#app img, #app script`), "no element is made from the data")
	require.True(t, eval[bool](p, `window.pwned === undefined`), "no script ran")
}
