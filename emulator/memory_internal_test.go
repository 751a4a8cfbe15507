package emulator

import (
	"runtime"
	"testing"
)

// BenchmarkSessionMemory measures the heap held per live session with 100k sessions in a project
// (issue 7 (d)); make bench reads its B/session metric. Sessions are made through the same code
// path as every authenticate endpoint (applyFactorLocked), without the HTTP round trip and JWT.
func BenchmarkSessionMemory(b *testing.B) {
	const n = 100_000
	for range b.N {
		e := New()
		p := e.project(DefaultProjectID)
		c := &call{e: e, p: p}
		now := p.clock.Now()
		p.mu.Lock()
		u := p.newUserLocked(now)
		p.addEmailLocked(u, "memory@example.com", true, now)
		p.mu.Unlock()
		sp := &sessionParams{SessionDurationMinutes: 60}

		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p.mu.Lock()
		for range n {
			p.applyFactorLocked(c, u, nil, passwordFactor(), sp, now)
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
