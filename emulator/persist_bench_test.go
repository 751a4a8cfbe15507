package emulator_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/otp/sms"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// seedSessions gives the default project n users, each with a session (SMS login through the SDK).
func seedSessions(b *testing.B, e *emulator.Emulator, n int) {
	b.Helper()
	ctx := context.Background()
	c := newClientB(b, e)
	p := e.Project(emulator.DefaultProjectID)
	for i := range n {
		phone := fmt.Sprintf("+1556%07d", i)
		sent, err := c.OTPs.Sms.LoginOrCreate(ctx, &sms.LoginOrCreateParams{PhoneNumber: phone})
		if err != nil {
			b.Fatal(err)
		}
		msgs := p.Messages(phone)
		if _, err := c.OTPs.Authenticate(ctx, &otp.AuthenticateParams{MethodID: sent.PhoneID, Code: msgs[len(msgs)-1].Code, SessionDurationMinutes: 600}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStartWithSnapshot measures a start on a data directory holding a project of 10,000
// users with 10,000 sessions: reading, checking and installing the snapshot (ns/op is one start).
func BenchmarkStartWithSnapshot(b *testing.B) {
	dir := b.TempDir()
	e := emulator.New(emulator.WithDataDir(dir))
	seedSessions(b, e, 10_000)
	if err := e.Close(); err != nil {
		b.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, "projects", emulator.DefaultProjectID+".json"))
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		e, err := emulator.Build(emulator.WithDataDir(dir))
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if err := e.Close(); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(st.Size())/(1<<20), "MB-snapshot")
}

// BenchmarkPersistenceCost is passwords/authenticate (with a new session each time) on a project of
// 10,000 users with sessions, in memory and with a data directory, where every change schedules a
// snapshot of the whole project: compare the two ns/op. Run the two modes in separate processes
// (-bench 'BenchmarkPersistenceCost/memory', then '/data-dir') so that neither carries the other's
// heap.
func BenchmarkPersistenceCost(b *testing.B) {
	for _, mode := range []string{"memory", "data-dir"} {
		// Made on the first run of the sub-benchmark and kept for the later ones (so not b.TempDir,
		// which ends with the first run).
		var e *emulator.Emulator
		var dir string
		b.Run(mode, func(b *testing.B) {
			if e == nil {
				var opts []emulator.Option
				if mode == "data-dir" {
					var err error
					if dir, err = os.MkdirTemp("", "persist-cost-"); err != nil {
						b.Fatal(err)
					}
					opts = append(opts, emulator.WithDataDir(dir))
				}
				e = emulator.New(opts...)
				seedSessions(b, e, 10_000)
				if _, err := newClientB(b, e).Passwords.Create(context.Background(), &passwords.CreateParams{Email: "cost@example.com", Password: benchPassword}); err != nil {
					b.Fatal(err)
				}
				b.ResetTimer()
			}
			ctx := context.Background()
			c := newClientB(b, e)
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := c.Passwords.Authenticate(ctx, &passwords.AuthenticateParams{Email: "cost@example.com", Password: benchPassword, SessionDurationMinutes: 60}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		if e != nil {
			_ = e.Close()
		}
		if dir != "" {
			_ = os.RemoveAll(dir)
		}
	}
}

// BenchmarkSnapshotOf10k is one flush's work on a project of 10,000 users with sessions, without
// the disk: copying the state under the project lock and encoding it (what Export does). The
// writer waits nine times as long as a write took before the next one, so it takes at most about a
// tenth of one CPU, whatever the project's size.
func BenchmarkSnapshotOf10k(b *testing.B) {
	e := emulator.New()
	seedSessions(b, e, 10_000)
	p := e.Project(emulator.DefaultProjectID)
	var size int
	b.ResetTimer()
	for b.Loop() {
		data, err := p.Export()
		if err != nil {
			b.Fatal(err)
		}
		size = len(data)
	}
	b.ReportMetric(float64(size)/(1<<20), "MB")
}
