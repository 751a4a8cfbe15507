package password

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrBusy reports that a Gate's slots and queue are all taken.
var ErrBusy = errors.New("password: too many hash checks in progress")

// Gate admits a bounded number of costly hash checks at a time and lets a
// bounded number more wait for a slot; the rest are refused with ErrBusy.
// Build it with NewGate; it is safe for concurrent use.
type Gate struct {
	slots   chan struct{}
	queue   int64
	waiting atomic.Int64
}

// NewGate returns a Gate with slots concurrent checks (at least one) and a
// queue of up to queue waiting ones (none when queue is not positive).
func NewGate(slots, queue int) *Gate {
	return &Gate{slots: make(chan struct{}, max(slots, 1)), queue: int64(max(queue, 0))}
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

// Verify checks password against m. A slow hash first enters the gate (see
// Enter). A check that has started stops with ctx's error when ctx ends,
// for the hash types that can stop part way (PBKDF2 and phpass); the others
// are kept short by the Limits instead.
func (g *Gate) Verify(ctx context.Context, m Migrated, password string) (bool, error) {
	if !m.Slow() {
		return m.Verify(ctx, password)
	}
	release, err := g.Enter(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	return m.Verify(ctx, password)
}
