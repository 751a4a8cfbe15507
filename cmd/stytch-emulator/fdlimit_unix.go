//go:build unix

package main

import "syscall"

// openFileLimit is the process's limit on open file descriptors (its soft RLIMIT_NOFILE, which the
// Go runtime raises to the hard limit at start), or 0 when it cannot be read.
func openFileLimit() uint64 {
	var r syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r) != nil {
		return 0
	}
	return r.Cur
}
