package main

import (
	"github.com/stytch-emulator/stytchemu/internal/procstat"

	"fmt"
	"io"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"
)

// report is everything a soak measured.
type report struct {
	cfg                    config
	phases                 [phaseCount]phaseResult
	flowErrors             []string
	cpuBefore, cpuDuring   time.Duration // the emulator's
	selfBefore, selfDuring time.Duration // the soak's own: load generator and abuse
	abuse                  abuseSummary
	probe                  *probe
	sessions               sessionCheck
	rssBefore, mem         procstat.Memory
	alive                  bool
	loadStart, loadEnd     string
}

// verdict is one target's line.
type verdict struct {
	name, value, target string
	pass                bool
}

// ratio is the honest throughput during the abuse ÷ before it.
func (r *report) ratio() float64 {
	before := r.phases[phaseBefore].Rate()
	if before == 0 {
		return 0
	}
	return r.phases[phaseDuring].Rate() / before
}

// honest5xx is every 5xx the honest traffic got, the final session check included.
func (r *report) honest5xx() int64 {
	var n int64
	for _, p := range r.phases {
		n += p.Status5xx
	}
	return n
}

// honestFailures is the honest MFA flows that failed, in the measured phases and the warm-up.
func (r *report) honestFailures() int64 {
	var n int64
	for _, p := range r.phases {
		n += p.FlowErrors
	}
	return n
}

func (r *report) verdicts() []verdict {
	before, during := r.phases[phaseBefore], r.phases[phaseDuring]
	n5xx := r.honest5xx() + r.abuse.Count5xx()
	return []verdict{
		{"honest throughput during abuse ÷ before", fmt.Sprintf("%.2f× (%.0f → %.0f req/s)", r.ratio(), before.Rate(), during.Rate()),
			fmt.Sprintf("≥ %.2f×", r.cfg.ratio), r.ratio() >= r.cfg.ratio},
		{"5xx answers (honest + abuse)", fmt.Sprintf("%d (honest %d, abuse %d)", n5xx, r.honest5xx(), r.abuse.Count5xx()), "0", n5xx == 0},
		{"honest sessions lost", fmt.Sprintf("%d of %d", r.sessions.Lost, r.sessions.Checked), "0", r.sessions.Lost == 0 && r.sessions.Checked > 0},
		{"honest MFA flows failed", fmt.Sprintf("%d of %d", r.honestFailures(), r.honestFailures()+before.Flows+during.Flows+r.phases[phaseWarmup].Flows), "0", r.honestFailures() == 0},
		r.newConnVerdict(),
		r.overCapVerdict(),
		{"emulator peak RSS (VmHWM)", fmt.Sprintf("%s (VmRSS at the end %s)", mib(r.mem.HWM), mib(r.mem.RSS)), "≤ " + mib(r.cfg.maxRSS), r.alive && r.mem.HWM <= r.cfg.maxRSS},
		{"emulator still running", fmt.Sprint(r.alive), "true", r.alive},
	}
}

// newConnVerdict is whether a client opening a new connection during the abuse was answered in time.
func (r *report) newConnVerdict() verdict {
	v := verdict{name: "new connection answered during abuse", target: "≤ " + r.cfg.maxWait.String() + ", every one"}
	if r.probe == nil {
		return v
	}
	worst, all := r.probe.worst(phaseDuring)
	v.value = "slowest " + worst.Round(time.Millisecond).String()
	if !all {
		v.value += ", some unanswered or failed"
	}
	v.pass = all && worst <= r.cfg.maxWait
	return v
}

// overCapVerdict is whether migrate refused every hash one step over a cap.
func (r *report) overCapVerdict() verdict {
	var refused int
	for _, o := range r.abuse.OverCap {
		if o.status == http.StatusBadRequest {
			refused++
		}
	}
	n := len(r.abuse.OverCap)
	return verdict{name: "hashes over a cap refused at migrate", value: fmt.Sprintf("%d of %d", refused, n), target: "all", pass: refused == n}
}

// pass reports whether every target was met.
func (r *report) pass() bool {
	for _, v := range r.verdicts() {
		if !v.pass {
			return false
		}
	}
	return true
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func (r *report) print(out io.Writer) {
	before, during := r.phases[phaseBefore], r.phases[phaseDuring]
	a := r.abuse
	fmt.Fprintln(out)
	fmt.Fprintf(out, "machine: %d CPUs, load average %s at the start, %s at the end (other processes share the CPUs: the throughput ratio is only as steady as they are)\n",
		runtime.NumCPU(), r.loadStart, r.loadEnd)
	fmt.Fprintf(out, "honest before:  %6.0f req/s  %5.1f flows/s  (%d ok, %d failed, %d 429) over %s; CPU: emulator %.2f cores, soak %.2f\n",
		before.Rate(), before.FlowRate(), before.OK, before.Failed, before.Status429, before.Elapsed.Round(time.Millisecond), cores(r.cpuBefore, before.Elapsed), cores(r.selfBefore, before.Elapsed))
	fmt.Fprintf(out, "honest during:  %6.0f req/s  %5.1f flows/s  (%d ok, %d failed, %d 429) over %s; CPU: emulator %.2f cores, soak %.2f\n",
		during.Rate(), during.FlowRate(), during.OK, during.Failed, during.Status429, during.Elapsed.Round(time.Millisecond), cores(r.cpuDuring, during.Elapsed), cores(r.selfDuring, during.Elapsed))
	for _, e := range r.flowErrors {
		fmt.Fprintf(out, "  honest flow error: %s\n", e)
	}
	if r.probe != nil {
		r.probe.mu.Lock()
		fmt.Fprintf(out, "new-connection health probe: slowest %s before (%d answered, %d failed, %d unanswered), %s during (%d answered, %d failed, %d unanswered)\n",
			r.probe.max[phaseBefore].Round(time.Millisecond), r.probe.count[phaseBefore], r.probe.failed[phaseBefore], r.probe.unanswered[phaseBefore],
			r.probe.max[phaseDuring].Round(time.Millisecond), r.probe.count[phaseDuring], r.probe.failed[phaseDuring], r.probe.unanswered[phaseDuring])
		if r.probe.firstEr != "" {
			fmt.Fprintf(out, "  first probe failure: %s\n", r.probe.firstEr)
		}
		r.probe.mu.Unlock()
	}
	fmt.Fprintf(out, "abuse, costly hashes (%d workers): migrate %s; authenticate %s; slowest authenticate %s\n",
		r.cfg.hashWorkers, a.Migrates, a.Checks, a.CheckMax.Round(time.Millisecond))
	var refused []string
	for _, o := range a.OverCap {
		refused = append(refused, strings.TrimSpace(fmt.Sprintf("%s → %d %s", o.name, o.status, o.errType)))
	}
	if len(refused) > 0 {
		fmt.Fprintf(out, "abuse, hashes over a cap (migrate once each): %s\n", strings.Join(refused, "; "))
	}
	var kinds []string
	for _, k := range r.cfg.slowKinds {
		kinds = append(kinds, strings.Split(slowKindNames, ",")[k])
	}
	fmt.Fprintf(out, "abuse, slow connections (%d at once: %s): %d opened, %d closed by the server (the longest after %s), %d still open at the end (the oldest for %s), %d dial errors; answers %s\n",
		r.cfg.slowConns, strings.Join(kinds, ", "), a.Slow.Opened, a.Slow.ClosedByServer, a.Slow.MaxHeld.Round(time.Millisecond), a.Slow.StillOpen, a.Slow.MaxOpen.Round(time.Millisecond), a.Slow.DialErrors, a.Slow.Statuses)
	fmt.Fprintf(out, "abuse, state growth (%d req/s): %d projects, %d users with 2×4 KB metadata, %d more sessions with 4 KB claims, %d long-path requests; answers %s\n",
		r.cfg.stateRate, a.Projects, a.Users, a.ClaimSessions, a.LongReq, a.State)
	fmt.Fprintf(out, "emulator memory: VmRSS %s before the abuse, %s at the end; VmHWM %s\n", mib(r.rssBefore.RSS), mib(r.mem.RSS), mib(r.mem.HWM))
	if r.sessions.FirstLost != "" {
		fmt.Fprintf(out, "first lost session: %s\n", r.sessions.FirstLost)
	}
	fmt.Fprintln(out)
	for _, v := range r.verdicts() {
		status := "PASS"
		if !v.pass {
			status = "MISS"
		}
		fmt.Fprintf(out, "%s  %-42s %s   [target %s]\n", status, v.name, v.value, v.target)
	}
}

// cores is CPU time divided by wall time.
func cores(cpu, wall time.Duration) float64 {
	if wall <= 0 {
		return 0
	}
	return cpu.Seconds() / wall.Seconds()
}

// loadAverage is the one-minute load average, or "?" where /proc/loadavg cannot be read.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) > 0 {
		return f[0]
	}
	return "?"
}
