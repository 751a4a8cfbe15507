package main

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// phase is the part of the soak a response belongs to.
type phase int32

const (
	phaseWarmup phase = iota // honest load only, not counted
	phaseBefore              // honest load only, measured
	phaseDuring              // honest load and abuse, measured
	phaseAfter               // the load is stopping; the final checks
	phaseCount
)

// counts is what the honest traffic did in one phase.
type counts struct {
	ok, failed, status5xx, status429, flows, flowErrors atomic.Int64
}

// phaseResult is counts read out, with the phase's length.
type phaseResult struct {
	OK, Failed, Status5xx, Status429, Flows, FlowErrors int64
	Elapsed                                             time.Duration
}

// Rate is the honest requests answered 2xx per second.
func (p phaseResult) Rate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.OK) / p.Elapsed.Seconds()
}

// FlowRate is the completed MFA flows per second.
func (p phaseResult) FlowRate() float64 {
	if p.Elapsed <= 0 {
		return 0
	}
	return float64(p.Flows) / p.Elapsed.Seconds()
}

// stats counts the honest traffic by phase. It is shared by every honest worker.
type stats struct {
	phase   atomic.Int32
	by      [phaseCount]counts
	mu      sync.Mutex
	started [phaseCount]time.Time
	errs    []string // the first few flow errors
}

func newStats() *stats {
	s := &stats{}
	s.started[phaseWarmup] = time.Now()
	return s
}

func (s *stats) setPhase(p phase) {
	s.mu.Lock()
	s.started[p] = time.Now()
	s.mu.Unlock()
	s.phase.Store(int32(p))
}

func (s *stats) now() *counts { return &s.by[s.phase.Load()] }

// response counts one honest response.
func (s *stats) response(status int) {
	c := s.now()
	switch {
	case status >= 500:
		c.status5xx.Add(1)
		c.failed.Add(1)
	case status == http.StatusTooManyRequests:
		c.status429.Add(1)
		c.failed.Add(1)
	case status >= 200 && status < 300:
		c.ok.Add(1)
	default:
		c.failed.Add(1)
	}
}

// transportError counts an honest request that got no response at all.
func (s *stats) transportError() { s.now().failed.Add(1) }

// flow counts one finished MFA flow.
func (s *stats) flow(err error) {
	c := s.now()
	if err == nil {
		c.flows.Add(1)
		return
	}
	c.flowErrors.Add(1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.errs) < 5 {
		s.errs = append(s.errs, err.Error())
	}
}

// snapshot reads every phase's counts.
func (s *stats) snapshot() [phaseCount]phaseResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out [phaseCount]phaseResult
	for p := range phaseCount {
		c := &s.by[p]
		out[p] = phaseResult{OK: c.ok.Load(), Failed: c.failed.Load(), Status5xx: c.status5xx.Load(), Status429: c.status429.Load(),
			Flows: c.flows.Load(), FlowErrors: c.flowErrors.Load()}
		if p+1 < phaseCount && !s.started[p].IsZero() && !s.started[p+1].IsZero() {
			out[p].Elapsed = s.started[p+1].Sub(s.started[p])
		}
	}
	return out
}

// firstErrors returns the first few flow errors.
func (s *stats) firstErrors() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.errs...)
}

// countingTransport counts every honest response by status as it arrives.
type countingTransport struct {
	next  http.RoundTripper
	stats *stats
}

func (t countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		t.stats.transportError()
		return nil, err
	}
	t.stats.response(resp.StatusCode)
	return resp, nil
}
