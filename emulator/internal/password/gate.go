package password

import (
	"context"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// ErrBusy reports that a Gate's slots and queue are all taken.
var ErrBusy = errors.New("password: too many hash checks in progress")

// Gate admits a bounded number of costly hash checks at a time and lets a
// bounded number more wait for a slot; the rest are refused with ErrBusy.
//
// It also holds the checks to a share of the CPU over time, a token bucket of
// CPU time: checks may spend a burst of CPU time at once, which refills at a
// fixed rate; while the bucket is empty, a check that has its slot waits for it
// to refill before it starts. So a client that keeps the slots busy gets that
// rate of the CPU, not the slots' share of it, and the rest stays free for the
// other requests. A check's cost is its duration times the threads it uses.
//
// Build it with NewGate; it is safe for concurrent use.
type Gate struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64

	rate  float64 // CPU-seconds a second the bucket refills by
	burst float64 // CPU-seconds it holds at most
	procs int     // the most threads a check runs on at once
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu     sync.Mutex
	credit float64   // CPU-seconds left; negative after a check that cost more
	at     time.Time // when credit was last brought up to date
}

// Defaults of the CPU bucket: checks may use a thirty-second of the CPUs over time, and 2
// CPU-seconds at once (a few checks at the highest costs the limits allow, dozens at common ones),
// so that an occasional costly check, or a few in a row, never waits for the bucket.
const (
	cpuShare = 1.0 / 32
	burstCPU = 2.0
)

// NewGate returns a Gate with slots concurrent checks (at least one) and a
// queue of up to queue waiting ones (none when queue is not positive). Checks
// may use a thirty-second of the CPUs over time, after a burst of 2 CPU-seconds.
func NewGate(slots, queue int) *Gate {
	procs := runtime.GOMAXPROCS(0)
	return newGate(slots, queue, procs, cpuShare*float64(procs), burstCPU, time.Now, sleepCtx)
}

// newGate is NewGate with the CPUs, the bucket's rate and burst, and its clock given.
func newGate(slots, queue, procs int, rate, burst float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *Gate {
	return &Gate{
		slots: make(chan struct{}, max(slots, 1)), queue: int64(max(queue, 0)),
		procs: max(procs, 1), rate: rate, burst: burst, now: now, sleep: sleep, credit: burst, at: now(),
	}
}

// sleepCtx waits for d, or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Enter waits for a slot and returns the function that frees it. It fails
// with ErrBusy when every slot is taken and the queue is full, and with
// ctx's error when ctx ends before a slot frees up.
func (g *Gate) Enter(ctx context.Context) (release func(), err error) {
	select {
	case g.slots <- struct{}{}:
	default:
		if g.waiting.Add(1) > g.queue {
			g.waiting.Add(-1)
			return nil, ErrBusy
		}
		defer g.waiting.Add(-1)
		select {
		case g.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return func() { <-g.slots }, nil
}

// debt is how long the bucket needs to refill to empty, 0 when it holds credit.
func (g *Gate) debt() time.Duration {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	g.credit = min(g.burst, g.credit+now.Sub(g.at).Seconds()*g.rate)
	g.at = now
	if g.credit >= 0 {
		return 0
	}
	return time.Duration(-g.credit / g.rate * float64(time.Second))
}

// spend takes cost CPU-seconds from the bucket.
func (g *Gate) spend(cost float64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.credit -= cost
}

// Verify checks password against m. A slow hash first enters the gate (see
// Enter), then waits while the CPU bucket is empty (see Gate). A check that
// has started stops with ctx's error when ctx ends, for the hash types that
// can stop part way (PBKDF2 and phpass); the others are kept short by the
// Limits instead.
func (g *Gate) Verify(ctx context.Context, m Migrated, password string) (bool, error) {
	if !m.Slow() {
		return m.Verify(ctx, password)
	}
	release, err := g.Enter(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if d := g.debt(); d > 0 {
		if err := g.sleep(ctx, d); err != nil {
			return false, err
		}
	}
	start := g.now()
	defer func() {
		threads := min(max(m.threads, 1), g.procs)
		g.spend(g.now().Sub(start).Seconds() * float64(threads))
	}()
	return m.Verify(ctx, password)
}
