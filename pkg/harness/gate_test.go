package harness_test

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/harness"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// whereCase is a case that runs on any target: a password strength check (a Stytch call that
// needs no user) and a check recording the target's name into where.
func whereCase(where *targetNames) harness.TestCase {
	return harness.TestCase{Steps: []harness.TestStep{
		{Name: "strength check", Action: harness.PasswordsStrengthCheck{Password: "anchor-Bramble-cobalt-dingo-4821"},
			Check: harness.CheckPasswordValid(true)},
		{Name: "where", Check: func(s *harness.State) error { where.add(s.Target().Name()); return nil }},
	}}
}

// targetNames collects the names of the targets cases ran on.
type targetNames struct {
	mu    sync.Mutex
	names []string
}

func (n *targetNames) add(name string) { n.mu.Lock(); n.names = append(n.names, name); n.mu.Unlock() }
func (n *targetNames) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.names)
}

// sandboxOnEmulator sets the gate and the sandbox variables so that the sandbox target is an
// emulator test server with a project of those credentials, which it returns.
func sandboxOnEmulator(t *testing.T) (*emulator.TestServer, target.Credentials) {
	t.Helper()
	creds := target.NewTestCredentials()
	ts := emulator.NewTestServer(t, emulator.WithProject(creds.ProjectID, creds.Secret), emulator.WithLogger(t.Logf))
	t.Setenv(harness.EnvAcc, "1")
	t.Setenv(harness.EnvTarget, "")
	t.Setenv(harness.EnvProjectID, creds.ProjectID)
	t.Setenv(harness.EnvSecret, creds.Secret)
	t.Setenv(harness.EnvBaseURL, ts.URL)
	return ts, creds
}

// TestTest_GateRunsSandboxCases: with STYTCH_ACC=1, STYTCH_TARGET=sandbox and the sandbox
// credentials, a case without a Target runs on the sandbox (here an emulator test server, through
// STYTCH_BASE_URL), and PreCheck runs once.
func TestTest_GateRunsSandboxCases(t *testing.T) {
	ts, creds := sandboxOnEmulator(t)
	t.Setenv(harness.EnvTarget, "sandbox")
	var where targetNames
	c := whereCase(&where)
	preChecks := 0
	c.PreCheck = func() { preChecks++ }
	harness.Test(t, c)

	if got, want := where.all(), []string{"sandbox(" + ts.URL + ")"}; !slices.Equal(got, want) {
		t.Errorf("the case ran on %v, want %v", got, want)
	}
	if preChecks != 1 {
		t.Errorf("PreCheck ran %d times, want 1", preChecks)
	}
	// The case's Stytch call reached the server STYTCH_BASE_URL names, as that project.
	if !slices.ContainsFunc(ts.Emulator.Project(creds.ProjectID).Requests(), func(r emulator.RequestRecord) bool {
		return r.Path == "/v1/passwords/strength_check"
	}) {
		t.Error("the case made no call to the STYTCH_BASE_URL server")
	}
}

// TestTest_GateAddsNoTarget: the gate only lets sandbox cases run; it never moves a case
// elsewhere: a case runs where STYTCH_TARGET or its Target says.
func TestTest_GateAddsNoTarget(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		with func(*harness.TestCase)
	}{
		{name: "case=STYTCH_TARGET=emulator", env: map[string]string{harness.EnvTarget: "emulator"}},
		{name: "case=STYTCH_TARGET unset"},
		{name: "case=explicit target", env: map[string]string{harness.EnvTarget: "sandbox"},
			with: func(c *harness.TestCase) { c.Target = target.NewInProcessOpener(nil) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sandboxOnEmulator(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var where targetNames
			c := whereCase(&where)
			if tt.with != nil {
				tt.with(&c)
			}
			harness.Test(t, c)
			if got := where.all(); !slices.Equal(got, []string{"emulator"}) {
				t.Errorf("the case ran on %v, want the emulator only", got)
			}
		})
	}
}

// TestTest_SharedProjectSkipsIsolationCapabilities: on an emulator that does not auto-provision,
// the opener falls back on one shared project at its first Open; a case requiring clock-control is
// then skipped with the reason, not run against a clock other cases move.
func TestTest_SharedProjectSkipsIsolationCapabilities(t *testing.T) {
	o := target.NewInProcessOpener(emulator.New(), target.WithLogger(t.Logf), target.WithEnv(func(string) string { return "" }))
	ft := runCase(harness.TestCase{Target: o, Requires: []target.Capability{target.ReadCodes, target.ClockControl},
		Steps: []harness.TestStep{{Action: harness.AdvanceTime{D: time.Hour}}}})
	requireSkip(t, ft, "target emulator lacks clock-control", target.SharedNote)

	// Cases needing none of those still run on the shared project.
	requirePassed(t, runCase(harness.TestCase{Target: o, Requires: []target.Capability{target.ReadCodes},
		Steps: []harness.TestStep{{Action: harness.PasswordsCreate{}}}}))
}
