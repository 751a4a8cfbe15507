package emulator_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// What the data directory's projects folder holds besides snapshots the emulator wrote: a FIFO
// named like a snapshot held the start forever (it did not even stop on SIGTERM), a link to
// /dev/zero ran it out of memory, and a snapshot under another project's file name started once,
// was written again under its own name, and the next start failed on the two copies. Each is now
// refused at the start with one error naming the file, which is left as it is.
func TestAttackDataDirHoldsOnlyItsOwnSnapshots(t *testing.T) {
	t.Parallel()
	good := func(t *testing.T) (string, []byte) {
		dir := t.TempDir()
		a := newH(t, "inprocess", emulator.WithDataDir(dir))
		a.createUser(t, a.Email("dd"))
		require.NoError(t, a.E.Close())
		data, err := os.ReadFile(filepath.Join(dir, "projects", emulator.DefaultProjectID+".json"))
		require.NoError(t, err)
		return dir, data
	}

	t.Run("a FIFO", func(t *testing.T) {
		t.Parallel()
		dir, data := good(t)
		fifo := filepath.Join(dir, "projects", otherProjectID+".json")
		require.NoError(t, syscall.Mkfifo(fifo, 0o600))
		wrote := make(chan error, 1)
		go func() { // a writer that hands whoever opens the FIFO a valid snapshot
			w, err := os.OpenFile(fifo, os.O_WRONLY, 0)
			if err == nil {
				_, err = w.Write(data)
				_ = w.Close()
			}
			wrote <- err
		}()
		_, err := emulator.Build(emulator.WithDataDir(dir))
		// Release the writer if the start did not open the FIFO.
		if r, oerr := os.OpenFile(fifo, os.O_RDONLY|syscall.O_NONBLOCK, 0); oerr == nil {
			require.NoError(t, <-wrote)
			_ = r.Close()
		}
		require.Error(t, err)
		require.Contains(t, err.Error(), fifo)
		require.Contains(t, err.Error(), "not a regular file")
	})

	t.Run("a link to a device", func(t *testing.T) {
		t.Parallel()
		dir, _ := good(t)
		link := filepath.Join(dir, "projects", otherProjectID+".json")
		require.NoError(t, os.Symlink("/dev/zero", link))
		_, err := emulator.Build(emulator.WithDataDir(dir))
		require.Error(t, err)
		require.Contains(t, err.Error(), link)
		require.Contains(t, err.Error(), "not a regular file")
	})

	t.Run("a file larger than any snapshot", func(t *testing.T) {
		t.Parallel()
		dir, _ := good(t)
		path := filepath.Join(dir, "projects", otherProjectID+".json")
		f, err := os.Create(path)
		require.NoError(t, err)
		require.NoError(t, f.Truncate(1<<30+1)) // sparse: no disk used
		require.NoError(t, f.Close())
		_, err = emulator.Build(emulator.WithDataDir(dir))
		require.Error(t, err)
		require.Contains(t, err.Error(), path)
		require.Contains(t, err.Error(), "larger than")
		st, err := os.Stat(path)
		require.NoError(t, err)
		require.EqualValues(t, 1<<30+1, st.Size(), "the file is left as it is")
	})

	t.Run("a snapshot under another project's name", func(t *testing.T) {
		t.Parallel()
		dir, data := good(t)
		path := filepath.Join(dir, "projects", "renamed.json")
		require.NoError(t, os.Rename(filepath.Join(dir, "projects", emulator.DefaultProjectID+".json"), path))
		_, err := emulator.Build(emulator.WithDataDir(dir))
		require.Error(t, err)
		require.Contains(t, err.Error(), path)
		require.Contains(t, err.Error(), emulator.DefaultProjectID+".json")
		after, rerr := os.ReadFile(path)
		require.NoError(t, rerr)
		require.Equal(t, data, after, "the file is left as it is")
	})
}
