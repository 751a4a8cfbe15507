// Command stytch-emulator serves the Stytch Consumer API emulator on a local address, as a stand-in
// for https://test.stytch.com that any language's SDK can use.
//
//	stytch-emulator [--addr 127.0.0.1:9010] [--project-id ID] [--secret SECRET] [--auto-provision=false]
//	                [--data-dir DIR] [--signing-key FILE | --insecure-published-key] [--redirect-urls URL,...] [-v] ...
//	stytch-emulator --healthcheck URL
//
// It prints one line with the base URL when it is ready. On SIGINT or SIGTERM it stops accepting
// connections, lets the requests in flight finish (up to --shutdown-grace; those still running
// then are answered 503), and exits 0; a second signal stops it at once (exit 1).
//
// Session JWTs are signed with a key generated on first start and kept in the user's cache
// directory (or --data-dir), so the JWKS stays the same across restarts; see docs/running.md.
//
// --healthcheck URL asks a running emulator's health endpoint and exits 0 when it answers
// {"status":"ok"}: the container image's HEALTHCHECK, which has no curl.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func main() {
	ctx, cancel := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		cancel() // the first signal: shut down gracefully
		<-sigs
		fmt.Fprintln(os.Stderr, "stytch-emulator: second signal: stopping at once")
		os.Exit(1)
	}()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the usage was printed
		}
		fmt.Fprintln(os.Stderr, "stytch-emulator:", err)
		os.Exit(1)
	}
}

// envAutoProvision sets --auto-provision when the flag is not given: a container service (GitHub
// Actions' services:) takes environment variables but no arguments.
const envAutoProvision = "STYTCH_EMULATOR_AUTO_PROVISION"

// options are the command's flags.
type options struct {
	addr          string
	projectID     string
	secret        string
	autoProvision bool
	rotation      string
	grace         time.Duration
	passwordCost  int
	international bool
	breach        bool
	breachOnAuth  bool
	keyFile       string
	redirectURLs  string
	publishedKey  bool
	dataDir       string
	logRequests   bool
	healthcheck   string
	limits        limits
	shutdownGrace time.Duration
	memoryLimit   byteSize
	// state holds the emulator's ceilings (--max-projects and the like); evictIdle is
	// --evict-idle-after (0: never).
	state     emulator.Limits
	evictIdle time.Duration

	// set holds the names of the flags given on the command line.
	set map[string]bool
}

// run parses args, serves until ctx ends, and shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	o, err := parseFlags(args, stderr, getenv)
	if err != nil {
		return err
	}
	if o.healthcheck != "" {
		return healthcheck(ctx, o.healthcheck, stdout)
	}
	if o.set["memory-limit"] || getenv("GOMEMLIMIT") == "" {
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(o.memoryLimit.runtimeLimit()))
	}
	logger := log.New(stderr, "", log.LstdFlags)
	key, err := signingKey(o, stderr)
	if err != nil {
		return err
	}
	ln, err := listen(o.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	loopback := isLoopback(ln.Addr())
	if !loopback {
		fmt.Fprintf(stderr, "WARNING: stytch-emulator is listening on %s, which is not a loopback address: anyone who can reach it can read every OTP code and session. Bind 127.0.0.1 unless you mean it.\n", ln.Addr())
		if o.autoProvision && !o.set["auto-provision"] {
			o.autoProvision = false
			fmt.Fprintf(stderr, "stytch-emulator: auto-provisioning is off because the address is not loopback (pass --auto-provision to turn it on): only project %s answers\n", o.projectID)
		}
	}
	emu, err := emulator.Build(append(o.emulatorOptions(logger.Printf), key)...)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	defer emu.Close() // stops the state writer on every way out (a no-op without --data-dir)
	var reqLog *log.Logger
	if o.logRequests {
		reqLog = logger
	}
	srv := newServer(emu, o.limits, reqLog)
	errc := make(chan error, 1)
	go func() { errc <- srv.serve(ln) }()
	fmt.Fprintf(stdout, "stytch-emulator ready on %s (project %s)\n", baseURL(ln.Addr()), o.projectID)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	fmt.Fprintf(stderr, "stytch-emulator: shutting down: requests in flight have %s to finish (a second signal stops at once)\n", o.shutdownGrace)
	srv.shutdown(o.shutdownGrace)
	<-errc
	if err := emu.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// parseFlags parses and checks the command line and the environment.
func parseFlags(args []string, stderr io.Writer, getenv func(string) string) (options, error) {
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9010", "address to listen on (loopback by default; 127.0.0.1:0 picks a free port)")
	fs.StringVar(&o.projectID, "project-id", "", "project_id clients authenticate with, project-test-<uuid> (default $STYTCH_PROJECT_ID or "+emulator.DefaultProjectID+")")
	fs.StringVar(&o.secret, "secret", "", "the project's secret (default $STYTCH_SECRET or "+emulator.DefaultSecret+")")
	fs.BoolVar(&o.autoProvision, "auto-provision", true, "create any project-test-<uuid> project on its first request, with that request's secret (isolates parallel tests and CI jobs; the --project-id project always checks its own secret); off by default when --addr is not loopback; default $"+envAutoProvision+" when set)")
	fs.StringVar(&o.rotation, "token-rotation", string(emulator.RotateTokens), "session token on step-up: rotate | keep")
	fs.DurationVar(&o.grace, "rotation-grace", emulator.DefaultRotationGrace, "how long a rotated-out session token keeps working (virtual clock; 0 means the default, a negative value revokes it at once)")
	fs.IntVar(&o.passwordCost, "password-cost", 0, "bcrypt cost of stored password hashes, 4-31 (0: a salted PBKDF2-SHA256 hash, fast)")
	fs.BoolVar(&o.international, "international-sms", false, "allow SMS to numbers outside +1")
	fs.StringVar(&o.redirectURLs, "redirect-urls", "", "comma-separated redirect URLs magic links may use, the first the default (default: "+emulator.DefaultRedirectURL+" and http://localhost:3000, as in a new Stytch Test project)")
	fs.BoolVar(&o.breach, "breach-detection", true, "refuse passwords of the known-breached list on create and reset, as a new Stytch project does (--breach-detection=false turns it off)")
	fs.BoolVar(&o.breachOnAuth, "breach-check-on-authenticate", false, "also answer reset_password when passwords.authenticate gets a breached password (a Stytch project setting, off by default)")
	fs.StringVar(&o.keyFile, "signing-key", "", "PEM file with an RSA key for session JWTs (default: a key generated on first start and kept in --data-dir)")
	fs.BoolVar(&o.publishedKey, "insecure-published-key", false, "sign session JWTs with the key published in the emulator's source: anyone can forge sessions your app accepts (for fixtures that must match across machines only)")
	fs.StringVar(&o.dataDir, "data-dir", "", "directory for the emulator's signing key (default: stytch-emulator in the user's cache directory) and, when given, every project's state: loaded on start, written shortly after each change and on shutdown (without it the state is in memory only)")
	fs.BoolVar(&o.logRequests, "log-requests", false, "print one line per request: method, path, project, status, error_type, duration")
	fs.BoolVar(&o.logRequests, "v", false, "short for --log-requests")
	fs.StringVar(&o.healthcheck, "healthcheck", "", "ask the health endpoint at this URL (e.g. http://127.0.0.1:9010/emulator/v1/health), exit 0 when healthy, 1 otherwise; serve nothing")
	fs.DurationVar(&o.shutdownGrace, "shutdown-grace", 5*time.Second, "on SIGINT/SIGTERM, how long requests in flight may take to finish before they are answered 503")
	o.memoryLimit = defaultMemoryLimit
	fs.Var(&o.memoryLimit, "memory-limit", "soft limit on the Go heap, a `size` such as 512MiB or 1GiB (0: none); the garbage collector works harder near it; without this flag $GOMEMLIMIT, when set, applies instead")
	o.limits = defaultLimits()
	fs.DurationVar(&o.limits.readTimeout, "read-timeout", o.limits.readTimeout, "longest time to read a request, headers and body")
	fs.DurationVar(&o.limits.writeTimeout, "write-timeout", o.limits.writeTimeout, "longest time from the end of a request's headers to the end of its response (above the longest injected delay, 1m)")
	fs.DurationVar(&o.limits.idleTimeout, "idle-timeout", o.limits.idleTimeout, "how long an idle keep-alive connection stays open")
	fs.IntVar(&o.limits.maxHeaderBytes, "max-header-bytes", o.limits.maxHeaderBytes, "largest request header block; a larger one is answered 431")
	fs.DurationVar(&o.limits.bodyTimeout, "body-timeout", o.limits.bodyTimeout, "longest time to receive a request's body, plus a second per 64 KiB of it (within --read-timeout); a slower body is answered 400 and its connection closed")
	fs.IntVar(&o.limits.maxConns, "max-connections", o.limits.maxConns, "most connections open at once (by default the open-file limit less 64, at most 4096); beyond it one not serving a request is closed, first those of clients that have not completed a request (or, when all are serving requests, new ones wait)")
	state := emulator.DefaultLimits()
	fs.IntVar(&o.state.MaxProjects, "max-projects", state.MaxProjects, "most projects held at once, configured and auto-provisioned; at the cap a new project evicts the one idle longest (see --evict-idle-after), else it is refused 429")
	fs.IntVar(&o.state.MaxUsersPerProject, "max-users-per-project", state.MaxUsersPerProject, "most users in one project; one more is refused 429")
	fs.IntVar(&o.state.MaxUsers, "max-users", state.MaxUsers, "most users in all projects together (sandbox users included); at the cap idle projects are evicted, else one more is refused 429")
	fs.IntVar(&o.state.MaxSessionsPerProject, "max-sessions-per-project", state.MaxSessionsPerProject, "most live sessions in one project (expired ones are swept first); one more is refused 429")
	fs.IntVar(&o.state.MaxSessions, "max-sessions", state.MaxSessions, "most live sessions in all projects together; at the cap idle projects are evicted, else one more is refused 429")
	fs.DurationVar(&o.evictIdle, "evict-idle-after", state.EvictIdleAfter, "how long an auto-provisioned project must go without a request before a full emulator may evict it, with its users and sessions (0: never)")
	if err := fs.Parse(args); err != nil {
		return options{}, err
	}
	o.set = map[string]bool{}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if fs.NArg() > 0 {
		return options{}, fmt.Errorf("unexpected arguments %q: stytch-emulator takes flags only (see -h)", fs.Args())
	}
	if o.healthcheck != "" {
		return o, nil
	}
	if err := o.resolveCredentials(getenv); err != nil {
		return options{}, err
	}
	if v := getenv(envAutoProvision); v != "" && !o.set["auto-provision"] {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return options{}, fmt.Errorf("$%s %q: want true or false", envAutoProvision, v)
		}
		o.autoProvision = b
		o.set["auto-provision"] = true // asked for: it holds beyond loopback too
	}
	switch emulator.Rotation(o.rotation) {
	case emulator.RotateTokens, emulator.KeepTokens:
	default:
		return options{}, fmt.Errorf("--token-rotation must be rotate or keep, not %q", o.rotation)
	}
	if o.keyFile != "" && o.publishedKey {
		return options{}, errors.New("--signing-key and --insecure-published-key exclude each other")
	}
	if err := o.limits.check(); err != nil {
		return options{}, err
	}
	if err := o.checkState(); err != nil {
		return options{}, err
	}
	if o.shutdownGrace < 0 {
		return options{}, fmt.Errorf("--shutdown-grace %s: want 0 or more", o.shutdownGrace)
	}
	return o, nil
}

// resolveCredentials fills in the project and secret from the environment or the defaults, and
// refuses a live project, a malformed project id and an empty secret.
func (o *options) resolveCredentials(getenv func(string) string) error {
	idFrom, secretFrom := "--project-id", "--secret"
	if !o.set["project-id"] {
		idFrom = "$STYTCH_PROJECT_ID"
		o.projectID = or(getenv("STYTCH_PROJECT_ID"), emulator.DefaultProjectID)
	}
	if !o.set["secret"] {
		secretFrom = "$STYTCH_SECRET"
		o.secret = or(getenv("STYTCH_SECRET"), emulator.DefaultSecret)
	}
	switch {
	case strings.HasPrefix(o.projectID, "project-live-"):
		return fmt.Errorf("%s %q is a live project: the emulator stands in for Stytch's test environment only; use a project-test-<uuid> id", idFrom, o.projectID)
	case !emulator.IsTestProjectID(o.projectID):
		return fmt.Errorf("%s %q is not a test project id: want project-test-<uuid> (lowercase), e.g. %s", idFrom, o.projectID, emulator.DefaultProjectID)
	case o.secret == "":
		return fmt.Errorf("%s is empty: the project needs a secret", secretFrom)
	}
	return nil
}

// checkState refuses a ceiling that would leave no room, and a negative idle time; the emulator's
// own zero values mean "the default", which a flag of 0 must not silently ask for.
func (o *options) checkState() error {
	for _, c := range []struct {
		name string
		v    int
	}{
		{"--max-projects", o.state.MaxProjects},
		{"--max-users-per-project", o.state.MaxUsersPerProject},
		{"--max-users", o.state.MaxUsers},
		{"--max-sessions-per-project", o.state.MaxSessionsPerProject},
		{"--max-sessions", o.state.MaxSessions},
	} {
		if c.v < 1 {
			return fmt.Errorf("%s %d: want at least 1", c.name, c.v)
		}
	}
	switch {
	case o.evictIdle < 0:
		return fmt.Errorf("--evict-idle-after %s: want 0 (never) or more", o.evictIdle)
	case o.evictIdle == 0:
		o.state.EvictIdleAfter = -1 // never
	default:
		o.state.EvictIdleAfter = o.evictIdle
	}
	return nil
}

// emulatorOptions turns the flags into emulator options (the signing key apart).
func (o options) emulatorOptions(logf func(string, ...any)) []emulator.Option {
	opts := []emulator.Option{
		emulator.WithProject(o.projectID, o.secret),
		emulator.WithPasswordCost(o.passwordCost),
		emulator.WithLogger(logf),
		emulator.WithTokenRotation(emulator.Rotation(o.rotation), o.grace),
		emulator.WithLimits(o.state),
	}
	if o.autoProvision {
		opts = append(opts, emulator.WithAutoProvision())
	}
	if o.international {
		opts = append(opts, emulator.WithInternationalSMS())
	}
	if o.dataDir != "" {
		opts = append(opts, emulator.WithDataDir(o.dataDir))
	}
	if o.redirectURLs != "" {
		opts = append(opts, emulator.WithRedirectURLs(strings.Split(o.redirectURLs, ",")...))
	}
	if !o.breach {
		opts = append(opts, emulator.WithoutBreachDetection())
	}
	if o.breachOnAuth {
		opts = append(opts, emulator.WithBreachCheckOnAuthenticate())
	}
	return opts
}

// listen binds addr; an address in use is named, with the way out.
func listen(addr string) (net.Listener, error) {
	ln, err := net.Listen("tcp", addr)
	if errors.Is(err, syscall.EADDRINUSE) {
		return nil, fmt.Errorf("listen on %s: the address is already in use (another stytch-emulator?): choose another with --addr, or --addr 127.0.0.1:0 for any free port", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	return ln, nil
}

// isLoopback reports whether a listening address is reachable from this machine only.
func isLoopback(addr net.Addr) bool {
	tcp, ok := addr.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

// baseURL is the URL clients use for a listening address: a wildcard bind (0.0.0.0, ::) is
// reached through loopback on this machine.
func baseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return "http://" + addr.String()
	}
	if tcp.IP.IsUnspecified() {
		return fmt.Sprintf("http://127.0.0.1:%d", tcp.Port)
	}
	return "http://" + tcp.String()
}

// healthcheck asks the health endpoint at url and succeeds when it answers 200 {"status":"ok"}.
func healthcheck(ctx context.Context, url string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("--healthcheck: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("healthcheck: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"status":"ok"`) {
		return fmt.Errorf("healthcheck %s: %s %s", url, resp.Status, strings.TrimSpace(string(body)))
	}
	fmt.Fprintln(stdout, "healthy")
	return nil
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
