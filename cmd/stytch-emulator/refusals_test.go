package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// runErr runs the command with args and env and returns its error; the command must not start.
func runErr(t *testing.T, env map[string]string, args ...string) error {
	t.Helper()
	var stdout strings.Builder
	err := run(context.Background(), append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...), &stdout, io.Discard,
		func(k string) string { return env[k] })
	require.Empty(t, stdout.String(), "no ready line")
	return err
}

// TestRefusesWhatItCannotDo: stray arguments, a live or malformed project id (flag or environment),
// an empty secret and contradictory key flags stop the command before it listens, with an error
// that names the problem.
func TestRefusesWhatItCannotDo(t *testing.T) {
	const live = "project-live-5e7c8a3b-0000-4000-8000-000000000000"
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"case=stray argument", nil, []string{"serve"}, `unexpected arguments ["serve"]`},
		{"case=argument after the flags", nil, []string{"--secret", "s", "extra"}, `unexpected arguments ["extra"]`},
		{"case=live project flag", nil, []string{"--project-id", live}, "--project-id \"" + live + "\" is a live project"},
		{"case=live project environment", map[string]string{"STYTCH_PROJECT_ID": live}, nil, "$STYTCH_PROJECT_ID \"" + live + "\" is a live project"},
		{"case=not a uuid", nil, []string{"--project-id", "project-test-mine"}, "is not a test project id: want project-test-<uuid>"},
		{"case=prefix only", nil, []string{"--project-id", "project-test-"}, "is not a test project id"},
		{"case=no prefix", nil, []string{"--project-id", uuid.NewString()}, "is not a test project id"},
		{"case=uppercase uuid", nil, []string{"--project-id", "project-test-" + strings.ToUpper(uuid.NewString())}, "is not a test project id"},
		{"case=malformed environment", map[string]string{"STYTCH_PROJECT_ID": "my-project"}, nil, "$STYTCH_PROJECT_ID \"my-project\" is not a test project id"},
		{"case=empty secret", nil, []string{"--secret", ""}, "--secret is empty"},
		{"case=empty secret with equals", nil, []string{"--secret="}, "--secret is empty"},
		{"case=two keys", nil, []string{"--signing-key", "k.pem", "--insecure-published-key"}, "exclude each other"},
		{"case=not a key", nil, []string{"--signing-key", "main.go"}, "--signing-key main.go"},
		{"case=no timeout", nil, []string{"--read-timeout", "0s"}, "--read-timeout 0s"},
		{"case=no connection", nil, []string{"--max-connections", "0"}, "--max-connections 0"},
		{"case=no body timeout", nil, []string{"--body-timeout", "0s"}, "--body-timeout 0s"},
		{"case=memory limit not a size", nil, []string{"--memory-limit", "lots"}, "want a size such as 384MiB"},
		{"case=rotation", nil, []string{"--token-rotation", "sometimes"}, "--token-rotation"},
		{"case=no room for users", nil, []string{"--max-users", "0"}, "--max-users 0: want at least 1"},
		{"case=no room for projects", nil, []string{"--max-projects", "-1"}, "--max-projects -1: want at least 1"},
		{"case=negative idle time", nil, []string{"--evict-idle-after", "-1s"}, "--evict-idle-after -1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.ErrorContains(t, runErr(t, tc.env, tc.args...), tc.want)
		})
	}
}

// TestAddressInUse: a taken address is named, with the way out.
func TestAddressInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	err = runErr(t, nil, "--addr", ln.Addr().String())
	require.ErrorContains(t, err, "listen on "+ln.Addr().String()+": the address is already in use")
	require.ErrorContains(t, err, "--addr 127.0.0.1:0")
}

// jwksOf returns the n and kid of the one key a running emulator publishes.
func jwksOf(t *testing.T, base string) (n, kid string) {
	t.Helper()
	resp, err := http.Get(base + "/v1/sessions/jwks/project-test-00000000-0000-4000-8000-000000000000")
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	var jwks struct {
		Keys []struct{ N, Kid string }
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&jwks))
	require.Len(t, jwks.Keys, 1)
	return jwks.Keys[0].N, jwks.Keys[0].Kid
}

// startWith runs the command with args on a loopback port until the test ends and returns its
// base URL and what it printed on stderr up to the ready line.
func startWith(t *testing.T, args ...string) (string, *safeBuffer) {
	t.Helper()
	return startWithEnv(t, nil, args...)
}

// startWithEnv is startWith with env as the environment.
func startWithEnv(t *testing.T, env map[string]string, args ...string) (string, *safeBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var stderr safeBuffer
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"--addr", "127.0.0.1:0"}, args...), lineWriter(ready), &stderr, func(k string) string { return env[k] })
	}()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	var line string
	select {
	case line = <-ready:
	case err := <-done:
		done <- err
		t.Fatalf("the command stopped: %v\n%s", err, stderr.String())
	}
	u := readyURL.FindString(line)
	require.NotEmpty(t, u, "ready line %q", line)
	return u, &stderr
}

// lineWriter sends the first line written to it on ch.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	select {
	case w <- string(p):
	default:
	}
	return len(p), nil
}

// TestSigningKeyKeptPerInstallation: by default the key is generated on first start into the data
// directory (mode 0600), and a restart publishes the same JWKS; it is not the key published in the
// source, which is used only with --insecure-published-key, said loudly.
func TestSigningKeyKeptPerInstallation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	first, stderr := startWith(t, "--data-dir", dir)
	n1, kid1 := jwksOf(t, first)
	require.Contains(t, stderr.String(), "created the signing key "+filepath.Join(dir, keyFileName))
	fi, err := os.Stat(filepath.Join(dir, keyFileName))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	di, err := os.Stat(dir)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o700), di.Mode().Perm())

	second, stderr2 := startWith(t, "--data-dir", dir)
	n2, kid2 := jwksOf(t, second)
	require.Equal(t, n1, n2, "the same key after a restart")
	require.Equal(t, kid1, kid2)
	require.NotContains(t, stderr2.String(), "created")

	published, stderr3 := startWith(t, "--data-dir", dir, "--insecure-published-key")
	np, kidp := jwksOf(t, published)
	require.Equal(t, publishedKeyID, kidp)
	require.NotEqual(t, np, n1, "the default key is not the published one")
	require.Contains(t, stderr3.String(), "WARNING: --insecure-published-key")

	other, _ := startWith(t, "--data-dir", t.TempDir())
	n3, _ := jwksOf(t, other)
	require.NotEqual(t, n1, n3, "another installation, another key")

	// A key file of one's own.
	own, _ := startWith(t, "--data-dir", t.TempDir(), "--signing-key", filepath.Join(dir, keyFileName))
	n4, _ := jwksOf(t, own)
	require.Equal(t, n1, n4)
}

// TestKeptKeyReadableByOthers: a kept key that others can read is used, with a warning.
func TestKeptKeyReadableByOthers(t *testing.T) {
	dir := t.TempDir()
	raw, err := emulator.NewSigningKeyPEM()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, keyFileName), raw, 0o644))
	require.NoError(t, os.Chmod(filepath.Join(dir, keyFileName), 0o644))
	_, stderr := startWith(t, "--data-dir", dir)
	require.Contains(t, stderr.String(), "can be read by other users (mode 644)")

	require.NoError(t, os.WriteFile(filepath.Join(dir, keyFileName), []byte("garbage"), 0o600))
	require.ErrorContains(t, runErr(t, nil, "--data-dir", dir), "delete it to make a new one")
}

// TestAutoProvisionOffBeyondLoopback: listening beyond loopback turns auto-provisioning off unless
// --auto-provision is given; the configured project still answers.
func TestAutoProvisionOffBeyondLoopback(t *testing.T) {
	fresh := "project-test-" + uuid.NewString()
	base, stderr := startWith(t, "--addr", "0.0.0.0:0", "--data-dir", t.TempDir())
	require.Contains(t, stderr.String(), "auto-provisioning is off because the address is not loopback")
	requireUnauthorized(t, searchAs(t, base, fresh, "secret-test-x"))
	require.NoError(t, searchAs(t, base, "project-test-00000000-0000-4000-8000-000000000000", "secret-test-emulator"))

	base, stderr = startWith(t, "--addr", "0.0.0.0:0", "--data-dir", t.TempDir(), "--auto-provision")
	require.NotContains(t, stderr.String(), "auto-provisioning is off")
	require.NoError(t, searchAs(t, base, fresh, "secret-test-x"))

	base, stderr = startWithEnv(t, map[string]string{envAutoProvision: "true"}, "--addr", "0.0.0.0:0", "--data-dir", t.TempDir())
	require.NotContains(t, stderr.String(), "auto-provisioning is off")
	require.NoError(t, searchAs(t, base, fresh, "secret-test-x"), "asked for through the environment")

	base, _ = startWithEnv(t, map[string]string{envAutoProvision: "false"}, "--data-dir", t.TempDir())
	requireUnauthorized(t, searchAs(t, base, fresh, "secret-test-x"))
	require.ErrorContains(t, runErr(t, map[string]string{envAutoProvision: "sometimes"}), `$STYTCH_EMULATOR_AUTO_PROVISION "sometimes": want true or false`)

	base, _ = startWith(t, "--data-dir", t.TempDir())
	require.NoError(t, searchAs(t, base, fresh, "secret-test-x"), "on loopback it is on by default")
	requireUnauthorized(t, searchAs(t, base, "project-test-mine", "secret-test-x"))
}

// TestHealthcheck: --healthcheck exits 0 on a healthy emulator and fails on anything else.
func TestHealthcheck(t *testing.T) {
	base, _ := startWith(t, "--data-dir", t.TempDir())
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"--healthcheck", base + "/emulator/v1/health"}, &out, io.Discard, func(string) string { return "" }))
	require.Equal(t, "healthy\n", out.String())
	err := run(context.Background(), []string{"--healthcheck", base + "/v1/nothing"}, io.Discard, io.Discard, func(string) string { return "" })
	require.ErrorContains(t, err, "404")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := ln.Addr().String()
	ln.Close()
	err = run(context.Background(), []string{"--healthcheck", "http://" + closed + "/emulator/v1/health"}, io.Discard, io.Discard, func(string) string { return "" })
	require.ErrorContains(t, err, "healthcheck")
}

// TestKeptKeyRace: emulators starting at once with one data directory agree on one key.
func TestKeptKeyRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", keyFileName)
	const n = 4
	keys := make(chan []byte, n)
	for range n {
		go func() {
			raw, err := keptKey(path, io.Discard)
			if err != nil {
				t.Error(err)
			}
			keys <- raw
		}()
	}
	first := <-keys
	for range n - 1 {
		require.Equal(t, string(first), string(<-keys))
	}
	onDisk, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, string(first), string(onDisk))
	entries, err := os.ReadDir(filepath.Dir(path))
	require.NoError(t, err)
	require.Len(t, entries, 1, "no temporary file is left")
}
