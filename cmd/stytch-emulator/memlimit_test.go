package main

import (
	"math"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestMemoryLimit: the server sets a soft limit on the Go heap while it runs: 384 MiB by default,
// --memory-limit's when given (0: none), and $GOMEMLIMIT's (the runtime's own) when set without
// the flag. The limit in place before is back once the server has stopped.
func TestMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	for _, tt := range []struct {
		name string
		args []string
		env  map[string]string
		want int64
	}{
		{name: "case=default", want: 384 << 20},
		{name: "case=flag", args: []string{"--memory-limit", "1GiB"}, want: 1 << 30},
		{name: "case=flag in bytes", args: []string{"--memory-limit", "300000000"}, want: 300_000_000},
		{name: "case=none", args: []string{"--memory-limit", "0"}, want: math.MaxInt64},
		{name: "case=GOMEMLIMIT set", env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: before},
		{name: "case=flag over GOMEMLIMIT", args: []string{"--memory-limit", "200MiB"}, env: map[string]string{"GOMEMLIMIT": "1GiB"}, want: 200 << 20},
	} {
		t.Run(tt.name, func(t *testing.T) {
			startWithEnv(t, tt.env, append([]string{"--data-dir", t.TempDir()}, tt.args...)...)
			require.Equal(t, tt.want, debug.SetMemoryLimit(-1))
		})
		require.Equal(t, before, debug.SetMemoryLimit(-1), "restored when the server stopped")
	}
}

// TestMemoryLimitFlag: --memory-limit takes a size in bytes with an optional unit, and refuses
// anything else.
func TestMemoryLimitFlag(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1024": 1024, "512B": 512, "64KiB": 64 << 10, "384MiB": 384 << 20, "2GiB": 2 << 30, "1TiB": 1 << 40} {
		var b byteSize
		require.NoError(t, b.Set(in), in)
		require.Equal(t, want, int64(b), in)
	}
	for _, in := range []string{"", "-1", "1.5GiB", "1GB", "MiB", "10000000TiB", "lots"} {
		var b byteSize
		require.Error(t, b.Set(in), in)
	}
	b := defaultMemoryLimit
	require.Equal(t, "384MiB", b.String(), "shown as the default in -h")
}
