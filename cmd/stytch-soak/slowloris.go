package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// slowKind is a way a slow connection holds the server.
type slowKind int

const (
	slowHeaders   slowKind = iota // request headers sent a byte a second
	slowBody                      // a body sent a byte a second
	slowShortBody                 // a Content-Length larger than the body, then silence
	slowIdle                      // nothing sent at all
)

// slowKindNames are the --slow-kinds names.
const slowKindNames = "headers,body,short-body,idle"

// parseSlowKinds reads a comma-separated list of slowKindNames.
func parseSlowKinds(list string) ([]slowKind, error) {
	var out []slowKind
	for name := range strings.SplitSeq(list, ",") {
		i := slices.Index(strings.Split(slowKindNames, ","), strings.TrimSpace(name))
		if i < 0 {
			return nil, fmt.Errorf("%q is not one of %s", name, slowKindNames)
		}
		out = append(out, slowKind(i))
	}
	return out, nil
}

// slowStats counts what the slow connections saw.
type slowStats struct {
	opened, closedByServer, dialErrors atomic.Int64
	maxHeld                            atomic.Int64 // the longest a connection was held before the server closed it, in ns
	stillOpen                          atomic.Int64 // connections the server had not closed when the abuse stopped
	maxOpen                            atomic.Int64 // the oldest of those, in ns
	statuses                           tally        // the answers the server wrote before closing, if any
}

// slowResult is slowStats read out.
type slowResult struct {
	Opened, ClosedByServer, DialErrors, StillOpen int64
	MaxHeld, MaxOpen                              time.Duration
	Statuses                                      tallyResult
}

func (s *slowStats) result() slowResult {
	return slowResult{Opened: s.opened.Load(), ClosedByServer: s.closedByServer.Load(), DialErrors: s.dialErrors.Load(), StillOpen: s.stillOpen.Load(),
		MaxHeld: time.Duration(s.maxHeld.Load()), MaxOpen: time.Duration(s.maxOpen.Load()), Statuses: s.statuses.result()}
}

// slowConn keeps the i-th slow connection open until ctx ends, dialling again whenever the
// server closes it.
func (a *abuse) slowConn(ctx context.Context, i int) {
	u, err := url.Parse(a.base)
	if err != nil {
		return
	}
	kind := a.cfg.slowKinds[i%len(a.cfg.slowKinds)]
	// Spread the dials over the first second so that they do not all arrive at once.
	sleep(ctx, time.Duration(i%1000)*time.Millisecond)
	for ctx.Err() == nil {
		d := net.Dialer{Timeout: 5 * time.Second}
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			if ctx.Err() == nil {
				a.slow.dialErrors.Add(1)
				sleep(ctx, time.Second)
			}
			continue
		}
		a.slow.opened.Add(1)
		a.holdSlow(ctx, conn, kind, u.Host)
		sleep(ctx, 100*time.Millisecond)
	}
}

// holdSlow trickles kind's bytes into conn until the server closes it or ctx ends.
func (a *abuse) holdSlow(ctx context.Context, conn net.Conn, kind slowKind, host string) {
	defer conn.Close()
	start := time.Now()
	closed := make(chan struct{})
	go func() {
		defer close(closed)
		// Whatever the server answers before it closes: a status line, or nothing.
		line, err := bufio.NewReader(conn).ReadString('\n')
		if f := strings.Fields(line); len(f) >= 2 && strings.HasPrefix(f[0], "HTTP/") {
			if code, err := strconv.Atoi(f[1]); err == nil {
				a.slow.statuses.add(code, "", nil)
			}
		}
		if err == nil {
			_, _ = conn.Read(make([]byte, 64<<10)) // the rest of the answer, then the close
		}
	}()
	auth := "Authorization: Basic " + basicAuth(a.hashProject) + "\r\n"
	var head, trickle string
	switch kind {
	case slowHeaders:
		head, trickle = "POST /v1/passwords/authenticate HTTP/1.1\r\nHost: "+host+"\r\n", strings.Repeat("X-Slow: a\r\n", 1000)
	case slowBody:
		head = "POST /v1/passwords/authenticate HTTP/1.1\r\nHost: " + host + "\r\n" + auth +
			"Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
		trickle = `{"email":"slow@example.com","password":"` + strings.Repeat("p", 99_000)
	case slowShortBody:
		head = "POST /v1/passwords/authenticate HTTP/1.1\r\nHost: " + host + "\r\n" + auth +
			"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n" + `{"email":"short@example.com"`
	}
	if head != "" {
		if _, err := conn.Write([]byte(head)); err != nil {
			return
		}
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			a.slow.stillOpen.Add(1)
			storeMax(&a.slow.maxOpen, int64(time.Since(start)))
			return
		case <-closed:
			a.slow.closedByServer.Add(1)
			storeMax(&a.slow.maxHeld, int64(time.Since(start)))
			return
		case <-tick.C:
			if n < len(trickle) {
				_, _ = conn.Write([]byte{trickle[n]}) // a failed write shows up as the close
			}
		}
	}
}

// storeMax raises m to v if v is larger.
func storeMax(m *atomic.Int64, v int64) {
	for {
		old := m.Load()
		if v <= old || m.CompareAndSwap(old, v) {
			return
		}
	}
}

func basicAuth(p creds) string {
	return base64.StdEncoding.EncodeToString([]byte(p.id + ":" + p.secret))
}

// probe opens a new connection every interval and asks the health endpoint, as a client arriving
// during the abuse would, until ctx ends; it records the slowest answer per phase. A probe still
// waiting when ctx ends counts as unanswered, with the time it had waited, if that is already
// longer than patience; otherwise it is not counted.
type probe struct {
	patience   time.Duration
	mu         sync.Mutex
	max        [phaseCount]time.Duration
	failed     [phaseCount]int64
	count      [phaseCount]int64
	unanswered [phaseCount]int64
	firstEr    string
}

func (p *probe) run(ctx context.Context, base string, st *stats, interval time.Duration) {
	for ctx.Err() == nil {
		ph := phase(st.phase.Load())
		start := time.Now()
		err := healthOnNewConn(ctx, base)
		took := time.Since(start)
		p.mu.Lock()
		if ctx.Err() == nil || took > p.patience {
			p.max[ph] = max(p.max[ph], took)
		}
		switch {
		case ctx.Err() != nil:
			if took > p.patience {
				p.unanswered[ph]++
			}
		case err != nil:
			p.count[ph]++
			p.failed[ph]++
			if p.firstEr == "" {
				p.firstEr = err.Error()
			}
		default:
			p.count[ph]++
		}
		p.mu.Unlock()
		sleep(ctx, interval)
	}
}

// worst is the phase's slowest probe, answered or not, and whether every probe there was answered.
func (p *probe) worst(ph phase) (time.Duration, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.max[ph], p.failed[ph] == 0 && p.unanswered[ph] == 0
}

// healthOnNewConn asks the health endpoint over a connection of its own.
func healthOnNewConn(ctx context.Context, base string) error {
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	tr := &http.Transport{DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/emulator/v1/health", nil)
	if err != nil {
		return err
	}
	resp, err := tr.RoundTrip(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("health: %d", resp.StatusCode)
	}
	return nil
}
