package target_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks"
	mlemail "github.com/stytchauth/stytch-go/v16/stytch/consumer/magiclinks/email"

	"github.com/stytch-emulator/stytchemu/emulator"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// readLink is what every magic-link reader must do: the link it reads for an identity whose codes
// it can read authenticates, and an unsent link is ErrNoCode (or, for an identity it cannot read,
// ErrCodeUnavailable).
func readLink(t *testing.T, tg target.Target) {
	t.Helper()
	ctx := context.Background()
	r, ok := tg.(target.MagicLinkReader)
	require.True(t, ok, "%s reads no magic links", tg.Name())

	id, err := tg.NewIdentity(ctx, true)
	require.NoError(t, err)
	if !id.Sandbox {
		_, err := r.MagicLink(ctx, id.Email)
		require.ErrorIs(t, err, target.ErrNoCode)
	}
	sent, err := tg.Client().MagicLinks.Email.LoginOrCreate(ctx, &mlemail.LoginOrCreateParams{Email: id.Email})
	require.NoError(t, err)
	tg.Track(sent.UserID)
	link, err := r.MagicLink(ctx, id.Email)
	require.NoError(t, err)
	if id.Sandbox {
		require.Equal(t, emulator.SandboxMagicLinkToken, link.Token)
	} else {
		require.Equal(t, "signup", link.Type)
		u, err := url.Parse(link.URL)
		require.NoError(t, err)
		require.Equal(t, link.Token, u.Query().Get("token"))
	}
	got, err := tg.Client().MagicLinks.Authenticate(ctx, &magiclinks.AuthenticateParams{Token: link.Token})
	require.NoError(t, err, "the link the target read must authenticate")
	require.Equal(t, sent.UserID, got.UserID)

	other, err := tg.NewIdentity(ctx, false)
	require.NoError(t, err)
	_, err = r.MagicLink(ctx, other.Email)
	if tg.Has(target.ReadCodes) {
		require.ErrorIs(t, err, target.ErrNoCode)
	} else {
		require.ErrorIs(t, err, target.ErrCodeUnavailable)
	}
}

func TestMagicLinkReaders(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("target=in-process", func(t *testing.T) {
		tg, err := target.NewInProcessOpener(nil).Open(ctx)
		require.NoError(t, err)
		closeAtEnd(t, tg)
		readLink(t, tg)
	})
	t.Run("target=remote", func(t *testing.T) {
		ts := emulator.NewTestServer(t, emulator.WithAutoProvision())
		o, err := target.NewRemoteOpener(ts.URL)
		require.NoError(t, err)
		tg, err := o.Open(ctx)
		require.NoError(t, err)
		closeAtEnd(t, tg)
		readLink(t, tg)
	})
	t.Run("target=sandbox", func(t *testing.T) {
		tg, _ := newSandboxOnEmulator(t)
		readLink(t, tg)
	})
}
