package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/stytch-emulator/stytchemu/internal/procstat"
)

// emulatorProc is the standalone emulator, running as a child process.
type emulatorProc struct {
	*procstat.Server
	logf string
}

// startEmulator runs bin on a free loopback port with its defaults (state in memory) and waits for
// its ready line. It signs with a key generated under dir, not the user's cache; its stderr goes to
// dir/emulator.log.
func startEmulator(ctx context.Context, bin, dir string) (*emulatorProc, error) {
	key, err := procstat.WriteSigningKey(dir)
	if err != nil {
		return nil, err
	}
	logf := filepath.Join(dir, "emulator.log")
	logFile, err := os.Create(logf)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own copy
	srv, err := procstat.StartServer(ctx, logFile, 30*time.Second, bin, "--addr", "127.0.0.1:0", "--signing-key", key)
	e := &emulatorProc{Server: srv, logf: logf}
	if err != nil {
		return nil, fmt.Errorf("the emulator: %w: %s", err, e.logTail())
	}
	return e, nil
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
func (e *emulatorProc) cpuTime() (time.Duration, error) { return procstat.CPUTime(e.Pid()) }
