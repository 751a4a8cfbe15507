package main

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
)

// childEnv makes the test binary run the command itself (see TestMain), so that a test can kill it
// with SIGKILL like any crashed process.
const childEnv = "STYTCH_EMULATOR_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, func(string) string { return "" })
		stop()
		if err != nil {
			os.Stderr.WriteString("stytch-emulator: " + err.Error() + "\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const (
	killProject = "project-test-4b111111-0000-4000-8000-000000000009"
	killSecret  = "secret-test-kill-9"
)

// child is the emulator running as a separate process.
type child struct {
	cmd  *exec.Cmd
	base string
	c    *stytchapi.API
}

// startChild runs the emulator in a process of its own on a free loopback port with dataDir, and
// waits for its ready line.
func startChild(t *testing.T, dataDir string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "--addr", "127.0.0.1:0", "--data-dir", dataDir, "--project-id", killProject, "--secret", killSecret, "--auto-provision=false")
	cmd.Env = append(os.Environ(), childEnv+"=1")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr safeBuffer // written by the process's copier while the test reads it
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no ready line (%v); stderr: %s", err, stderr.String())
	}
	base := readyURL.FindString(line)
	require.NotEmpty(t, base, "ready line %q", line)
	c, err := stytchapi.NewClient(killProject, killSecret, stytchapi.WithBaseURI(base))
	require.NoError(t, err)
	return &child{cmd: cmd, base: base, c: c}
}

// kill9 ends the process with SIGKILL: no shutdown, no final write.
func (ch *child) kill9(t *testing.T) {
	t.Helper()
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGKILL))
	_ = ch.cmd.Wait()
}

func (ch *child) createUsers(t *testing.T, n int) []string {
	t.Helper()
	ids := make([]string, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range ids {
		wg.Go(func() {
			resp, err := ch.c.Users.Create(context.Background(), &users.CreateParams{Email: uuid.NewString() + "@kill.example.com"})
			if err != nil {
				errs <- err
				return
			}
			ids[i] = resp.UserID
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	return ids
}

// TestKill9LosesAtMostTheLastFlush runs the emulator as a process with --data-dir, kills it with
// SIGKILL and starts it again on the same directory: what was flushed is back, and a kill in the
// middle of a burst of writes still leaves a snapshot that loads (the old or the new one, never a
// half-written file).
func TestKill9LosesAtMostTheLastFlush(t *testing.T) {
	dir := t.TempDir()
	snapshot := filepath.Join(dir, "projects", killProject+".json")

	ch := startChild(t, dir)
	ids := ch.createUsers(t, 20)
	// Wait until the last write is on disk, and report how long that took (a bound, not an
	// assertion on speed, keeps a broken writer from hanging the test).
	answered := time.Now()
	for {
		data, err := os.ReadFile(snapshot)
		if err == nil && containsAll(string(data), ids) {
			break
		}
		require.Less(t, time.Since(answered), time.Minute, "the snapshot never caught up")
		time.Sleep(5 * time.Millisecond)
	}
	t.Logf("the last change was on disk %s after its answer (flush delay %s)", time.Since(answered).Round(time.Millisecond), "100ms")
	ch.kill9(t)

	ch = startChild(t, dir)
	for _, id := range ids {
		_, err := ch.c.Users.Get(context.Background(), &users.GetParams{UserID: id})
		require.NoError(t, err, "user %s came back after kill -9", id)
	}

	// A burst, killed at once: the restart loads whatever snapshot is on disk, complete.
	burst := ch.createUsers(t, 40)
	ch.kill9(t)
	ch = startChild(t, dir)
	back := 0
	for _, id := range burst {
		if _, err := ch.c.Users.Get(context.Background(), &users.GetParams{UserID: id}); err == nil {
			back++
		}
	}
	t.Logf("killed right after a burst of %d writes: %d came back (the rest were inside the last flush delay)", len(burst), back)
	for _, id := range ids {
		_, err := ch.c.Users.Get(context.Background(), &users.GetParams{UserID: id})
		require.NoError(t, err, "user %s flushed before the burst is still there", id)
	}

	// A graceful stop writes everything.
	more := ch.createUsers(t, 10)
	require.NoError(t, ch.cmd.Process.Signal(syscall.SIGTERM))
	require.NoError(t, ch.cmd.Wait())
	ch = startChild(t, dir)
	for _, id := range more {
		_, err := ch.c.Users.Get(context.Background(), &users.GetParams{UserID: id})
		require.NoError(t, err, "user %s written on shutdown", id)
	}
	leftovers, err := filepath.Glob(filepath.Join(dir, "projects", ".tmp-*"))
	require.NoError(t, err)
	require.Empty(t, leftovers, "a start removes the temporary files of writes cut off by a kill")
}

func containsAll(s string, ids []string) bool {
	for _, id := range ids {
		if !strings.Contains(s, id) {
			return false
		}
	}
	return true
}
