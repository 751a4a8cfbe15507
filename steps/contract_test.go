package steps_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/internal/contract"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// withContract is a target option that checks every exchange of the suite's targets against
// Stytch's published OpenAPI description (see internal/contract); the violations fail t when it
// ends.
func withContract(t *testing.T) target.Option {
	t.Helper()
	c, err := contract.New()
	require.NoError(t, err)
	var mu sync.Mutex
	var errs []error
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, err := range errs {
			t.Errorf("OpenAPI contract: %v", err)
		}
	})
	return target.WithTransport(func(inner http.RoundTripper) http.RoundTripper {
		return c.Transport(inner, func(err error) {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		})
	})
}
