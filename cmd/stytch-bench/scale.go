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

// scaleLine matches a line of BenchmarkScale's output:
// BenchmarkScale/<call>/users=<n>-<procs> <iterations> <ns> ns/op [<value> <unit>]...
var scaleLine = regexp.MustCompile(`^BenchmarkScale/(\w+)/users=(\d+)(?:-\d+)?\s+\d+\s+([0-9.]+) ns/op(.*)$`)

// scaleMetric matches one extra metric of a benchmark line.
var scaleMetric = regexp.MustCompile(`([0-9.]+) (B/user|B/session)`)

// runScale is `stytch-bench scale`: the emulator's per-user calls with 1k, 100k and 1M users (and
// as many sessions) in one project, from the emulator's BenchmarkScale, and the ratio of the
// largest tier to the smallest for each call.
func runScale(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stytch-bench scale", flag.ContinueOnError)
	count := fs.Int("count", 3, "runs of the benchmark; the medians are compared")
	benchtime := fs.String("benchtime", "300x", "go test -benchtime of each call and tier (a fixed count keeps a busy machine's run short)")
	skip1M := fs.Bool("skip-1m", false, "leave out the 1M tier (it needs a few GiB and a minute of seeding)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkScale$",
		"-benchtime", *benchtime, "-count", strconv.Itoa(*count), "-timeout", "60m", "./emulator")
	cmd.Env = os.Environ()
	if !*skip1M {
		cmd.Env = append(cmd.Env, "STYTCHEMU_SCALE_1M=1")
	}
	var raw bytes.Buffer
	// The raw lines go to stderr as they come, to show progress.
	w := io.MultiWriter(&raw, os.Stderr) // one writer for both: exec then serialises the writes
	cmd.Stdout, cmd.Stderr = w, w
	fmt.Fprintf(out, "stytch-bench scale: go test -bench BenchmarkScale -benchtime %s -count %d ./emulator\n", *benchtime, *count)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("BenchmarkScale: %w\n%s", err, raw.String())
	}

	type key struct {
		call string
		n    int
	}
	ns := map[key][]float64{}
	mem := map[key]map[string][]float64{}
	var calls []string
	var tiers []int
	sc := bufio.NewScanner(&raw)
	for sc.Scan() {
		m := scaleLine.FindStringSubmatch(strings.TrimSpace(sc.Text()))
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		v, _ := strconv.ParseFloat(m[3], 64)
		k := key{m[1], n}
		if !slices.Contains(calls, k.call) {
			calls = append(calls, k.call)
		}
		if !slices.Contains(tiers, n) {
			tiers = append(tiers, n)
		}
		ns[k] = append(ns[k], v)
		for _, mm := range scaleMetric.FindAllStringSubmatch(m[4], -1) {
			if mem[k] == nil {
				mem[k] = map[string][]float64{}
			}
			f, _ := strconv.ParseFloat(mm[1], 64)
			mem[k][mm[2]] = append(mem[k][mm[2]], f)
		}
	}
	if len(tiers) < 2 {
		return fmt.Errorf("BenchmarkScale printed fewer than two tiers:\n%s", raw.String())
	}
	slices.Sort(tiers)
	small, large := tiers[0], tiers[len(tiers)-1]
	fmt.Fprintf(out, "\nmedians of %d runs, time per call through ServeHTTP:\n%-24s", *count, "")
	for _, n := range tiers {
		fmt.Fprintf(out, " %12s", fmt.Sprintf("%d users", n))
	}
	fmt.Fprintf(out, " %10s\n", fmt.Sprintf("%s/%s", tierName(large), tierName(small)))
	allFlat := true
	for _, c := range calls {
		if c == "memory" {
			continue
		}
		fmt.Fprintf(out, "%-24s", c)
		for _, n := range tiers {
			fmt.Fprintf(out, " %12s", fmtNs(median(ns[key{c, n}])))
		}
		ratio := median(ns[key{c, large}]) / median(ns[key{c, small}])
		verdict := "flat"
		if ratio > 1.5 {
			verdict, allFlat = "NOT FLAT (target ≤ 1.5)", false
		}
		fmt.Fprintf(out, " %9.2f  %s\n", ratio, verdict)
	}
	if m := mem[key{"memory", large}]; m != nil {
		fmt.Fprintf(out, "\nheap per user (verified email and phone, password hash) at %s: %.0f B; per live session: %.0f B\n",
			tierName(large), median(m["B/user"]), median(m["B/session"]))
	}
	if allFlat {
		fmt.Fprintf(out, "verdict: every call stays within 1.5× from %s to %s users\n", tierName(small), tierName(large))
	} else {
		fmt.Fprintf(out, "verdict: MISSES — some call grows more than 1.5× from %s to %s users\n", tierName(small), tierName(large))
	}
	return nil
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
