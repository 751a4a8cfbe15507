package emulator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"testing"
	"time"
)

// scalePassword is the password of every seeded user.
const scalePassword = "correct-horse-battery-staple-91!"

// scaleTiers are the project sizes of BenchmarkScale. The largest takes a few GiB and tens of
// seconds to seed, so it runs only when STYTCHEMU_SCALE_1M=1 (make bench-scale sets it).
func scaleTiers() []int {
	tiers := []int{1_000, 100_000}
	if os.Getenv("STYTCHEMU_SCALE_1M") == "1" {
		tiers = append(tiers, 1_000_000)
	}
	return tiers
}

// scaleProject is a project seeded with n users, each with a verified email and phone, a password
// and one live session.
type scaleProject struct {
	e      *Emulator
	p      *Project
	emails []string
	phones []string
	phone  []*contact // the phone of each user
	tokens []string   // a session token of each user
	// bytesPerUser and bytesPerSession are the heap growth of the seeding, after GC.
	bytesPerUser, bytesPerSession float64
}

// seedScale builds a scaleProject without the HTTP round trip: users through the same helpers as
// the handlers, sessions through applyFactorLocked (no JWT). Hashing a million passwords would take
// minutes, so every user stores its own copy of one hash of scalePassword: the same bytes per user
// and the same cost per check as distinct salts would have.
func seedScale(tb testing.TB, n int) *scaleProject {
	tb.Helper()
	// The default caps (docs/security.md) hold 10,000 users a project: lift them for the tier.
	limit := 2*n + 16
	e := New(WithLimits(Limits{MaxUsersPerProject: limit, MaxUsers: limit, MaxSessionsPerProject: limit, MaxSessions: limit}))
	p := e.Project(DefaultProjectID)
	hash, err := p.set.hasher.Hash(scalePassword)
	if err != nil {
		tb.Fatal(err)
	}
	s := &scaleProject{e: e, p: p, emails: make([]string, n), phones: make([]string, n), phone: make([]*contact, n), tokens: make([]string, n)}
	for i := range n {
		s.emails[i] = fmt.Sprintf("user%d@scale.example.com", i)
		s.phones[i] = fmt.Sprintf("+1555%07d", i)
	}
	users := make([]*user, n)
	now := p.clock.Now()
	sp := &sessionParams{SessionDurationMinutes: 24 * 60}

	runtime.GC()
	var m0, m1, m2 runtime.MemStats
	runtime.ReadMemStats(&m0)
	p.mu.Lock()
	for i := range n {
		u, err := p.newUserLocked(now)
		if err != nil {
			p.mu.Unlock()
			tb.Fatal(err)
		}
		p.addContactLocked(u, mediumEmail, s.emails[i], true, time.Time{})
		s.phone[i] = p.addContactLocked(u, mediumPhone, s.phones[i], true, time.Time{})
		u.password = &storedPassword{id: newID(prefixPassword), hash: bytes.Clone(hash)}
		users[i] = u
	}
	p.mu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&m1)
	p.mu.Lock()
	for i, u := range users {
		_, s.tokens[i] = p.applyFactorLocked(u, nil, passwordFactor(), sp, now)
	}
	p.mu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&m2)
	// The slices of this benchmark itself were allocated before m0.
	s.bytesPerUser = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n)
	s.bytesPerSession = float64(int64(m2.HeapAlloc)-int64(m1.HeapAlloc)) / float64(n)
	return s
}

// BenchmarkScale measures the per-user calls at 1k, 100k and (with STYTCHEMU_SCALE_1M=1) 1M users
// and as many sessions in one project, through ServeHTTP. Every tier is seeded first; then each
// call is measured on every tier in turn, so the tiers of one call are measured close together.
// Each iteration picks another user, spread over the whole project, so the figures include the
// cache misses of a large project. make bench-scale prints the ratios of the largest tier to the
// smallest.
func BenchmarkScale(b *testing.B) {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(DefaultProjectID+":"+DefaultSecret))
	var tiers []*scaleProject
	for _, n := range scaleTiers() {
		tiers = append(tiers, seedScale(b, n))
	}
	defer runtime.KeepAlive(tiers)
	serve := func(b *testing.B, s *scaleProject, method, path string, body any) {
		raw, err := json.Marshal(body)
		if err != nil {
			b.Fatal(err)
		}
		r := httptest.NewRequest(method, path, bytes.NewReader(raw))
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		s.e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("%s %s: status %d: %s", method, path, w.Code, w.Body)
		}
	}
	search := func(filter string, values func(s *scaleProject) []string) func(b *testing.B, s *scaleProject, pick func(int) int) {
		return func(b *testing.B, s *scaleProject, pick func(int) int) {
			vals := values(s)
			i := 0
			for b.Loop() {
				serve(b, s, "POST", "/v1/users/search", map[string]any{"limit": 10, "query": map[string]any{
					"operator": "AND", "operands": []any{map[string]any{"filter_name": filter, "filter_value": []string{vals[pick(i)]}}},
				}})
				i++
			}
		}
	}
	calls := []struct {
		name string
		run  func(b *testing.B, s *scaleProject, pick func(int) int)
	}{
		{"memory", func(b *testing.B, s *scaleProject, _ func(int) int) {
			for b.Loop() {
			}
			b.ReportMetric(s.bytesPerUser, "B/user")
			b.ReportMetric(s.bytesPerSession, "B/session")
		}},
		{"passwords_authenticate", func(b *testing.B, s *scaleProject, pick func(int) int) {
			i := 0
			for b.Loop() {
				serve(b, s, "POST", "/v1/passwords/authenticate", map[string]any{"email": s.emails[pick(i)], "password": scalePassword})
				i++
			}
		}},
		{"otps_authenticate", func(b *testing.B, s *scaleProject, pick func(int) int) {
			// Codes are issued in batches with the timer stopped; each iteration redeems one.
			batch := min(1024, len(s.phone)) // distinct users within a batch
			codes := make([]string, batch)
			i := 0
			for b.Loop() {
				if i%batch == 0 {
					b.StopTimer()
					s.p.mu.Lock()
					now := s.p.clock.Now()
					for j := range batch {
						ct := s.phone[pick(i+j)]
						s.p.issueCodeLocked(s.p.users[s.p.methods[ct.id]], channelSMS, ct, 10*time.Minute, now)
						codes[j] = s.p.otps[ct.id].code
					}
					s.p.mu.Unlock()
					b.StartTimer()
				}
				serve(b, s, "POST", "/v1/otps/authenticate", map[string]any{"method_id": s.phone[pick(i)].id, "code": codes[i%batch]})
				i++
			}
		}},
		{"sessions_authenticate", func(b *testing.B, s *scaleProject, pick func(int) int) {
			i := 0
			for b.Loop() {
				serve(b, s, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": s.tokens[pick(i)]})
				i++
			}
		}},
		{"users_search_email", search("email_address", func(s *scaleProject) []string { return s.emails })},
		{"users_search_phone", search("phone_number", func(s *scaleProject) []string { return s.phones })},
	}
	for _, c := range calls {
		for _, s := range tiers {
			n := len(s.emails)
			pick := func(i int) int { return (i * 7919) % n } // 7919 is prime: every user in turn
			b.Run(fmt.Sprintf("%s/users=%d", c.name, n), func(b *testing.B) { c.run(b, s, pick) })
		}
	}
}
