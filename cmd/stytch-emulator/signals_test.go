package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// process is the built command running in its own process.
type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *bufio.Scanner
	exited chan error
}

// startProcess runs the binary with args on a loopback port and waits for its ready line.
func startProcess(t *testing.T, bin string, args ...string) *process {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--data-dir", t.TempDir()}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	p := &process{cmd: cmd, stderr: bufio.NewScanner(stderr), exited: make(chan error, 1)}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.exited
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	go func() {
		_, _ = io.Copy(io.Discard, stdout)
		p.exited <- cmd.Wait()
		close(p.exited)
	}()
	p.base = readyURL.FindString(line)
	require.NotEmpty(t, p.base, "ready line %q", line)
	return p
}

// waitStderr reads the process's stderr until a line contains want.
func (p *process) waitStderr(t *testing.T, want string) {
	t.Helper()
	for p.stderr.Scan() {
		if strings.Contains(p.stderr.Text(), want) {
			go func() { // keep draining, so that the process never blocks on a full pipe
				for p.stderr.Scan() {
				}
			}()
			return
		}
	}
	t.Fatalf("stderr ended without %q", want)
}

// inFlight opens a POST /v1/users/search whose handler is running: it sends the headers with
// Expect: 100-continue and returns once the emulator has asked for the body.
func (p *process) inFlight(t *testing.T) (net.Conn, *bufio.Reader) {
	t.Helper()
	u, err := url.Parse(p.base)
	require.NoError(t, err)
	c, err := net.Dial("tcp", u.Host)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	_, err = io.WriteString(c, "POST /v1/users/search HTTP/1.1\r\nHost: x\r\n"+auth+"Content-Type: application/json\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	r := bufio.NewReader(c)
	line, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	blank, err := r.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "\r\n", blank)
	return c, r
}

// exitCode waits for the process and returns its exit status.
func (p *process) exitCode(t *testing.T) int {
	t.Helper()
	err := <-p.exited
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	require.NoError(t, err)
	return 0
}

// TestSignals runs the command as its own process: on SIGTERM the request in flight finishes and
// the process exits 0; a request still running when the grace ends is answered a JSON 503; a
// second signal stops the process at once.
func TestSignals(t *testing.T) {
	goBin, err := exec.LookPath("go")
	require.NoError(t, err, "the go command builds the binary under test")
	bin := filepath.Join(t.TempDir(), "stytch-emulator")
	out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "%s", out)

	t.Run("case=in flight finishes", func(t *testing.T) {
		p := startProcess(t, bin)
		c, r := p.inFlight(t)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		p.waitStderr(t, "shutting down")
		_, err := io.WriteString(c, "{}")
		require.NoError(t, err)
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, 200, resp.StatusCode)
		require.Equal(t, 0, p.exitCode(t))
	})

	t.Run("case=cut by the shutdown", func(t *testing.T) {
		p := startProcess(t, bin, "--shutdown-grace", "100ms")
		delayed(t, p.base)
		c, r := p.inFlight(t)
		_, err := io.WriteString(c, "{}")
		require.NoError(t, err)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		resp, err := http.ReadResponse(r, nil)
		require.NoError(t, err, "an answer, not an empty reply")
		requireStytchError(t, resp, 503, "server_unavailable")
		require.Equal(t, 0, p.exitCode(t))
	})

	t.Run("case=second signal", func(t *testing.T) {
		p := startProcess(t, bin, "--shutdown-grace", "1m")
		delayed(t, p.base)
		c, _ := p.inFlight(t)
		_, err := io.WriteString(c, "{}")
		require.NoError(t, err)
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
		p.waitStderr(t, "shutting down")
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGINT))
		require.Equal(t, 1, p.exitCode(t))
	})
}

// delayed arms a one-minute delay on the next POST /v1/users/search of the default project.
func delayed(t *testing.T, base string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, base+"/emulator/v1/faults",
		strings.NewReader(`{"method":"POST","path":"/v1/users/search","delay":"1m","times":1}`))
	require.NoError(t, err)
	req.SetBasicAuth("project-test-00000000-0000-4000-8000-000000000000", "secret-test-emulator")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Less(t, resp.StatusCode, 300, "%s", body)
}

// TestMakeRunCtrlC: Ctrl-C on `make run` (SIGINT to the whole process group, as a terminal sends
// it) stops the emulator gracefully, and make reports no error.
func TestMakeRunCtrlC(t *testing.T) {
	makeBin, err := exec.LookPath("make")
	require.NoError(t, err, "make runs the repository's targets")
	cmd := exec.Command(makeBin, "--no-print-directory", "run", "ADDR=127.0.0.1:0", "ARGS=--data-dir "+t.TempDir())
	cmd.Dir = filepath.Join("..", "..")
	// Under `make test` this is a make inside a make: without the outer one's variables it behaves
	// (and prints) as when a user types `make run`.
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "MAKELEVEL" && k != "MAKEFLAGS" && k != "MFLAGS" {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr safeBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) })
	out := bufio.NewReader(stdout)
	line, err := out.ReadString('\n')
	require.NoError(t, err, "stderr: %s", stderr.String())
	require.Contains(t, line, "stytch-emulator ready on")
	require.NoError(t, syscall.Kill(-cmd.Process.Pid, syscall.SIGINT))
	_, _ = io.Copy(io.Discard, out)
	_ = cmd.Wait() // make ends itself with the signal it got, as it should
	require.Contains(t, stderr.String(), "shutting down")
	require.NotContains(t, stderr.String(), "make: ***", "make reports no error")
}
