package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// usageFlag matches one flag of flag.PrintDefaults' output: "  -name [type]" then its usage lines,
// each indented by four spaces and a tab.
var usageFlag = regexp.MustCompile(`(?m)^  -(\S+)(?: \S+)?\n((?:    \t.*(?:\n|$))+)`)

// usageDefault matches the default PrintDefaults appends to a usage: (default "x") for a string
// flag, (default x) for the others.
var usageDefault = regexp.MustCompile(`\(default ("(?:[^"\\]|\\.)*"|[^()\s]+)\)\s*$`)

// flagDefaults returns the default value of each of run's flags, as its -h usage prints them ("" for
// a zero default, which PrintDefaults leaves out), without listening anywhere: run returns
// flag.ErrHelp before it binds, and prints no ready line.
func flagDefaults(t *testing.T) map[string]string {
	t.Helper()
	var stdout, stderr strings.Builder
	err := run(context.Background(), []string{"-h"}, &stdout, &stderr, func(string) string { return "" })
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Empty(t, stdout.String(), "no ready line: nothing listened")
	defs := map[string]string{}
	for _, m := range usageFlag.FindAllStringSubmatch(stderr.String(), -1) {
		def := ""
		if d := usageDefault.FindStringSubmatch(m[2]); d != nil {
			def = d[1]
			if unq, err := strconv.Unquote(def); err == nil {
				def = unq
			}
		}
		defs[m[1]] = def
	}
	require.NotEmpty(t, defs, "no flag in the usage:\n%s", stderr.String())
	return defs
}

// TestAddrDefaultIsLoopback: --addr defaults to 127.0.0.1:9010, a loopback address (the Makefile's
// ADDR too), checked without binding it.
func TestAddrDefaultIsLoopback(t *testing.T) {
	defs := flagDefaults(t)
	require.Equal(t, "127.0.0.1:9010", defs["addr"])
	host, _, err := net.SplitHostPort(defs["addr"])
	require.NoError(t, err)
	require.True(t, net.ParseIP(host).IsLoopback(), "--addr default %s is not loopback", defs["addr"])
	// The other defaults the command documents.
	require.Equal(t, "true", defs["auto-provision"])
	require.Equal(t, "rotate", defs["token-rotation"])
	require.Empty(t, defs["project-id"], "the project comes from $STYTCH_PROJECT_ID or the built-in one")
	require.Empty(t, defs["secret"], "the secret comes from $STYTCH_SECRET or the built-in one")
}

// startStandaloneEnv runs the command's own run() on a loopback port with getenv as its
// environment, and returns its base URL and ready line.
func startStandaloneEnv(t *testing.T, getenv func(string) string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dataDir := t.TempDir()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0", "--data-dir", dataDir}, args...), pw, io.Discard, getenv)
		pw.Close()
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	u := readyURL.FindString(line)
	require.NotEmpty(t, u, "ready line: %q", line)
	return u, line
}

// searchAs calls users.search through stytch-go with the given credentials.
func searchAs(t *testing.T, base, projectID, secret string) error {
	t.Helper()
	c, err := stytchapi.NewClient(projectID, secret, stytchapi.WithBaseURI(base))
	require.NoError(t, err)
	_, err = c.Users.Search(context.Background(), &users.SearchParams{Limit: 1})
	return err
}

// requireUnauthorized fails unless err is Stytch's 401 unauthorized_credentials.
func requireUnauthorized(t *testing.T, err error) {
	t.Helper()
	var se stytcherror.Error
	require.True(t, errors.As(err, &se), "want a Stytch error, got %v", err)
	require.Equal(t, 401, se.StatusCode, "%v", err)
	require.Equal(t, "unauthorized_credentials", string(se.ErrorType), "%v", err)
}

// TestCredentialsFromEnvironment: without --project-id and --secret, the project is
// $STYTCH_PROJECT_ID with $STYTCH_SECRET (read through run's getenv); a flag wins over its
// variable. Auto-provisioning is off, so that only the configured project authenticates.
func TestCredentialsFromEnvironment(t *testing.T) {
	envProject, envSecret := "project-test-"+uuid.NewString(), "secret-test-"+uuid.NewString()
	getenv := func(k string) string {
		switch k {
		case "STYTCH_PROJECT_ID":
			return envProject
		case "STYTCH_SECRET":
			return envSecret
		}
		return ""
	}

	t.Run("case=no flags", func(t *testing.T) {
		base, ready := startStandaloneEnv(t, getenv, "--auto-provision=false")
		require.Contains(t, ready, "(project "+envProject+")")
		require.NoError(t, searchAs(t, base, envProject, envSecret), "the environment's project and secret authenticate")
		requireUnauthorized(t, searchAs(t, base, envProject, "secret-test-wrong"))
	})

	t.Run("case=--project-id given", func(t *testing.T) {
		flagProject := "project-test-" + uuid.NewString()
		base, ready := startStandaloneEnv(t, getenv, "--auto-provision=false", "--project-id", flagProject)
		require.Contains(t, ready, "(project "+flagProject+")")
		// $STYTCH_PROJECT_ID is ignored; the secret still comes from $STYTCH_SECRET.
		require.NoError(t, searchAs(t, base, flagProject, envSecret))
		requireUnauthorized(t, searchAs(t, base, envProject, envSecret))
	})

	t.Run("case=--secret given", func(t *testing.T) {
		base, _ := startStandaloneEnv(t, getenv, "--auto-provision=false", "--secret", "secret-test-flag")
		require.NoError(t, searchAs(t, base, envProject, "secret-test-flag"))
		requireUnauthorized(t, searchAs(t, base, envProject, envSecret))
	})
}

// TestRedirectURLsFlag: --redirect-urls replaces the magic-link redirect allow-list (the first URL
// is the default); a relative URL stops the start.
func TestRedirectURLsFlag(t *testing.T) {
	base, _ := startStandaloneEnv(t, func(string) string { return "" }, "--redirect-urls", "https://app.example.com/cb,myapp://auth")
	c, err := stytchapi.NewClient(emulator.DefaultProjectID, emulator.DefaultSecret, stytchapi.WithBaseURI(base))
	require.NoError(t, err)
	ctx := context.Background()
	_, err = c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "flag@example.com", SignupMagicLinkURL: "myapp://auth"})
	require.NoError(t, err)
	_, err = c.MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: "flag@example.com", LoginMagicLinkURL: emulator.DefaultRedirectURL})
	var se stytcherror.Error
	require.True(t, errors.As(err, &se), "want a Stytch error, got %v", err)
	require.Equal(t, "no_match_for_provided_magic_link_url", string(se.ErrorType))

	err = run(context.Background(), []string{"--addr", "127.0.0.1:0", "--redirect-urls", "/relative"}, io.Discard, io.Discard, func(string) string { return "" })
	require.ErrorContains(t, err, "redirect URL")
}
