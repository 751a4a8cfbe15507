package emulator

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// The control API (design.md §3.2): emulator-only endpoints under /emulator/v1/, authenticated with
// the Basic credentials of the project they act on (health excepted). Each has a Go twin on
// *Emulator for in-process use.

type healthResponse struct {
	meta
	Status string `json:"status"`
}

// health serves GET /emulator/v1/health.
func health(c *call) (int, metaSetter, error) {
	return http.StatusOK, &healthResponse{Status: "ok"}, nil
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
	return http.StatusOK, &messagesResponse{Messages: c.p.messagesTo(to)}, nil
}

// messagesTo returns the outbox filtered by recipient ("" for all). Emails match case-insensitively.
func (p *project) messagesTo(to string) []Message {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := []Message{}
	for _, m := range p.messages {
		if to == "" || m.To == to || strings.EqualFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

type clockResponse struct {
	meta
	Now time.Time `json:"now"`
}

// controlClockGet serves GET /emulator/v1/clock.
func controlClockGet(c *call) (int, metaSetter, error) {
	return http.StatusOK, &clockResponse{Now: c.p.clock.Now()}, nil
}

// controlClockSet serves POST /emulator/v1/clock with {"advance":"6m"} or {"set":"RFC3339"}.
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
	c.p.reset()
	return http.StatusOK, &metaOnly{}, nil
}

// reset empties the project.
func (p *project) reset() {
	p.mu.Lock()
	p.resetLocked()
	p.mu.Unlock()
	p.clock.reset()
	p.logMu.Lock()
	p.requests = nil
	p.logMu.Unlock()
}

type faultParams struct {
	Method    string `json:"method"`
	Path      string `json:"path"`
	Status    int    `json:"status"`
	ErrorType string `json:"error_type"`
	Times     int    `json:"times"`
	Delay     string `json:"delay"`
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
	if err := c.p.addFault(f); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, &metaOnly{}, nil
}

// maxFaultDelay bounds an injected delay so a fault cannot hang a client for long.
const maxFaultDelay = time.Minute

// addFault validates and installs a fault.
func (p *project) addFault(f Fault) *Error {
	switch {
	case f.Method == "" || f.Path == "":
		return newError("bad_request", "A fault needs method and path.")
	case !strings.HasPrefix(f.Path, "/v1/"):
		return newError("bad_request", "Faults apply to /v1/ paths only.")
	case f.Status != 0 && (f.Status < 400 || f.Status > 599):
		return newError("bad_request", "A fault's status must be 400-599 (or 0 for a delay only).")
	case f.Status != 0 && f.ErrorType == "":
		return newError("bad_request", "A fault with a status needs an error_type.")
	case f.Status == 0 && f.Delay == 0:
		return newError("bad_request", "A fault needs a status or a delay.")
	case f.Delay < 0 || f.Delay > maxFaultDelay:
		return newError("bad_request", "A fault's delay must be between 0 and %s.", maxFaultDelay)
	}
	times := f.Times
	if times == 0 {
		times = 1
	}
	p.mu.Lock()
	p.faults = append(p.faults, &fault{method: strings.ToUpper(f.Method), path: f.Path, status: f.Status, errorType: f.ErrorType, remaining: times, delay: f.Delay})
	p.mu.Unlock()
	return nil
}

// controlFaultsClear serves DELETE /emulator/v1/faults.
func controlFaultsClear(c *call) (int, metaSetter, error) {
	c.p.mu.Lock()
	c.p.faults = nil
	c.p.mu.Unlock()
	return http.StatusOK, &metaOnly{}, nil
}

type requestsResponse struct {
	meta
	Requests []RequestRecord `json:"requests"`
}

// controlRequests serves GET /emulator/v1/requests: the project's recent requests, oldest first.
func controlRequests(c *call) (int, metaSetter, error) {
	return http.StatusOK, &requestsResponse{Requests: c.p.requestLog()}, nil
}

func (p *project) requestLog() []RequestRecord {
	p.logMu.Lock()
	defer p.logMu.Unlock()
	return append([]RequestRecord{}, p.requests...)
}

// Go twins of the control API, for in-process tests. Each returns false or an error when the
// project does not exist.

// Messages returns a project's outbox filtered by recipient ("" for all), oldest first.
func (e *Emulator) Messages(projectID, to string) []Message {
	if p := e.project(projectID); p != nil {
		return p.messagesTo(to)
	}
	return nil
}

// Requests returns a project's recent requests, oldest first.
func (e *Emulator) Requests(projectID string) []RequestRecord {
	if p := e.project(projectID); p != nil {
		return p.requestLog()
	}
	return nil
}

// Reset empties a project's state and restores the sandbox fixtures; it reports whether the
// project exists.
func (e *Emulator) Reset(projectID string) bool {
	p := e.project(projectID)
	if p != nil {
		p.reset()
	}
	return p != nil
}

// AddFault installs a fault in a project (see Fault).
func (e *Emulator) AddFault(projectID string, f Fault) error {
	p := e.project(projectID)
	if p == nil {
		return newError("bad_request", "Project %s does not exist.", projectID)
	}
	if err := p.addFault(f); err != nil {
		return err
	}
	return nil
}

// ClearFaults removes a project's faults.
func (e *Emulator) ClearFaults(projectID string) {
	if p := e.project(projectID); p != nil {
		p.mu.Lock()
		p.faults = nil
		p.mu.Unlock()
	}
}

// Projects lists the ids of the emulator's projects, sorted.
func (e *Emulator) Projects() []string {
	e.init()
	e.mu.RLock()
	defer e.mu.RUnlock()
	out := make([]string, 0, len(e.projects))
	for id := range e.projects {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}
