// Command stytch-soak runs the standalone emulator under honest MFA load for a bounded time, adds
// abuse half-way through, and reports whether the honest traffic kept its pace and its sessions.
//
//	stytch-soak [--duration 60s] [--workers 8] [--projects 4] [--hash-workers 4] [--slow-conns 1000]
//	            [--state-rate 50] [--hash-cost max|min] [--max-rss 512MiB]
//
// It builds cmd/stytch-emulator and runs it as a separate process on a loopback port, so the memory
// it reports is the emulator's own. Honest traffic goes through stytch-go: sign-up with a password,
// email verification by OTP, password sign-in, SMS step-up and sessions/authenticate, in several
// projects at once. After a third of --duration (the "before" phase) the abuse starts and lasts until
// the end (the "during" phase):
//
//   - costly migrated hashes: passwords/migrate with the most expensive parameters the emulator's
//     default caps admit (bcrypt, scrypt, argon2id, PBKDF2, phpass), then passwords/authenticate,
//     over and over; and, once per type, a hash one step over the cap, which should be refused;
//   - slow and idle connections: headers sent a byte at a time, a body sent a byte at a time, a
//     Content-Length larger than the body, and connections that send nothing;
//   - state growth: new projects, users with maximal metadata, sessions with maximal custom claims,
//     and requests with very long paths for the request log.
//
// At the end every session the honest load created must still authenticate, no response may have
// been a 5xx, no honest flow may have failed, the honest throughput during the abuse must be at
// least 0.8 of the one before, a client opening a new connection during the abuse must be answered
// within 10 s, every hash over a cap must have been refused, and the emulator's peak resident memory
// must stay under --max-rss. It prints one verdict line per target and exits 1 if any target was
// missed. docs/soak.md has the details and measured runs.
package main

import (
	"github.com/stytch-emulator/stytchemu/internal/procstat"

	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, os.Args[1:], os.Stdout)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		fmt.Fprintln(os.Stderr, "stytch-soak:", err)
		os.Exit(2)
	}
	if !rep.pass() {
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	duration    time.Duration
	warmup      time.Duration
	workers     int
	projects    int
	hashWorkers int
	slowConns   int
	stateRate   int
	hashCost    string
	maxRSS      int64
	emulatorBin string
	ratio       float64
	maxWait     time.Duration
	slowKinds   []slowKind
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet("stytch-soak", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	var maxRSS, kinds string
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "measured time: the first third without abuse, the rest with it")
	fs.DurationVar(&c.warmup, "warmup", 5*time.Second, "honest load before the measured time, not counted")
	fs.IntVar(&c.workers, "workers", 4*runtime.NumCPU(), "honest workers, each running full MFA flows one after another")
	fs.IntVar(&c.projects, "projects", 4, "projects the honest workers share out")
	fs.IntVar(&c.hashWorkers, "hash-workers", 4, "abusers each migrating a costly hash and signing in with it, over and over")
	fs.IntVar(&c.slowConns, "slow-conns", 1000, "slow or idle connections held open at once")
	fs.StringVar(&kinds, "slow-kinds", slowKindNames, "the slow connections' kinds, shared out in turn: headers (a byte a second), body (a byte a second), short-body (Content-Length larger than the body), idle")
	fs.IntVar(&c.stateRate, "state-rate", 50, "state-growth requests per second (users with maximal metadata and sessions with maximal claims, new projects, long paths)")
	fs.StringVar(&c.hashCost, "hash-cost", "max", "migrated-hash parameters: max (the most expensive the default caps admit) or min (cheap, for a smoke run)")
	fs.StringVar(&maxRSS, "max-rss", "512MiB", "the emulator's peak resident memory must stay under this (bytes, or with KiB, MiB, GiB)")
	fs.Float64Var(&c.ratio, "min-ratio", 0.8, "honest throughput during the abuse ÷ before it must be at least this")
	fs.DurationVar(&c.maxWait, "max-new-conn-wait", 10*time.Second, "a new connection opened during the abuse must be answered within this")
	fs.StringVar(&c.emulatorBin, "emulator", "", "a built stytch-emulator binary (default: build ./cmd/stytch-emulator)")
	if err := fs.Parse(args); err != nil {
		return config{}, err
	}
	if fs.NArg() > 0 {
		return config{}, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	var err error
	if c.slowKinds, err = parseSlowKinds(kinds); err != nil {
		return config{}, fmt.Errorf("--slow-kinds: %w", err)
	}
	if c.maxRSS, err = parseBytes(maxRSS); err != nil {
		return config{}, fmt.Errorf("--max-rss: %w", err)
	}
	switch {
	case c.duration < 3*time.Second:
		return config{}, fmt.Errorf("--duration %s: want at least 3s", c.duration)
	case c.warmup < 0:
		return config{}, fmt.Errorf("--warmup %s: want 0 or more", c.warmup)
	case c.workers < 1 || c.projects < 1:
		return config{}, errors.New("--workers and --projects: want at least 1")
	case c.hashWorkers < 0 || c.slowConns < 0 || c.stateRate < 0:
		return config{}, errors.New("--hash-workers, --slow-conns and --state-rate: want 0 or more")
	case c.stateRate > 10_000:
		return config{}, fmt.Errorf("--state-rate %d: want at most 10000", c.stateRate)
	case c.hashCost != "max" && c.hashCost != "min":
		return config{}, fmt.Errorf("--hash-cost %q: want max or min", c.hashCost)
	}
	return c, nil
}

// parseBytes reads 512MiB, 1GiB, 4096KiB or a plain byte count.
func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a positive size", s)
	}
	return n * mult, nil
}

// run starts the emulator, drives the two phases, checks the sessions and prints the report.
func run(ctx context.Context, args []string, out io.Writer) (*report, error) {
	cfg, err := parseFlags(args, os.Stderr)
	if err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "stytch-soak-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	bin := cfg.emulatorBin
	if bin == "" {
		bin = tmp + "/stytch-emulator"
		fmt.Fprintln(out, "stytch-soak: building the emulator")
		if err := procstat.Build(ctx, bin, "github.com/stytch-emulator/stytchemu/cmd/stytch-emulator"); err != nil {
			return nil, err
		}
	}
	emu, err := startEmulator(ctx, bin, tmp)
	if err != nil {
		return nil, err
	}
	defer emu.Stop()
	fmt.Fprintf(out, "stytch-soak: emulator pid %d on %s; %s measured (%s before the abuse, %s during), %d honest workers in %d projects\n",
		emu.Pid(), emu.URL(), cfg.duration, cfg.duration/3, cfg.duration-cfg.duration/3, cfg.workers, cfg.projects)

	fmt.Fprintf(out, "stytch-soak: preparing %s-cost migrated hashes\n", cfg.hashCost)
	hashes, err := abuseHashes(cfg.hashCost)
	if err != nil {
		return nil, err
	}

	rep := &report{cfg: cfg, loadStart: loadAverage()}
	st := newStats()
	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	honest := newHonest(emu.URL(), cfg, st)
	honestDone := honest.start(loadCtx)
	rep.probe = &probe{patience: cfg.maxWait}
	probeDone := make(chan struct{})
	go func() { rep.probe.run(loadCtx, emu.URL(), st, time.Second); close(probeDone) }()

	sleep(ctx, cfg.warmup)
	cpu0, _ := emu.cpuTime()
	self0, _ := procstat.CPUTime(os.Getpid())
	st.setPhase(phaseBefore)
	before := cfg.duration / 3
	sleep(ctx, before)
	cpu1, _ := emu.cpuTime()
	self1, _ := procstat.CPUTime(os.Getpid())
	rep.rssBefore, _ = procstat.ReadMemory(emu.Pid())

	abuseCtx, stopAbuse := context.WithCancel(loadCtx)
	defer stopAbuse()
	st.setPhase(phaseDuring)
	abuse := newAbuse(emu.URL(), cfg, hashes)
	abuseDone := abuse.start(abuseCtx)
	sleep(ctx, cfg.duration-before)
	st.setPhase(phaseAfter)
	cpu2, _ := emu.cpuTime()
	self2, _ := procstat.CPUTime(os.Getpid())
	stopAbuse()
	stopLoad()
	<-abuseDone
	<-honestDone
	<-probeDone
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}

	rep.cpuBefore, rep.cpuDuring = cpu1-cpu0, cpu2-cpu1
	rep.selfBefore, rep.selfDuring = self1-self0, self2-self1
	rep.abuse = abuse.summary()
	fmt.Fprintf(out, "stytch-soak: checking %d honest sessions\n", honest.sessionCount())
	rep.sessions = honest.checkSessions(ctx)
	rep.phases = st.snapshot() // after the check, so that its 5xx count too
	rep.flowErrors = st.firstErrors()
	rep.mem, err = procstat.ReadMemory(emu.Pid())
	if err != nil {
		return nil, err
	}
	rep.alive = emu.Alive()
	rep.loadEnd = loadAverage()
	rep.print(out)
	return rep, nil
}

// sleep waits for d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
