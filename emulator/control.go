package emulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// The control API: emulator-only endpoints under /emulator/v1/, authenticated with
// the Basic credentials of the project they act on (health excepted). Each has a Go twin on the
// project handle, *Project, for in-process use.

type healthResponse struct {
	meta
	Status string `json:"status"`
	// TokenRotation is the emulator's token-rotation mode, so that a harness knows whether a
	// rotated-out token's grace can be observed.
	TokenRotation Rotation `json:"token_rotation"`
}

// health serves GET /emulator/v1/health.
func health(c *call) (int, metaSetter, error) {
	return http.StatusOK, &healthResponse{Status: "ok", TokenRotation: c.e.TokenRotation()}, nil
}

type messagesResponse struct {
	meta
	Messages []Message `json:"messages"`
}

// controlMessages serves GET /emulator/v1/messages?to=: the project's outbox, oldest first. An
// unencoded "+" of an E.164 number arrives as a space (?to=+1555…), so a leading space means "+".
func controlMessages(c *call) (int, metaSetter, error) {
	to := c.r.URL.Query().Get("to")
	if strings.HasPrefix(to, " ") {
		to = "+" + strings.TrimLeft(to, " ")
	}
	return http.StatusOK, &messagesResponse{Messages: c.p.Messages(to)}, nil
}

type clockResponse struct {
	meta
	Now time.Time `json:"now"`
}

// controlClockGet serves GET /emulator/v1/clock.
func controlClockGet(c *call) (int, metaSetter, error) {
	return http.StatusOK, &clockResponse{Now: c.p.clock.Now()}, nil
}

// controlClockSet serves POST /emulator/v1/clock with {"advance":"6m"} or {"set":"RFC3339"}. After
// a set the clock keeps ticking from the time set, at the pace of real time (see Clock.Set).
func controlClockSet(c *call) (int, metaSetter, error) {
	var req struct {
		Advance string `json:"advance"`
		Set     string `json:"set"`
	}
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	switch {
	case req.Advance != "" && req.Set != "":
		return 0, nil, newError("bad_request", "Pass advance or set, not both.")
	case req.Advance != "":
		d, err := time.ParseDuration(req.Advance)
		if err != nil {
			return 0, nil, newError("bad_request", "advance must be a Go duration such as \"6m\": %v.", err)
		}
		now, err := c.p.clock.Advance(d)
		if err != nil {
			return 0, nil, newError("bad_request", "%v.", err)
		}
		return http.StatusOK, &clockResponse{Now: now}, nil
	case req.Set != "":
		t, err := time.Parse(time.RFC3339, req.Set)
		if err != nil {
			return 0, nil, newError("bad_request", "set must be an RFC 3339 time: %v.", err)
		}
		now, err := c.p.clock.Set(t)
		if err != nil {
			return 0, nil, newError("bad_request", "%v.", err)
		}
		return http.StatusOK, &clockResponse{Now: now}, nil
	}
	return 0, nil, newError("bad_request", "Pass advance (a Go duration) or set (an RFC 3339 time).")
}

// controlReset serves POST /emulator/v1/reset: the project's state is emptied, the sandbox fixtures
// restored and its clock put back on real time.
func controlReset(c *call) (int, metaSetter, error) {
	c.p.Reset()
	return http.StatusOK, &metaOnly{}, nil
}

// faultParams is a fault as the control API reads and lists it.
type faultParams struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	ErrorType string `json:"error_type"`
	Times     int    `json:"times"`
	Delay     string `json:"delay,omitempty"`
}

// controlFaultsAdd serves POST /emulator/v1/faults.
func controlFaultsAdd(c *call) (int, metaSetter, error) {
	var req faultParams
	if err := c.decode(&req); err != nil {
		return 0, nil, err
	}
	f := Fault{Method: req.Method, Path: req.Path, Status: req.Status, ErrorType: req.ErrorType, Times: req.Times}
	if req.Delay != "" {
		d, err := time.ParseDuration(req.Delay)
		if err != nil {
			return 0, nil, newError("bad_request", "delay must be a Go duration such as \"2s\": %v.", err)
		}
		f.Delay = d
	}
	return reply(&metaOnly{}, c.p.AddFault(f))
}

type faultsResponse struct {
	meta
	Faults []faultParams `json:"faults"`
}

// controlFaultsList serves GET /emulator/v1/faults: the armed faults, in the order they match.
// times is what is left of each (negative: until cleared).
func controlFaultsList(c *call) (int, metaSetter, error) {
	resp := &faultsResponse{Faults: []faultParams{}}
	for _, f := range c.p.Faults() {
		w := faultParams{Method: f.Method, Path: f.Path, Status: f.Status, ErrorType: f.ErrorType, Times: f.Times}
		if f.Delay > 0 {
			w.Delay = f.Delay.String()
		}
		resp.Faults = append(resp.Faults, w)
	}
	return http.StatusOK, resp, nil
}

// controlFaultsClear serves DELETE /emulator/v1/faults.
func controlFaultsClear(c *call) (int, metaSetter, error) {
	c.p.ClearFaults()
	return http.StatusOK, &metaOnly{}, nil
}

type requestsResponse struct {
	meta
	Requests []RequestRecord `json:"requests"`
}

// controlRequests serves GET /emulator/v1/requests: the project's recent requests, oldest first.
func controlRequests(c *call) (int, metaSetter, error) {
	return http.StatusOK, &requestsResponse{Requests: c.p.Requests()}, nil
}

// Projects lists the ids of the emulator's projects, sorted.
func (e *Emulator) Projects() []string {
	e.ready()
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.projects))
	for id := range e.projects {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
