// Package procstat builds this module's commands, starts them as child servers and reads a child
// process's CPU time and resident memory from Linux's /proc, for the benchmark and soak commands
// that measure the emulator as a separate process.
package procstat

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Build runs go build for pkg (an import path or a ./ path of this module) into out.
func Build(ctx context.Context, out, pkg string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

// clockTick is the unit of utime and stime in /proc/PID/stat (USER_HZ: 100 on every Linux
// platform Go supports).
const clockTick = 10 * time.Millisecond

// CPUTime is the user plus system CPU time process pid has used so far.
func CPUTime(pid int) (time.Duration, error) {
	f, err := statFields(pid)
	if err != nil {
		return 0, err
	}
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too few fields", pid)
	}
	utime, err := strconv.ParseInt(f[11], 10, 64) // field 14 of stat
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat utime: %w", pid, err)
	}
	stime, err := strconv.ParseInt(f[12], 10, 64) // field 15
	if err != nil {
		return 0, fmt.Errorf("/proc/%d/stat stime: %w", pid, err)
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// Memory is a process's resident memory, now and at its peak, in bytes.
type Memory struct {
	RSS, HWM int64
}

// ReadMemory reads VmRSS and VmHWM of process pid from /proc/PID/status.
func ReadMemory(pid int) (Memory, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return Memory{}, fmt.Errorf("read the memory of process %d: %w", pid, err)
	}
	var m Memory
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
		return Memory{}, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
	}
	return m, nil
}

// TreeCPUTime is CPUTime summed over pid and all its descendants (processes that have exited
// count no more).
func TreeCPUTime(pid int) (time.Duration, error) {
	var total time.Duration
	err := walkTree(pid, func(p int) {
		if d, err := CPUTime(p); err == nil {
			total += d
		}
	})
	return total, err
}

// TreeRSS is the resident memory of pid and all its descendants, in bytes.
func TreeRSS(pid int) (int64, error) {
	var total int64
	err := walkTree(pid, func(p int) {
		if m, err := ReadMemory(p); err == nil {
			total += m.RSS
		}
	})
	return total, err
}

// statFields are the fields of /proc/PID/stat after the parenthesised command name (which may
// hold spaces), the state first.
func statFields(pid int) ([]string, error) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return nil, err
	}
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return nil, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	return strings.Fields(string(stat[i+1:])), nil
}

// walkTree calls f for pid and each of its descendants.
func walkTree(pid int, f func(pid int)) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("process statistics need /proc: %w", err)
	}
	if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
		return err
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if fields, err := statFields(child); err == nil && len(fields) > 1 {
			if ppid, err := strconv.Atoi(fields[1]); err == nil {
				children[ppid] = append(children[ppid], child)
			}
		}
	}
	for queue := []int{pid}; len(queue) > 0; queue = queue[1:] {
		f(queue[0])
		queue = append(queue, children[queue[0]]...)
	}
	return nil
}
