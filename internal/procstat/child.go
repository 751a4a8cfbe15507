package procstat

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// WriteSigningKey writes a newly generated session-signing key into dir and returns the file's
// path, for an emulator started with --signing-key: it then keeps its state in memory and touches
// neither the user's cache nor a data directory.
func WriteSigningKey(dir string) (string, error) {
	pem, err := emulator.NewSigningKeyPEM()
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "signing-key.pem")
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		return "", fmt.Errorf("write signing key: %w", err)
	}
	return path, nil
}

// Server is an HTTP server running as a child process, started with StartServer.
type Server struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
}

// readyURL finds the base URL in a server's ready line ("… ready on http://127.0.0.1:PORT …"): an
// IPv4 address, a bracketed IPv6 address or a host name, and a port.
var readyURL = regexp.MustCompile(`http://(\[[0-9A-Fa-f:.]+\]|[0-9A-Za-z][0-9A-Za-z.-]*)(:[0-9]+)?`)

// baseURL returns the base URL a server's ready line holds ("" for none), without a sentence's
// full stop after a host name.
func baseURL(line string) string {
	return strings.TrimRight(readyURL.FindString(line), ".")
}

// StartServer runs bin with args, sending its stderr to stderr (nil: discarded), and waits up to
// timeout for the first line on its stdout that holds an http:// URL: the base URL it serves on
// (scheme, host and port; a path after them is left out).
// A process that exits first, or prints no such line in time, is an error (and is stopped).
func StartServer(ctx context.Context, stderr io.Writer, timeout time.Duration, bin string, args ...string) (*Server, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	s := &Server{cmd: cmd, exited: make(chan struct{})}
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u := baseURL(sc.Text()); u != "" {
				urlc <- u
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait() // after stdout's end, as exec.Cmd.StdoutPipe requires
		close(s.exited)
	}()
	select {
	case s.url = <-urlc:
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("%s exited before it was ready (%s)", bin, cmd.ProcessState)
	case <-time.After(timeout):
		s.Stop()
		return nil, fmt.Errorf("%s printed no ready line within %s", bin, timeout)
	}
}

// URL is the base URL the server printed in its ready line.
func (s *Server) URL() string { return s.url }

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Alive reports whether the server is still running.
func (s *Server) Alive() bool {
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// Stop interrupts the server and waits for it to exit, killing it after 10 seconds.
func (s *Server) Stop() {
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}
