package emulator

import (
	"errors"
	"sync"
	"time"
)

// Clock is a project's virtual clock: a base time source plus an offset that only moves forward
// (Advance) unless Set says otherwise. Every timestamp and expiry of a project — sessions, factors,
// OTP codes, unverified factors, token-rotation grace, JWT iat/exp — is read from it.
//
// Each project has its own Clock, so parallel tests in different projects can move time without
// seeing each other. Its zero value is not usable; the emulator creates one per project.
type Clock struct {
	base func() time.Time

	mu     sync.Mutex
	offset time.Duration
}

// newClock returns a Clock that reads base (time.Now when nil).
func newClock(base func() time.Time) *Clock {
	if base == nil {
		base = time.Now
	}
	return &Clock{base: base}
}

// Now returns the virtual time, in UTC.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	off := c.offset
	c.mu.Unlock()
	return c.base().Add(off).UTC()
}

// errClockBackwards is returned by Advance for a negative duration.
var errClockBackwards = errors.New("the clock only moves forward; use set to move it back")

// Advance moves the clock forward by d and returns the new time. A negative d is refused.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errClockBackwards
	}
	c.mu.Lock()
	c.offset += d
	c.mu.Unlock()
	return c.Now(), nil
}

// Set moves the clock to t (forwards or backwards) and returns it; time then keeps flowing from t
// at the base clock's pace.
func (c *Clock) Set(t time.Time) time.Time {
	c.mu.Lock()
	c.offset = t.Sub(c.base())
	c.mu.Unlock()
	return c.Now()
}

// reset puts the clock back on its base time.
func (c *Clock) reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}
