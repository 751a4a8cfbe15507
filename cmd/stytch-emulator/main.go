// Command stytch-emulator serves the Stytch Consumer API emulator on a local address, as a stand-in
// for https://test.stytch.com that any language's SDK can use.
//
//	stytch-emulator [--addr 127.0.0.1:9010] [--project-id ID] [--secret SECRET] [--auto-provision=false]
//
// It prints one line with the base URL when it is ready and stops cleanly on SIGINT or SIGTERM.
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
	"syscall"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return // the usage was printed
		}
		fmt.Fprintln(os.Stderr, "stytch-emulator:", err)
		os.Exit(1)
	}
}

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
	keyFile       string
}

// run parses args, serves until ctx ends, and shuts down gracefully.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("stytch-emulator", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.addr, "addr", "127.0.0.1:9010", "address to listen on (loopback by default)")
	fs.StringVar(&o.projectID, "project-id", "", "project_id clients authenticate with (default $STYTCH_PROJECT_ID or "+emulator.DefaultProjectID+")")
	fs.StringVar(&o.secret, "secret", "", "the project's secret (default $STYTCH_SECRET or "+emulator.DefaultSecret+")")
	fs.BoolVar(&o.autoProvision, "auto-provision", true, "create any project-test-* project on its first request, with that request's secret (isolates parallel tests and CI jobs; the --project-id project always checks its own secret)")
	fs.StringVar(&o.rotation, "token-rotation", string(emulator.RotateTokens), "session token on step-up: rotate | keep")
	fs.DurationVar(&o.grace, "rotation-grace", emulator.DefaultRotationGrace, "how long a rotated-out session token keeps working (virtual clock; 0 means the default, a negative value revokes it at once)")
	fs.IntVar(&o.passwordCost, "password-cost", 0, "bcrypt cost of stored password hashes (0: the minimum, 4, fast; at most 31)")
	fs.BoolVar(&o.international, "international-sms", false, "allow SMS to numbers outside +1")
	fs.StringVar(&o.keyFile, "signing-key", "", "PEM file with an RSA key for session JWTs (default: the built-in test key)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.projectID == "" {
		o.projectID = or(getenv("STYTCH_PROJECT_ID"), emulator.DefaultProjectID)
	}
	if o.secret == "" {
		o.secret = or(getenv("STYTCH_SECRET"), emulator.DefaultSecret)
	}
	opts, err := o.emulatorOptions()
	if err != nil {
		return err
	}
	emu, err := emulator.Build(opts...)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		fmt.Fprintf(stderr, "WARNING: stytch-emulator is listening on %s, which is not a loopback address: anyone who can reach it can read every OTP code and session. Bind 127.0.0.1 unless you mean it.\n", ln.Addr())
	}
	srv := &http.Server{Handler: emu, ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "stytch-emulator ready on %s (project %s)\n", baseURL(ln.Addr()), o.projectID)
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		// Requests still running (e.g. an injected delay) are cut off: stopping is what was asked.
		_ = srv.Close()
	}
	return nil
}

// emulatorOptions turns the flags into emulator options.
func (o options) emulatorOptions() ([]emulator.Option, error) {
	opts := []emulator.Option{
		emulator.WithProject(o.projectID, o.secret),
		emulator.WithPasswordCost(o.passwordCost),
		emulator.WithLogger(log.Printf),
	}
	switch emulator.Rotation(o.rotation) {
	case emulator.RotateTokens, emulator.KeepTokens:
		opts = append(opts, emulator.WithTokenRotation(emulator.Rotation(o.rotation), o.grace))
	default:
		return nil, fmt.Errorf("--token-rotation must be rotate or keep, not %q", o.rotation)
	}
	if o.autoProvision {
		opts = append(opts, emulator.WithAutoProvision())
	}
	if o.international {
		opts = append(opts, emulator.WithInternationalSMS())
	}
	if o.keyFile != "" {
		raw, err := os.ReadFile(o.keyFile)
		if err != nil {
			return nil, fmt.Errorf("read signing key: %w", err)
		}
		opts = append(opts, emulator.WithSigningKeyPEM(raw, ""))
	}
	return opts, nil
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

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
