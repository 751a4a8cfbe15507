// Command goapp serves the reference application (package goapp) as a standalone service, for
// stytch-conform --app:
//
//	STYTCH_PROJECT_ID=project-test-... STYTCH_SECRET=secret-test-... STYTCH_BASE_URL=http://127.0.0.1:9010 \
//	  goapp --addr 127.0.0.1:8080 [--magic-link-url URL] [--defect keeps-old-token|skips-factor-check|...]
//
// STYTCH_BASE_URL is the Stytch API it uses: a stytch-emulator's URL, or https://test.stytch.com
// (the default). --magic-link-url (default $MAGIC_LINK_URL) is where the magic links lead: the
// app's GET /authenticate as a browser reaches it, one of the project's redirect URLs (the
// emulator's --redirect-urls); without it the project's default redirect URL applies
// (http://localhost:3000/authenticate on a new Test project and on the emulator). It prints
// "goapp ready on http://ADDR" once it listens (with --addr 127.0.0.1:0 the system picks the port)
// and stops on SIGINT or SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/examples/goapp"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "goapp:", err)
		os.Exit(1)
	}
}

// run serves the app until ctx ends.
func run(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("goapp", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	defect := fs.String("defect", getenv("GOAPP_DEFECT"), "plant one integration bug (default $GOAPP_DEFECT): none, "+fmt.Sprint(goapp.Defects()))
	magicLinkURL := fs.String("magic-link-url", getenv("MAGIC_LINK_URL"), "where the magic links lead: this app's /authenticate as a browser reaches it, one of the project's redirect URLs (default $MAGIC_LINK_URL; none: the project's default)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := goapp.ParseDefect(*defect)
	if err != nil {
		return err
	}
	projectID, secret := getenv("STYTCH_PROJECT_ID"), getenv("STYTCH_SECRET")
	if projectID == "" || secret == "" {
		return errors.New("set STYTCH_PROJECT_ID and STYTCH_SECRET (and STYTCH_BASE_URL for an emulator)")
	}
	opts := []stytchapi.Option{stytchapi.WithInitializationContext(ctx)}
	if u := getenv("STYTCH_BASE_URL"); u != "" {
		opts = append(opts, stytchapi.WithBaseURI(u))
	}
	client, err := stytchapi.NewClient(projectID, secret, opts...)
	if err != nil {
		return fmt.Errorf("stytch client: %w", err)
	}
	h, err := goapp.New(goapp.Config{Client: client, MagicLinkURL: *magicLinkURL, Defect: d, Logger: slog.New(slog.NewTextHandler(os.Stderr, nil))})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintf(stdout, "goapp ready on http://%s (defect: %s)\n", ln.Addr(), orNone(string(d)))
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
