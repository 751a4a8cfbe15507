package procstat

import (
	"os"
	"testing"
)

// The test process reads its own statistics: its memory, its CPU time, and its own tree's.
func TestOwnProcess(t *testing.T) {
	pid := os.Getpid()
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("SKIP procstat: no /proc on this system")
	}
	cpu, err := CPUTime(pid)
	if err != nil || cpu < 0 {
		t.Fatalf("CPUTime = %v, %v", cpu, err)
	}
	m, err := ReadMemory(pid)
	if err != nil || m.RSS <= 0 || m.HWM < m.RSS {
		t.Fatalf("ReadMemory = %+v, %v", m, err)
	}
	tree, err := TreeRSS(pid)
	if err != nil || tree < m.RSS/2 {
		t.Fatalf("TreeRSS = %d, %v (own RSS %d)", tree, err, m.RSS)
	}
	treeCPU, err := TreeCPUTime(pid)
	if err != nil || treeCPU < cpu {
		t.Fatalf("TreeCPUTime = %v, %v (own %v)", treeCPU, err, cpu)
	}
	if _, err := CPUTime(-1); err == nil {
		t.Fatal("CPUTime of a process that cannot exist: no error")
	}
}
