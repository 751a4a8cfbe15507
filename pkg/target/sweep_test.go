package target_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

func TestSweep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, err := openAs[*target.InProcess](ctx, target.NewInProcessOpener(nil))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	c := tg.Client()

	var leftovers []string
	for range 3 {
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		created, err := c.Passwords.Create(ctx, &passwords.CreateParams{Email: id.Email, Password: id.Password})
		require.NoError(t, err)
		leftovers = append(leftovers, created.UserID)
	}
	var keep []string
	for _, addr := range []string{"someone@example.com", "x.stytch-conform+1@example.com", "stytch-conformance@example.com", "STYTCH-CONFORM@example.com"} {
		created, err := c.Users.Create(ctx, &users.CreateParams{Email: addr})
		require.NoError(t, err)
		keep = append(keep, created.UserID)
	}
	upper, err := c.Users.Create(ctx, &users.CreateParams{Email: "Stytch-Conform+Upper@example.com"})
	require.NoError(t, err)
	leftovers = append(leftovers, upper.UserID)

	n, err := target.Sweep(ctx, c, target.DefaultIdentityPrefix)
	require.NoError(t, err)
	assert.Equal(t, len(leftovers), n)
	for _, id := range leftovers {
		_, err := c.Users.Get(ctx, &users.GetParams{UserID: id})
		requireErrorType(t, err, "user_not_found")
	}
	for _, id := range keep {
		_, err := c.Users.Get(ctx, &users.GetParams{UserID: id})
		require.NoError(t, err, "users without the prefix are kept")
	}
	_, err = c.Users.Get(ctx, &users.GetParams{UserID: emulator.SandboxUserID})
	require.NoError(t, err)

	n, err = target.Sweep(ctx, c, target.DefaultIdentityPrefix+"+")
	require.NoError(t, err)
	assert.Zero(t, n, "nothing left")

	for _, bad := range []string{"", "+", "a@b", " "} {
		_, err := target.Sweep(ctx, c, bad)
		require.Error(t, err, "prefix %q", bad)
	}
}

func TestSweep_Pages(t *testing.T) {
	if testing.Short() {
		t.Skip("creates over a thousand users")
	}
	t.Parallel()
	ctx := context.Background()
	tg, err := openAs[*target.InProcess](ctx, target.NewInProcessOpener(nil))
	require.NoError(t, err)
	closeAtEnd(t, tg)
	const n = 1005 // more than one page of 1000
	for i := range n {
		_, err := tg.Client().Users.Create(ctx, &users.CreateParams{Email: fmt.Sprintf("sweep-pages+%d@example.com", i)})
		require.NoError(t, err)
	}
	got, err := target.Sweep(ctx, tg.Client(), "sweep-pages")
	require.NoError(t, err)
	assert.Equal(t, n, got)
}
