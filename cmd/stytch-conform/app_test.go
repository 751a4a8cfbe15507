package main

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/examples/goapp"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// goappContract is the reference app's contract file.
const goappContract = "../../examples/goapp/app.yaml"

// appEnv returns the environment of an app run: a fresh project, which the emulator test server
// provisions on first use.
func appEnv() (map[string]string, target.Credentials) {
	creds := target.NewTestCredentials()
	return map[string]string{target.EnvProjectID: creds.ProjectID, target.EnvSecret: creds.Secret}, creds
}

// serveGoapp serves the reference app (with defect d) over HTTP, on real time, as a client of
// the emulator at stytchURL for project creds; it returns the app's URL.
func serveGoapp(t *testing.T, stytchURL string, creds target.Credentials, d goapp.Defect) string {
	t.Helper()
	client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret, stytchapi.WithBaseURI(stytchURL), stytchapi.WithInitializationContext(t.Context()))
	require.NoError(t, err)
	h, err := goapp.New(goapp.Config{Client: client, Defect: d})
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestApp_GoappOverHTTP: stytch-conform --app drives the reference app over HTTP (the app on real
// time, the emulator in another server): the app features pass, and each planted defect fails
// them.
func TestApp_GoappOverHTTP(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	vars, creds := appEnv()
	code, out, errOut := conform(t, vars, "--target", ts.URL, "--app", serveGoapp(t, ts.URL, creds, goapp.NoDefect), "--app-contract", goappContract)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Regexp(t, `\n15 scenarios on target `+regexp.QuoteMeta(ts.URL)+`: 15 passed, 0 failed, 0 skipped\n`, out)
	assert.Contains(t, out, "it must use "+ts.URL+" as its Stytch, with the project "+creds.ProjectID)
	assert.Contains(t, out, `Node (stytch):   new stytch.Client({project_id, secret, env: process.env.STYTCH_BASE_URL + "/"})`)
	assert.Contains(t, out, "magic links:     the app's redirect URL must be one of the project's redirect URLs: "+emulator.DefaultRedirectURL)

	for _, d := range goapp.Defects() {
		t.Run("case="+string(d), func(t *testing.T) {
			vars, creds := appEnv()
			code, out, errOut := conform(t, vars, "--target", ts.URL, "--app", serveGoapp(t, ts.URL, creds, d), "--app-contract", goappContract)
			assert.Equal(t, exitFailed, code, "the defect %s went unnoticed:\n%s\n%s", d, out, errOut)
			assert.Regexp(t, `\n15 scenarios on target .*: \d+ passed, [1-9]\d* failed`, out)
			assert.Regexp(t, caughtBy(t, d), out, "the scenario that shows the bug fails, for that bug")
		})
	}
}

// TestApp_GoappBinary: the standalone service cmd/goapp, started as its own process, passes the app
// features driven by stytch-conform --app.
func TestApp_GoappBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts examples/goapp/cmd/goapp")
	}
	bin := filepath.Join(t.TempDir(), "goapp")
	build := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "../../examples/goapp/cmd/goapp")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	vars, creds := appEnv()
	appURL := startApp(t, exec.Command(bin, "--addr", "127.0.0.1:0"), regexp.MustCompile(`^goapp ready on (http://\S+)`),
		"STYTCH_PROJECT_ID="+creds.ProjectID, "STYTCH_SECRET="+creds.Secret, "STYTCH_BASE_URL="+ts.URL)
	code, out, errOut := conform(t, vars, "--target", ts.URL, "--app", appURL, "--app-contract", goappContract)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "15 passed, 0 failed, 0 skipped")
}

// startApp starts cmd with env added, waits for the ready line ready matches on its standard
// output, and returns the URL the line names; the process is stopped when the test ends.
func startApp(t *testing.T, cmd *exec.Cmd, ready *regexp.Regexp, env ...string) string {
	t.Helper()
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = &testLog{t: t}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := ready.FindStringSubmatch(sc.Text()); m != nil {
				urls <- m[1]
			}
		}
		close(urls)
	}()
	select {
	case u, ok := <-urls:
		require.True(t, ok, "%s exited before its ready line", cmd.Path)
		return u
	case <-time.After(60 * time.Second):
		t.Fatalf("%s printed no ready line", cmd.Path)
	}
	return ""
}

// testLog writes a process's standard error to the test log.
type testLog struct{ t *testing.T }

func (l *testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestApp_FailsFast: a wrong flag combination, an invalid contract, a route the app does not
// serve and an app that does not answer each stop the run before any scenario, with one line
// naming the problem.
func TestApp_FailsFast(t *testing.T) {
	ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
	vars, creds := appEnv()
	appURL := serveGoapp(t, ts.URL, creds, goapp.NoDefect)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	dir := t.TempDir()
	write := func(name, from, to string) string {
		raw, err := os.ReadFile(goappContract)
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(strings.Replace(string(raw), from, to, 1)), 0o600))
		return p
	}
	noPath := write("nopath.yaml", "{method: GET, path: /account}", "{method: GET}")
	wrongPath := write("wrongpath.yaml", "path: /account}", "path: /acount}")

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"case=app without contract", []string{"--target", ts.URL, "--app", appURL}, "--app " + appURL + " needs --app-contract"},
		{"case=contract without app", []string{"--target", ts.URL, "--app-contract", goappContract}, "--app-contract " + goappContract + " needs --app"},
		{"case=in-process target", []string{"--app", appURL, "--app-contract", goappContract}, "--app needs --target with the URL of a running stytch-emulator"},
		{"case=bad app URL", []string{"--target", ts.URL, "--app", "127.0.0.1:8080", "--app-contract", goappContract}, `--app "127.0.0.1:8080": want http://host:port`},
		{"case=missing contract file", []string{"--target", ts.URL, "--app", appURL, "--app-contract", filepath.Join(dir, "none.yaml")}, "app contract: open "},
		{"case=missing field", []string{"--target", ts.URL, "--app", appURL, "--app-contract", noPath}, "app contract " + noPath + ": routes.protected_page.path: missing"},
		{"case=wrong path", []string{"--target", ts.URL, "--app", appURL, "--app-contract", wrongPath}, "routes.protected_page.path: the app at " + appURL + " answers 404 to GET /acount"},
		{"case=unreachable app", []string{"--target", ts.URL, "--app", closed.URL, "--app-contract", goappContract}, "the app at " + closed.URL + " is unreachable: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var out, errb strings.Builder
			code := run(ctx, tt.args, &out, &errb, env(vars))
			assert.Equal(t, exitUsage, code)
			assert.Contains(t, errb.String(), tt.want)
			assert.Equal(t, 1, strings.Count(errb.String(), "\n"), "one line: %q", errb.String())
			assert.NotContains(t, out.String(), "scenarios", "no scenario ran")
		})
	}
}

// TestApp_GoappOnSandbox: the app features against an app configured with the sandbox project
// (here an emulator standing in for test.stytch.com): those the sandbox can run pass, with
// Stytch's sandbox user (and its magic-link token), and those needing a moved clock, aged sessions
// or the links of other addresses are skipped.
func TestApp_GoappOnSandbox(t *testing.T) {
	vars, url := sandboxEnv(t)
	creds := target.Credentials{ProjectID: vars[target.EnvProjectID], Secret: vars[target.EnvSecret]}
	code, out, errOut := conform(t, vars, "--target", "sandbox", "--app", serveGoapp(t, url, creds, goapp.NoDefect), "--app-contract", goappContract)
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", out, errOut)
	assert.Contains(t, out, "it must use "+url+" as its Stytch, with the project $STYTCH_PROJECT_ID")
	assert.Regexp(t, `15 scenarios on target sandbox\(.*\): 9 passed, 0 failed, 6 skipped`, out)
	assert.Contains(t, out, "lacks read-codes")
	assert.Contains(t, out, "lacks clock-control")
	assert.Contains(t, out, "lacks session-ageing")
}
