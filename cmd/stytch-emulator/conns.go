package main

import (
	"net"
	"net/http"
	"sync"
	"time"
)

// connLimit caps the connections open at once. At the cap, a new connection is accepted by closing
// the oldest one that is waiting for a request (new, idle between requests, or still sending its
// headers); only when every connection is serving a request does Accept wait for one to finish.
// So connections that send nothing, or their headers a byte at a time, cannot keep a request out:
// the newest connection is the last to be shed, and a client that sends its request at once gets
// served. A plain limit (golang.org/x/net/netutil.LimitListener) would queue it behind them, for
// as long as their header timeouts.
type connLimit struct {
	max int

	mu      sync.Mutex
	changed *sync.Cond // signalled when a connection closes or starts waiting
	conns   map[net.Conn]*connEntry
	closed  bool
}

// connEntry is what connLimit knows of an open connection.
type connEntry struct {
	waiting bool      // between requests: sheddable
	since   time.Time // when it started waiting
	shed    bool      // closed by connLimit, not yet reported closed by the server
}

func newConnLimit(max int) *connLimit {
	l := &connLimit{max: max, conns: map[net.Conn]*connEntry{}}
	l.changed = sync.NewCond(&l.mu)
	return l
}

// listener wraps ln so that its connections count against the limit. The server must report
// their states with connState.
func (l *connLimit) listener(ln net.Listener) net.Listener { return limitedListener{ln, l} }

// admit makes room for c: it sheds the oldest waiting connection at the cap, or waits while every
// connection is serving a request. It reports false when the listener was closed meanwhile.
func (l *connLimit) admit(c net.Conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for !l.closed && l.count() >= l.max {
		if old := l.oldestWaiting(); old != nil {
			l.conns[old].shed = true
			_ = old.Close() // the server sees it fail and reports it closed
			continue
		}
		l.changed.Wait()
	}
	if l.closed {
		return false
	}
	l.conns[c] = &connEntry{waiting: true, since: time.Now()}
	return true
}

// count is the number of open connections not already shed. l.mu must be held.
func (l *connLimit) count() int {
	n := 0
	for _, e := range l.conns {
		if !e.shed {
			n++
		}
	}
	return n
}

// oldestWaiting returns the connection that has waited for a request the longest, or nil. l.mu
// must be held.
func (l *connLimit) oldestWaiting() net.Conn {
	var oldest net.Conn
	var since time.Time
	for c, e := range l.conns {
		if e.waiting && !e.shed && (oldest == nil || e.since.Before(since)) {
			oldest, since = c, e.since
		}
	}
	return oldest
}

// connState is the http.Server's ConnState hook: it tells which connections are serving a request.
func (l *connLimit) connState(c net.Conn, state http.ConnState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e, ok := l.conns[c]
	if !ok {
		return
	}
	switch state {
	case http.StateActive:
		e.waiting = false
	case http.StateIdle:
		e.waiting, e.since = true, time.Now()
		l.changed.Broadcast()
	case http.StateClosed, http.StateHijacked:
		delete(l.conns, c)
		l.changed.Broadcast()
	}
}

// close wakes an Accept waiting for room: the listener is closing.
func (l *connLimit) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	l.changed.Broadcast()
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
	if !ll.l.admit(c) {
		_ = c.Close()
		return nil, net.ErrClosed
	}
	return c, nil
}

func (ll limitedListener) Close() error {
	ll.l.close()
	return ll.Listener.Close()
}
