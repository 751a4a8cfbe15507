package emulator

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"
)

func TestRequestLogIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	l := &requestLog{maxEntries: 1000, maxBytes: 4096}
	long := "/v1/users/" + strings.Repeat("é", 900_000) // 1.8 MB of path
	for i := range 999 {
		l.add(RequestRecord{Method: "GET", Path: long, Status: 404, RequestID: "request-id-test-" + strings.Repeat("0", i%3)})
		require.LessOrEqual(t, l.bytes, l.maxBytes)
	}
	total := 0
	for _, r := range l.list() {
		require.LessOrEqual(t, len(r.Path), maxLoggedPath+len("…"))
		require.True(t, utf8.ValidString(r.Path), "cut at a character boundary")
		require.True(t, strings.HasSuffix(r.Path, "…"))
		total += recordSize(r)
	}
	require.Equal(t, total, l.bytes)
	require.NotEmpty(t, l.list(), "the newest records are kept")

	// A count bound too: the older half goes.
	c := &requestLog{maxEntries: 4, maxBytes: 1 << 20}
	for i := range 9 {
		c.add(RequestRecord{Method: "GET", Path: "/" + strings.Repeat("x", i)})
	}
	got := c.list()
	require.LessOrEqual(t, len(got), 4)
	require.Equal(t, "/"+strings.Repeat("x", 8), got[len(got)-1].Path)
}

func TestCheckMetadata(t *testing.T) {
	t.Parallel()
	keys := func(n int) map[string]any {
		m := map[string]any{}
		for i := range n {
			m[string(rune('a'+i))] = i
		}
		return m
	}
	require.Nil(t, checkMetadata("trusted_metadata", nil))
	require.Nil(t, checkMetadata("trusted_metadata", keys(20)))
	require.Equal(t, "metadata_too_many_keys", checkMetadata("trusted_metadata", keys(21)).Type)
	// {"k":"<v>"} is 8 bytes of JSON around v.
	require.Nil(t, checkMetadata("untrusted_metadata", map[string]any{"k": strings.Repeat("v", maxMetadataBytes-8)}))
	require.Equal(t, "metadata_too_large", checkMetadata("untrusted_metadata", map[string]any{"k": strings.Repeat("v", maxMetadataBytes-7)}).Type)
}

// A session stepped up again and again within the grace period keeps a bounded number of tokens,
// and rotated-out tokens past their grace are forgotten at the next rotation.
func TestRotatedTokensArePruned(t *testing.T) {
	t.Parallel()
	e := New()
	p := e.Project(DefaultProjectID)
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := p.newUserLocked(now)
	require.NoError(t, err)
	s, first := p.applyFactorLocked(u, nil, passwordFactor(), &sessionParams{SessionDurationMinutes: 60}, now, false)
	tokensBefore := len(p.tokens)
	// The token rotates only when a factor new to the session is added: a phone factor of a
	// different phone_id each time.
	newFactor := func(i int) *factor {
		return &factor{typ: "otp", delivery: "sms", phoneID: fmt.Sprintf("phone-number-test-%d", i)}
	}
	var last string
	for i := range 100 {
		_, last = p.applyFactorLocked(u, s, newFactor(i), &sessionParams{}, now, false)
	}
	require.Len(t, s.tokens, maxRotatedTokens+1)
	require.Equal(t, tokensBefore+maxRotatedTokens, len(p.tokens))
	require.Equal(t, last, s.tokens[len(s.tokens)-1])
	require.Nil(t, p.tokens[first], "the oldest rotated-out token ended early")

	later := now.Add(DefaultRotationGrace + time.Second)
	_, last = p.applyFactorLocked(u, s, newFactor(100), &sessionParams{}, later, false)
	require.Len(t, s.tokens, 2, "past the grace period: the token just rotated out and the current one")
	require.Equal(t, last, s.tokens[1])
	require.Equal(t, tokensBefore+1, len(p.tokens))
}

func TestArmedFaultsAreBounded(t *testing.T) {
	t.Parallel()
	p := New().Project(DefaultProjectID)
	f := Fault{Method: "POST", Path: "/v1/passwords/authenticate", Status: 503, ErrorType: "server_unavailable", Times: -1}
	for range maxFaults {
		require.NoError(t, p.AddFault(f))
	}
	err := p.AddFault(f)
	var aerr *Error
	require.ErrorAs(t, err, &aerr)
	require.Equal(t, "too_many_requests", aerr.Type)
	require.Len(t, p.Faults(), maxFaults)
}

// Live password-reset tokens are bounded: when the project holds the maximum, used and expired
// ones are swept, and if none are, a reset start is refused with nothing sent.
func TestResetTokensAreBounded(t *testing.T) {
	t.Parallel()
	e := New()
	p := e.Project(DefaultProjectID)
	status, typ := servePost(t.Context(), t, e, "/v1/users", map[string]any{"email": "reset@example.com"})
	require.Equal(t, 201, status, typ)
	now := p.clock.Now()
	p.mu.Lock()
	for range maxResetTokens {
		p.resets[newResetToken()] = &resetToken{userID: "user-test-x", expiresAt: now.Add(time.Hour)}
	}
	p.mu.Unlock()
	msgs := len(p.Messages(""))
	status, typ = servePost(t.Context(), t, e, "/v1/passwords/email/reset/start", map[string]any{"email": "reset@example.com"})
	require.Equal(t, 429, status)
	require.Equal(t, "too_many_requests", typ)
	require.Len(t, p.Messages(""), msgs, "nothing sent")

	p.Clock().Advance(2 * time.Hour)
	status, typ = servePost(t.Context(), t, e, "/v1/passwords/email/reset/start", map[string]any{"email": "reset@example.com"})
	require.Equal(t, 200, status, typ)
	p.mu.Lock()
	require.Len(t, p.resets, 1, "the expired tokens were swept")
	p.mu.Unlock()
}

func TestOutboxIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	p := New().Project(DefaultProjectID)
	p.mu.Lock()
	defer p.mu.Unlock()
	to := strings.Repeat("a", 240) + "@example.com"
	for i := range 3 * maxMessages {
		p.recordMessage(Message{Channel: "email", Type: "otp", To: to, Code: "123456", MethodID: "email-test-x", UserID: "user-test-x", SentAt: time.Unix(int64(i), 0)})
		require.LessOrEqual(t, p.messageBytes, maxMessageBytes)
	}
	total := 0
	for _, m := range p.messages {
		total += messageSize(m)
	}
	require.Equal(t, total, p.messageBytes)
	require.Equal(t, time.Unix(3*maxMessages-1, 0), p.messages[len(p.messages)-1].SentAt, "the newest is kept")
}
