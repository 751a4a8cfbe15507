package target

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/stytchauth/stytch-go/v16/stytch/consumer/stytchapi"
	"github.com/stytchauth/stytch-go/v16/stytch/consumer/users"
	"github.com/stytchauth/stytch-go/v16/stytch/stytcherror"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// base is what every target shares: its name, the stytch-go client, the identity generator and
// the users to clean up.
type base struct {
	name   string
	client *stytchapi.API
	ids    *identities
	logf   func(format string, args ...any)
	stop   context.CancelFunc // ends the client's JWKS refresher

	mu      sync.Mutex
	tracked []string
}

// newBase builds the stytch-go client for creds at baseURL over hc, its transport wrapped as
// WithTransport says. The client's background JWKS refresher lives until Close.
func newBase(ctx context.Context, name string, creds Credentials, baseURL string, hc *http.Client, o options) (*base, error) {
	jwksCtx, stop := context.WithCancel(ctx)
	client, err := stytchapi.NewClient(creds.ProjectID, creds.Secret,
		stytchapi.WithHTTPClient(wrapClient(hc, o.wrap)),
		stytchapi.WithBaseURI(baseURL),
		stytchapi.WithInitializationContext(jwksCtx),
	)
	if err != nil {
		stop()
		return nil, fmt.Errorf("stytch client for %s: %w", name, err)
	}
	return &base{name: name, client: client, ids: o.ids, logf: o.logf, stop: stop}, nil
}

// Name identifies the target in reports.
func (b *base) Name() string { return b.name }

// Client is the target's stytch-go client.
func (b *base) Client() *stytchapi.API { return b.client }

// Track records a user to be deleted by Cleanup; the sandbox user and users already tracked are
// ignored.
func (b *base) Track(userID string) {
	if userID == "" || userID == emulator.SandboxUserID {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !slices.Contains(b.tracked, userID) {
		b.tracked = append(b.tracked, userID)
	}
}

// Cleanup deletes the tracked users, newest first. Users already gone count as deleted; the others
// that fail stay tracked and their errors are joined.
func (b *base) Cleanup(ctx context.Context) error {
	b.mu.Lock()
	ids := b.tracked
	b.tracked = nil
	b.mu.Unlock()
	var errs []error
	var failed []string
	for _, id := range slices.Backward(ids) {
		if err := deleteUser(ctx, b.client, id); err != nil {
			errs = append(errs, err)
			failed = append(failed, id)
		}
	}
	if len(failed) > 0 {
		slices.Reverse(failed)
		b.mu.Lock()
		b.tracked = append(failed, b.tracked...)
		b.mu.Unlock()
	}
	return errors.Join(errs...)
}

// Close ends the client's background JWKS refresher; the client keeps working for API calls.
func (b *base) Close() error {
	b.stop()
	return nil
}

// deleteUser deletes a user; a user that does not exist (any more) is not an error. The sandbox
// user is never deleted.
func deleteUser(ctx context.Context, c *stytchapi.API, userID string) error {
	if userID == emulator.SandboxUserID {
		return nil
	}
	if _, err := c.Users.Delete(ctx, &users.DeleteParams{UserID: userID}); err != nil && !isErrorType(err, "user_not_found") {
		return fmt.Errorf("delete user %s: %w", userID, err)
	}
	return nil
}

// isErrorType reports whether err is a Stytch API error of the given error_type.
func isErrorType(err error, errorType string) bool {
	se, ok := AsStytchError(err)
	return ok && string(se.ErrorType) == errorType
}

// AsStytchError returns the Stytch API error in err's chain, and whether there is one. stytch-go
// returns stytcherror.Error values; a *stytcherror.Error is accepted too. It is the one place the
// harness and the targets unwrap stytch-go's errors.
func AsStytchError(err error) (stytcherror.Error, bool) {
	var se stytcherror.Error
	if errors.As(err, &se) {
		return se, true
	}
	var sp *stytcherror.Error
	if errors.As(err, &sp) && sp != nil {
		return *sp, true
	}
	return stytcherror.Error{}, false
}
