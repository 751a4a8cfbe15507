package main

import (
	"github.com/stytch-emulator/stytchemu/internal/procstat"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stytch-emulator/stytchemu/internal/loadgen"
)

// firebaseToolsVersion is the pinned firebase-tools release the peers benchmark installs from npm.
const firebaseToolsVersion = "15.37.0"

// firebaseProject is a demo project: the Auth emulator serves it without any credentials or network.
const firebaseProject = "demo-stytchemu-bench"

// benchPassword is the password of every benchmark user (strong enough for the zxcvbn policy).
const benchPassword = "correct-horse-battery-staple-91!"

type peersConfig struct {
	duration time.Duration
	rounds   int
	workers  int
	starts   int
	signups  int
	cacheDir string
	emuBin   string
}

// runPeers is `stytch-bench peers`: the emulator against Firebase's Auth emulator, side by side on
// this machine, with the same load generator.
func runPeers(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stytch-bench peers", flag.ContinueOnError)
	var cfg peersConfig
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "measuring time of each rate")
	fs.IntVar(&cfg.rounds, "rounds", 5, "interleaved rounds of the sign-in rates; the medians are compared")
	fs.IntVar(&cfg.workers, "workers", 2*runtime.NumCPU(), "concurrent clients of the load generator (the fixed concurrency of the latencies)")
	fs.IntVar(&cfg.starts, "starts", 5, "interleaved cold starts of each")
	// 9,999 sign-ups and the sandbox user make the 10,000 users a project holds by default.
	fs.IntVar(&cfg.signups, "signups", 9_999, "sign-ups on each before the second memory reading")
	fs.StringVar(&cfg.cacheDir, "cache", "", "where firebase-tools is installed (default: the user cache directory)")
	fs.StringVar(&cfg.emuBin, "emulator", "", "a prebuilt emulator binary to measure (default: build ./cmd/stytch-emulator)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return err
		}
		cfg.cacheDir = filepath.Join(dir, "stytchemu")
	}
	firebase, err := ensureFirebase(ctx, cfg.cacheDir, out)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stytch-bench-peers-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	emuBin := cfg.emuBin
	if emuBin == "" {
		emuBin = filepath.Join(tmp, "stytch-emulator")
		if err := procstat.Build(ctx, emuBin, "./cmd/stytch-emulator"); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "stytch-bench peers: %s/%s, %d CPUs, firebase-tools %s (node %s), %d workers, %s per rate\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), firebaseToolsVersion, nodeVersion(ctx), cfg.workers, cfg.duration)
	// The emulator signs with a key generated here and keeps its state in memory, as Firebase's
	// emulator does without --import: every start below is a fresh one, with no snapshot writer.
	keyFile, err := procstat.WriteSigningKey(tmp)
	if err != nil {
		return err
	}
	peers := []peer{
		&firebasePeer{bin: firebase, dir: tmp},
		&stytchPeer{bin: emuBin, keyFile: keyFile},
	}
	// One untimed start of each first, so the page cache holds both programs and Node has warmed
	// its caches; the cold starts below are the usual ones.
	for _, p := range peers {
		inst, err := p.start(ctx)
		if err != nil {
			return fmt.Errorf("%s: start: %w", p.name(), err)
		}
		inst.stop()
	}

	// Cold start and memory after start, interleaved.
	starts := make([][]time.Duration, len(peers))
	rssStart := make([][]int64, len(peers))
	for i := range cfg.starts {
		for j := range peers {
			k := (j + i) % len(peers) // alternate which goes first
			inst, err := peers[k].start(ctx)
			if err != nil {
				return fmt.Errorf("%s: start: %w", peers[k].name(), err)
			}
			starts[k] = append(starts[k], inst.ready)
			time.Sleep(500 * time.Millisecond) // let start-up work settle before reading memory
			rss, err := procstat.TreeRSS(inst.cmd.Process.Pid)
			inst.stop()
			if err != nil {
				return err
			}
			rssStart[k] = append(rssStart[k], rss)
		}
	}

	// Sign-in rates with one user, on a fresh instance of each.
	insts, err := startAll(ctx, peers)
	if err != nil {
		return err
	}
	reqs := make([]loadgen.Request, len(peers))
	for k, p := range peers {
		if err := p.signUp(ctx, &http.Client{}, insts[k].url, "signin@example.com"); err != nil {
			return fmt.Errorf("%s: sign-up of the sign-in user: %w", p.name(), err)
		}
		reqs[k] = p.signIn(insts[k].url, "signin@example.com")
	}
	for k, p := range peers { // an unmeasured round each: Node's JIT needs a warm-up
		if _, err := loadgen.Run(ctx, reqs[k], cfg.workers, cfg.duration); err != nil {
			return fmt.Errorf("%s: %w", p.name(), err)
		}
	}
	results := make([][]loadgen.Result, len(peers))
	cpuPerReq := make([][]float64, len(peers)) // server CPU time per request, in ns
	for i := range cfg.rounds {
		for j := range peers {
			k := (j + i) % len(peers)
			cpu0, err := procstat.TreeCPUTime(insts[k].cmd.Process.Pid)
			if err != nil {
				return err
			}
			res, err := loadgen.Run(ctx, reqs[k], cfg.workers, cfg.duration)
			if err != nil {
				return fmt.Errorf("%s: %w", peers[k].name(), err)
			}
			cpu1, err := procstat.TreeCPUTime(insts[k].cmd.Process.Pid)
			if err != nil {
				return err
			}
			// The CPU time covers the warm-up too: divide by every request served in the run.
			cpuPerReq[k] = append(cpuPerReq[k], float64(cpu1-cpu0)/float64(res.Total))
			if res.Errors > 0 {
				return fmt.Errorf("%s: sign-in under load: %d errors, first: %s", peers[k].name(), res.Errors, res.FirstError)
			}
			results[k] = append(results[k], res)
		}
	}
	stopAll(insts)

	// Memory after sign-ups, on another fresh instance of each (the sign-in rounds above leave
	// thousands of live sessions in the emulator and none in Firebase). Then, for information, one
	// round of sign-ins with that many users in the project.
	if insts, err = startAll(ctx, peers); err != nil {
		return err
	}
	defer stopAll(insts)
	rssSignups := make([]int64, len(peers))
	crowded := make([]loadgen.Result, len(peers))
	for k, p := range peers {
		t0 := time.Now()
		if err := fanOut(ctx, cfg.signups, cfg.workers, func(c *http.Client, i int) error {
			return p.signUp(ctx, c, insts[k].url, fmt.Sprintf("user%d@example.com", i))
		}); err != nil {
			return fmt.Errorf("%s: sign-ups: %w", p.name(), err)
		}
		fmt.Fprintf(out, "  %s: %d sign-ups in %s\n", p.name(), cfg.signups, time.Since(t0).Round(time.Millisecond))
		time.Sleep(time.Second)
		if rssSignups[k], err = procstat.TreeRSS(insts[k].cmd.Process.Pid); err != nil {
			return err
		}
		if crowded[k], err = loadgen.Run(ctx, p.signIn(insts[k].url, "user0@example.com"), cfg.workers, cfg.duration); err != nil {
			return fmt.Errorf("%s: %w", p.name(), err)
		}
		if crowded[k].Errors > 0 {
			return fmt.Errorf("%s: sign-in under load: %d errors, first: %s", p.name(), crowded[k].Errors, crowded[k].FirstError)
		}
	}

	fb, us := 0, 1
	rate := func(k int) float64 { return median(mapSlice(results[k], loadgen.Result.Rate)) }
	pct := func(k int, f func(loadgen.Result) time.Duration) time.Duration {
		return time.Duration(median(mapSlice(results[k], func(r loadgen.Result) float64 { return float64(f(r)) })))
	}
	p50 := func(r loadgen.Result) time.Duration { return r.P50 }
	p99 := func(r loadgen.Result) time.Duration { return r.P99 }
	coldMed := func(k int) time.Duration {
		return time.Duration(median(mapSlice(starts[k], func(d time.Duration) float64 { return float64(d) })))
	}
	rssMed := func(k int) float64 { return median(mapSlice(rssStart[k], func(v int64) float64 { return float64(v) })) }

	speed := rate(us) / rate(fb)
	cold := float64(coldMed(us)) / float64(coldMed(fb))
	mem := float64(rssSignups[us]) / float64(rssSignups[fb])
	rows := []row{
		{
			id: "1", name: "sign-in throughput: passwords/authenticate ÷ signInWithPassword",
			value: fmt.Sprintf("%.2f×", speed), target: "≥ 1.25×", pass: speed >= 1.25,
			detail: fmt.Sprintf("medians of %d interleaved rounds at %d clients: emulator %.0f/s (p50 %s, p99 %s, %s CPU per sign-in), Firebase %.0f/s (p50 %s, p99 %s, %s CPU per sign-in)",
				cfg.rounds, cfg.workers, rate(us), ms(pct(us, p50)), ms(pct(us, p99)), ms(time.Duration(median(cpuPerReq[us]))),
				rate(fb), ms(pct(fb, p50)), ms(pct(fb, p99)), ms(time.Duration(median(cpuPerReq[fb])))),
		},
		{
			id: "2", name: "cold start to first served request: binary ÷ emulators:start",
			value: fmt.Sprintf("1/%.0f", 1/cold), target: "≤ 1/50", pass: cold <= 1.0/50,
			detail: fmt.Sprintf("medians of %d interleaved starts: emulator %s, Firebase %s", cfg.starts, ms(coldMed(us)), ms(coldMed(fb))),
		},
		{
			id: "3", name: fmt.Sprintf("resident memory after %d sign-ups: emulator ÷ Firebase", cfg.signups),
			value: fmt.Sprintf("1/%.1f", 1/mem), target: "≤ 1/4", pass: mem <= 0.25,
			detail: fmt.Sprintf("emulator %s (%s after start), Firebase %s (%s after start)",
				mib(float64(rssSignups[us])), mib(rssMed(us)), mib(float64(rssSignups[fb])), mib(rssMed(fb))),
		},
		{
			name:  fmt.Sprintf("for information, sign-in throughput with %d users in the project", cfg.signups),
			value: fmt.Sprintf("%.2f×", crowded[us].Rate()/crowded[fb].Rate()),
			detail: fmt.Sprintf("one round: emulator %.0f/s (p99 %s), Firebase %.0f/s (p99 %s)",
				crowded[us].Rate(), ms(crowded[us].P99), crowded[fb].Rate(), ms(crowded[fb].P99)),
		},
	}
	fmt.Fprintln(out)
	for _, r := range rows {
		if r.id == "" { // information, no target
			fmt.Fprintf(out, "    %s: %s\n    %s\n", r.name, r.value, r.detail)
			continue
		}
		verdict := "beats the target"
		if !r.pass {
			verdict = "MISSES the target"
		}
		fmt.Fprintf(out, "(%s) %-66s %-7s [target %s] %s\n    %s\n", r.id, r.name, r.value, r.target, verdict, r.detail)
	}
	fmt.Fprintln(out, "\nEach emulator sign-in hashes for real (salted PBKDF2-SHA256) and signs an RS256-2048 session JWT;")
	fmt.Fprintln(out, "each Firebase sign-in compares a reversible \"fakeHash\" and returns an unsigned (alg none) ID token.")
	return nil
}

// startAll starts a fresh instance of every peer, one after the other.
func startAll(ctx context.Context, peers []peer) ([]*instance, error) {
	insts := make([]*instance, 0, len(peers))
	for _, p := range peers {
		inst, err := p.start(ctx)
		if err != nil {
			stopAll(insts)
			return nil, fmt.Errorf("%s: start: %w", p.name(), err)
		}
		insts = append(insts, inst)
	}
	return insts, nil
}

// stopAll stops the instances.
func stopAll(insts []*instance) {
	for _, inst := range insts {
		inst.stop()
	}
}

func mapSlice[T, U any](xs []T, f func(T) U) []U {
	out := make([]U, len(xs))
	for i, x := range xs {
		out[i] = f(x)
	}
	return out
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func mib(b float64) string { return fmt.Sprintf("%.1f MiB", b/(1<<20)) }

// peer is an auth emulator under comparison.
type peer interface {
	name() string
	// start runs a fresh instance and returns once it has served its first request.
	start(ctx context.Context) (*instance, error)
	// signUp creates a user with email and benchPassword.
	signUp(ctx context.Context, c *http.Client, url, email string) error
	// signIn is the password sign-in request of email.
	signIn(url, email string) loadgen.Request
}

// instance is a running peer.
type instance struct {
	cmd   *exec.Cmd
	url   string
	ready time.Duration // exec to the first served request
}

// stop interrupts the instance's process group and waits for it (killing it after 10s).
func (i *instance) stop() {
	pgid := i.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	done := make(chan struct{})
	go func() { _ = i.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-done
	}
}

// startAndPoll starts cmd in its own process group and polls url until it answers 200.
func startAndPoll(cmd *exec.Cmd, url string, timeout time.Duration) (time.Duration, error) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	client := &http.Client{Timeout: time.Second}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	for {
		resp, err := client.Get(url)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(start), nil
			}
		}
		if time.Since(start) > timeout {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			_ = cmd.Wait()
			return 0, fmt.Errorf("%s did not answer 200 within %s", url, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// stytchPeer is this emulator's standalone binary, signing with the key in keyFile.
type stytchPeer struct{ bin, keyFile string }

func (*stytchPeer) name() string { return "emulator" }

func (s *stytchPeer) start(context.Context) (*instance, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(s.bin, "--addr", addr, "--signing-key", s.keyFile)
	cmd.Stderr = os.Stderr
	url := "http://" + addr
	ready, err := startAndPoll(cmd, url+"/emulator/v1/health", 10*time.Second)
	if err != nil {
		return nil, err
	}
	return &instance{cmd: cmd, url: url, ready: ready}, nil
}

func (s *stytchPeer) signUp(ctx context.Context, c *http.Client, url, email string) error {
	return postJSON(ctx, c, url+"/v1/passwords", basicAuth(), map[string]any{
		"email": email, "password": benchPassword, "session_duration_minutes": 60,
	})
}

func (s *stytchPeer) signIn(url, email string) loadgen.Request {
	body, _ := json.Marshal(map[string]any{"email": email, "password": benchPassword, "session_duration_minutes": 60})
	return loadgen.Request{Method: http.MethodPost, URL: url + "/v1/passwords/authenticate", Header: basicAuth(), Body: body}
}

// firebasePeer is the Firebase Auth emulator, started through `firebase emulators:start --only auth`.
type firebasePeer struct {
	bin string
	dir string // working directory for firebase.json
}

func (*firebasePeer) name() string { return "Firebase" }

func (f *firebasePeer) start(context.Context) (*instance, error) {
	var ports [3]int
	for i := range ports {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		ports[i] = p
	}
	conf, _ := json.Marshal(map[string]any{"emulators": map[string]any{
		"auth":    map[string]any{"host": "127.0.0.1", "port": ports[0]},
		"hub":     map[string]any{"host": "127.0.0.1", "port": ports[1]},
		"logging": map[string]any{"host": "127.0.0.1", "port": ports[2]},
		"ui":      map[string]any{"enabled": false},
	}})
	if err := os.WriteFile(filepath.Join(f.dir, "firebase.json"), conf, 0o600); err != nil {
		return nil, err
	}
	cmd := exec.Command(f.bin, "emulators:start", "--only", "auth", "--project", firebaseProject)
	cmd.Dir = f.dir
	var logBuf lockedBuffer
	cmd.Stdout, cmd.Stderr = &logBuf, &logBuf
	url := "http://127.0.0.1:" + strconv.Itoa(ports[0])
	ready, err := startAndPoll(cmd, url+"/", 60*time.Second)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, logBuf.String())
	}
	return &instance{cmd: cmd, url: url, ready: ready}, nil
}

func (f *firebasePeer) signUp(ctx context.Context, c *http.Client, url, email string) error {
	h := http.Header{"Content-Type": {"application/json"}}
	return postJSON(ctx, c, url+"/identitytoolkit.googleapis.com/v1/accounts:signUp?key=demo-api-key", h, map[string]any{
		"email": email, "password": benchPassword, "returnSecureToken": true,
	})
}

func (f *firebasePeer) signIn(url, email string) loadgen.Request {
	body, _ := json.Marshal(map[string]any{"email": email, "password": benchPassword, "returnSecureToken": true})
	return loadgen.Request{
		Method: http.MethodPost, URL: url + "/identitytoolkit.googleapis.com/v1/accounts:signInWithPassword?key=demo-api-key",
		Header: http.Header{"Content-Type": {"application/json"}}, Body: body,
	}
}

// lockedBuffer collects a child's output for error messages.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.buf.Len() > 1<<16 {
		return len(p), nil
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// postJSON posts body and wants a 200.
func postJSON(ctx context.Context, c *http.Client, url string, h http.Header, body any) error {
	raw, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(raw))
	if err != nil {
		return err
	}
	req.Header = h.Clone()
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %s", url, resp.StatusCode, got)
	}
	return nil
}

// fanOut calls f(i) for i in [0, n) from workers goroutines sharing one keep-alive client.
func fanOut(ctx context.Context, n, workers int, f func(c *http.Client, i int) error) error {
	c := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	defer c.CloseIdleConnections()
	var next atomic.Int64
	var wg sync.WaitGroup
	var once sync.Once
	var first error
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				if err := f(c, i); err != nil {
					once.Do(func() { first = err })
					next.Store(int64(n))
					return
				}
			}
		}()
	}
	wg.Wait()
	return errors.Join(first, ctx.Err())
}

// ensureFirebase returns the firebase CLI of the pinned firebase-tools, installing it from the npm
// registry into cacheDir when it is missing.
func ensureFirebase(ctx context.Context, cacheDir string, out io.Writer) (string, error) {
	dir := filepath.Join(cacheDir, "firebase-tools@"+firebaseToolsVersion)
	bin := filepath.Join(dir, "node_modules", ".bin", "firebase")
	if installedVersion(dir) == firebaseToolsVersion {
		return bin, nil
	}
	for _, tool := range []string{"node", "npm"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", fmt.Errorf("the peers benchmark runs Firebase's Auth emulator, which needs %s on PATH: %w", tool, err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	fmt.Fprintf(out, "installing firebase-tools@%s into %s (once; a few minutes)\n", firebaseToolsVersion, dir)
	manifest := fmt.Sprintf(`{"private":true,"dependencies":{"firebase-tools":%q}}`, firebaseToolsVersion)
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(manifest), 0o644); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "npm", "install", "--no-audit", "--no-fund", "--omit=dev")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("npm install firebase-tools@%s: %w", firebaseToolsVersion, err)
	}
	if v := installedVersion(dir); v != firebaseToolsVersion {
		return "", fmt.Errorf("npm installed firebase-tools %q, want %s", v, firebaseToolsVersion)
	}
	return bin, nil
}

// installedVersion is the version of firebase-tools installed under dir, or "".
func installedVersion(dir string) string {
	raw, err := os.ReadFile(filepath.Join(dir, "node_modules", "firebase-tools", "package.json"))
	if err != nil {
		return ""
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if json.Unmarshal(raw, &pkg) != nil {
		return ""
	}
	return pkg.Version
}

// nodeVersion is `node --version`, or "?".
func nodeVersion(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "node", "--version").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
