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
	"slices"
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
		_, s.tokens[i] = p.applyFactorLocked(u, nil, passwordFactor(), sp, now, false)
	}
	p.mu.Unlock()
	runtime.GC()
	runtime.ReadMemStats(&m2)
	// The slices of this benchmark itself were allocated before m0.
	s.bytesPerUser = float64(int64(m1.HeapAlloc)-int64(m0.HeapAlloc)) / float64(n)
	s.bytesPerSession = float64(int64(m2.HeapAlloc)-int64(m1.HeapAlloc)) / float64(n)
	return s
}

// Interleaved measurement of BenchmarkScale: scaleRounds rounds, each timing scaleCallsPerRound
// calls on every tier in turn (the tier that goes first rotates), so that a busy machine's noise
// hits every tier alike; the medians of the rounds are compared.
const (
	scaleRounds        = 21
	scaleCallsPerRound = 40
)

// scaleCall is one call of BenchmarkScale: prepare (untimed, optional) readies the next k calls
// from index i; do makes the call for user index i.
type scaleCall struct {
	name    string
	prepare func(tb testing.TB, s *scaleProject, i, k int)
	do      func(tb testing.TB, s *scaleProject, i int)
}

// BenchmarkScale measures the per-user calls at 1k, 100k and (with STYTCHEMU_SCALE_1M=1) 1M users
// and as many sessions in one project, through ServeHTTP. Every tier is seeded first; then each
// call is timed on every tier in interleaved rounds, and the benchmark reports the median time per
// call at each tier (ns/call@1k ...) and the ratio of the largest tier to the smallest (x-largest/
// smallest). Each call picks another user, spread over the whole project, so the figures include
// the cache misses of a large project. make bench-scale runs it with the 1M tier.
func BenchmarkScale(b *testing.B) {
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(DefaultProjectID+":"+DefaultSecret))
	var tiers []*scaleProject
	for _, n := range scaleTiers() {
		tiers = append(tiers, seedScale(b, n))
	}
	defer runtime.KeepAlive(tiers)
	for _, s := range tiers {
		b.Run(fmt.Sprintf("memory/users=%d", len(s.emails)), func(b *testing.B) {
			for b.Loop() {
			}
			b.ReportMetric(s.bytesPerUser, "B/user")
			b.ReportMetric(s.bytesPerSession, "B/session")
		})
	}
	serve := func(tb testing.TB, s *scaleProject, method, path string, body any) {
		raw, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		r := httptest.NewRequest(method, path, bytes.NewReader(raw))
		r.Header.Set("Authorization", auth)
		w := httptest.NewRecorder()
		s.e.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			tb.Fatalf("%s %s: status %d: %s", method, path, w.Code, w.Body)
		}
	}
	search := func(filter string, values func(s *scaleProject) []string) func(tb testing.TB, s *scaleProject, i int) {
		return func(tb testing.TB, s *scaleProject, i int) {
			serve(tb, s, "POST", "/v1/users/search", map[string]any{"limit": 10, "query": map[string]any{
				"operator": "AND", "operands": []any{map[string]any{"filter_name": filter, "filter_value": []string{values(s)[s.pick(i)]}}},
			}})
		}
	}
	codes := map[*scaleProject]map[int]string{} // the code issued for each user index, per tier
	calls := []scaleCall{
		{name: "passwords_authenticate", do: func(tb testing.TB, s *scaleProject, i int) {
			serve(tb, s, "POST", "/v1/passwords/authenticate", map[string]any{"email": s.emails[s.pick(i)], "password": scalePassword})
		}},
		{
			name: "otps_authenticate",
			prepare: func(_ testing.TB, s *scaleProject, i, k int) {
				s.p.mu.Lock()
				defer s.p.mu.Unlock()
				now := s.p.clock.Now()
				codes[s] = map[int]string{}
				for j := i; j < i+k; j++ {
					ct := s.phone[s.pick(j)]
					s.p.issueCodeLocked(s.p.users[s.p.methods[ct.id]], channelSMS, ct, 10*time.Minute, now)
					codes[s][j] = s.p.otps[ct.id].code
				}
			},
			do: func(tb testing.TB, s *scaleProject, i int) {
				serve(tb, s, "POST", "/v1/otps/authenticate", map[string]any{"method_id": s.phone[s.pick(i)].id, "code": codes[s][i]})
			},
		},
		{name: "sessions_authenticate", do: func(tb testing.TB, s *scaleProject, i int) {
			serve(tb, s, "POST", "/v1/sessions/authenticate", map[string]any{"session_token": s.tokens[s.pick(i)]})
		}},
		{name: "users_search_email", do: search("email_address", func(s *scaleProject) []string { return s.emails })},
		{name: "users_search_phone", do: search("phone_number", func(s *scaleProject) []string { return s.phones })},
	}
	for _, c := range calls {
		b.Run(c.name, func(b *testing.B) {
			perTier := make([][]float64, len(tiers))
			next := make([]int, len(tiers))
			for b.Loop() {
				for r := range scaleRounds {
					for j := range tiers {
						t := (j + r) % len(tiers)
						s := tiers[t]
						if c.prepare != nil {
							c.prepare(b, s, next[t], scaleCallsPerRound)
						}
						t0 := time.Now()
						for range scaleCallsPerRound {
							c.do(b, s, next[t])
							next[t]++
						}
						perTier[t] = append(perTier[t], float64(time.Since(t0))/scaleCallsPerRound)
					}
				}
			}
			for t, s := range tiers {
				b.ReportMetric(medianOf(perTier[t]), "ns/call@"+tierLabel(len(s.emails)))
			}
			b.ReportMetric(medianOf(perTier[len(tiers)-1])/medianOf(perTier[0]), "x-largest/smallest")
		})
	}
}

// pick spreads call i over the whole project: 7919 is prime, so every user comes in turn.
func (s *scaleProject) pick(i int) int { return (i * 7919) % len(s.emails) }

// medianOf returns the median of xs.
func medianOf(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// tierLabel is 1k, 100k, 1M.
func tierLabel(n int) string {
	switch {
	case n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return fmt.Sprint(n)
}
