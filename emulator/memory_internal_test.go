package emulator

import (
	"runtime"
	"testing"
	"time"
)

// BenchmarkSessionMemory measures the heap held per live session with 100k sessions in a project;
// make bench reads its B/session metric. Sessions are made through the same code
// path as every authenticate endpoint (applyFactorLocked), without the HTTP round trip and JWT.
func BenchmarkSessionMemory(b *testing.B) {
	const n = 100_000
	for range b.N {
		e := New()
		p := e.Project(DefaultProjectID)
		now := p.clock.Now()
		p.mu.Lock()
		u, err := p.newUserLocked(now)
		if err != nil {
			b.Fatal(err)
		}
		p.addContactLocked(u, mediumEmail, "memory@example.com", true, time.Time{})
		p.mu.Unlock()
		sp := &sessionParams{SessionDurationMinutes: 60}

		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p.mu.Lock()
		for range n {
			p.applyFactorLocked(u, nil, passwordFactor(), sp, now, false)
		}
		p.mu.Unlock()
		runtime.GC()
		runtime.ReadMemStats(&after)
		if len(p.sessions) != n+1 { // + the sandbox session
			b.Fatalf("have %d sessions, want %d", len(p.sessions), n+1)
		}
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "B/session")
		runtime.KeepAlive(p)
	}
}

// TestSweepDropsExpiredState checks that a long-running project forgets expired sessions and
// their tokens once enough new sessions have started.
func TestSweepDropsExpiredState(t *testing.T) {
	e := New()
	p := e.Project(DefaultProjectID)
	now := p.clock.Now()
	p.mu.Lock()
	defer p.mu.Unlock()
	u, err := p.newUserLocked(now)
	if err != nil {
		t.Fatal(err)
	}
	short := &sessionParams{SessionDurationMinutes: 5}
	for range sweepEvery / 2 {
		p.applyFactorLocked(u, nil, passwordFactor(), short, now, false)
	}
	later := now.Add(10 * time.Minute)
	for range sweepEvery / 2 {
		p.applyFactorLocked(u, nil, passwordFactor(), &sessionParams{SessionDurationMinutes: 60}, later, false)
	}
	if got, want := len(p.sessions), sweepEvery/2+1; got != want { // + the sandbox session
		t.Fatalf("after the sweep: %d sessions, want %d", got, want)
	}
	if got, want := len(p.tokens), sweepEvery/2+1; got != want {
		t.Fatalf("after the sweep: %d tokens, want %d", got, want)
	}
}
