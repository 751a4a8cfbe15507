package target

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// Search paging bounds of Sweep.
const (
	sweepPageSize = 1000
	sweepMaxPages = 1000
)

// Sweep deletes the users left behind by earlier runs, like Terraform's sweepers: every user with
// an email address of the form <prefix>+...@... (the identities NewIdentity hands out with that
// prefix, e.g. DefaultIdentityPrefix). It finds them with users.search (email_address_fuzzy, then
// an exact prefix check, since fuzzy search also matches elsewhere in the address), collects all
// pages first, then deletes. The sandbox user is never deleted; users already gone are not an error.
// It returns how many users it deleted. Do not run it while a suite with the same prefix runs.
func Sweep(ctx context.Context, client *stytchapi.API, prefix string) (int, error) {
	prefix = strings.TrimSuffix(strings.TrimSpace(prefix), "+")
	if prefix == "" || strings.ContainsAny(prefix, "@ ") {
		return 0, fmt.Errorf("sweep: prefix %q must be a non-empty email local-part prefix such as %q", prefix, DefaultIdentityPrefix)
	}
	want := strings.ToLower(prefix) + "+"
	ids, err := sweepCandidates(ctx, client, want)
	if err != nil {
		return 0, err
	}
	var errs []error
	deleted := 0
	for _, id := range ids {
		if err := deleteUser(ctx, client, id); err != nil {
			errs = append(errs, err)
			continue
		}
		deleted++
	}
	if err := errors.Join(errs...); err != nil {
		return deleted, fmt.Errorf("sweep %s: %w", want, err)
	}
	return deleted, nil
}

// sweepCandidates returns the ids of the users with an email starting with want (lower case).
func sweepCandidates(ctx context.Context, client *stytchapi.API, want string) ([]string, error) {
	var ids []string
	cursor := ""
	for range sweepMaxPages {
		resp, err := client.Users.Search(ctx, &users.SearchParams{
			Cursor: cursor,
			Limit:  sweepPageSize,
			Query: &users.SearchUsersQuery{
				Operator: users.SearchUsersQueryOperatorAND,
				Operands: []map[string]any{{"filter_name": "email_address_fuzzy", "filter_value": want}},
			},
		})
		if err != nil {
			return nil, fmt.Errorf("sweep %s: search users: %w", want, err)
		}
		for _, u := range resp.Results {
			if u.UserID != emulator.SandboxUserID && hasEmailPrefix(u, want) {
				ids = append(ids, u.UserID)
			}
		}
		next := resp.ResultsMetadata.NextCursor
		if next == "" {
			return ids, nil
		}
		if next == cursor {
			return nil, fmt.Errorf("sweep %s: search returned the same cursor twice", want)
		}
		cursor = next
	}
	return nil, fmt.Errorf("sweep %s: more than %d pages of users", want, sweepMaxPages)
}

// hasEmailPrefix reports whether one of u's email addresses starts with want (lower case).
func hasEmailPrefix(u users.User, want string) bool {
	for _, e := range u.Emails {
		if strings.HasPrefix(strings.ToLower(e.Email), want) {
			return true
		}
	}
	return false
}
