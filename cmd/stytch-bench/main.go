// Command stytch-bench measures the emulator against baselines taken on the same machine in the
// same run, and prints ratios. Machines are noisy: only the ratios are claims.
//
//	stytch-bench [--duration 3s] [--rounds 3] [--workers 2×CPUs] [--starts 20] [--skip-suite] [--keep]
//
// (a) sessions/authenticate over loopback ÷ bare RS256 signing of the same JWT (the floor of a call
// that must mint a JWT); (b) JWKS over loopback ÷ a bare net/http handler, same load generator;
// (c) cold start of the binary to its first served request; (d) memory per live session, from the
// emulator's BenchmarkSessionMemory; (e) wall time of the Gherkin suite on the in-process emulator;
// (f) the MFA guide's flow through stytch-go, in-process and over loopback, ÷ its bare crypto.
//
//	stytch-bench peers [--duration 3s] [--rounds 5] [--workers 2×CPUs] [--starts 5] [--signups 9999]
//
// compares the emulator with Firebase's Auth emulator (installed from npm on first use): sign-in
// throughput and latency, cold start, resident memory after sign-ups.
//
//	stytch-bench scale [--count 1] [--skip-1m]
//
// runs the emulator's BenchmarkScale (per-user calls with 1k, 100k and 1M users in one project) and
// prints the ratio of the largest tier to the smallest for each call, and the heap per user and
// per session.
package main

import (
	"github.com/stytch-emulator/stytchemu/internal/procstat"

	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/internal/loadgen"
)

func main() {
	if len(os.Args) == 4 && os.Args[1] == "--serve-bare" {
		serveBare(os.Args[2], os.Args[3])
		return
	}
	if len(os.Args) >= 2 {
		sub := map[string]func(context.Context, []string, io.Writer) error{"peers": runPeers, "scale": runScale}
		if f, ok := sub[os.Args[1]]; ok {
			if err := f(context.Background(), os.Args[2:], os.Stdout); err != nil {
				fmt.Fprintf(os.Stderr, "stytch-bench %s: %v\n", os.Args[1], err)
				os.Exit(1)
			}
			return
		}
	}
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "stytch-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	duration  time.Duration
	workers   int
	starts    int
	rounds    int
	skipSuite bool
	keepTmp   bool
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("stytch-bench", flag.ContinueOnError)
	var cfg config
	fs.DurationVar(&cfg.duration, "duration", 3*time.Second, "measuring time of each rate")
	fs.IntVar(&cfg.workers, "workers", 2*runtime.NumCPU(), "concurrent workers of the load generator and of the signing baseline")
	fs.IntVar(&cfg.starts, "starts", 20, "cold starts measured for (c)")
	fs.IntVar(&cfg.rounds, "rounds", 3, "interleaved rounds of (a) and (b); the medians are compared")
	fs.BoolVar(&cfg.skipSuite, "skip-suite", false, "skip (e), the Gherkin suite's wall time")
	fs.BoolVar(&cfg.keepTmp, "keep", false, "keep the built binaries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "stytch-bench-")
	if err != nil {
		return err
	}
	if !cfg.keepTmp {
		defer os.RemoveAll(tmp)
	}
	fmt.Fprintf(out, "stytch-bench: %s/%s, %d CPUs, %s per rate, %d workers\n", runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), cfg.duration, cfg.workers)
	emuBin := filepath.Join(tmp, "stytch-emulator")
	if err := procstat.Build(ctx, emuBin, "./cmd/stytch-emulator"); err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}

	var rows []row
	// (a) and (b) share one standalone emulator.
	// Every start signs with a key generated into the run's own directory: the emulator keeps its
	// state in memory, as a test run does, and nothing touches the user's cache.
	keyFile, err := procstat.WriteSigningKey(tmp)
	if err != nil {
		return err
	}
	emu, err := procstat.StartServer(ctx, os.Stderr, 10*time.Second, emuBin, "--addr", "127.0.0.1:0", "--signing-key", keyFile)
	if err != nil {
		return fmt.Errorf("start emulator: %w", err)
	}
	defer emu.Stop()
	a, err := measureAuthenticate(ctx, cfg, emu.URL())
	if err != nil {
		return err
	}
	rows = append(rows, a)
	// The bare handler answers the very bytes of the emulator's JWKS response, so (b) compares the
	// emulator's plumbing, not payload sizes.
	bodyFile := filepath.Join(tmp, "jwks.json")
	if err := saveBody(emu.URL()+"/v1/sessions/jwks/"+emulator.DefaultProjectID, bodyFile); err != nil {
		return err
	}
	bare, err := procstat.StartServer(ctx, os.Stderr, 10*time.Second, self, "--serve-bare", "127.0.0.1:0", bodyFile)
	if err != nil {
		return fmt.Errorf("start bare server: %w", err)
	}
	defer bare.Stop()
	b, err := measureNoJWT(ctx, cfg, emu.URL(), bare.URL())
	if err != nil {
		return err
	}
	rows = append(rows, b)
	f, err := measureFlow(ctx, cfg, emu.URL())
	if err != nil {
		return err
	}
	rows = append(rows, f...)
	c, err := measureColdStart(ctx, cfg, emuBin, keyFile)
	if err != nil {
		return err
	}
	rows = append(rows, c)
	d, err := measureSessionMemory(ctx)
	if err != nil {
		return err
	}
	rows = append(rows, d)
	if !cfg.skipSuite {
		e, err := measureSuite(ctx, tmp)
		if err != nil {
			return err
		}
		rows = append(rows, e)
	}
	fmt.Fprintln(out)
	for _, r := range rows {
		status := "PASS"
		if !r.pass {
			status = "MISS"
		}
		fmt.Fprintf(out, "%-4s (%s) %-58s %s   [target %s]\n      %s\n", status, r.id, r.name, r.value, r.target, r.detail)
	}
	return nil
}

// row is one line of the report.
type row struct {
	id, name, value, target, detail string
	pass                            bool
}

// serveBare is the baseline of (b): a bare net/http handler answering the bytes of bodyFile.
func serveBare(addr, bodyFile string) {
	body, err := os.ReadFile(bodyFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("bare server ready on http://%s\n", ln.Addr())
	_ = http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
}

// saveBody writes the body of a GET of url to path.
func saveBody(url, path string) error {
	resp, err := http.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	return os.WriteFile(path, body, 0o600)
}

func basicAuth() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(emulator.DefaultProjectID+":"+emulator.DefaultSecret)))
	h.Set("Content-Type", "application/json")
	return h
}

// measureAuthenticate is (a).
func measureAuthenticate(ctx context.Context, cfg config, url string) (row, error) {
	client, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret, stytchapi.WithBaseURI(url))
	if err != nil {
		return row{}, err
	}
	created, err := client.Passwords.Create(ctx, &passwords.CreateParams{
		Email: "bench@example.com", Password: "correct-horse-battery-staple-91!", SessionDurationMinutes: 600,
	})
	if err != nil {
		return row{}, fmt.Errorf("create bench session: %w", err)
	}
	body, _ := json.Marshal(map[string]string{"session_token": created.SessionToken})
	sign, err := newSigningBaseline(created.SessionJWT)
	if err != nil {
		return row{}, err
	}
	req := loadgen.Request{Method: "POST", URL: url + "/v1/sessions/authenticate", Header: basicAuth(), Body: body}
	var emuRates, signRates []float64
	for range cfg.rounds { // interleaved rounds, medians: the machine's noise hits both sides
		emu, err := loadgen.Run(ctx, req, cfg.workers, cfg.duration)
		if err != nil {
			return row{}, err
		}
		if emu.Errors > 0 {
			return row{}, fmt.Errorf("sessions/authenticate under load: %d errors, first: %s", emu.Errors, emu.FirstError)
		}
		emuRates = append(emuRates, emu.Rate())
		signRates = append(signRates, sign.rate(cfg))
	}
	emuRate, signRate := median(emuRates), median(signRates)
	ratio := emuRate / signRate
	return row{
		id: "a", name: "sessions/authenticate over loopback ÷ bare RS256 signing",
		value: fmt.Sprintf("%.2f", ratio), target: "≥ 0.75", pass: ratio >= 0.75,
		detail: fmt.Sprintf("medians of %d interleaved rounds: emulator %.0f req/s, signing %.0f JWT/s (%d goroutines)", cfg.rounds, emuRate, signRate, cfg.workers),
	}, nil
}

// median returns the median of xs (the mean of the middle two for an even count).
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// signingBaseline is the baseline of (a): RS256 signing of the claims of a real session JWT, with
// a key of the emulator's size.
type signingBaseline struct {
	claims jwt.MapClaims
	key    *rsa.PrivateKey
}

func newSigningBaseline(sampleJWT string) (*signingBaseline, error) {
	var claims jwt.MapClaims
	if _, _, err := jwt.NewParser().ParseUnverified(sampleJWT, &claims); err != nil {
		return nil, fmt.Errorf("parse sample jwt: %w", err)
	}
	// A key of the emulator's size (RSA-2048): signing cost depends only on the size.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &signingBaseline{claims: claims, key: key}, nil
}

// rate signs from cfg.workers goroutines for cfg.duration (after a warm-up) and returns JWTs/s.
func (b *signingBaseline) rate(cfg config) float64 {
	claims, key := b.claims, b.key
	var n atomic.Int64
	var stop atomic.Bool
	var wg sync.WaitGroup
	sign := func(k *rsa.PrivateKey) error {
		t := jwt.NewWithClaims(jwt.SigningMethodRS256, claims)
		t.Header["kid"] = "bench"
		_, err := t.SignedString(k)
		return err
	}
	for range cfg.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				if sign(key) == nil {
					n.Add(1)
				}
			}
		}()
	}
	time.Sleep(cfg.duration / 5)
	start, before := time.Now(), n.Load()
	time.Sleep(cfg.duration)
	done, elapsed := n.Load()-before, time.Since(start)
	stop.Store(true)
	wg.Wait()
	return float64(done) / elapsed.Seconds()
}

// measureNoJWT is (b): JWKS (no JWT minted) vs a bare handler, same load generator.
func measureNoJWT(ctx context.Context, cfg config, emuURL, bareURL string) (row, error) {
	var emuRates, bareRates []float64
	for range cfg.rounds { // interleaved rounds, medians
		emu, err := loadgen.Run(ctx, loadgen.Request{URL: emuURL + "/v1/sessions/jwks/" + emulator.DefaultProjectID}, cfg.workers, cfg.duration)
		if err != nil {
			return row{}, err
		}
		bare, err := loadgen.Run(ctx, loadgen.Request{URL: bareURL + "/"}, cfg.workers, cfg.duration)
		if err != nil {
			return row{}, err
		}
		if emu.Errors+bare.Errors > 0 {
			return row{}, fmt.Errorf("errors under load: emulator %d (%s), bare %d (%s)", emu.Errors, emu.FirstError, bare.Errors, bare.FirstError)
		}
		emuRates, bareRates = append(emuRates, emu.Rate()), append(bareRates, bare.Rate())
	}
	emuRate, bareRate := median(emuRates), median(bareRates)
	ratio := emuRate / bareRate
	return row{
		id: "b", name: "JWKS over loopback ÷ bare handler (same bytes)",
		value: fmt.Sprintf("%.2f", ratio), target: "≥ 0.5", pass: ratio >= 0.5,
		detail: fmt.Sprintf("medians of %d interleaved rounds: emulator %.0f req/s, bare handler %.0f req/s", cfg.rounds, emuRate, bareRate),
	}, nil
}

// measureColdStart is (c): exec of the binary to its first 200 from /emulator/v1/health.
func measureColdStart(ctx context.Context, cfg config, bin, keyFile string) (row, error) {
	var times []time.Duration
	emu := &stytchPeer{bin: bin, keyFile: keyFile}
	for range cfg.starts {
		inst, err := emu.start(ctx)
		if err != nil {
			return row{}, err
		}
		times = append(times, inst.ready)
		inst.stop()
	}
	slices.Sort(times)
	med, p90 := times[len(times)/2], times[len(times)*9/10]
	return row{
		id: "c", name: "cold start to first served request (median)",
		value: med.Round(100 * time.Microsecond).String(), target: "< 50ms", pass: med < 50*time.Millisecond,
		detail: fmt.Sprintf("%d starts: min %s, p90 %s, max %s", len(times), times[0].Round(100*time.Microsecond), p90.Round(100*time.Microsecond), times[len(times)-1].Round(100*time.Microsecond)),
	}, nil
}

var bytesPerSession = regexp.MustCompile(`([0-9.]+) B/session`)

// measureSessionMemory is (d), read from the emulator's BenchmarkSessionMemory.
func measureSessionMemory(ctx context.Context) (row, error) {
	cmd := exec.CommandContext(ctx, "go", "test", "-run", "^$", "-bench", "^BenchmarkSessionMemory$", "-benchtime", "1x", "./emulator")
	outb, err := cmd.CombinedOutput()
	if err != nil {
		return row{}, fmt.Errorf("BenchmarkSessionMemory: %w\n%s", err, outb)
	}
	m := bytesPerSession.FindSubmatch(outb)
	if m == nil {
		return row{}, fmt.Errorf("BenchmarkSessionMemory printed no B/session:\n%s", outb)
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return row{
		id: "d", name: "memory per live session (100k sessions)",
		value: fmt.Sprintf("%.0f B", v), target: "< 2048 B", pass: v < 2048,
		detail: "heap growth ÷ sessions, after GC, sessions made by the code path a sign-in takes, without HTTP (go test -bench BenchmarkSessionMemory ./emulator)",
	}, nil
}

// measureSuite is (e): the embedded Gherkin suite on the in-process emulator, best of 3.
func measureSuite(ctx context.Context, tmp string) (row, error) {
	bin := filepath.Join(tmp, "stytch-conform")
	if err := procstat.Build(ctx, bin, "./cmd/stytch-conform"); err != nil {
		return row{}, err
	}
	var best time.Duration
	for i := range 3 {
		start := time.Now()
		cmd := exec.CommandContext(ctx, bin, "--target", "emulator", "--format", "progress")
		var outb strings.Builder
		cmd.Stdout, cmd.Stderr = &outb, &outb
		if err := cmd.Run(); err != nil {
			return row{}, fmt.Errorf("stytch-conform: %w\n%s", err, outb.String())
		}
		if d := time.Since(start); i == 0 || d < best {
			best = d
		}
	}
	return row{
		id: "e", name: "whole Gherkin suite on the in-process emulator (best of 3)",
		value: best.Round(time.Millisecond).String(), target: "< 2s", pass: best < 2*time.Second,
		detail: "stytch-conform --target emulator, process start to exit",
	}, nil
}
