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

// maxClockOffset bounds how far the virtual clock may be from its base (100 years either way),
// far inside time.Duration's ±292 years, so offsets never overflow.
const maxClockOffset = 100 * 365 * 24 * time.Hour

// Errors of Advance and Set.
var (
	errClockBackwards = errors.New("the clock only moves forward; use set to move it back")
	errClockRange     = errors.New("the clock cannot move more than 100 years away from real time")
)

// Advance moves the clock forward by d and returns the new time. A negative d, or one that would
// put the clock more than 100 years from its base, is refused and changes nothing.
func (c *Clock) Advance(d time.Duration) (time.Time, error) {
	if d < 0 {
		return time.Time{}, errClockBackwards
	}
	c.mu.Lock()
	if d > maxClockOffset-c.offset {
		c.mu.Unlock()
		return time.Time{}, errClockRange
	}
	c.offset += d
	c.mu.Unlock()
	return c.Now(), nil
}

// Set moves the clock to t (forwards or backwards) and returns it; time then keeps flowing from t
// at the base clock's pace. A t more than 100 years from the base time is refused.
func (c *Clock) Set(t time.Time) (time.Time, error) {
	base := c.base()
	if t.Before(base.Add(-maxClockOffset)) || t.After(base.Add(maxClockOffset)) {
		return time.Time{}, errClockRange
	}
	c.mu.Lock()
	c.offset = t.Sub(base)
	c.mu.Unlock()
	return c.Now(), nil
}

// reset puts the clock back on its base time.
func (c *Clock) reset() {
	c.mu.Lock()
	c.offset = 0
	c.mu.Unlock()
}

// MaxTimeDistance is how far before real time a project's stored timestamps may be: twice the
// clock's range, so that a session started on a clock set 100 years back can still be aged. An
// import refuses a timestamp before it, and ageing stops at it.
const MaxTimeDistance = 2 * maxClockOffset
