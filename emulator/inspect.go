package emulator

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Read endpoints of the control API for the inspector page (and for scripts): a project's users,
// sessions and a summary, plus revoking a session and putting the clock back on real time.
// They use the project's Basic credentials like the rest of the control API, so one project's
// credentials never see another's state. Reads of the control API are not written to the request
// log (see ServeHTTP), so a page polling them does not push the application's requests out of it.
//
// This file is the one place where the inspector reads project internals.

// Bounds of the inspector's lists: a search returns at most maxInspectList entries, newest first.
const (
	defaultInspectList = 100
	maxInspectList     = 500
)

// inspectLimit reads ?limit= (default defaultInspectList, at most maxInspectList).
func inspectLimit(c *call) (int, *Error) {
	raw := c.r.URL.Query().Get("limit")
	if raw == "" {
		return defaultInspectList, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > maxInspectList {
		return 0, newError("bad_request", "limit must be a number from 1 to %d.", maxInspectList)
	}
	return n, nil
}

// summaryResponse is GET /emulator/v1/summary: the project's clock and how much state it holds.
type summaryResponse struct {
	meta
	ProjectID string    `json:"project_id"`
	Now       time.Time `json:"now"`
	// Offset is how far the project's clock is from real time, as a Go duration ("5m0s").
	Offset string `json:"offset"`
	Users  int    `json:"users"`
	// Sessions counts the live sessions but the sandbox fixture's.
	Sessions      int    `json:"sessions"`
	Messages      int    `json:"messages"`
	Faults        int    `json:"faults"`
	Requests      int    `json:"requests"`
	LastRequestID string `json:"last_request_id"`
}

// inspectSummary serves GET /emulator/v1/summary.
func inspectSummary(c *call) (int, metaSetter, error) {
	p := c.p
	now, offset := p.clock.nowAndOffset()
	resp := &summaryResponse{ProjectID: p.id, Now: now, Offset: offset.String()}
	p.mu.Lock()
	resp.Users = len(p.users)
	for _, s := range p.sessions {
		if now.Before(s.expiresAt) && !s.sandbox {
			resp.Sessions++
		}
	}
	resp.Messages, resp.Faults = len(p.messages), len(p.faults)
	p.mu.Unlock()
	reqs := p.requests.list()
	resp.Requests = len(reqs)
	if n := len(reqs); n > 0 {
		resp.LastRequestID = reqs[n-1].RequestID
	}
	return http.StatusOK, resp, nil
}

// nowAndOffset returns the virtual time and its offset from the base clock, read together.
func (c *Clock) nowAndOffset() (time.Time, time.Duration) {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.base().Add(off).UTC(), off
}

// inspectUser is a user as the inspector shows it: the API's user object plus the emulator's
// bookkeeping (failed attempts counting towards the lock, live sessions).
type inspectUser struct {
	wireUser
	Sandbox        bool `json:"sandbox"`
	FailedAttempts int  `json:"failed_attempts"`
	Sessions       int  `json:"sessions"`
}

type inspectUsersResponse struct {
	meta
	Now   time.Time     `json:"now"`
	Users []inspectUser `json:"users"`
	// Total is how many users match; Users holds the newest of them, up to the limit.
	Total int `json:"total"`
}

// inspectUsers serves GET /emulator/v1/users?query=&limit=: users whose id, external id, name,
// email or phone number contains query (case-insensitively; empty matches all), newest first.
func inspectUsers(c *call) (int, metaSetter, error) {
	limit, aerr := inspectLimit(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	q := strings.ToLower(strings.TrimSpace(c.r.URL.Query().Get("query")))
	if len(q) > 200 {
		return 0, nil, newError("bad_request", "query must be at most 200 characters.")
	}
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var match []*user
	for _, u := range p.users {
		p.pruneLocked(u, now)
		if q == "" || userMatches(u, q) {
			match = append(match, u)
		}
	}
	slices.SortFunc(match, func(a, b *user) int { return keyOf(b).compare(keyOf(a)) })
	live := map[string]int{}
	for _, s := range p.sessions {
		if now.Before(s.expiresAt) {
			live[s.userID]++
		}
	}
	resp := &inspectUsersResponse{Now: now, Total: len(match), Users: []inspectUser{}}
	for _, u := range match[:min(limit, len(match))] {
		resp.Users = append(resp.Users, inspectUser{wireUser: u.wire(now), Sandbox: u.sandbox, FailedAttempts: len(u.failures), Sessions: live[u.id]})
	}
	return http.StatusOK, resp, nil
}

// userMatches reports whether a lower-cased query is part of u's id, external id, name, an email
// or a phone number.
func userMatches(u *user, q string) bool {
	fields := []string{u.id, u.externalID, u.name.FirstName, u.name.MiddleName, u.name.LastName}
	for _, ct := range u.contacts {
		fields = append(fields, ct.value, ct.id)
	}
	return slices.ContainsFunc(fields, func(f string) bool { return f != "" && strings.Contains(strings.ToLower(f), q) })
}

// inspectSession is a session as the inspector shows it: the API's session object with the
// user's primary email or phone (for display) and how many tokens it has minted.
type inspectSession struct {
	*wireSession
	UserLabel string `json:"user_label"`
	Tokens    int    `json:"tokens"`
	Sandbox   bool   `json:"sandbox"`
}

type inspectSessionsResponse struct {
	meta
	Now      time.Time        `json:"now"`
	Sessions []inspectSession `json:"sessions"`
	Total    int              `json:"total"`
}

// inspectSessions serves GET /emulator/v1/sessions?user_id=&limit=: the project's live sessions
// (of one user when user_id is given), the most recently active first, with the project's now so
// the factor timestamps can be read against the same clock.
func inspectSessions(c *call) (int, metaSetter, error) {
	limit, aerr := inspectLimit(c)
	if aerr != nil {
		return 0, nil, aerr
	}
	userID := c.r.URL.Query().Get("user_id")
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	var live []*session
	for _, s := range p.sessions {
		if now.Before(s.expiresAt) && (userID == "" || s.userID == userID) {
			live = append(live, s)
		}
	}
	slices.SortFunc(live, func(a, b *session) int {
		if c := b.lastAccessedAt.Compare(a.lastAccessedAt); c != 0 {
			return c
		}
		return strings.Compare(a.id, b.id)
	})
	resp := &inspectSessionsResponse{Now: now, Total: len(live), Sessions: []inspectSession{}}
	for _, s := range live[:min(limit, len(live))] {
		resp.Sessions = append(resp.Sessions, inspectSession{wireSession: s.wire(), UserLabel: userLabel(p.users[s.userID]), Tokens: len(s.tokens), Sandbox: s.sandbox})
	}
	return http.StatusOK, resp, nil
}

// userLabel is a short human name for a user: the first email, else the first phone, else "".
func userLabel(u *user) string {
	if u == nil {
		return ""
	}
	for _, m := range []medium{mediumEmail, mediumPhone} {
		for _, ct := range u.contacts {
			if ct.medium == m {
				return ct.value
			}
		}
	}
	return ""
}

// inspectRevoke serves DELETE /emulator/v1/sessions/{session_id}: the session and its tokens are
// revoked, as POST /v1/sessions/revoke does, but without faults applying to it.
func inspectRevoke(c *call) (int, metaSetter, error) {
	p := c.p
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	s, aerr := p.liveSessionLocked(c.param, now)
	if aerr != nil {
		return 0, nil, aerr
	}
	if s.sandbox {
		return 0, nil, newError("bad_request", "The sandbox session cannot be revoked.")
	}
	p.dropSessionLocked(s)
	return http.StatusOK, &metaOnly{}, nil
}

// inspectClockReal serves DELETE /emulator/v1/clock: the project's clock goes back to real time.
func inspectClockReal(c *call) (int, metaSetter, error) {
	c.p.clock.reset()
	return http.StatusOK, &clockResponse{Now: c.p.clock.Now()}, nil
}

// addInspectRoutes adds the endpoints of this file to the route table.
func addInspectRoutes(ctl func(method, pattern string, h handler)) {
	ctl("GET", "/emulator/v1/summary", inspectSummary)
	ctl("GET", "/emulator/v1/users", inspectUsers)
	ctl("GET", "/emulator/v1/sessions", inspectSessions)
	ctl("DELETE", "/emulator/v1/sessions/{}", inspectRevoke)
	ctl("DELETE", "/emulator/v1/clock", inspectClockReal)
}
