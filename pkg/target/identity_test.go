package target_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/trustelem/zxcvbn"

	"github.com/stytch-emulator/stytchemu/pkg/target"
)

func TestNewIdentity_UniqueAndStrong(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tg, err := openAs[*target.InProcess](ctx, target.NewInProcessOpener(nil, target.WithIdentityPrefix("ci-job-7")))
	require.NoError(t, err)
	closeAtEnd(t, tg)

	emails, phones, pws := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for i := range 2000 {
		id, err := tg.NewIdentity(ctx, i%2 == 0)
		require.NoError(t, err)
		require.False(t, id.Sandbox, "emulator identities are never the sandbox one")
		require.Regexp(t, `^ci-job-7\+[a-z2-7]{16}@example\.com$`, id.Email)
		require.Regexp(t, `^\+1555[0-9]{7}$`, id.Phone)
		require.False(t, emails[id.Email], "duplicate email %s", id.Email)
		require.False(t, phones[id.Phone], "duplicate phone %s", id.Phone)
		emails[id.Email], phones[id.Phone], pws[id.Password] = true, true, true
		if i < 100 {
			score := zxcvbn.PasswordStrength(id.Password, nil).Score
			require.GreaterOrEqual(t, score, 3, "weak password %q", id.Password)
		}
	}
	assert.Len(t, pws, 2000, "passwords are random")

	// The emulator's own strength check agrees.
	for range 10 {
		id, err := tg.NewIdentity(ctx, false)
		require.NoError(t, err)
		got, err := tg.Client().Passwords.StrengthCheck(ctx, &passwords.StrengthCheckParams{Password: id.Password})
		require.NoError(t, err)
		assert.True(t, got.ValidPassword, "%q: %+v", id.Password, got.Feedback)
	}
}
