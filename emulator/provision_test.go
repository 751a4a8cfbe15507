package emulator_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stytch-emulator/stytchemu/emulator"
)

// TestAutoProvisionOnlyUUIDProjects: auto-provisioning creates a project only for a
// project-test-<uuid> id (lowercase, canonical form) with a secret; any other id is refused with
// 401 unauthorized_credentials and creates nothing, so a typo or a made-up name cannot claim a
// project by accident.
func TestAutoProvisionOnlyUUIDProjects(t *testing.T) {
	t.Parallel()
	const good = "project-test-a0000000-0000-4000-8000-0000000000b2"
	for _, tc := range []struct {
		name, id, secret string
	}{
		{"case=prefix only", "project-test-", "secret-test-x"},
		{"case=a name", "project-test-ci", "secret-test-x"},
		{"case=uppercase", "project-test-A0000000-0000-4000-8000-0000000000B2", "secret-test-x"},
		{"case=no hyphens", "project-test-a000000000004000800000000000b2", "secret-test-x"},
		{"case=braces", "project-test-{a0000000-0000-4000-8000-0000000000b2}", "secret-test-x"},
		{"case=urn", "project-test-urn:uuid:a0000000-0000-4000-8000-0000000000b2", "secret-test-x"},
		{"case=suffix", good + "-x", "secret-test-x"},
		{"case=live", "project-live-a0000000-0000-4000-8000-0000000000b2", "secret-live-x"},
		{"case=empty secret", good, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := emulator.New(emulator.WithAutoProvision())
			status, body := serve(e, "POST", "/v1/users/search", []byte(`{}`), authHeader(tc.id, tc.secret))
			require.Equal(t, 401, status, "%s", body)
			requireErrorBody(t, 401, body, "unauthorized_credentials")
			require.NotContains(t, e.Projects(), tc.id)
			require.Len(t, e.Projects(), 1, "only the default project")
		})
	}
	require.True(t, emulator.IsTestProjectID(good))
	e := emulator.New(emulator.WithAutoProvision())
	status, body := serve(e, "POST", "/v1/users/search", []byte(`{}`), authHeader(good, "secret-test-x"))
	require.Equal(t, 200, status, "%s", body)
	require.Contains(t, e.Projects(), good)
}
