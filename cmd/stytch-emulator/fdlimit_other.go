//go:build !unix

package main

// openFileLimit is 0 where the limit on open files cannot be read: the default cap applies.
func openFileLimit() uint64 { return 0 }
