package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSoakSmoke runs the soak's whole path for a few seconds with cheap hashes and few connections:
// the standalone emulator answers no 5xx, keeps every honest session, refuses every hash over a
// cap, and each attack really ran.
// Speed is not asserted; `make soak` measures it.
func TestSoakSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the standalone emulator")
	}
	var out bytes.Buffer
	rep, err := run(context.Background(), []string{
		"--duration", "3s", "--warmup", "0s", "--workers", "2", "--projects", "2",
		"--hash-cost", "min", "--hash-workers", "1", "--slow-conns", "8", "--state-rate", "20",
	}, &out)
	require.NoError(t, err)
	t.Log(out.String())

	require.True(t, rep.alive, "the emulator is still running")
	require.Zero(t, rep.honest5xx(), "5xx answers to the honest traffic")
	require.Zero(t, rep.abuse.Count5xx(), "5xx answers to the abuse")
	require.Zero(t, rep.honestFailures(), "failed honest flows: %v", rep.flowErrors)
	require.Positive(t, rep.sessions.Checked)
	require.Zero(t, rep.sessions.Lost, rep.sessions.FirstLost)
	require.Positive(t, rep.phases[phaseBefore].Flows+rep.phases[phaseDuring].Flows, "honest flows completed")

	// Each attack ran: the costly hashes were checked and matched, the state grew, and the slow
	// connections were opened.
	require.Positive(t, rep.abuse.Checks.Statuses[http.StatusOK], "migrated-hash sign-ins: %s", rep.abuse.Checks)
	require.Len(t, rep.abuse.OverCap, len(mustHashes(t).overCap))
	for _, o := range rep.abuse.OverCap {
		require.Equal(t, http.StatusBadRequest, o.status, "a hash over a cap (%s) is refused at migrate: %s", o.name, o.errType)
	}
	require.Positive(t, rep.abuse.Users, "state growth: %s", rep.abuse.State)
	require.Positive(t, rep.abuse.Slow.Opened)
	require.Positive(t, rep.mem.HWM)
	require.Contains(t, out.String(), "honest sessions lost")
}

func mustHashes(t *testing.T) hashSet {
	t.Helper()
	h, err := abuseHashes("min")
	require.NoError(t, err)
	return h
}

// TestPHPassKnownAnswer checks the phpass encoder against a hash made by WordPress's PasswordHash
// class: the soak's costliest phpass hashes must match, or their checks would be cheap failures.
func TestPHPassKnownAnswer(t *testing.T) {
	// From the phpass test suite (test.php): "test12345" with setting $P$9IQRaTwmf.
	const want = "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"
	require.Equal(t, want, phpassWithSetting("test12345", want[:12]))
}

// TestFlagsRefuseNonsense checks that a soak that could not measure anything is refused.
func TestFlagsRefuseNonsense(t *testing.T) {
	for _, args := range [][]string{
		{"--duration", "1s"},
		{"--hash-cost", "huge"},
		{"--max-rss", "lots"},
		{"--slow-kinds", "headers,slower"},
		{"--workers", "0"},
		{"--state-rate", "1000000"},
		{"extra"},
	} {
		var stderr strings.Builder
		_, err := parseFlags(args, &stderr)
		require.Error(t, err, "%v", args)
	}
	c, err := parseFlags([]string{"--max-rss", "512MiB"}, &strings.Builder{})
	require.NoError(t, err)
	require.EqualValues(t, 512<<20, c.maxRSS)
}
