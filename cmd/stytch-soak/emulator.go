package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// goBuild builds a package of this module into out.
func goBuild(ctx context.Context, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

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

// clockTicks is USER_HZ, the unit of /proc/PID/stat's CPU times; 100 on every Linux platform Go
// supports.
const clockTicks = 100

// cpuTime is the user plus system CPU time the emulator has used, from /proc/PID/stat.
func (e *emulatorProc) cpuTime() (time.Duration, error) { return cpuTime(e.pid()) }

// cpuTime is the user plus system CPU time process pid has used, from /proc/PID/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces: count the fields after its closing parenthesis.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64) // field 14
	stime, err2 := strconv.ParseInt(f[12], 10, 64) // field 15
	if err := errors.Join(err1, err2); err != nil {
		return 0, err
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// memory is a process's resident memory, now and at its peak.
type memory struct {
	RSS, HWM int64 // bytes
}

// readMemory reads VmRSS and VmHWM from /proc/PID/status.
func readMemory(pid int) (memory, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return memory{}, fmt.Errorf("read the emulator's memory: %w", err)
	}
	var m memory
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kib, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		switch f[0] {
		case "VmRSS:":
			m.RSS = kib << 10
		case "VmHWM:":
			m.HWM = kib << 10
		}
	}
	if m.RSS == 0 {
		return memory{}, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
	}
	return m, nil
}
