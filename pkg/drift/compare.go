package drift

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Kind says what differs in a Diff.
type Kind string

// The kinds of Diff.
const (
	// KindScenario: the scenario was recorded on one side only. A or B is "<n> calls", the other "".
	KindScenario Kind = "scenario"
	// KindCallCount: the scenario made a different number of calls. A and B are the counts.
	KindCallCount Kind = "call_count"
	// KindExtraCall: a call only one side made, past the other side's last. A or B is its endpoint.
	KindExtraCall Kind = "extra_call"
	// KindEndpoint: the calls at the same index went to different endpoints ("METHOD path"); their
	// outcomes are not compared.
	KindEndpoint Kind = "endpoint"
	// KindStatus: the HTTP statuses differ. Their bodies are not compared, since an error and a
	// success (or two errors) have different shapes anyway.
	KindStatus Kind = "status"
	// KindErrorType: the error_type values differ ("" for none). Bodies are not compared either.
	KindErrorType Kind = "error_type"
	// KindField: a JSON path is present on one side only; A or B is its type. Paths below it are
	// not listed.
	KindField Kind = "field"
	// KindType: the type or format at a JSON path differs, e.g. rfc3339 vs string. Paths below it
	// are not listed when the two types have no container kind (object, array) in common.
	KindType Kind = "type"
	// KindEmptiness: an array is empty on one side and not on the other (A and B are "array" or
	// "empty_array"). Paths below it are not listed.
	KindEmptiness Kind = "emptiness"
)

// Diff is one difference between two recordings.
type Diff struct {
	// Scenario is the scenario's name.
	Scenario string
	// Call is the call's 1-based index in the scenario; 0 for a difference of the whole scenario
	// (KindScenario, KindCallCount).
	Call int
	// Endpoint is the call's "METHOD path": a's, or b's for a call only b made; "" when Call is 0.
	Endpoint string
	// Kind says what differs.
	Kind Kind
	// Path is the JSON path (see Shape) for KindField, KindType and KindEmptiness.
	Path string
	// A and B are what each side has (see Kind); "" is nothing.
	A, B string
}

// String describes the difference on one line, naming the sides a and b.
func (d Diff) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "scenario %q: ", d.Scenario)
	if h := d.heading(); h != "" {
		b.WriteString(h + ": ")
	}
	b.WriteString(d.detail("a", "b"))
	return b.String()
}

// heading names the call of the difference ("" for scenario-wide ones).
func (d Diff) heading() string {
	switch {
	case d.Call == 0:
		return ""
	case d.Kind == KindEndpoint:
		return "call " + strconv.Itoa(d.Call)
	}
	return "call " + strconv.Itoa(d.Call) + " " + d.Endpoint
}

// detail describes what differs, the sides named na and nb.
func (d Diff) detail(na, nb string) string {
	side, val := na, d.A
	if d.A == "" {
		side, val = nb, d.B
	}
	switch d.Kind {
	case KindScenario:
		return fmt.Sprintf("only in %s (%s)", side, val)
	case KindCallCount:
		return fmt.Sprintf("number of calls: %s vs %s", d.A, d.B)
	case KindExtraCall:
		return "only in " + side
	case KindEndpoint:
		return fmt.Sprintf("endpoint: %s vs %s", d.A, d.B)
	case KindStatus:
		return fmt.Sprintf("status: %s vs %s", d.A, d.B)
	case KindErrorType:
		return fmt.Sprintf("error_type: %s vs %s", orNone(d.A), orNone(d.B))
	case KindField:
		return fmt.Sprintf("%s: only in %s (%s)", d.Path, side, val)
	case KindType:
		return fmt.Sprintf("%s: %s vs %s", d.Path, d.A, d.B)
	case KindEmptiness:
		return fmt.Sprintf("%s: %s vs %s", d.Path, emptiness(d.A), emptiness(d.B))
	}
	return fmt.Sprintf("%s %s: %s vs %s", d.Kind, d.Path, orNone(d.A), orNone(d.B))
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func emptiness(t string) string {
	if t == TypeEmptyArray {
		return "empty array"
	}
	return "non-empty array"
}

// Skip is a scenario skipped on one side or both (Recording.Skipped), so not compared.
type Skip struct {
	// Scenario is the scenario's name.
	Scenario string
	// A and B are why it was skipped on each side; "" for a side where it ran (or was not
	// recorded at all).
	A, B string
}

// String describes the skip on one line, naming the sides a and b.
func (s Skip) String() string { return fmt.Sprintf("scenario %q: %s", s.Scenario, s.detail("a", "b")) }

// detail says on which sides the scenario was skipped and why.
func (s Skip) detail(na, nb string) string {
	var parts []string
	if s.A != "" {
		parts = append(parts, "skipped on "+na+": "+s.A)
	}
	if s.B != "" {
		parts = append(parts, "skipped on "+nb+": "+s.B)
	}
	return strings.Join(parts, "; ")
}

// Report is the result of Compare: every difference between recording A and recording B, and the
// scenarios not compared because a side skipped them.
type Report struct {
	// A and B are the labels of the recordings compared ("a" and "b" when they have none).
	A, B string
	// Scenarios is how many scenarios either recording has, skipped ones included.
	Scenarios int
	// Calls is how many calls were compared (those at the same index of a scenario on both sides).
	Calls int
	// Diffs are the differences in a stable order: by scenario name; within a scenario, the
	// scenario-wide ones, then by call; within a call, endpoint, status, error_type, then the body's
	// differences by JSON path.
	Diffs []Diff
	// Skipped are the scenarios skipped on either side (a target lacking a capability they need),
	// by scenario name. They are not compared and are not differences: Empty ignores them.
	Skipped []Skip
}

// Empty reports whether the recordings do not differ. Scenarios skipped on a side do not count.
func (r Report) Empty() bool { return len(r.Diffs) == 0 }

// String renders the report for people: a summary line naming a and b, then the differences
// grouped by scenario and call, e.g.
//
//	drift: a=emulator b=sandbox: 2 differences in 1 of 3 scenarios (17 calls compared)
//
//	scenario "step-up":
//	  call 6 POST /v1/sessions/authenticate:
//	    status: 404 vs 200
//	    error_type: session_not_found vs (none)
//
// Values are given as "a's vs b's". Scenarios skipped on a side follow, in a section of their own
// that is not a difference:
//
//	skipped, not compared (1):
//	  scenario "An expired code": skipped on b: target sandbox lacks clock-control
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "drift: a=%s b=%s: ", r.A, r.B)
	if r.Empty() {
		fmt.Fprintf(&b, "no differences (%d scenarios, %d calls compared%s)\n", r.Scenarios-len(r.Skipped), r.Calls, r.skippedNote())
		r.writeSkipped(&b)
		return b.String()
	}
	scenarios := 0
	for i, d := range r.Diffs {
		if i == 0 || d.Scenario != r.Diffs[i-1].Scenario {
			scenarios++
		}
	}
	fmt.Fprintf(&b, "%d %s in %d of %d scenarios (%d calls compared%s)\n",
		len(r.Diffs), plural(len(r.Diffs), "difference", "differences"), scenarios, r.Scenarios-len(r.Skipped), r.Calls, r.skippedNote())
	for i, d := range r.Diffs {
		newScenario := i == 0 || d.Scenario != r.Diffs[i-1].Scenario
		if newScenario {
			fmt.Fprintf(&b, "\nscenario %q:\n", d.Scenario)
		}
		h := d.heading()
		switch {
		case h == "":
			fmt.Fprintf(&b, "  %s\n", d.detail("a", "b"))
		case d.Kind == KindExtraCall:
			fmt.Fprintf(&b, "  %s: %s\n", h, d.detail("a", "b"))
		default:
			if newScenario || h != r.Diffs[i-1].heading() || r.Diffs[i-1].Call != d.Call {
				fmt.Fprintf(&b, "  %s:\n", h)
			}
			fmt.Fprintf(&b, "    %s\n", d.detail("a", "b"))
		}
	}
	r.writeSkipped(&b)
	return b.String()
}

// skippedNote is the summary line's mention of the skipped scenarios ("" when none).
func (r Report) skippedNote() string {
	if len(r.Skipped) == 0 {
		return ""
	}
	return fmt.Sprintf("; %d %s skipped on a side, not compared", len(r.Skipped), plural(len(r.Skipped), "scenario", "scenarios"))
}

// writeSkipped writes the section of the scenarios skipped on a side.
func (r Report) writeSkipped(b *strings.Builder) {
	if len(r.Skipped) == 0 {
		return
	}
	fmt.Fprintf(b, "\nskipped, not compared (%d):\n", len(r.Skipped))
	for _, s := range r.Skipped {
		fmt.Fprintf(b, "  %s\n", s)
	}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// Compare compares recording a with recording b and reports every difference: scenarios recorded
// on one side only, scenarios with a different number of calls (and the calls past the shorter
// side's last), and, for the calls at the same index of a scenario: a different endpoint, status
// or error_type, and, when those agree, the differences of the body shapes (JSON paths on one side
// only, different types or formats, arrays empty on one side only). See Kind.
//
// A scenario skipped on either side (Recording.Skipped) is not compared: it goes to
// Report.Skipped with the reasons, not to Diffs.
func Compare(a, b Recording) Report {
	r := Report{A: label(a.Label, "a"), B: label(b.Label, "b")}
	seen := map[string]bool{}
	var names []string
	for _, m := range []map[string][]Call{a.Scenarios, b.Scenarios} {
		for name := range m {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	for _, m := range []map[string]string{a.Skipped, b.Skipped} {
		for name := range m {
			if !seen[name] {
				seen[name] = true
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	r.Scenarios = len(names)
	for _, name := range names {
		if sa, sb := a.Skipped[name], b.Skipped[name]; sa != "" || sb != "" {
			r.Skipped = append(r.Skipped, Skip{Scenario: name, A: sa, B: sb})
			continue
		}
		ca, inA := a.Scenarios[name]
		cb, inB := b.Scenarios[name]
		switch {
		case !inA:
			r.Diffs = append(r.Diffs, Diff{Scenario: name, Kind: KindScenario, B: countCalls(len(cb))})
			continue
		case !inB:
			r.Diffs = append(r.Diffs, Diff{Scenario: name, Kind: KindScenario, A: countCalls(len(ca))})
			continue
		}
		if len(ca) != len(cb) {
			r.Diffs = append(r.Diffs, Diff{Scenario: name, Kind: KindCallCount, A: strconv.Itoa(len(ca)), B: strconv.Itoa(len(cb))})
		}
		n := min(len(ca), len(cb))
		r.Calls += n
		for i := range n {
			r.Diffs = append(r.Diffs, compareCall(name, i+1, ca[i], cb[i])...)
		}
		for i := n; i < len(ca); i++ {
			r.Diffs = append(r.Diffs, Diff{Scenario: name, Call: i + 1, Endpoint: ca[i].Endpoint(), Kind: KindExtraCall, A: ca[i].Endpoint()})
		}
		for i := n; i < len(cb); i++ {
			r.Diffs = append(r.Diffs, Diff{Scenario: name, Call: i + 1, Endpoint: cb[i].Endpoint(), Kind: KindExtraCall, B: cb[i].Endpoint()})
		}
	}
	return r
}

func label(l, def string) string {
	if l == "" {
		return def
	}
	return l
}

func countCalls(n int) string { return strconv.Itoa(n) + " " + plural(n, "call", "calls") }

// compareCall compares the calls at index i (1-based) of a scenario.
func compareCall(scenario string, i int, a, b Call) []Diff {
	d := Diff{Scenario: scenario, Call: i, Endpoint: a.Endpoint()}
	if a.Endpoint() != b.Endpoint() {
		d.Kind, d.A, d.B = KindEndpoint, a.Endpoint(), b.Endpoint()
		return []Diff{d}
	}
	var out []Diff
	if a.Status != b.Status {
		d.Kind, d.A, d.B = KindStatus, statusText(a.Status), statusText(b.Status)
		out = append(out, d)
	}
	if a.ErrorType != b.ErrorType {
		d.Kind, d.A, d.B = KindErrorType, a.ErrorType, b.ErrorType
		out = append(out, d)
	}
	if len(out) > 0 {
		return out
	}
	d.A, d.B = "", ""
	for _, sd := range compareShapes(a.Shape, b.Shape) {
		sd.Scenario, sd.Call, sd.Endpoint = d.Scenario, d.Call, d.Endpoint
		out = append(out, sd)
	}
	return out
}

// statusText renders a status; 0 is no response.
func statusText(s int) string {
	if s == 0 {
		return "no response"
	}
	return strconv.Itoa(s)
}

// compareShapes lists the differences of two body shapes (Kind, Path, A and B set).
func compareShapes(a, b Shape) []Diff {
	paths := make([]string, 0, len(a)+len(b))
	for p := range a {
		paths = append(paths, p)
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			paths = append(paths, p)
		}
	}
	// The root first; then lexical order, which puts every path after its ancestors.
	slices.SortFunc(paths, func(x, y string) int {
		switch {
		case x == y:
			return 0
		case x == RootPath:
			return -1
		case y == RootPath:
			return 1
		}
		return strings.Compare(x, y)
	})
	var out []Diff
	var covered []string // paths whose descendants are not listed
	for _, p := range paths {
		if slices.ContainsFunc(covered, func(c string) bool { return isUnder(p, c) }) {
			continue
		}
		ta, inA := a[p]
		tb, inB := b[p]
		switch {
		case ta == tb:
			continue
		case !inA || !inB:
			out = append(out, Diff{Kind: KindField, Path: p, A: ta, B: tb})
			covered = append(covered, p)
		case isEmptiness(ta, tb):
			out = append(out, Diff{Kind: KindEmptiness, Path: p, A: ta, B: tb})
			covered = append(covered, p)
		default:
			out = append(out, Diff{Kind: KindType, Path: p, A: ta, B: tb})
			if !shareContainer(ta, tb) {
				covered = append(covered, p)
			}
		}
	}
	return out
}

// isEmptiness reports whether two types differ only in an array's emptiness.
func isEmptiness(a, b string) bool {
	return (a == TypeArray && b == TypeEmptyArray) || (a == TypeEmptyArray && b == TypeArray)
}

// shareContainer reports whether two types (possibly "|" unions) both include object, or both
// array, so the paths below them exist on both sides.
func shareContainer(a, b string) bool {
	ka, kb := strings.Split(a, "|"), strings.Split(b, "|")
	for _, k := range []string{TypeObject, TypeArray} {
		if slices.Contains(ka, k) && slices.Contains(kb, k) {
			return true
		}
	}
	return false
}
