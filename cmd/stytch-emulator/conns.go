package main

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// connLimit caps the connections open at once. At the cap, a new connection is let in by closing
// one that is not serving a request, chosen in this order:
//
//  1. a connection that has not completed a request yet, waiting for or sending its first request's
//     headers, the one waiting longest first;
//  2. one that has not completed a request yet, sending its first request's body, longest first;
//  3. a connection that has completed a request (a known client), in the middle of its next
//     request's headers, longest first;
//  4. a known client's idle keep-alive connection, idle longest first;
//  5. a known client's connection sending a request's body, longest first.
//
// A connection whose handler runs (its request read in full) is never closed; only when every
// connection is serving a request does Accept wait for one to finish. So connections that send
// nothing, or a request a byte at a time, cannot keep a request out, and while any of them is open
// they are closed before a known client's keep-alive connection, which a client would otherwise
// find closed under a request it is sending (most clients do not retry a POST). A plain limit
// (golang.org/x/net/netutil.LimitListener) would queue new connections behind them instead.
type connLimit struct {
	max int

	mu      sync.Mutex
	changed *sync.Cond // signalled when a connection closes or stops serving
	conns   map[net.Conn]*connEntry
	open    int // connections in conns not shed
	closed  bool
}

// connPhase is where a connection is in its request cycle.
type connPhase int

const (
	phaseWaiting connPhase = iota // new or idle: waiting for a request, or reading its headers
	phaseBody                     // headers read; the body is still arriving
	phaseServing                  // the request is read in full; its handler runs
)

// connEntry is what connLimit knows of an open connection. Its fields but readAt are guarded by
// connLimit.mu.
type connEntry struct {
	phase connPhase
	known bool      // a request was completed on it
	since time.Time // when it entered its phase
	shed  bool      // closed by connLimit, not yet reported closed by the server
	// readAt is when the first byte of the next request arrived (UnixNano), 0 until then: a
	// waiting connection with readAt set is in the middle of its headers.
	readAt atomic.Int64
}

func newConnLimit(max int) *connLimit {
	l := &connLimit{max: max, conns: map[net.Conn]*connEntry{}}
	l.changed = sync.NewCond(&l.mu)
	return l
}

// listener wraps ln so that its connections count against the limit. The server must report their
// states with connState and run its handler inside readBodies.
func (l *connLimit) listener(ln net.Listener) net.Listener { return limitedListener{ln, l} }

// admit makes room for c: it sheds a connection at the cap (see connLimit), or waits while every
// connection is serving a request. It reports false when the listener was closed meanwhile.
func (l *connLimit) admit(c net.Conn, e *connEntry) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && l.open >= l.max {
		if victim := l.victim(); victim != nil {
			l.conns[victim].shed = true
			l.open--
			_ = victim.Close() // the server sees it fail and reports it closed
			continue
		}
		l.changed.Wait()
	}
	if l.closed {
		return false
	}
	e.since = time.Now()
	l.conns[c] = e
	l.open++
	return true
}

// rank orders the connections to shed: lower first; serving ones are never shed (-1).
func (e *connEntry) rank() int {
	switch {
	case e.phase == phaseServing:
		return -1
	case !e.known && e.phase == phaseWaiting:
		return 0
	case !e.known:
		return 1
	case e.phase == phaseWaiting && e.readAt.Load() != 0:
		return 2
	case e.phase == phaseWaiting:
		return 3
	default:
		return 4
	}
}

// waitedSince is when e started to wait in its rank.
func (e *connEntry) waitedSince() time.Time {
	if at := e.readAt.Load(); at != 0 && e.phase == phaseWaiting && e.known {
		return time.Unix(0, at)
	}
	return e.since
}

// victim returns the connection to shed at the cap, or nil when every one is serving a request.
// l.mu must be held.
func (l *connLimit) victim() net.Conn {
	var (
		best     net.Conn
		bestRank int
		bestAt   time.Time
	)
	for c, e := range l.conns {
		r := e.rank()
		if e.shed || r < 0 {
			continue
		}
		at := e.waitedSince()
		if best == nil || r < bestRank || (r == bestRank && at.Before(bestAt)) {
			best, bestRank, bestAt = c, r, at
		}
	}
	return best
}

// connState is the http.Server's ConnState hook: it follows each connection's request cycle.
func (l *connLimit) connState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	switch state {
	case http.StateActive: // the headers are read; readBodies takes it on from here
		e.phase, e.since = phaseBody, time.Now()
	case http.StateIdle:
		if e.phase == phaseServing {
			e.known = true
		}
		e.phase, e.since = phaseWaiting, time.Now()
		e.readAt.Store(0)
		l.changed.Broadcast()
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
		if !e.shed {
			l.open--
		}
		l.changed.Broadcast()
	}
}

// setPhase moves e to phase p.
func (l *connLimit) setPhase(e *connEntry, p connPhase) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e.phase, e.since = p, time.Now()
}

// close wakes an Accept waiting for room: the listener is closing.
func (l *connLimit) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.changed.Broadcast()
}

// entryKey is the context key of a request's connEntry.
type entryKey struct{}

// connContext is the http.Server's ConnContext hook: it hands each request its connection's entry.
func (l *connLimit) connContext(ctx context.Context, c net.Conn) context.Context {
	if tc, ok := c.(*trackedConn); ok {
		return context.WithValue(ctx, entryKey{}, tc.entry)
	}
	return ctx
}

// Bounds on receiving a request's body: bodyGrace plus a second for every minBodyRate bytes of it.
const (
	minBodyRate = 64 << 10 // bytes a second
	bodyGrace   = 5 * time.Second
)

// bodyTimeout is how long a body of n bytes (-1: unknown, up to limit) may take to arrive: grace
// plus the time at minBodyRate, within the read timeout.
func bodyTimeout(grace, readTimeout time.Duration, n, limit int64) time.Duration {
	if n < 0 || n > limit {
		n = limit
	}
	return min(readTimeout, grace+time.Duration(n)*time.Second/minBodyRate)
}

// bodyLimiter is a handler that says how large a body it reads for a request (the emulator:
// larger for an import); other handlers read up to emulator.MaxBodyBytes.
type bodyLimiter interface {
	BodyLimit(r *http.Request) int64
}

// readBodies reads each request's body in full, within bodyTimeout, before next runs: until then
// the connection may be shed (see connLimit); a body that has not arrived in time is answered 400
// and the connection closed, so a client cannot hold a connection with a slow body for the whole
// read timeout. The body is read up to one byte over the emulator's limit, which refuses it; a body
// announced over the limit is not read ahead.
func (l *connLimit) readBodies(next http.Handler, grace, readTimeout time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, _ := r.Context().Value(entryKey{}).(*connEntry)
		if r.Body != nil && r.Body != http.NoBody {
			limit := int64(emulator.MaxBodyBytes)
			if bl, ok := next.(bodyLimiter); ok {
				limit = bl.BodyLimit(r)
			}
			rc := http.NewResponseController(w)
			_ = rc.SetReadDeadline(time.Now().Add(bodyTimeout(grace, readTimeout, r.ContentLength, limit)))
			if r.ContentLength > limit {
				// Announced over the limit: the emulator refuses it; nothing is read ahead of it,
				// and the connection stays one that may be shed.
				next.ServeHTTP(w, r)
				return
			}
			body, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
			if err != nil {
				w.Header().Set("Connection", "close")
				writeRefusal(w, http.StatusBadRequest, "bad_request", "The request body did not arrive in time, or was cut short.")
				return
			}
			// No deadline while the handler runs: net/http reads ahead on the connection to see
			// whether the client goes away, and a deadline there would end the request's context.
			_ = rc.SetReadDeadline(time.Time{})
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
		if e != nil {
			l.setPhase(e, phaseServing)
		}
		next.ServeHTTP(w, r)
	})
}

// limitedListener is a listener whose connections count against a connLimit.
type limitedListener struct {
	net.Listener
	l *connLimit
}

func (ll limitedListener) Accept() (net.Conn, error) {
	c, err := ll.Listener.Accept()
	if err != nil {
		return nil, err
	}
	tc := &trackedConn{Conn: c, entry: &connEntry{}}
	if !ll.l.admit(tc, tc.entry) {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	return tc, nil
}

func (ll limitedListener) Close() error {
	ll.l.close()
	return ll.Listener.Close()
}

// trackedConn notes when the first byte of each request arrives.
type trackedConn struct {
	net.Conn
	entry *connEntry
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 && c.entry.readAt.Load() == 0 {
		c.entry.readAt.CompareAndSwap(0, time.Now().UnixNano())
	}
	return n, err
}
