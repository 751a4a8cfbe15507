package main

import (
	"github.com/stytch-emulator/stytchemu/internal/procstat"

	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// emulatorProc is the standalone emulator, running as a child process.
type emulatorProc struct {
	cmd    *exec.Cmd
	url    string
	logf   string
	exited chan struct{}
}

var readyURL = regexp.MustCompile(`http://127\.0\.0\.1:[0-9]+`)

// startEmulator runs bin on a free loopback port with its defaults and waits for its ready line.
// Its signing key goes under dir, not the user's cache; its stderr goes to dir/emulator.log.
func startEmulator(ctx context.Context, bin, dir string) (*emulatorProc, error) {
	logf := filepath.Join(dir, "emulator.log")
	logFile, err := os.Create(logf)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.CommandContext(ctx, bin, "--addr", "127.0.0.1:0", "--data-dir", dir)
	cmd.Stderr = logFile
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the emulator: %w", err)
	}
	e := &emulatorProc{cmd: cmd, logf: logf, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(e.exited) }()
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if u := readyURL.FindString(sc.Text()); u != "" {
				urlc <- u
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case e.url = <-urlc:
		return e, nil
	case <-e.exited:
		return nil, fmt.Errorf("the emulator exited before it was ready: %s", e.logTail())
	case <-time.After(30 * time.Second):
		e.stop()
		return nil, errors.New("the emulator printed no ready line within 30s")
	}
}

func (e *emulatorProc) pid() int { return e.cmd.Process.Pid }

// alive reports whether the emulator is still running.
func (e *emulatorProc) alive() bool {
	select {
	case <-e.exited:
		return false
	default:
		return true
	}
}

// stop sends SIGINT and waits, killing it after 10 seconds.
func (e *emulatorProc) stop() {
	_ = e.cmd.Process.Signal(os.Interrupt)
	select {
	case <-e.exited:
	case <-time.After(10 * time.Second):
		_ = e.cmd.Process.Kill()
		<-e.exited
	}
}

// logTail is the end of the emulator's stderr.
func (e *emulatorProc) logTail() string {
	b, _ := os.ReadFile(e.logf)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// cpuTime is the user plus system CPU time the emulator has used.
func (e *emulatorProc) cpuTime() (time.Duration, error) { return procstat.CPUTime(e.pid()) }
