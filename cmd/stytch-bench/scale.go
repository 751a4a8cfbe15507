package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// scaleCallLine matches a call's line of BenchmarkScale's output:
// BenchmarkScale/<call>-<procs> 1 <ns> ns/op <v> ns/call@<tier>... <v> x-largest/smallest
var scaleCallLine = regexp.MustCompile(`^BenchmarkScale/(\w+)(?:-\d+)?\s+\d+\s+[0-9.]+ ns/op(.*)$`)

// scaleMemLine matches a tier's memory line: BenchmarkScale/memory/users=<n>-<procs> ... B/session ... B/user
var scaleMemLine = regexp.MustCompile(`^BenchmarkScale/memory/users=(\d+)(?:-\d+)?\s.*?([0-9.]+) B/session\s+([0-9.]+) B/user`)

// scaleMetric matches one per-tier metric of a call's line.
var scaleMetric = regexp.MustCompile(`([0-9.]+) ns/call@(\w+)`)

// scaleRatio matches the ratio metric of a call's line.
var scaleRatio = regexp.MustCompile(`([0-9.]+) x-largest/smallest`)

// runScale is `stytch-bench scale`: the emulator's per-user calls with 1k, 100k and 1M users (and
// as many sessions) in one project, from the emulator's BenchmarkScale (which times every tier in
// interleaved rounds and compares medians), and the ratio of the largest tier to the smallest.
func runScale(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stytch-bench scale", flag.ContinueOnError)
	count := fs.Int("count", 1, "runs of the benchmark; the medians of their ratios are reported")
	skip1M := fs.Bool("skip-1m", false, "leave out the 1M tier (it needs a few GiB and a minute of seeding)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkScale$",
		"-benchtime", "1x", "-count", strconv.Itoa(*count), "-timeout", "60m", "./emulator")
	cmd.Env = os.Environ()
	if !*skip1M {
		cmd.Env = append(cmd.Env, "STYTCHEMU_SCALE_1M=1")
	}
	var raw bytes.Buffer
	// The raw lines go to stderr as they come, to show progress.
	w := io.MultiWriter(&raw, os.Stderr) // one writer for both: exec then serialises the writes
	cmd.Stdout, cmd.Stderr = w, w
	fmt.Fprintf(out, "stytch-bench scale: go test -bench BenchmarkScale -benchtime 1x -count %d ./emulator\n", *count)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("BenchmarkScale: %w\n%s", err, raw.String())
	}

	var calls, tiers []string
	perTier := map[string]map[string][]float64{} // call -> tier -> ns/call
	ratios := map[string][]float64{}
	var memUser, memSession []float64
	largestMem := 0
	sc := bufio.NewScanner(&raw)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if m := scaleMemLine.FindStringSubmatch(line); m != nil {
			n, _ := strconv.Atoi(m[1])
			if n > largestMem {
				largestMem, memUser, memSession = n, nil, nil
			}
			if n == largestMem {
				v, _ := strconv.ParseFloat(m[2], 64)
				memSession = append(memSession, v)
				v, _ = strconv.ParseFloat(m[3], 64)
				memUser = append(memUser, v)
			}
			continue
		}
		m := scaleCallLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		call := m[1]
		if !slices.Contains(calls, call) {
			calls = append(calls, call)
			perTier[call] = map[string][]float64{}
		}
		for _, mm := range scaleMetric.FindAllStringSubmatch(m[2], -1) {
			v, _ := strconv.ParseFloat(mm[1], 64)
			perTier[call][mm[2]] = append(perTier[call][mm[2]], v)
			if !slices.Contains(tiers, mm[2]) {
				tiers = append(tiers, mm[2])
			}
		}
		if r := scaleRatio.FindStringSubmatch(m[2]); r != nil {
			v, _ := strconv.ParseFloat(r[1], 64)
			ratios[call] = append(ratios[call], v)
		}
	}
	if len(tiers) < 2 || len(calls) == 0 {
		return fmt.Errorf("BenchmarkScale printed fewer than two tiers:\n%s", raw.String())
	}
	slices.SortFunc(tiers, func(a, b string) int { return tierSize(a) - tierSize(b) })
	small, large := tiers[0], tiers[len(tiers)-1]
	fmt.Fprintf(out, "\nmedian time per call through ServeHTTP, interleaved rounds:\n%-24s", "")
	for _, t := range tiers {
		fmt.Fprintf(out, " %12s", t+" users")
	}
	fmt.Fprintf(out, " %10s\n", large+"/"+small)
	allFlat := true
	for _, c := range calls {
		fmt.Fprintf(out, "%-24s", c)
		for _, t := range tiers {
			fmt.Fprintf(out, " %12s", fmtNs(median(perTier[c][t])))
		}
		ratio := median(ratios[c])
		verdict := "flat"
		if ratio > 1.5 {
			verdict, allFlat = "NOT FLAT (target ≤ 1.5)", false
		}
		fmt.Fprintf(out, " %9.2f  %s\n", ratio, verdict)
	}
	if memUser != nil {
		fmt.Fprintf(out, "\nheap per user (verified email and phone, password hash) at %s: %.0f B; per live session: %.0f B\n",
			tierName(largestMem), median(memUser), median(memSession))
	}
	if allFlat {
		fmt.Fprintf(out, "verdict: every call stays within 1.5× from %s to %s users\n", small, large)
	} else {
		fmt.Fprintf(out, "verdict: MISSES — some call grows more than 1.5× from %s to %s users\n", small, large)
	}
	return nil
}

// tierSize parses 1k, 100k, 1M back into a count.
func tierSize(label string) int {
	n, _ := strconv.Atoi(strings.TrimRight(label, "kM"))
	switch {
	case strings.HasSuffix(label, "M"):
		return n * 1_000_000
	case strings.HasSuffix(label, "k"):
		return n * 1_000
	}
	return n
}

// tierName is 1k, 100k, 1M.
func tierName(n int) string {
	switch {
	case n >= 1_000_000 && n%1_000_000 == 0:
		return fmt.Sprintf("%dM", n/1_000_000)
	case n >= 1_000 && n%1_000 == 0:
		return fmt.Sprintf("%dk", n/1_000)
	}
	return strconv.Itoa(n)
}

// fmtNs prints nanoseconds per call in a readable unit.
func fmtNs(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}
