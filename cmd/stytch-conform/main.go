// Command stytch-conform runs the Gherkin MFA and step-up suite (the features embedded in the
// binary, or --features DIR) against a target and reports:
//
//	stytch-conform [--target emulator|http://host:port|sandbox] [--tags EXPR]
//	               [--format pretty|progress|junit:FILE|cucumber:FILE,...] [--features DIR]
//	               [--concurrency N] [--record DIR] [--base-url URL] [--app URL --app-contract FILE]
//	stytch-conform diff DIR_A DIR_B
//
// --target emulator (the default) is an in-process emulator: no network, no credentials, a fresh
// project per scenario. http://host:port is a running stytch-emulator (start it with
// --auto-provision to isolate the scenarios). sandbox is Stytch's real test environment, with the
// credentials of STYTCH_PROJECT_ID and STYTCH_SECRET; it refuses project-live- projects.
//
// --app URL --app-contract FILE runs the app features (@app, unless --tags says otherwise) against
// your running application instead of the reference app, one at a time on the project it is
// configured with (STYTCH_PROJECT_ID / STYTCH_SECRET, else the emulator's default project), which
// the emulator empties before each scenario; it prints how to configure the app. A contract that
// is invalid, or does not match the app, or an app that does not answer, stops the run at once.
//
// Scenarios tagged @requires:<capability> that the target lacks are skipped; the final summary
// lists each with the capability, then the counts. The pretty, progress and junit formats report
// them as skipped too (formatters.go fixes godog's, which count them as passed or as errors).
//
// The exit status is 0 only when at least one scenario ran and none failed (an undefined step
// fails, a scenario without steps too), 1 when one failed or none ran (a --tags expression that
// selects nothing, an empty --features directory), 2 for a usage or configuration error, or a
// target that cannot be reached (checked once, before any scenario runs).
//
// --record DIR records the shape of every Stytch response of each scenario's own calls
// (pkg/drift; not the set-up that differs by target, nor the clean-up) into DIR, and the
// scenarios skipped with the reason; "stytch-conform diff DIR_A DIR_B" compares two recordings,
// e.g. the emulator's and the sandbox's, prints every difference, then the scenarios a side
// skipped (not compared, not differences), and exits 1 when there is a difference.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cucumber/godog"

	"github.com/stytch-emulator/stytchemu/features"
	"github.com/stytch-emulator/stytchemu/pkg/drift"
	"github.com/stytch-emulator/stytchemu/pkg/target"
	"github.com/stytch-emulator/stytchemu/steps"
)

// Exit statuses.
const (
	exitOK     = 0
	exitFailed = 1
	exitUsage  = 2
)

// EnvBaseURL points the sandbox target at another Stytch-compatible base URL (as --base-url does),
// for testing the sandbox code path against an emulator.
const EnvBaseURL = target.EnvBaseURL

// defaultConcurrency is how many scenarios run at once unless --concurrency says otherwise.
const defaultConcurrency = 4

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}

// config is the command line.
type config struct {
	target      string
	tags        string
	format      string
	featuresDir string
	concurrency int
	recordDir   string
	baseURL     string
	appURL      string // --app: the running application under test
	appContract string // --app-contract: its contract
}

// run runs the command with args (without the program name) and returns its exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) > 0 && args[0] == "diff" {
		return runDiff(args[1:], stdout, stderr)
	}
	cfg, err := parseFlags(args, stderr, getenv)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "stytch-conform:", err)
		return exitUsage
	}
	return runSuite(ctx, cfg, stdout, stderr, getenv)
}

// parseFlags parses the suite's flags.
func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (config, error) {
	fset := flag.NewFlagSet("stytch-conform", flag.ContinueOnError)
	fset.SetOutput(stderr)
	var c config
	fset.StringVar(&c.target, "target", target.SpecEmulator, `where to run: "emulator" (in process), an emulator URL (http://host:port), or "sandbox" (Stytch's test environment; needs STYTCH_PROJECT_ID and STYTCH_SECRET)`)
	fset.StringVar(&c.tags, "tags", "", `godog tag expression selecting scenarios, e.g. "@requires:clock-control" or "~@requires:read-codes" (syntax below)`)
	fset.StringVar(&c.format, "format", "progress", `godog formats, comma-separated, each optionally writing to a file: pretty, progress, junit:FILE, cucumber:FILE`)
	fset.StringVar(&c.featuresDir, "features", "", "directory of *.feature files to run instead of the embedded suite")
	fset.IntVar(&c.concurrency, "concurrency", defaultConcurrency, "how many scenarios run at once")
	fset.StringVar(&c.recordDir, "record", "", "record the shape of every Stytch response per scenario into this directory (compare two with \"stytch-conform diff\")")
	fset.StringVar(&c.baseURL, "base-url", "", "for testing: point --target sandbox at another base URL, such as an emulator's (default $"+EnvBaseURL+", else https://test.stytch.com)")
	fset.StringVar(&c.appURL, "app", "", "the URL of your running application, configured with the target's project, to run the app features (@app) against it instead of the reference app")
	fset.StringVar(&c.appContract, "app-contract", "", "the app contract (YAML or JSON) that says how to drive --app")
	fset.Usage = func() {
		fmt.Fprintln(stderr, "usage: stytch-conform [flags]\n       stytch-conform diff DIR_A DIR_B\n\nRuns the Gherkin MFA and step-up suite against a target.\n\nflags:")
		fset.PrintDefaults()
		fmt.Fprint(stderr, tagSyntax)
	}
	if err := fset.Parse(args); err != nil {
		return config{}, err
	}
	if fset.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q (see -h)", fset.Args())
	}
	if c.concurrency < 1 {
		return config{}, fmt.Errorf("--concurrency %d: want at least 1", c.concurrency)
	}
	if c.baseURL != "" && c.target != target.SpecSandbox {
		return config{}, fmt.Errorf("--base-url applies to --target sandbox only, not %q", c.target)
	}
	if c.baseURL == "" && c.target == target.SpecSandbox {
		c.baseURL = getenv(EnvBaseURL) // the variable concerns the sandbox only: other targets ignore it
	}
	if err := checkFormats(c.format); err != nil {
		return config{}, err
	}
	if err := checkTags(c.tags); err != nil {
		return config{}, err
	}
	if c.recordDir != "" {
		if err := checkRecordDir(c.recordDir); err != nil {
			return config{}, err
		}
	}
	if err := checkAppFlags(c); err != nil {
		return config{}, err
	}
	return c, nil
}

// humanOnStdout reports whether every formatter that writes to the standard output is a human
// one (pretty, progress): then the summary follows them there; otherwise it goes to stderr, so as
// not to corrupt a JUnit or Cucumber document.
func humanOnStdout(spec string) bool {
	for _, f := range formats(spec) {
		if f[1] == "" && f[0] != "pretty" && f[0] != "progress" {
			return false
		}
	}
	return true
}

// runSuite runs the features against the configured target and prints the summary.
func runSuite(ctx context.Context, cfg config, stdout, stderr io.Writer, getenv func(string) string) int {
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "stytch-conform: "+strings.TrimSuffix(format, "\n")+"\n", args...)
	}
	opts := []target.Option{target.WithEnv(getenv), target.WithLogger(logf)}
	if cfg.baseURL != "" {
		opts = append(opts, target.WithBaseURL(cfg.baseURL))
	}
	// Drift recording: every Stytch call of the targets' clients goes through the
	// recorder, under the scenario the steps put in the context; Save writes it at the end.
	var rec *drift.Recorder
	if cfg.recordDir != "" {
		rec = drift.NewRecorder()
		opts = append(opts, target.WithTransport(rec.Wrap))
	}
	var appOpt steps.Option
	if cfg.appURL != "" {
		setupOut := stdout
		if !humanOnStdout(cfg.format) {
			setupOut = stderr // not into a JUnit or Cucumber document
		}
		o, topts, err := setUpApp(ctx, cfg, setupOut, getenv)
		if err != nil {
			fmt.Fprintln(stderr, "stytch-conform:", err)
			return exitUsage
		}
		appOpt, opts = o, append(opts, topts...)
		// The app has one project: its scenarios run one at a time, and only they by default.
		cfg.concurrency = 1
		if cfg.tags == "" {
			cfg.tags = appTag
		}
	}
	opener, err := target.NewOpener(cfg.target, opts...)
	if err != nil {
		fmt.Fprintln(stderr, "stytch-conform:", err)
		return exitUsage
	}
	if err := checkReachable(ctx, cfg); err != nil {
		fmt.Fprintln(stderr, "stytch-conform:", err)
		return exitUsage
	}
	fsys, err := featureFS(cfg.featuresDir)
	if err != nil {
		fmt.Fprintln(stderr, "stytch-conform:", err)
		return exitUsage
	}

	suiteOpts := []steps.Option{steps.WithLogf(func(_ context.Context, format string, args ...any) { logf(format, args...) })}
	if rec != nil {
		// Skipped scenarios are recorded with the reason, so that diff lists them apart.
		suiteOpts = append(suiteOpts, steps.WithRecorder(rec))
	}
	if appOpt != nil {
		suiteOpts = append(suiteOpts, appOpt)
	}
	suite := steps.New(opener, suiteOpts...)
	start := time.Now()
	status := godog.TestSuite{
		Name:                "stytch-conform",
		ScenarioInitializer: suite.InitializeScenario,
		Options: &godog.Options{
			Format:         godogFormat(cfg.format), // godog's formatters, fixed for skipped scenarios
			Tags:           cfg.tags,
			Strict:         true, // undefined and pending steps fail
			Concurrency:    cfg.concurrency,
			FS:             fsys,
			Paths:          []string{"."},
			Output:         stdout,
			NoColors:       !isTerminal(stdout),
			DefaultContext: ctx,
		},
	}.Run()
	elapsed := time.Since(start)
	if status == exitUsage {
		// godog has said why on stderr (a feature that does not parse, a bad tag expression).
		return exitUsage
	}

	// godog fails a scenario without steps before any hook runs: name it in the report.
	selected, err := scenarios(fsys, cfg.tags)
	if err != nil {
		fmt.Fprintln(stderr, "stytch-conform:", err)
		return exitUsage
	}
	rep := suite.Report().Reconcile(selected)
	out := stdout
	if !humanOnStdout(cfg.format) {
		out = stderr
	}
	fmt.Fprintln(out)
	if err := rep.WriteSummary(out); err != nil {
		fmt.Fprintln(stderr, "stytch-conform: summary:", err)
	}
	fmt.Fprintf(out, "finished in %s\n", elapsed.Round(time.Millisecond))

	code := exitOK
	if status != 0 || rep.Failed() {
		code = exitFailed
	}
	if rep.Total() == 0 {
		// Nothing ran, so nothing was checked: a typo in --tags or an empty --features directory
		// must not pass.
		fmt.Fprintln(stderr, "stytch-conform:", noScenarioMessage(fsys, cfg))
		code = exitFailed
	}
	if rec != nil {
		if err := rec.Save(cfg.recordDir); err != nil {
			fmt.Fprintln(stderr, "stytch-conform: record:", err)
			return max(code, exitUsage)
		}
		fmt.Fprintf(out, "recorded %d scenarios in %s\n", len(rec.Recording().Scenarios), cfg.recordDir)
	}
	return code
}

// scenarios returns the scenarios of the features in fsys that the tag expression selects, as
// godog runs them.
func scenarios(fsys fs.FS, tags string) ([]*godog.Scenario, error) {
	feats, err := godog.TestSuite{Options: &godog.Options{FS: fsys, Paths: []string{"."}, Tags: tags}}.RetrieveFeatures()
	if err != nil {
		return nil, fmt.Errorf("reading the features: %w", err)
	}
	var out []*godog.Scenario
	for _, f := range feats {
		out = append(out, f.Pickles...)
	}
	return out, nil
}

// noScenarioMessage says why a run had no scenario: the features have none, or --tags selects
// none of them.
func noScenarioMessage(fsys fs.FS, cfg config) string {
	where := "the embedded suite"
	if cfg.featuresDir != "" {
		where = cfg.featuresDir
	}
	all, err := scenarios(fsys, "")
	switch {
	case err == nil && len(all) > 0 && cfg.tags != "":
		return fmt.Sprintf("no scenario ran: --tags %q selects none of the %d scenarios in %s (a misspelt tag?)", cfg.tags, len(all), where)
	case err == nil && len(all) > 0:
		return fmt.Sprintf("no scenario ran, though %s has %d", where, len(all))
	}
	return fmt.Sprintf("no scenario ran: no *.feature file in %s has a scenario", where)
}

// featureFS returns the features to run: the embedded suite, or the *.feature files of dir.
func featureFS(dir string) (fs.FS, error) {
	if dir == "" {
		return features.FS, nil
	}
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("--features: %w", err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("--features %s: not a directory", dir)
	}
	return os.DirFS(dir), nil
}

// isTerminal reports whether w is a character device (a terminal), where colours are welcome.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// runDiff compares two recordings made with --record and prints the report; 1 when they differ.
func runDiff(args []string, stdout, stderr io.Writer) int {
	if len(args) != 2 || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "-") }) {
		fmt.Fprintln(stderr, "usage: stytch-conform diff DIR_A DIR_B (two directories written by --record)")
		return exitUsage
	}
	var recs [2]drift.Recording
	for i, dir := range args {
		r, err := drift.Load(dir)
		if err != nil {
			fmt.Fprintln(stderr, "stytch-conform diff:", err)
			return exitUsage
		}
		recs[i] = r
	}
	rep := drift.Compare(recs[0], recs[1])
	fmt.Fprint(stdout, rep.String())
	if !rep.Empty() {
		return exitFailed
	}
	return exitOK
}
