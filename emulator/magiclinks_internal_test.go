package emulator

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The live magic links of a project are bounded: a full store refuses new links (429, nothing sent)
// until the used and expired ones can be swept.
func TestMagicLinksAreBounded(t *testing.T) {
	t.Parallel()
	e := New()
	p := e.Project(DefaultProjectID)
	status, typ := servePost(t.Context(), t, e, "/v1/users", map[string]any{"email": "links@example.com"})
	require.Equal(t, 201, status, typ)
	now := p.clock.Now()
	p.mu.Lock()
	for range maxMagicLinks {
		p.magicLinks[linkKey(newResetToken())] = &magicLink{userID: "user-test-x", kind: linkLogin, expiresAt: now.Add(time.Hour)}
	}
	p.mu.Unlock()
	msgs := len(p.Messages(""))
	for _, path := range []string{"/v1/magic_links/email/send", "/v1/magic_links/email/login_or_create", "/v1/magic_links/email/invite"} {
		status, typ = servePost(t.Context(), t, e, path, map[string]any{"email": "links@example.com"})
		require.Equal(t, 429, status, path)
		require.Equal(t, "too_many_requests", typ, path)
	}
	require.Len(t, p.Messages(""), msgs, "nothing sent")

	p.Clock().Advance(2 * time.Hour)
	status, typ = servePost(t.Context(), t, e, "/v1/magic_links/email/send", map[string]any{"email": "links@example.com"})
	require.Equal(t, 200, status, typ)
	p.mu.Lock()
	require.Len(t, p.magicLinks, 1, "the expired links were swept")
	p.mu.Unlock()
}

// A user created by a magic-link send counts toward the project's users: at the limit,
// login_or_create and invite answer 429 and create nobody.
func TestMagicLinkUsersAreBounded(t *testing.T) {
	t.Parallel()
	e := New(WithLimits(Limits{MaxUsersPerProject: 2}))
	p := e.Project(DefaultProjectID)
	status, typ := servePost(t.Context(), t, e, "/v1/magic_links/email/login_or_create", map[string]any{"email": "first@example.com"})
	require.Equal(t, 200, status, typ)
	for _, path := range []string{"/v1/magic_links/email/login_or_create", "/v1/magic_links/email/invite"} {
		status, typ = servePost(t.Context(), t, e, path, map[string]any{"email": "second@example.com"})
		require.Equal(t, 429, status, path)
		require.Equal(t, "too_many_requests", typ, path)
	}
	p.mu.Lock()
	require.Len(t, p.users, 2, "the sandbox user and the first")
	p.mu.Unlock()
}
