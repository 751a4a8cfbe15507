package steps_test

import (
	"testing"

	"github.com/stytch-emulator/stytchemu/internal/contract"
	"github.com/stytch-emulator/stytchemu/pkg/target"
)

// withContract is a target option that checks every exchange of the suite's targets against
// Stytch's published OpenAPI description (see internal/contract); the violations fail t when it
// ends.
func withContract(t *testing.T) target.Option {
	t.Helper()
	return target.WithTransport(contract.Collect(t))
}
