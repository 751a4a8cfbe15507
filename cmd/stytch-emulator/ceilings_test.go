package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/passwords"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"
)

// ceilingProbe starts the emulator with flag=value and counts how many of one kind of request it
// takes before one is refused 429 too_many_requests (at most 40).
type ceilingProbe func(t *testing.T, base string) int

// untilFull runs create until it is refused 429 and returns how many succeeded first.
func untilFull(t *testing.T, create func(i int) error) int {
	t.Helper()
	for i := range 40 {
		err := create(i)
		if err == nil {
			continue
		}
		var se stytcherror.Error
		require.True(t, errors.As(err, &se), "want a Stytch error, got %v", err)
		require.Equal(t, 429, se.StatusCode, "%v", err)
		require.Equal(t, "too_many_requests", string(se.ErrorType), "%v", err)
		return i
	}
	t.Fatal("no ceiling within 40 requests")
	return 0
}

// client is a stytch-go client of the default project of the emulator at base.
func client(t *testing.T, base, projectID string) *stytchapi.API {
	t.Helper()
	c, err := stytchapi.NewClient(projectID, "secret-test-emulator", stytchapi.WithBaseURI(base))
	require.NoError(t, err)
	return c
}

const defaultProject = "project-test-00000000-0000-4000-8000-000000000000"

// usersUntilFull creates users in the default project until the emulator refuses one.
func usersUntilFull(t *testing.T, base string) int {
	c := client(t, base, defaultProject)
	return untilFull(t, func(i int) error {
		_, err := c.Users.Create(context.Background(), &users.CreateParams{Email: fmt.Sprintf("u%d@example.com", i)})
		return err
	})
}

// sessionsUntilFull starts sessions of one user of the default project until the emulator
// refuses one.
func sessionsUntilFull(t *testing.T, base string) int {
	c := client(t, base, defaultProject)
	const pw = "a ceiling probe's password, 2026"
	_, err := c.Passwords.Create(context.Background(), &passwords.CreateParams{Email: "s@example.com", Password: pw})
	require.NoError(t, err)
	return untilFull(t, func(int) error {
		_, err := c.Passwords.Authenticate(context.Background(), &passwords.AuthenticateParams{Email: "s@example.com", Password: pw, SessionDurationMinutes: 60})
		return err
	})
}

// projectsUntilFull provisions new projects until the emulator refuses one.
func projectsUntilFull(t *testing.T, base string) int {
	return untilFull(t, func(int) error {
		c := client(t, base, "project-test-"+uuid.NewString())
		_, err := c.Users.Search(context.Background(), &users.SearchParams{Limit: 1})
		return err
	})
}

// TestCeilingFlags: each ceiling flag sets its ceiling: one more allows exactly one more user,
// session or project before the emulator answers 429 (counting from what the emulator holds
// before the first request, such as its sandbox users, which the ceilings include).
func TestCeilingFlags(t *testing.T) {
	for _, tc := range []struct {
		flag  string
		value int
		probe ceilingProbe
	}{
		{"--max-users-per-project", 8, usersUntilFull},
		{"--max-users", 8, usersUntilFull},
		{"--max-sessions-per-project", 8, sessionsUntilFull},
		{"--max-sessions", 8, sessionsUntilFull},
		{"--max-projects", 3, projectsUntilFull},
	} {
		t.Run("flag="+tc.flag, func(t *testing.T) {
			at := func(v int) int {
				base, _ := startStandaloneEnv(t, noEnv, "--signing-key", "insecure-published-key.pem", tc.flag, strconv.Itoa(v))
				return tc.probe(t, base)
			}
			n := at(tc.value)
			require.Positive(t, n, "room for at least one")
			require.Equal(t, n+1, at(tc.value+1))
		})
	}
}

// TestEvictIdleAfterFlag: at --max-projects, a new project evicts one that has had no request for
// --evict-idle-after; 0 never evicts.
func TestEvictIdleAfterFlag(t *testing.T) {
	for _, tc := range []struct {
		idle    string
		evicted bool
	}{{"1ns", true}, {"0", false}} {
		t.Run("idle="+tc.idle, func(t *testing.T) {
			base, _ := startStandaloneEnv(t, noEnv, "--signing-key", "insecure-published-key.pem", "--max-projects", "2", "--evict-idle-after", tc.idle)
			first, second := client(t, base, "project-test-"+uuid.NewString()), client(t, base, "project-test-"+uuid.NewString())
			_, err := first.Users.Create(context.Background(), &users.CreateParams{Email: "first@example.com"})
			require.NoError(t, err)
			_, err = second.Users.Search(context.Background(), &users.SearchParams{Limit: 1})
			if !tc.evicted {
				var se stytcherror.Error
				require.True(t, errors.As(err, &se), "want a Stytch error, got %v", err)
				require.Equal(t, 429, se.StatusCode)
				return
			}
			require.NoError(t, err)
			got, err := first.Users.Search(context.Background(), &users.SearchParams{Limit: 10})
			require.NoError(t, err, "the evicted project is provisioned afresh")
			require.Empty(t, got.Results, "with nothing of the evicted project in it")
		})
	}
}

func noEnv(string) string { return "" }
