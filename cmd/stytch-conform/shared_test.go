package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// TestSharedProjectTwiceInARow: against an emulator that does not auto-provision, every scenario
// shares its one project; "N minutes pass on the app's clock" must then move only the app's clock,
// or the shared server clock runs ahead and the next run fails ("token is not valid yet"). The
// suite passes twice in a row, one scenario at a time, and leaves the server clock where it was.
func TestSharedProjectTwiceInARow(t *testing.T) {
	ts := emulator.NewTestServer(t) // no auto-provisioning: one shared project
	before := ts.Project(emulator.DefaultProjectID).Clock().Now()
	for run := range 2 {
		code, out, errOut := conform(t, nil, "--target", ts.URL, "--concurrency", "1")
		require.Equal(t, exitOK, code, "run %d\nstdout:\n%s\nstderr:\n%s", run+1, out, errOut)
		assert.Contains(t, errOut, "every scenario now shares project", "run %d", run+1)
	}
	assert.WithinDuration(t, time.Now(), ts.Project(emulator.DefaultProjectID).Clock().Now(), time.Minute,
		"the shared server clock did not move (it was %s before)", before)
}
