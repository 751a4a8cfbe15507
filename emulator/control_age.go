package emulator

import (
	"net/http"
	"time"
)

// Ageing sessions. An application under test in another process reads real time, not a project's
// virtual clock, so moving the clock forward does not make a session's factors look older to it.
// POST /emulator/v1/sessions/age {"by":"6m"} moves every session of the project N minutes into
// the past instead, as if it had been started and its factors authenticated that much earlier:
// started_at, last_accessed_at, expires_at, each factor's timestamps and the grace deadline of
// its rotated-out tokens. Nothing else changes, and the clock does not move. This is an
// emulator-only test control: Stytch has no such endpoint.

// maxAge bounds one ageing step, as the clock bounds one advance.
const maxAge = 24 * time.Hour

// ageSessionsRoute is the control route that ages the project's sessions.
func ageSessionsRoute() *route {
	return &route{method: "POST", pattern: "/emulator/v1/sessions/age", h: controlSessionsAge, control: true}
}

type ageResponse struct {
	meta
	// Sessions is how many sessions were aged.
	Sessions int `json:"sessions"`
}

// controlSessionsAge serves POST /emulator/v1/sessions/age with {"by":"6m"}.
func controlSessionsAge(c *call) (int, metaSetter, error) {
	var req struct {
		By string `json:"by"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	if req.By == "" {
		return 0, nil, newError("bad_request", "Pass by, a Go duration such as \"6m\".")
	}
	d, err := time.ParseDuration(req.By)
	if err != nil {
		return 0, nil, newError("bad_request", "by must be a Go duration such as \"6m\": %v.", err)
	}
	n, err := c.p.AgeSessions(d)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &ageResponse{Sessions: n}, nil
}

// AgeSessions moves every session of the project (but the sandbox fixture) d into the past, as
// POST /emulator/v1/sessions/age does, and returns how many it moved; d must be more than 0 and at
// most a day.
func (p *Project) AgeSessions(d time.Duration) (int, error) {
	if d <= 0 || d > maxAge {
		return 0, newError("bad_request", "by must be more than 0 and at most %s.", maxAge)
	}
	// No timestamp goes further back than MaxTimeDistance before real time: the range a snapshot
	// may hold, far inside what JSON can write (year 0). Zero timestamps (none) stay zero.
	earliest := p.clock.base().Add(-MaxTimeDistance)
	n := 0
	err := p.update(func(time.Time) error {
		for pass := range 2 { // check every session, then move them all
			for _, s := range p.sessions {
				if s.sandbox {
					continue
				}
				ts := []*time.Time{&s.startedAt, &s.lastAccessedAt, &s.expiresAt}
				for _, f := range s.factors {
					ts = append(ts, &f.createdAt, &f.updatedAt, &f.lastAuthAt)
				}
				for _, tok := range s.tokens {
					if e := p.tokens[tok]; e != nil {
						ts = append(ts, &e.deadline)
					}
				}
				for _, t := range ts {
					switch {
					case t.IsZero():
					case pass == 0 && t.Add(-d).Before(earliest):
						return newError("bad_request", "Session %s would be moved to before %s, more than %d years before now.",
							s.id, earliest.Format(time.RFC3339), MaxTimeDistance/(365*24*time.Hour))
					case pass == 1:
						*t = t.Add(-d)
					}
				}
				if pass == 1 {
					n++
				}
			}
		}
		return nil
	})
	return n, err
}
