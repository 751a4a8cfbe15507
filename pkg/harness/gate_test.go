package harness_test

import (
	"os"
	"os/exec"
	"slices"
	"strings"
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

// TestTest_GateRunsCasesOnEmulatorAndSandbox: design.md §3.4. With STYTCH_ACC=1 and the sandbox
// credentials, and no STYTCH_TARGET, a case without a Target runs on the emulator and on the
// sandbox, as the subtests "emulator" and "sandbox" (here the sandbox is an emulator test server,
// through STYTCH_BASE_URL); PreCheck runs once.
func TestTest_GateRunsCasesOnEmulatorAndSandbox(t *testing.T) {
	ts, creds := sandboxOnEmulator(t)
	var where targetNames
	c := whereCase(&where)
	preChecks := 0
	c.PreCheck = func() { preChecks++ }
	harness.Test(t, c)

	if got, want := where.all(), []string{"emulator", "sandbox(" + ts.URL + ")"}; !slices.Equal(got, want) {
		t.Errorf("the case ran on %v, want %v", got, want)
	}
	if preChecks != 1 {
		t.Errorf("PreCheck ran %d times, want 1", preChecks)
	}
	// The sandbox run's Stytch call reached the server STYTCH_BASE_URL names, as that project.
	if !slices.ContainsFunc(ts.Emulator.Project(creds.ProjectID).Requests(), func(r emulator.RequestRecord) bool {
		return r.Path == "/v1/passwords/strength_check"
	}) {
		t.Error("the sandbox subtest made no call to the STYTCH_BASE_URL server")
	}
}

// TestTest_GateKeepsExplicitTargets: the emulator-and-sandbox split is only for cases whose target
// comes from nowhere: not when STYTCH_TARGET names one, not without the gate, not for a case with
// a Target.
func TestTest_GateKeepsExplicitTargets(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		with func(*harness.TestCase)
	}{
		{name: "case=STYTCH_TARGET=emulator", env: map[string]string{harness.EnvTarget: "emulator"}},
		{name: "case=gate off", env: map[string]string{harness.EnvAcc: ""}},
		{name: "case=explicit target", with: func(c *harness.TestCase) { c.Target = target.NewInProcessOpener(nil) }},
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

// TestTest_GateWithoutRunRunsOnTheEmulator: a T without *testing.T's Run cannot hold two
// subtests: the case runs on the emulator only, and the log says the sandbox run is missing.
func TestTest_GateWithoutRunRunsOnTheEmulator(t *testing.T) {
	sandboxOnEmulator(t)
	var where targetNames
	ft := runCase(whereCase(&where))
	requirePassed(t, ft)
	if got := where.all(); !slices.Equal(got, []string{"emulator"}) {
		t.Errorf("the case ran on %v, want the emulator only", got)
	}
	if !slices.ContainsFunc(ft.logs, func(l string) bool {
		return strings.Contains(l, "cannot run subtests: the case runs on the emulator only")
	}) {
		t.Errorf("want a log saying the sandbox run is missing, got:%s", ft.report())
	}
}

// childEnv marks the process TestTest_GateWithoutCredentialsFailsTheSandboxRun starts.
const childEnv = "HARNESS_GATE_TEST_CHILD"

// TestTest_GateWithoutCredentialsFailsTheSandboxRun: with the gate on but no credentials, the
// emulator subtest passes and the sandbox subtest fails naming the missing variables (Terraform's
// convention: the gate asks for the acceptance run, so missing credentials are an error, not a
// skip). A failing subtest fails its parent, so the case runs in a child test process.
func TestTest_GateWithoutCredentialsFailsTheSandboxRun(t *testing.T) {
	if os.Getenv(childEnv) == "1" {
		var where targetNames
		harness.Test(t, whereCase(&where))
		return
	}
	if testing.Short() {
		t.Skip("starts a child test process")
	}
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^"+t.Name()+"$", "-test.v", "-test.count=1", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), childEnv+"=1", harness.EnvAcc+"=1", harness.EnvTarget+"=",
		harness.EnvProjectID+"=", harness.EnvSecret+"=", harness.EnvBaseURL+"=")
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("want the child test to fail (its sandbox subtest), it passed:\n%s", out)
	}
	for _, want := range []string{
		"--- PASS: " + t.Name() + "/emulator",
		"--- FAIL: " + t.Name() + "/sandbox",
		"STYTCH_ACC is set but the sandbox cannot be used",
		"STYTCH_PROJECT_ID and STYTCH_SECRET",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("want %q in the child's output:\n%s", want, out)
		}
	}
}

// TestTest_SharedProjectSkipsIsolationCapabilities: on an emulator that does not auto-provision,
// the opener falls back on one shared project at its first Open; a case requiring clock-control is
// then skipped with the reason, not run against a clock other cases move.
func TestTest_SharedProjectSkipsIsolationCapabilities(t *testing.T) {
	o := target.NewInProcessOpener(emulator.New(), target.WithLogger(t.Logf), target.WithEnv(func(string) string { return "" }))
	ft := runCase(harness.TestCase{Target: o, Requires: []target.Capability{target.ReadCodes, target.ClockControl},
		Steps: []harness.TestStep{{Action: harness.AdvanceTime{D: time.Hour}}}})
	requireSkip(t, ft, "target emulator lacks the capability clock-control the case requires", target.SharedNote)

	// Cases needing none of those still run on the shared project.
	requirePassed(t, runCase(harness.TestCase{Target: o, Requires: []target.Capability{target.ReadCodes},
		Steps: []harness.TestStep{{Action: harness.PasswordsCreate{}}}}))
}
