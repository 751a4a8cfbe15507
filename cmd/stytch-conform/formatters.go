package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"

	"github.com/cucumber/godog"
	"github.com/cucumber/godog/colors"
)

// godog v0.16.0 has no notion of a skipped scenario in its summaries. However a scenario is skipped
// (godog.ErrSkip from a scenario hook, a step hook or a step: each way ends with every step from
// there on stored as skipped, so moving the ErrSkip changes nothing), its formatters report it
// wrongly:
//
//   - the count line of pretty and progress counts it as passed ("36 scenarios (36 passed)"): a
//     scenario whose steps are all skipped keeps the zero status, which is "passed";
//   - junit gives its test case status="" and one <error type="skipped"> per step, which CI tools
//     count as errors, and never fills the skipped attributes. It also takes a test case's status
//     from its step results in storage order (by step id as a string, "10" before "9"), so that a
//     failed scenario can come out status="passed", not counted in failures.
//
// The cucumber formatter needs no fix: each step of a skipped scenario has the status "skipped",
// from which Cucumber tools derive the scenario's.
//
// stytch-conform therefore runs fixed versions of junit, pretty and progress, registered with
// godog under the names fixedFormatPrefix+name; --format keeps godog's names (godogFormat maps
// them). The fixed formatters are godog's own, with their summary rewritten.

// fixedFormatPrefix starts the names under which the fixed formatters are registered.
const fixedFormatPrefix = "stytch-conform-"

// fixedFormatters are the fixed formatters, by godog's name.
var fixedFormatters = map[string]godog.FormatterFunc{
	"junit":    newJUnitFormatter,
	"pretty":   newPrettyFormatter,
	"progress": newProgressFormatter,
}

func init() {
	descriptions := godog.AvailableFormatters()
	for _, name := range slices.Sorted(maps.Keys(fixedFormatters)) {
		godog.Format(fixedFormatPrefix+name, descriptions[name]+" (skipped scenarios reported as skipped)", fixedFormatters[name])
	}
}

// godogFormat returns the godog.Options.Format for a --format value: the fixed formatter in place
// of each godog formatter that has one.
func godogFormat(spec string) string {
	fs := formats(spec)
	out := make([]string, len(fs))
	for i, f := range fs {
		name := f[0]
		if _, ok := fixedFormatters[name]; ok {
			name = fixedFormatPrefix + name
		}
		if f[1] != "" {
			name += ":" + f[1]
		}
		out[i] = name
	}
	return strings.Join(out, ",")
}

// summaryWriter is a formatter's output: it passes writes through, except while summarize holds
// them to fix the summary.
type summaryWriter struct {
	out  io.Writer
	held *bytes.Buffer
}

func (w *summaryWriter) Write(p []byte) (int, error) {
	if w.held != nil {
		return w.held.Write(p)
	}
	return w.out.Write(p)
}

// scenarioCountLine matches godog's count line of scenarios, "36 scenarios (36 passed)".
var scenarioCountLine = regexp.MustCompile(`(?m)^\d+ scenarios \(.*\)$`)

// summarize runs summary (godog's Summary of the formatter whose base is base) with its output
// held, replaces its count line of scenarios with one that counts the skipped ones, and writes the
// result through.
func (w *summaryWriter) summarize(base *godog.BaseFmt, summary func()) {
	w.held = new(bytes.Buffer)
	summary()
	text := w.held.String()
	w.held = nil
	if locs := scenarioCountLine.FindAllStringIndex(text, -1); len(locs) > 0 {
		last := locs[len(locs)-1]
		text = text[:last[0]] + countScenarios(base) + text[last[1]:]
	}
	// godog's formatters ignore their write errors too: there is no one to tell.
	_, _ = io.WriteString(w.out, text)
}

// countScenarios returns the count line of the scenarios godog stored, each counted under its
// worst step status; a scenario whose steps were skipped (and none failed, or was undefined,
// pending or ambiguous) is skipped, not passed.
func countScenarios(base *godog.BaseFmt) string {
	counts := map[godog.StepResultStatus]int{}
	total := 0
	for _, pr := range base.Storage.MustGetPickleResults() {
		total++
		var statuses []godog.StepResultStatus
		for _, sr := range base.Storage.MustGetPickleStepResultsByPickleID(pr.PickleID) {
			statuses = append(statuses, sr.Status)
		}
		counts[scenarioStatus(statuses)]++
	}
	var parts []string
	for _, p := range []struct {
		status godog.StepResultStatus
		color  colors.ColorFunc
	}{
		{godog.StepPassed, colors.Green},
		{godog.StepFailed, colors.Red},
		{godog.StepPending, colors.Yellow},
		{godog.StepAmbiguous, colors.Yellow},
		{godog.StepUndefined, colors.Yellow},
		{godog.StepSkipped, colors.Cyan},
	} {
		if n := counts[p.status]; n > 0 {
			parts = append(parts, p.color(fmt.Sprintf("%d %s", n, p.status)))
		}
	}
	return fmt.Sprintf("%d scenarios (%s)", total, strings.Join(parts, ", "))
}

// scenarioStatus is the status of a scenario whose steps ended with statuses: the worst of them, a
// skipped step outranking only a passed one. A scenario without steps is undefined, as godog has it.
func scenarioStatus(statuses []godog.StepResultStatus) godog.StepResultStatus {
	if len(statuses) == 0 {
		return godog.StepUndefined
	}
	rank := map[godog.StepResultStatus]int{
		godog.StepPassed: 0, godog.StepSkipped: 1, godog.StepPending: 2,
		godog.StepUndefined: 3, godog.StepAmbiguous: 4, godog.StepFailed: 5,
	}
	worst := godog.StepPassed
	for _, s := range statuses {
		if rank[s] > rank[worst] {
			worst = s
		}
	}
	return worst
}

// progressFormatter is godog's progress formatter with skipped scenarios counted.
type progressFormatter struct {
	*godog.ProgressFmt
	w *summaryWriter
}

func newProgressFormatter(suite string, out io.Writer) godog.Formatter {
	w := &summaryWriter{out: out}
	return &progressFormatter{ProgressFmt: godog.NewProgressFmt(suite, w), w: w}
}

// Summary writes godog's summary with the fixed count line.
func (f *progressFormatter) Summary() { f.w.summarize(f.ProgressFmt.Base, f.ProgressFmt.Summary) }

// prettyFormatter is godog's pretty formatter with skipped scenarios counted.
type prettyFormatter struct {
	*godog.PrettyFmt
	w *summaryWriter
}

func newPrettyFormatter(suite string, out io.Writer) godog.Formatter {
	w := &summaryWriter{out: out}
	return &prettyFormatter{PrettyFmt: godog.NewPrettyFmt(suite, w), w: w}
}

// Summary writes godog's summary with the fixed count line.
func (f *prettyFormatter) Summary() { f.w.summarize(f.PrettyFmt.Base, f.PrettyFmt.Summary) }

// junitFormatter is godog's JUnit formatter with skipped scenarios reported as skipped test cases
// (and failed ones as failed).
type junitFormatter struct {
	*godog.JUnitFmt
	out io.Writer
	buf bytes.Buffer
}

func newJUnitFormatter(suite string, out io.Writer) godog.Formatter {
	f := &junitFormatter{out: out}
	f.JUnitFmt = godog.NewJUnitFmt(suite, &f.buf)
	return f
}

// Summary writes godog's JUnit document with the test cases' statuses and the counts fixed
// (fixJUnit).
func (f *junitFormatter) Summary() {
	f.JUnitFmt.Summary()
	doc, err := fixJUnit(f.buf.Bytes())
	if err != nil {
		// Better godog's document than none.
		fmt.Fprintln(os.Stderr, "stytch-conform: junit: fixing the test case statuses:", err)
		doc = f.buf.Bytes()
	}
	_, _ = f.out.Write(doc)
}

// The JUnit document as godog v0.16.0 writes it, with the skipped element it lacks.
type (
	junitSuites struct {
		XMLName  xml.Name      `xml:"testsuites"`
		Name     string        `xml:"name,attr"`
		Tests    int           `xml:"tests,attr"`
		Skipped  int           `xml:"skipped,attr"`
		Failures int           `xml:"failures,attr"`
		Errors   int           `xml:"errors,attr"`
		Time     string        `xml:"time,attr"`
		Suites   []*junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Failures int          `xml:"failures,attr"`
		Errors   int          `xml:"errors,attr"`
		Time     string       `xml:"time,attr"`
		Cases    []*junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name    string         `xml:"name,attr"`
		Status  string         `xml:"status,attr"`
		Time    string         `xml:"time,attr"`
		Skipped *junitSkipped  `xml:"skipped,omitempty"`
		Failure *junitFailure  `xml:"failure,omitempty"`
		Errors  []junitProblem `xml:"error"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr,omitempty"`
	}
	junitProblem struct {
		Message string `xml:"message,attr"`
		Type    string `xml:"type,attr"`
	}
)

// fixJUnit rewrites godog's JUnit document so that each test case's status, and the counts, say
// how its scenario ended:
//
//   - a skipped step is not an error: every <error type="skipped"> goes;
//   - a test case with a <failure> is failed. godog sets the status from the step results in the
//     order its storage keeps them, by step id as a string ("10" before "9"), so that a failed
//     scenario can come out status="passed" and uncounted;
//   - one with another <error> (undefined, pending, ambiguous) has the worst of them as status;
//   - one that skipped steps and nothing worse, or that godog marked skipped, is skipped:
//     status="skipped" with a <skipped> element;
//
// and the failures, errors and skipped attributes of the test suites and of the document count
// those test cases (godog counts no skipped one, and no ambiguous one as an error).
func fixJUnit(doc []byte) ([]byte, error) {
	var s junitSuites
	if err := xml.Unmarshal(doc, &s); err != nil {
		return nil, err
	}
	s.Skipped, s.Failures, s.Errors = 0, 0, 0
	for _, ts := range s.Suites {
		ts.Skipped, ts.Failures, ts.Errors = 0, 0, 0
		for _, tc := range ts.Cases {
			skippedSteps := 0
			var kept []junitProblem
			for _, e := range tc.Errors {
				if e.Type == godog.StepSkipped.String() {
					skippedSteps++
					continue
				}
				kept = append(kept, e)
			}
			tc.Errors = kept
			switch {
			case tc.Failure != nil:
				tc.Status = godog.StepFailed.String()
				ts.Failures++
			case len(kept) > 0:
				tc.Status = worstError(kept)
				ts.Errors++
			case skippedSteps > 0 || tc.Status == godog.StepSkipped.String():
				tc.Status = godog.StepSkipped.String()
				tc.Skipped = &junitSkipped{Message: "not run"}
				switch {
				case skippedSteps == 1:
					tc.Skipped.Message = "1 step skipped"
				case skippedSteps > 1:
					tc.Skipped.Message = fmt.Sprintf("%d steps skipped", skippedSteps)
				}
				ts.Skipped++
			}
		}
		s.Skipped += ts.Skipped
		s.Failures += ts.Failures
		s.Errors += ts.Errors
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	enc.Indent("", "  ")
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// worstError returns the worst type of errs (ambiguous, then undefined, then pending), which
// becomes the test case's status.
func worstError(errs []junitProblem) string {
	rank := map[string]int{
		godog.StepPending.String(): 1, godog.StepUndefined.String(): 2, godog.StepAmbiguous.String(): 3,
	}
	worst := errs[0].Type
	for _, e := range errs[1:] {
		if rank[e.Type] > rank[worst] {
			worst = e.Type
		}
	}
	return worst
}
