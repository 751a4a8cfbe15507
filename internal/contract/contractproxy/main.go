// Command contractproxy stands between a client that is not written in Go and the emulator, and
// checks every exchange against Stytch's OpenAPI description the way the Go tests' transport does.
// The Node SDK test runs through it, so the answers the Node SDK gets are held to the same
// contract as those stytch-go gets.
//
// Usage:
//
//	contractproxy --target http://127.0.0.1:9010 [--addr 127.0.0.1:0]
//
// It prints "contract proxy ready on http://HOST:PORT" once it listens. On SIGINT or SIGTERM it
// stops and prints how many exchanges it checked and every violation; it exits 1 when there was a
// violation or when it checked nothing (a check that saw no traffic proves nothing).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/stytch-emulator/stytchemu/internal/contract"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "contractproxy:", err)
		os.Exit(1)
	}
}

// run serves the proxy until ctx ends, then reports; the error says why the check failed.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("contractproxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	target := fs.String("target", "", "base URL of the emulator to check")
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	if err := fs.Parse(args); err != nil {
		return err
	}
	upstream, err := url.Parse(*target)
	if err != nil || upstream.Scheme == "" || upstream.Host == "" {
		return fmt.Errorf("--target must be a base URL such as http://127.0.0.1:9010, not %q", *target)
	}
	checker, err := contract.New()
	if err != nil {
		return fmt.Errorf("load the OpenAPI description: %w", err)
	}
	var log violations
	proxy := httputil.NewSingleHostReverseProxy(upstream)
	proxy.Transport = counting{n: &log, inner: checker.Transport(http.DefaultTransport, log.add)}
	proxy.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		log.add(fmt.Errorf("%s %s: the emulator did not answer: %w", r.Method, r.URL.Path, err))
		w.WriteHeader(http.StatusBadGateway)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: proxy, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "contract proxy ready on http://%s\n", ln.Addr())

	select {
	case err := <-done:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shut down: %w", err)
	}
	return log.report(stdout)
}

// violations collects what the checker found: it counts every violation and keeps the first
// maxKept to print; it is safe for concurrent use.
type violations struct {
	mu        sync.Mutex
	exchanges int
	n         int
	errs      []error
}

// maxKept bounds how many violations a run keeps to print.
const maxKept = 100

func (v *violations) add(err error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.n++
	if len(v.errs) < maxKept {
		v.errs = append(v.errs, err)
	}
}

func (v *violations) count() {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.exchanges++
}

// report prints the summary and returns an error when the check failed.
func (v *violations) report(w io.Writer) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, err := range v.errs {
		fmt.Fprintf(w, "VIOLATION %v\n", err)
	}
	if more := v.n - len(v.errs); more > 0 {
		fmt.Fprintf(w, "... and %d more violations\n", more)
	}
	fmt.Fprintf(w, "contract: %d exchanges checked against the OpenAPI description, %d violations\n", v.exchanges, v.n)
	switch {
	case v.n > 0:
		return fmt.Errorf("%d exchanges broke the OpenAPI contract", v.n)
	case v.exchanges == 0:
		return errors.New("no exchange passed through the proxy")
	}
	return nil
}

// counting counts the exchanges its inner transport carries.
type counting struct {
	n     *violations
	inner http.RoundTripper
}

// RoundTrip implements http.RoundTripper.
func (c counting) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.count()
	return c.inner.RoundTrip(r)
}
