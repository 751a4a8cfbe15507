package emulator

import (
	"strings"
	"time"
)

// Fault makes matching requests fail (or slow down), for testing an app's error paths. Method and
// Path must name an emulated /v1/ route; ErrorType must be in the error catalogue (StatusOf), and
// Status, when given, must be its status; Status 0 takes the catalogue's, or only delays the
// request when ErrorType is empty too.
type Fault struct {
	// Method and Path select the requests (exact match, e.g. "POST", "/v1/otps/sms/send").
	Method string
	Path   string
	// Status and ErrorType are the error to answer.
	Status    int
	ErrorType string
	// Times is how many requests it applies to: 0 means 1, a negative value means until cleared.
	// Faults lists what is left of it.
	Times int
	// Delay is waited before answering (at most a minute).
	Delay time.Duration
}

// fault is an armed Fault.
type fault struct {
	method, path string
	status       int
	errorType    string
	remaining    int // negative: forever
	delay        time.Duration
}

// maxFaultDelay bounds an injected delay so a fault cannot hang a client for long.
const maxFaultDelay = time.Minute

// checkFault validates f against the route table and the error catalogue and arms it.
func (rr *router) checkFault(f Fault) (*fault, error) {
	method := strings.ToUpper(f.Method)
	if f.Method == "" || f.Path == "" {
		return nil, newError("bad_request", "A fault needs method and path.")
	}
	if !strings.HasPrefix(f.Path, "/v1/") {
		return nil, newError("bad_request", "Faults apply to /v1/ paths only.")
	}
	if rt, _, allowed := rr.match(method, f.Path); rt == nil || rt.public {
		if allowed != "" {
			return nil, newError("bad_request", "The emulator has no route %s %s to fault (that path takes %s).", method, f.Path, allowed)
		}
		return nil, newError("bad_request", "The emulator has no route %s %s to fault.", method, f.Path)
	}
	status := f.Status
	if f.ErrorType != "" {
		want, ok := catalogued(f.ErrorType)
		switch {
		case !ok:
			return nil, newError("bad_request", "A fault's error_type must be one the emulator knows (see its error catalogue); %q is not.", f.ErrorType)
		case status == 0:
			status = want
		case status != want:
			return nil, newError("bad_request", "error_type %q answers status %d, not %d.", f.ErrorType, want, status)
		}
	}
	switch {
	case status != 0 && (status < 400 || status > 599):
		return nil, newError("bad_request", "A fault's status must be 400-599 (or 0 for a delay only).")
	case status != 0 && f.ErrorType == "":
		return nil, newError("bad_request", "A fault with a status needs an error_type.")
	case status == 0 && f.Delay == 0:
		return nil, newError("bad_request", "A fault needs a status or a delay.")
	case f.Delay < 0 || f.Delay > maxFaultDelay:
		return nil, newError("bad_request", "A fault's delay must be between 0 and %s.", maxFaultDelay)
	}
	times := f.Times
	if times == 0 {
		times = 1
	}
	return &fault{method: method, path: f.Path, status: status, errorType: f.ErrorType, remaining: times, delay: f.Delay}, nil
}

// AddFault arms a fault in the project (see Fault); an invalid one is refused with a 400 *Error,
// and one beyond the emulator's maximum of armed faults (1,000) with a 429, changing nothing.
func (p *Project) AddFault(f Fault) error {
	armed, err := p.routes.checkFault(f)
	if err != nil {
		return err
	}
	p.mu.Lock()
	if len(p.faults) >= maxFaults {
		p.mu.Unlock()
		return newError("too_many_requests", "The project already has the emulator's maximum of %d armed faults; clear some.", maxFaults)
	}
	p.faults = append(p.faults, armed)
	p.mu.Unlock()
	p.persist.touch(p)
	return nil
}

// Faults returns the project's armed faults in the order they match, each with what is left of
// its Times.
func (p *Project) Faults() []Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Fault, 0, len(p.faults))
	for _, f := range p.faults {
		out = append(out, Fault{Method: f.method, Path: f.path, Status: f.status, ErrorType: f.errorType, Times: f.remaining, Delay: f.delay})
	}
	return out
}

// ClearFaults disarms the project's faults.
func (p *Project) ClearFaults() {
	p.mu.Lock()
	p.faults = nil
	p.mu.Unlock()
	p.persist.touch(p)
}

// takeFault returns and consumes the first fault matching a request.
func (p *Project) takeFault(method, path string) (fault, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i, f := range p.faults {
		if strings.EqualFold(f.method, method) && f.path == path {
			out := *f
			if f.remaining > 0 {
				f.remaining--
				if f.remaining == 0 {
					p.faults = append(p.faults[:i:i], p.faults[i+1:]...)
				}
			}
			return out, true
		}
	}
	return fault{}, false
}
